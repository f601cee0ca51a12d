//! Step 5: the applicant's details, checked as they type by the same parsers the API uses.

use leptos::prelude::*;
use temujanji_shared::address::State;
use temujanji_shared::form::{AddressForm, ApplicantForm, FieldIssue};
use temujanji_shared::wire::{FieldErrorBody, IdType};

use super::country::CountryPicker;
use super::journey::{DraftDetails, Journey, Step};
use super::texts::ApplyText;
use crate::fields::{ErrorSummary, Listed, TextField, field_id};
use crate::i18n::{Text, tr, use_lang};

/// What the applicant typed about themselves, one signal per input.
#[derive(Clone, Copy)]
pub(super) struct Details {
    pub name: RwSignal<String>,
    pub id_type: RwSignal<String>,
    pub id_number: RwSignal<String>,
    pub nationality: RwSignal<String>,
    pub line1: RwSignal<String>,
    pub line2: RwSignal<String>,
    pub postcode: RwSignal<String>,
    pub city: RwSignal<String>,
    pub state: RwSignal<String>,
    pub phone: RwSignal<String>,
}

fn some(value: String) -> Option<String> {
    Some(value)
}

impl Details {
    /// The inputs, holding what the draft kept.
    pub(super) fn new(draft: DraftDetails) -> Self {
        Details {
            name: RwSignal::new(draft.name),
            id_type: RwSignal::new(draft.id_type),
            id_number: RwSignal::new(draft.id_number),
            nationality: RwSignal::new(draft.nationality),
            line1: RwSignal::new(draft.line1),
            line2: RwSignal::new(draft.line2),
            postcode: RwSignal::new(draft.postcode),
            city: RwSignal::new(draft.city),
            state: RwSignal::new(draft.state),
            phone: RwSignal::new(draft.phone),
        }
    }

    /// Every input set to what the draft kept.
    pub(super) fn restore(&self, draft: &DraftDetails) {
        self.name.set(draft.name.clone());
        self.id_type.set(draft.id_type.clone());
        self.id_number.set(draft.id_number.clone());
        self.nationality.set(draft.nationality.clone());
        self.line1.set(draft.line1.clone());
        self.line2.set(draft.line2.clone());
        self.postcode.set(draft.postcode.clone());
        self.city.set(draft.city.clone());
        self.state.set(draft.state.clone());
        self.phone.set(draft.phone.clone());
    }

    /// What is typed, for the draft (tracked: the draft is written on every change).
    pub(super) fn draft(&self) -> DraftDetails {
        DraftDetails {
            name: self.name.get(),
            id_type: self.id_type.get(),
            id_number: self.id_number.get(),
            nationality: self.nationality.get(),
            line1: self.line1.get(),
            line2: self.line2.get(),
            postcode: self.postcode.get(),
            city: self.city.get(),
            state: self.state.get(),
            phone: self.phone.get(),
        }
    }

    /// Whether anything is typed (the identity type's default is not typing).
    pub(super) fn has_typed(&self) -> bool {
        untrack(|| self.has_typed_tracked())
    }

    pub(super) fn has_typed_tracked(&self) -> bool {
        let draft = self.draft();
        [
            &draft.name,
            &draft.id_number,
            &draft.nationality,
            &draft.line1,
            &draft.line2,
            &draft.postcode,
            &draft.city,
            &draft.state,
            &draft.phone,
        ]
        .iter()
        .any(|value| !value.trim().is_empty())
    }

    pub(super) fn is_passport(&self) -> bool {
        self.id_type.get() == IdType::Passport.code()
    }

    /// The applicant part of the form, exactly as the API will receive it.
    pub(super) fn form(&self, email: String) -> ApplicantForm {
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
pub(super) fn DetailsStep() -> impl IntoView {
    let lang = use_lang();
    let journey = Journey::use_context();
    let Journey { details, email, .. } = journey;
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
            journey.go(Step::Review);
        }
    };
    let passport = move || details.is_passport();
    let state_error = error_for("applicant.address.state");
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems attempt=submitted />
            <TextField
                path="applicant.name"
                label=ApplyText::NameLabel
                hint=ApplyText::NameHint
                value=details.name
                error=error_for("applicant.name")
                on_blur=touch("applicant.name")
                autocomplete="name"
            />
            <fieldset class="field" id="applicant-id_type">
                <legend>{tr(ApplyText::IdTypeLabel)}</legend>
                {[(IdType::Mykad, ApplyText::IdMykad), (IdType::Passport, ApplyText::IdPassport)]
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
                            label=ApplyText::PassportLabel
                            hint=ApplyText::PassportHint
                            value=details.id_number
                            error=error_for("applicant.id_number")
                            on_blur=touch("applicant.id_number")
                            uppercase=true
                        />
                        <CountryPicker
                            value=details.nationality
                            error=error_for("applicant.nationality")
                            on_blur=touch("applicant.nationality")
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <TextField
                            path="applicant.id_number"
                            label=ApplyText::MykadLabel
                            hint=ApplyText::MykadHint
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
                <legend>{tr(ApplyText::AddressHeading)}</legend>
                <TextField
                    path="applicant.address.line1"
                    label=ApplyText::Line1Label
                    value=details.line1
                    error=error_for("applicant.address.line1")
                    on_blur=touch("applicant.address.line1")
                    autocomplete="address-line1"
                />
                <TextField
                    path="applicant.address.line2"
                    label=ApplyText::Line2Label
                    value=details.line2
                    error=error_for("applicant.address.line2")
                    on_blur=touch("applicant.address.line2")
                    autocomplete="address-line2"
                />
                <TextField
                    path="applicant.address.postcode"
                    label=ApplyText::PostcodeLabel
                    value=details.postcode
                    error=error_for("applicant.address.postcode")
                    on_blur=touch("applicant.address.postcode")
                    autocomplete="postal-code"
                    inputmode="numeric"
                />
                <TextField
                    path="applicant.address.city"
                    label=ApplyText::CityLabel
                    value=details.city
                    error=error_for("applicant.address.city")
                    on_blur=touch("applicant.address.city")
                    autocomplete="address-level2"
                />
                <div class="field" class:field-error=move || state_error.get().is_some()>
                    <label for="applicant-address-state">{tr(ApplyText::StateLabel)}</label>
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
                            {tr(ApplyText::ChooseState)}
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
                label=ApplyText::PhoneLabel
                hint=ApplyText::PhoneHint
                value=details.phone
                error=error_for("applicant.phone")
                on_blur=touch("applicant.phone")
                input_type="tel"
                autocomplete="tel"
                inputmode="tel"
            />
            <p class="readonly">
                <span class="label">{tr(ApplyText::VerifiedEmail)}</span>
                <span>{move || email.get()}</span>
            </p>
            <div class="button-row">
                <button type="button" class="button secondary" on:click=move |_| journey.go(Step::Slot)>
                    {tr(Text::Back)}
                </button>
                <button type="submit" class="button">{tr(ApplyText::Continue)}</button>
            </div>
        </form>
    }
}

/// The label a field's problem is named by in the error summary.
fn label_of(path: &str, passport: bool) -> Option<ApplyText> {
    Some(match path {
        "applicant.name" => ApplyText::NameLabel,
        "applicant.id_type" => ApplyText::IdTypeLabel,
        "applicant.id_number" if passport => ApplyText::PassportLabel,
        "applicant.id_number" => ApplyText::MykadLabel,
        "applicant.nationality" => ApplyText::NationalityLabel,
        "applicant.address.line1" => ApplyText::Line1Label,
        "applicant.address.line2" => ApplyText::Line2Label,
        "applicant.address.postcode" => ApplyText::PostcodeLabel,
        "applicant.address.city" => ApplyText::CityLabel,
        "applicant.address.state" => ApplyText::StateLabel,
        "applicant.phone" => ApplyText::PhoneLabel,
        "applicant.email" => ApplyText::Email,
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
pub(super) fn listed_from_server(
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
