//! Step 6: the review of everything chosen and typed, and the booking itself.

use chrono::TimeDelta;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use temujanji_shared::address::State;
use temujanji_shared::form::BookingForm;
use temujanji_shared::problem::ProblemType;
use temujanji_shared::wire::ClockTime;

use super::Branches;
use super::details::listed_from_server;
use super::journey::{Journey, Step};
use super::texts::ApplyText;
use crate::Catalog;
use crate::api::{self, Failure};
use crate::calendar::nearest_free;
use crate::fields::{Alert, ErrorSummary, Listed, Status, focus_element};
use crate::i18n::{Text, Wording, long_date, tr, use_lang};
use crate::session::Session;

/// "HH:MM" plus a slot's length, for showing the slot as a range.
fn slot_end(start: &str, minutes: i32) -> Option<String> {
    let start = ClockTime::parse(start)?;
    let end = start.time() + TimeDelta::minutes(minutes.into());
    Some(ClockTime::new(end).to_string())
}

/// A new random key for `Idempotency-Key`.
fn new_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{}", js_sys::Date::now()))
}

#[component]
pub(super) fn ReviewStep() -> impl IntoView {
    let journey = Journey::use_context();
    let Journey {
        details,
        email,
        service,
        branch,
        date,
        start,
        session,
        reload,
        keyed,
        page_notice,
        return_to,
        offer,
        ..
    } = journey;
    let lang = use_lang();
    let catalog = Catalog::use_context();
    let branches = Branches::use_context();
    let navigate = use_navigate();
    let failure = RwSignal::new(None::<Failure>);
    let server_problems = RwSignal::new(Vec::<Listed>::new());
    let server_attempt = RwSignal::new(0u32);
    let taken = RwSignal::new(false);

    let form = move || BookingForm {
        branch: Some(branch.get()),
        service: Some(service.get()),
        date: date.get().map(|d| d.to_string()),
        start: start.get(),
        applicant: details.form(email.get()),
        altcha: None,
    };
    let submit = Action::new_local(move |(token, key, form): &(String, String, BookingForm)| {
        let (token, key, form) = (token.clone(), key.clone(), form.clone());
        let rush = form
            .service
            .as_deref()
            .and_then(|code| catalog.service(code))
            .is_some_and(|service| service.rush);
        let held = offer.get_untracked().filter(|o| {
            o.holds(
                form.service.as_deref().unwrap_or_default(),
                form.branch.as_deref().unwrap_or_default(),
                form.date.as_deref().and_then(|d| d.parse().ok()),
                form.start.as_deref(),
            )
        });
        async move {
            match held {
                Some(held) => {
                    api::book_offer(lang.get_untracked(), &token, &key, held.id, &form).await
                }
                None => api::book(lang.get_untracked(), &token, &key, &form, rush).await,
            }
        }
    });
    Effect::new(move |_| {
        let Some(result) = submit.value().get() else {
            return;
        };
        let lang = lang.get_untracked();
        match result {
            Ok(appointment) => {
                journey.finish();
                // Replace: Back from the slip must not lead to an emptied form.
                navigate(
                    &format!("/appointment/{}?booked=1", appointment.reference),
                    leptos_router::NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
            Err(Failure::Problem(p))
                if matches!(p.kind, ProblemType::SlotFull | ProblemType::NoSuchSlot) =>
            {
                taken.set(true);
                reload.update(|n| *n += 1);
            }
            Err(Failure::Problem(p)) if p.kind == ProblemType::Unauthorized => {
                Session::end();
                session.set(None);
                page_notice.set(Some(Text::SignInAgain));
                return_to.set(Some(Step::Review));
                journey.go(Step::Email);
            }
            Err(Failure::Problem(p)) if p.kind == ProblemType::ValidationFailed => {
                server_problems.set(listed_from_server(&p.errors, lang, details.is_passport()));
                server_attempt.update(|n| *n += 1);
                failure.set(Some(Failure::Problem(p)));
            }
            Err(other) => failure.set(Some(other)),
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        server_problems.set(Vec::new());
        taken.set(false);
        let Some(token) = Session::current().map(|s| s.token) else {
            session.set(None);
            page_notice.set(Some(Text::SignInAgain));
            return_to.set(Some(Step::Review));
            journey.go(Step::Email);
            return;
        };
        let body = form();
        let key = match keyed.get_untracked() {
            Some((previous, key)) if previous == body => key,
            _ => new_key(),
        };
        keyed.set(Some((body.clone(), key.clone())));
        submit.dispatch((token, key, body));
    };
    let change = move |to: Step| move |_| journey.go(to);
    let status = Signal::derive(move || {
        submit
            .pending()
            .get()
            .then(|| ApplyText::Submitting.get(lang.get()).to_owned())
    });
    let row = move |label: Wording, value: Signal<String>, to: Step| {
        view! {
            <div class="summary-row">
                <dt>{tr(label)}</dt>
                <dd>{move || value.get()}</dd>
                <dd class="summary-action">
                    <button type="button" class="button link" on:click=change(to)>
                        {tr(ApplyText::Change)}
                        <span class="visually-hidden">{move || format!(" {}", label.get(lang.get()))}</span>
                    </button>
                </dd>
            </div>
        }
    };
    let address = Signal::derive(move || {
        let line2 = details.line2.get();
        let state = State::parse(&details.state.get())
            .map(|s| s.name())
            .unwrap_or_default();
        [
            details.line1.get(),
            line2,
            format!("{} {}", details.postcode.get(), details.city.get()),
            state.to_owned(),
        ]
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    });
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems=server_problems attempt=server_attempt />
            <p>{tr(ApplyText::ReviewIntro)}</p>
            <Show when=move || taken.get()>
                <SlotTaken taken />
            </Show>
            <dl class="summary">
                {row(Text::Service.into(),
                    Signal::derive(move || {
                        catalog.service(&service.get()).map(|s| s.name.get(lang.get()).to_owned()).unwrap_or_default()
                    }),
                    Step::Service,
                )}
                {row(Text::Branch.into(),
                    Signal::derive(move || branches.branch(&branch.get()).map(|b| b.name).unwrap_or_default()),
                    Step::Service,
                )}
                {row(Text::Date.into(),
                    Signal::derive(move || date.get().map(|d| long_date(lang.get(), d)).unwrap_or_default()),
                    Step::Slot,
                )}
                {row(Text::Time.into(),
                    Signal::derive(move || {
                        let from = start.get().unwrap_or_default();
                        let minutes = branches.branch(&branch.get()).map(|b| b.slot_minutes);
                        match minutes.and_then(|m| slot_end(&from, m)) {
                            Some(until) => format!("{from}–{until}"),
                            None => from,
                        }
                    }),
                    Step::Slot,
                )}
                {row(Text::Applicant.into(), Signal::derive(move || details.name.get()), Step::Details)}
                {row(Text::IdNumber.into(),
                    Signal::derive(move || {
                        let kind = if details.is_passport() { ApplyText::IdPassport } else { ApplyText::IdMykad };
                        format!("{} — {}", details.id_number.get(), kind.get(lang.get()))
                    }),
                    Step::Details,
                )}
                {row(ApplyText::Address.into(), address, Step::Details)}
                {row(Text::Phone.into(), Signal::derive(move || details.phone.get()), Step::Details)}
                {row(ApplyText::Email.into(), Signal::derive(move || email.get()), Step::Email)}
            </dl>
            <Alert failure />
            <Status text=status />
            <div class="button-row">
                <button type="button" class="button secondary" on:click=change(Step::Details)>
                    {tr(Text::Back)}
                </button>
                <button type="submit" class="button" id="submit-booking" disabled=move || submit.pending().get()>
                    {tr(ApplyText::Submit)}
                </button>
            </div>
        </form>
    }
}

/// The chosen slot was taken meanwhile (409): say so, and offer the nearest free slots without
/// touching anything else that was typed.
#[component]
fn SlotTaken(taken: RwSignal<bool>) -> impl IntoView {
    let journey = Journey::use_context();
    let Journey {
        service,
        branch,
        date,
        start,
        ..
    } = journey;
    let lang = use_lang();
    let wanted = (date.get_untracked(), start.get_untracked());
    let nearby = LocalResource::new(move || {
        let (branch, service) = (branch.get_untracked(), service.get_untracked());
        let lang = lang.get_untracked();
        let wanted = wanted.clone();
        async move {
            let (Some(day), Some(time)) = wanted else {
                return Vec::new();
            };
            let from = day - TimeDelta::days(7);
            let to = day + TimeDelta::days(14);
            match api::availability(lang, &branch, &service, from, to).await {
                Ok(a) => nearest_free(&a, day, &time, 5),
                Err(_) => Vec::new(),
            }
        }
    });
    view! {
        <div class="notice warning" id="slot-taken">
            <div role="alert">
                <h2>{tr(ApplyText::SlotTakenTitle)}</h2>
                <p>{tr(ApplyText::SlotTakenBody)}</p>
            </div>
            <Suspense fallback=move || view! { <p role="status">{tr(Text::Loading)}</p> }>
                {move || {
                    nearby
                        .get()
                        .map(|options| {
                            if options.is_empty() {
                                return view! { <p>{tr(ApplyText::NoNearbySlots)}</p> }.into_any();
                            }
                            view! {
                                <ul class="alternatives">
                                    {options
                                        .into_iter()
                                        .map(|(day, from, until)| {
                                            let chosen = from.clone();
                                            view! {
                                                <li>
                                                    <button
                                                        type="button"
                                                        class="button secondary alternative"
                                                        on:click=move |_| {
                                                            date.set(Some(day));
                                                            start.set(Some(chosen.clone()));
                                                            taken.set(false);
                                                            // The focused button goes away with the notice.
                                                            request_animation_frame(|| focus_element("submit-booking"));
                                                        }
                                                    >
                                                        {move || format!("{}, {from}–{until}", long_date(lang.get(), day))}
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        })
                }}
            </Suspense>
            <button type="button" class="button link" on:click=move |_| journey.go(Step::Slot)>
                {tr(ApplyText::ChooseOtherDate)}
            </button>
        </div>
    }
}
