//! Apply: e-mail → code → service and branch → date and time → details → review → submit.
//! Everything typed stays in signals for the whole journey, so going back, switching language
//! or losing the slot to someone else never loses it.

use chrono::{NaiveDate, TimeDelta};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use temujanji_shared::address::State;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::form::{AddressForm, ApplicantForm, BookingForm, FieldIssue};
use temujanji_shared::problem::ProblemType;
use temujanji_shared::wire::{Branch, ClockTime, FieldErrorBody, IdType};

use crate::Catalog;
use crate::api::{self, Answer, Failure};
use crate::calendar::{SlotPicker, nearest_free};
use crate::fields::{
    Alert, CatalogRetry, ErrorSummary, Listed, OneField, Status, TextField, field_id, focus_element,
};
use crate::i18n::{BilingualList, Text, long_date, money, step_of, tr, use_lang};
use crate::pages::PageHeading;
use crate::session::Session;
use crate::verify::{CodeForm, send_code};
use crate::waitlist::{HeldOffer, OfferPanel, OfferState, check_offer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Email,
    Code,
    Service,
    Slot,
    Details,
    Review,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Email,
        Step::Code,
        Step::Service,
        Step::Slot,
        Step::Details,
        Step::Review,
    ];

    fn title(self) -> Text {
        match self {
            Step::Email => Text::StepEmail,
            Step::Code => Text::StepCode,
            Step::Service => Text::StepService,
            Step::Slot => Text::StepSlot,
            Step::Details => Text::StepDetails,
            Step::Review => Text::StepReview,
        }
    }

    fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// What the applicant typed about themselves, one signal per input.
#[derive(Clone, Copy)]
struct Details {
    name: RwSignal<String>,
    id_type: RwSignal<String>,
    id_number: RwSignal<String>,
    nationality: RwSignal<String>,
    line1: RwSignal<String>,
    line2: RwSignal<String>,
    postcode: RwSignal<String>,
    city: RwSignal<String>,
    state: RwSignal<String>,
    phone: RwSignal<String>,
}

fn some(value: String) -> Option<String> {
    Some(value)
}

impl Details {
    fn new() -> Self {
        Details {
            name: RwSignal::new(String::new()),
            id_type: RwSignal::new(IdType::Mykad.code().to_owned()),
            id_number: RwSignal::new(String::new()),
            nationality: RwSignal::new(String::new()),
            line1: RwSignal::new(String::new()),
            line2: RwSignal::new(String::new()),
            postcode: RwSignal::new(String::new()),
            city: RwSignal::new(String::new()),
            state: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
        }
    }

    fn is_passport(&self) -> bool {
        self.id_type.get() == IdType::Passport.code()
    }

    /// The applicant part of the form, exactly as the API will receive it.
    fn form(&self, email: String) -> ApplicantForm {
        ApplicantForm {
            name: some(self.name.get()),
            id_type: some(self.id_type.get()),
            id_number: some(self.id_number.get()),
            nationality: if self.is_passport() {
                some(self.nationality.get())
            } else {
                None
            },
            address: AddressForm {
                line1: some(self.line1.get()),
                line2: some(self.line2.get()),
                postcode: some(self.postcode.get()),
                city: some(self.city.get()),
                state: some(self.state.get()),
            },
            phone: some(self.phone.get()),
            email: some(email),
        }
    }
}

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
pub fn ApplyPage() -> impl IntoView {
    let lang = use_lang();
    let catalog = Catalog::use_context();
    provide_context(Branches::load());
    let session = RwSignal::new(Session::current());
    let step = RwSignal::new(if session.get_untracked().is_some() {
        Step::Service
    } else {
        Step::Email
    });
    let email = RwSignal::new(session.get_untracked().map(|s| s.email).unwrap_or_default());
    let resend_at = RwSignal::new(0.0);
    let service = RwSignal::new(String::new());
    let branch = RwSignal::new(String::new());
    let date = RwSignal::new(None::<NaiveDate>);
    let start = RwSignal::new(None::<String>);
    let details = Details::new();
    let reload = RwSignal::new(0u32);
    // Kept for the whole journey: a retry after a lost answer, even after going back to
    // change nothing or signing in again, reuses the key and gets the first answer.
    let keyed = RwSignal::new(None::<(BookingForm, String)>);
    // Why the journey went back a step (an expired sign-in), and where to return after it.
    let page_notice = RwSignal::new(None::<Text>);
    let return_to = RwSignal::new(None::<Step>);
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
        if let Some(OfferState::Held(offer)) = offer_state.get() {
            service.set(offer.service.clone());
            branch.set(offer.branch.clone());
            date.set(Some(offer.date));
            start.set(Some(offer.start.clone()));
            step.set(Step::Details);
        }
    });
    let offer = Signal::derive(move || match offer_state.get() {
        Some(OfferState::Held(offer)) => Some(offer),
        _ => None,
    });

    let heading = Signal::derive(move || {
        let lang = lang.get();
        format!(
            "{} — {}",
            Text::ApplyHeading.get(lang),
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
            Step::Email => view! { <EmailStep email step resend_at session /> }.into_any(),
            Step::Code => {
                view! {
                    <CodeForm
                        email=email.get_untracked()
                        resend_at
                        on_verified=Callback::new(move |s: Session| {
                            session.set(Some(s));
                            page_notice.set(None);
                            step.set(return_to.get_untracked().unwrap_or(Step::Service));
                            return_to.set(None);
                        })
                        on_change_email=Callback::new(move |_| step.set(Step::Email))
                    />
                }
                    .into_any()
            }
            Step::Service => view! { <ServiceStep service branch step date start /> }.into_any(),
            Step::Slot => view! { <SlotStep service branch date start step reload /> }.into_any(),
            Step::Details => view! { <DetailsStep details email step /> }.into_any(),
            Step::Review => {
                view! {
                    <ReviewStep details email service branch date start step session reload keyed page_notice return_to offer />
                }
                    .into_any()
            }
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
                                        {move || money(lang.get(), s.fee_sen)}
                                        ". "
                                        {tr(Text::CardOnly)}
                                    </p>
                                </aside>
                            }
                        })
                })
        }}
    }
}

#[component]
fn EmailStep(
    email: RwSignal<String>,
    step: RwSignal<Step>,
    resend_at: RwSignal<f64>,
    session: RwSignal<Option<Session>>,
) -> impl IntoView {
    let lang = use_lang();
    let failure = RwSignal::new(None::<Failure>);
    let parsed =
        Memo::new(move |_| EmailAddress::parse(&email.get()).map(|e| e.as_str().to_owned()));
    let OneField {
        touched,
        submitted,
        error,
        problems,
    } = OneField::new("email", parsed);
    let request =
        Action::new_local(move |address: &String| send_code(lang.get_untracked(), address.clone()));
    Effect::new(move |_| match request.value().get() {
        Some(Ok(at)) => {
            resend_at.set(at);
            step.set(Step::Code);
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.update(|n| *n += 1);
        failure.set(None);
        let Ok(address) = parsed.get_untracked() else {
            return;
        };
        email.set(address.clone());
        if let Some(existing) = Session::for_email(&address) {
            // Already verified in this tab: no need for another code.
            session.set(Some(existing));
            step.set(Step::Service);
            return;
        }
        request.dispatch(address);
    };
    let status = Signal::derive(move || {
        request
            .pending()
            .get()
            .then(|| Text::Sending.get(lang.get()).to_owned())
    });
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems attempt=submitted />
            <p>{tr(Text::EmailIntro)}</p>
            <TextField
                path="email"
                label=Text::EmailLabel
                hint=Text::EmailHint
                value=email
                error
                on_blur=Callback::new(move |_| touched.set(true))
                input_type="email"
                autocomplete="email"
                inputmode="email"
            />
            <Alert failure />
            <Status text=status />
            <button type="submit" class="button" disabled=move || request.pending().get()>
                {tr(Text::SendCode)}
            </button>
        </form>
    }
}

#[component]
fn ServiceStep(
    service: RwSignal<String>,
    branch: RwSignal<String>,
    step: RwSignal<Step>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let catalog = Catalog::use_context();
    let branches = Branches::use_context();
    let search = RwSignal::new(String::new());
    let submitted = RwSignal::new(0u32);
    let service_error = Signal::derive(move || {
        ((submitted.get() > 0) && service.get().is_empty())
            .then(|| Text::ChooseService.get(lang.get()).to_owned())
    });
    let branch_error = Signal::derive(move || {
        ((submitted.get() > 0) && !service.get().is_empty() && branch.get().is_empty())
            .then(|| Text::ChooseBranch.get(lang.get()).to_owned())
    });
    let problems = Signal::derive(move || {
        let mut list = Vec::new();
        if let Some(message) = service_error.get() {
            list.push(Listed {
                id: "service".to_owned(),
                message,
            });
        }
        if let Some(message) = branch_error.get() {
            list.push(Listed {
                id: "branch-search".to_owned(),
                message,
            });
        }
        list
    });
    let matching = move || {
        let wanted = service.get();
        let needle = search.get().trim().to_lowercase();
        branches
            .list
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|b| b.services.iter().any(|s| s.service.as_str() == wanted))
            .filter(|b| {
                // The chosen branch stays visible, so nothing hidden is submitted.
                b.code.as_str() == branch.get()
                    || needle.is_empty()
                    || b.name.to_lowercase().contains(&needle)
                    || b.state.name().to_lowercase().contains(&needle)
                    || b.address.city.to_string().to_lowercase().contains(&needle)
            })
            .collect::<Vec<_>>()
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.update(|n| *n += 1);
        if !service.get_untracked().is_empty() && !branch.get_untracked().is_empty() {
            step.set(Step::Slot);
        }
    };
    view! {
        <form novalidate on:submit=on_submit>
            <Show when=move || catalog.failed() || branches.failed()>
                <CatalogRetry retry=Callback::new(move |_| {
                    catalog.retry();
                    branches.retry();
                }) />
            </Show>
            <ErrorSummary problems attempt=submitted />
            <div class="field" class:field-error=move || service_error.get().is_some()>
                <label for="service">{tr(Text::ServiceLabel)}</label>
                {move || service_error.get().map(|e| view! { <p class="error-message" id="service-error">{e}</p> })}
                <select
                    id="service"
                    aria-invalid=move || if service_error.get().is_some() { "true" } else { "false" }
                    aria-describedby=move || service_error.get().map(|_| "service-error")
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if value != service.get_untracked() {
                            service.set(value);
                            branch.set(String::new());
                            date.set(None);
                            start.set(None);
                        }
                    }
                >
                    <option value="" selected=move || service.get().is_empty()>
                        {tr(Text::ChooseService)}
                    </option>
                    {move || {
                        catalog
                            .services
                            .get()
                            .and_then(Result::ok)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|s| {
                                let code = s.code.as_str().to_owned();
                                let selected = code.clone();
                                view! {
                                    <option value=code selected=move || service.get() == selected>
                                        {s.name.get(lang.get()).to_owned()}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            <div class="field" class:field-error=move || branch_error.get().is_some()>
                <label for="branch-search">{tr(Text::BranchSearchLabel)}</label>
                <p class="hint" id="branch-search-hint">{tr(Text::BranchSearchHint)}</p>
                {move || branch_error.get().map(|e| view! { <p class="error-message" id="branch-error">{e}</p> })}
                <input
                    id="branch-search"
                    type="search"
                    autocomplete="off"
                    aria-describedby="branch-search-hint"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </div>
            <fieldset class="branch-choices">
                <legend>{tr(Text::BranchLabel)}</legend>
                {move || {
                    if service.get().is_empty() {
                        return view! { <p class="hint">{tr(Text::ChooseServiceFirst)}</p> }.into_any();
                    }
                    let list = matching();
                    if list.is_empty() {
                        return view! { <p class="hint">{tr(Text::NoBranchMatches)}</p> }.into_any();
                    }
                    list.into_iter()
                        .map(|b| {
                            let code = b.code.as_str().to_owned();
                            let id = format!("branch-{code}");
                            let checked = code.clone();
                            let chosen = code.clone();
                            let address = b.address.clone();
                            view! {
                                <label class="choice" for=id.clone()>
                                    <input
                                        type="radio"
                                        name="branch"
                                        id=id.clone()
                                        value=code.clone()
                                        prop:checked=move || branch.get() == checked
                                        on:change=move |_| {
                                            branch.set(chosen.clone());
                                            date.set(None);
                                            start.set(None);
                                        }
                                    />
                                    <span class="choice-text">
                                        <strong>{b.name.clone()}</strong>
                                        <span class="hint">
                                            {format!("{}, {} {}, {}", address.line1, address.postcode, address.city, address.state.name())}
                                        </span>
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </fieldset>
            <div class="button-row">
                <button type="submit" class="button">{tr(Text::Continue)}</button>
            </div>
        </form>
    }
}

#[component]
fn SlotStep(
    service: RwSignal<String>,
    branch: RwSignal<String>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
    step: RwSignal<Step>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let lang = use_lang();
    let catalog = Catalog::use_context();
    let branches = Branches::use_context();
    let submitted = RwSignal::new(0u32);
    let error = Signal::derive(move || {
        ((submitted.get() > 0) && start.get().is_none())
            .then(|| Text::ChooseSlot.get(lang.get()).to_owned())
    });
    let problems = Signal::derive(move || {
        error
            .get()
            .map(|message| {
                vec![Listed {
                    id: "calendar-month".to_owned(),
                    message,
                }]
            })
            .unwrap_or_default()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.update(|n| *n += 1);
        if date.get_untracked().is_some() && start.get_untracked().is_some() {
            step.set(Step::Details);
        }
    };
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems attempt=submitted />
            <p class="chosen">
                {move || {
                    let name = branches.branch(&branch.get()).map(|b| b.name).unwrap_or_default();
                    let service = catalog
                        .service(&service.get())
                        .map(|s| s.name.get(lang.get()).to_owned())
                        .unwrap_or_default();
                    format!("{service} · {name}")
                }}
            </p>
            <SlotPicker branch=branch service=service date start reload error waitlist=true />
            <div class="button-row">
                <button type="button" class="button secondary" on:click=move |_| step.set(Step::Service)>
                    {tr(Text::Back)}
                </button>
                <button type="submit" class="button">{tr(Text::Continue)}</button>
            </div>
        </form>
    }
}

/// Paths of the applicant fields, in the order they appear (for the error summary).
const DETAIL_PATHS: [&str; 10] = [
    "applicant.name",
    "applicant.id_type",
    "applicant.id_number",
    "applicant.nationality",
    "applicant.address.line1",
    "applicant.address.line2",
    "applicant.address.postcode",
    "applicant.address.city",
    "applicant.address.state",
    "applicant.phone",
];

#[component]
fn DetailsStep(details: Details, email: RwSignal<String>, step: RwSignal<Step>) -> impl IntoView {
    let lang = use_lang();
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let submitted = RwSignal::new(0u32);
    let issues = Memo::new(move |_| details.form(email.get()).parse().err().unwrap_or_default());
    let error_for = move |path: &'static str| {
        Signal::derive(move || {
            if !((submitted.get() > 0) || touched.get().contains(&path)) {
                return None;
            }
            issues
                .get()
                .iter()
                .find(|i| i.field == path)
                .map(|i| i.error.message(lang.get()))
        })
    };
    let touch = move |path: &'static str| Callback::new(move |_| touched.update(|t| t.push(path)));
    let problems = Signal::derive(move || {
        if submitted.get() == 0 {
            return Vec::new();
        }
        listed(&issues.get(), lang.get(), details.is_passport())
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.update(|n| *n += 1);
        if issues.get_untracked().is_empty() {
            step.set(Step::Review);
        }
    };
    let passport = move || details.is_passport();
    let state_error = error_for("applicant.address.state");
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems attempt=submitted />
            <TextField
                path="applicant.name"
                label=Text::NameLabel
                hint=Text::NameHint
                value=details.name
                error=error_for("applicant.name")
                on_blur=touch("applicant.name")
                autocomplete="name"
            />
            <fieldset class="field" id="applicant-id_type">
                <legend>{tr(Text::IdTypeLabel)}</legend>
                {[(IdType::Mykad, Text::IdMykad), (IdType::Passport, Text::IdPassport)]
                    .into_iter()
                    .map(|(kind, text)| {
                        let id = format!("id-type-{}", kind.code());
                        view! {
                            <label class="choice" for=id.clone()>
                                <input
                                    type="radio"
                                    name="id_type"
                                    id=id.clone()
                                    value=kind.code()
                                    prop:checked=move || details.id_type.get() == kind.code()
                                    on:change=move |_| details.id_type.set(kind.code().to_owned())
                                />
                                <span class="choice-text">{tr(text)}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            {move || {
                if passport() {
                    view! {
                        <TextField
                            path="applicant.id_number"
                            label=Text::PassportLabel
                            hint=Text::PassportHint
                            value=details.id_number
                            error=error_for("applicant.id_number")
                            on_blur=touch("applicant.id_number")
                            uppercase=true
                        />
                        <TextField
                            path="applicant.nationality"
                            label=Text::NationalityLabel
                            hint=Text::NationalityHint
                            value=details.nationality
                            error=error_for("applicant.nationality")
                            on_blur=touch("applicant.nationality")
                            uppercase=true
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <TextField
                            path="applicant.id_number"
                            label=Text::MykadLabel
                            hint=Text::MykadHint
                            value=details.id_number
                            error=error_for("applicant.id_number")
                            on_blur=touch("applicant.id_number")
                            inputmode="numeric"
                        />
                    }
                        .into_any()
                }
            }}
            <fieldset class="group">
                <legend>{tr(Text::AddressHeading)}</legend>
                <TextField
                    path="applicant.address.line1"
                    label=Text::Line1Label
                    value=details.line1
                    error=error_for("applicant.address.line1")
                    on_blur=touch("applicant.address.line1")
                    autocomplete="address-line1"
                />
                <TextField
                    path="applicant.address.line2"
                    label=Text::Line2Label
                    value=details.line2
                    error=error_for("applicant.address.line2")
                    on_blur=touch("applicant.address.line2")
                    autocomplete="address-line2"
                />
                <TextField
                    path="applicant.address.postcode"
                    label=Text::PostcodeLabel
                    value=details.postcode
                    error=error_for("applicant.address.postcode")
                    on_blur=touch("applicant.address.postcode")
                    autocomplete="postal-code"
                    inputmode="numeric"
                />
                <TextField
                    path="applicant.address.city"
                    label=Text::CityLabel
                    value=details.city
                    error=error_for("applicant.address.city")
                    on_blur=touch("applicant.address.city")
                    autocomplete="address-level2"
                />
                <div class="field" class:field-error=move || state_error.get().is_some()>
                    <label for="applicant-address-state">{tr(Text::StateLabel)}</label>
                    {move || {
                        state_error
                            .get()
                            .map(|e| view! { <p class="error-message" id="applicant-address-state-error">{e}</p> })
                    }}
                    <select
                        id="applicant-address-state"
                        autocomplete="address-level1"
                        aria-invalid=move || if state_error.get().is_some() { "true" } else { "false" }
                        aria-describedby=move || state_error.get().map(|_| "applicant-address-state-error")
                        on:change=move |ev| details.state.set(event_target_value(&ev))
                        on:blur=move |_| touched.update(|t| t.push("applicant.address.state"))
                    >
                        <option value="" selected=move || details.state.get().is_empty()>
                            {tr(Text::ChooseState)}
                        </option>
                        {State::ALL
                            .iter()
                            .map(|s| {
                                let code = s.code();
                                view! {
                                    <option value=code selected=move || details.state.get() == code>
                                        {s.name()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </fieldset>
            <TextField
                path="applicant.phone"
                label=Text::PhoneLabel
                hint=Text::PhoneHint
                value=details.phone
                error=error_for("applicant.phone")
                on_blur=touch("applicant.phone")
                input_type="tel"
                autocomplete="tel"
                inputmode="tel"
            />
            <p class="readonly">
                <span class="label">{tr(Text::VerifiedEmail)}</span>
                <span>{move || email.get()}</span>
            </p>
            <div class="button-row">
                <button type="button" class="button secondary" on:click=move |_| step.set(Step::Slot)>
                    {tr(Text::Back)}
                </button>
                <button type="submit" class="button">{tr(Text::Continue)}</button>
            </div>
        </form>
    }
}

/// The label a field's problem is named by in the error summary.
fn label_of(path: &str, passport: bool) -> Option<Text> {
    Some(match path {
        "applicant.name" => Text::NameLabel,
        "applicant.id_type" => Text::IdTypeLabel,
        "applicant.id_number" if passport => Text::PassportLabel,
        "applicant.id_number" => Text::MykadLabel,
        "applicant.nationality" => Text::NationalityLabel,
        "applicant.address.line1" => Text::Line1Label,
        "applicant.address.line2" => Text::Line2Label,
        "applicant.address.postcode" => Text::PostcodeLabel,
        "applicant.address.city" => Text::CityLabel,
        "applicant.address.state" => Text::StateLabel,
        "applicant.phone" => Text::PhoneLabel,
        "applicant.email" => Text::Email,
        _ => return None,
    })
}

/// "Label: message", so that each summary entry makes sense on its own.
fn named(path: &str, message: String, lang: temujanji_shared::Lang, passport: bool) -> String {
    match label_of(path, passport) {
        Some(label) => format!("{}: {message}", label.get(lang)),
        None => message,
    }
}

/// Field issues in form order, for the error summary.
fn listed(issues: &[FieldIssue], lang: temujanji_shared::Lang, passport: bool) -> Vec<Listed> {
    DETAIL_PATHS
        .iter()
        .filter_map(|path| issues.iter().find(|i| i.field == *path))
        .map(|i| Listed {
            id: summary_target(i.field),
            message: named(i.field, i.error.message(lang), lang, passport),
        })
        .collect()
}

/// The element a summary entry moves focus to: the input, or the first radio of a group.
fn summary_target(path: &str) -> String {
    match path {
        "applicant.id_type" => "id-type-mykad".to_owned(),
        _ => field_id(path),
    }
}

/// What the server said about fields (should the two ever disagree), for the summary.
fn listed_from_server(
    errors: &[FieldErrorBody],
    lang: temujanji_shared::Lang,
    passport: bool,
) -> Vec<Listed> {
    errors
        .iter()
        .map(|e| Listed {
            id: summary_target(&e.field),
            message: named(&e.field, e.message.clone(), lang, passport),
        })
        .collect()
}

#[component]
fn ReviewStep(
    details: Details,
    email: RwSignal<String>,
    service: RwSignal<String>,
    branch: RwSignal<String>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
    step: RwSignal<Step>,
    session: RwSignal<Option<Session>>,
    reload: RwSignal<u32>,
    keyed: RwSignal<Option<(BookingForm, String)>>,
    page_notice: RwSignal<Option<Text>>,
    return_to: RwSignal<Option<Step>>,
    /// A seat held for the applicant by a waitlist offer: booked through it when the form is
    /// for its slot.
    offer: Signal<Option<HeldOffer>>,
) -> impl IntoView {
    let lang = use_lang();
    let catalog = Catalog::use_context();
    let branches = Branches::use_context();
    let navigate = use_navigate();
    let failure = RwSignal::new(None::<Failure>);
    let server_problems = RwSignal::new(Vec::<Listed>::new());
    let server_attempt = RwSignal::new(0u32);
    let taken = RwSignal::new(false);

    let form = move || BookingForm {
        branch: some(branch.get()),
        service: some(service.get()),
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
                step.set(Step::Email);
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
            step.set(Step::Email);
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
    let change = move |to: Step| move |_| step.set(to);
    let status = Signal::derive(move || {
        submit
            .pending()
            .get()
            .then(|| Text::Submitting.get(lang.get()).to_owned())
    });
    let row = move |label: Text, value: Signal<String>, to: Step| {
        view! {
            <div class="summary-row">
                <dt>{tr(label)}</dt>
                <dd>{move || value.get()}</dd>
                <dd class="summary-action">
                    <button type="button" class="button link" on:click=change(to)>
                        {tr(Text::Change)}
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
            <p>{tr(Text::ReviewIntro)}</p>
            <Show when=move || taken.get()>
                <SlotTaken service branch date start taken step />
            </Show>
            <dl class="summary">
                {row(
                    Text::Service,
                    Signal::derive(move || {
                        catalog.service(&service.get()).map(|s| s.name.get(lang.get()).to_owned()).unwrap_or_default()
                    }),
                    Step::Service,
                )}
                {row(
                    Text::Branch,
                    Signal::derive(move || branches.branch(&branch.get()).map(|b| b.name).unwrap_or_default()),
                    Step::Service,
                )}
                {row(
                    Text::Date,
                    Signal::derive(move || date.get().map(|d| long_date(lang.get(), d)).unwrap_or_default()),
                    Step::Slot,
                )}
                {row(
                    Text::Time,
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
                {row(Text::Applicant, Signal::derive(move || details.name.get()), Step::Details)}
                {row(
                    Text::IdNumber,
                    Signal::derive(move || {
                        let kind = if details.is_passport() { Text::IdPassport } else { Text::IdMykad };
                        format!("{} — {}", details.id_number.get(), kind.get(lang.get()))
                    }),
                    Step::Details,
                )}
                {row(Text::Address, address, Step::Details)}
                {row(Text::Phone, Signal::derive(move || details.phone.get()), Step::Details)}
                {row(Text::Email, Signal::derive(move || email.get()), Step::Email)}
            </dl>
            <Alert failure />
            <Status text=status />
            <div class="button-row">
                <button type="button" class="button secondary" on:click=change(Step::Details)>
                    {tr(Text::Back)}
                </button>
                <button type="submit" class="button" id="submit-booking" disabled=move || submit.pending().get()>
                    {tr(Text::Submit)}
                </button>
            </div>
        </form>
    }
}

/// The chosen slot was taken meanwhile (409): say so, and offer the nearest free slots without
/// touching anything else that was typed.
#[component]
fn SlotTaken(
    service: RwSignal<String>,
    branch: RwSignal<String>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
    taken: RwSignal<bool>,
    step: RwSignal<Step>,
) -> impl IntoView {
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
                <h2>{tr(Text::SlotTakenTitle)}</h2>
                <p>{tr(Text::SlotTakenBody)}</p>
            </div>
            <Suspense fallback=move || view! { <p role="status">{tr(Text::Loading)}</p> }>
                {move || {
                    nearby
                        .get()
                        .map(|options| {
                            if options.is_empty() {
                                return view! { <p>{tr(Text::NoNearbySlots)}</p> }.into_any();
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
            <button type="button" class="button link" on:click=move |_| step.set(Step::Slot)>
                {tr(Text::ChooseOtherDate)}
            </button>
        </div>
    }
}
