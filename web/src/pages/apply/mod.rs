//! Apply: e-mail → code → service and branch → date and time → details → review → submit,
//! one module per step. The journey's state is one [`journey::Journey`] in context; each step
//! has its own address (`?step=`), and the draft lives in `sessionStorage`, so that Back,
//! Forward, a reload or a restored tab never lose what was chosen or typed.

mod country;
mod details;
mod email;
mod journey;
mod review;
mod service;
mod slot;
mod texts;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use temujanji_shared::wire::Branch;

use crate::Catalog;
use crate::api::{self, Answer};
use crate::i18n::{BilingualList, Text, step_of, tr, use_lang};
use crate::pages::PageHeading;
use crate::verify::CodeForm;
use crate::waitlist::{OfferPanel, OfferState, check_offer};
use journey::{Journey, Step, ask_before_leaving};
use temujanji_shared::rules::fee;
use texts::ApplyText;

/// The branches, loaded when the apply page opens (only it needs them).
#[derive(Clone, Copy)]
pub struct Branches {
    list: LocalResource<Answer<Vec<Branch>>>,
}

impl Branches {
    fn load() -> Branches {
        let lang = use_lang().get_untracked();
        Branches {
            list: LocalResource::new(move || api::branches(lang)),
        }
    }

    fn use_context() -> Branches {
        expect_context::<Branches>()
    }

    fn retry(&self) {
        self.list.refetch();
    }

    fn failed(&self) -> bool {
        matches!(self.list.get(), Some(Err(_)))
    }

    fn branch(&self, code: &str) -> Option<Branch> {
        self.list
            .get()
            .and_then(Result::ok)?
            .into_iter()
            .find(|b| b.code.as_str() == code)
    }
}

#[component]
pub fn ApplyPage() -> impl IntoView {
    let lang = use_lang();
    let catalog = Catalog::use_context();
    provide_context(Branches::load());
    let journey = Journey::new();
    provide_context(journey);
    ask_before_leaving(journey);
    let Journey {
        step,
        session,
        service,
        page_notice,
        return_to,
        ..
    } = journey;
    // A seat held by a waitlist offer (`?offer=ID`, the offer e-mail's link): once signed in,
    // its slot fills the journey, which goes on at the details.
    let offer_id =
        use_query_map().with_untracked(|q| q.get("offer").and_then(|v| v.parse::<i64>().ok()));
    let offer_state = RwSignal::new(None::<OfferState>);
    Effect::new(move |checked: Option<bool>| {
        if checked == Some(true) {
            return true;
        }
        match (offer_id, session.get()) {
            (Some(id), Some(_)) => {
                check_offer(lang.get_untracked(), id, offer_state);
                true
            }
            _ => false,
        }
    });
    Effect::new(move |_| {
        let held = match offer_state.get() {
            Some(OfferState::Held(offer)) => offer,
            _ => return,
        };
        let fresh = journey.offer.get_untracked().as_ref() != Some(&held);
        if fresh {
            journey.service.set(held.service.clone());
            journey.branch.set(held.branch.clone());
            journey.date.set(Some(held.date));
            journey.start.set(Some(held.start.clone()));
            journey.offer.set(Some(held));
            journey.go(Step::Details);
        }
    });

    let heading = Signal::derive(move || {
        let lang = lang.get();
        format!(
            "{} — {}",
            ApplyText::ApplyHeading.get(lang),
            step.get().title().get(lang)
        )
    });

    view! {
        <PageHeading text=heading step=Signal::derive(move || step.get().number()) />
        <p class="step-count">{move || step_of(lang.get(), step.get().number(), Step::ALL.len())}</p>
        <ol class="progress" aria-hidden="true">
            {Step::ALL
                .iter()
                .map(|s| {
                    let s = *s;
                    view! {
                        <li class:done=move || { step.get() > s } class:current=move || { step.get() == s }>
                            {tr(s.title())}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        {move || {
            page_notice
                .get()
                .map(|text| view! { <p class="alert" role="alert">{tr(text)}</p> })
        }}
        <OfferPanel state=offer_state />
        {move || match step.get() {
            Step::Email => view! { <email::EmailStep /> }.into_any(),
            Step::Code => {
                view! {
                    <CodeForm
                        email=journey.email.get_untracked()
                        resend_at=journey.resend_at
                        on_verified=Callback::new(move |s| {
                            session.set(Some(s));
                            page_notice.set(None);
                            journey.go(return_to.get_untracked().unwrap_or(Step::Service));
                            return_to.set(None);
                        })
                        on_change_email=Callback::new(move |_| journey.go(Step::Email))
                    />
                }
                    .into_any()
            }
            Step::Service => view! { <service::ServiceStep /> }.into_any(),
            Step::Slot => view! { <slot::SlotStep /> }.into_any(),
            Step::Details => view! { <details::DetailsStep /> }.into_any(),
            Step::Review => view! { <review::ReviewStep /> }.into_any(),
        }}
        {move || {
            (step.get() >= Step::Slot)
                .then(|| {
                    catalog
                        .service(&service.get())
                        .map(|s| {
                            let docs = s.documents.clone();
                            view! {
                                <aside class="panel documents" aria-labelledby="docs-heading">
                                    <h2 id="docs-heading">{tr(Text::DocumentsHeading)}</h2>
                                    <BilingualList items=docs />
                                    <p>
                                        <strong>{tr(Text::Fee)}": "</strong>
                                        {move || fee(lang.get(), s.fee_sen)}
                                        ". "
                                        {tr(Text::CardOnly)}
                                    </p>
                                </aside>
                            }
                        })
                })
        }}
        {move || {
            (step.get() > Step::Code && journey.has_started())
                .then(|| {
                    view! {
                        <p class="start-again">
                            <button
                                type="button"
                                class="button link"
                                id="start-again"
                                on:click=move |_| {
                                    let confirmed = web_sys::window()
                                        .and_then(|w| {
                                            w.confirm_with_message(ApplyText::StartAgainConfirm.get(lang.get_untracked()))
                                                .ok()
                                        })
                                        .unwrap_or(false);
                                    if confirmed {
                                        journey.start_again();
                                    }
                                }
                            >
                                {tr(ApplyText::StartAgain)}
                            </button>
                        </p>
                    }
                })
        }}
    }
}
