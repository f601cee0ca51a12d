//! Branch settings for its supervisor or an administrator: slot length, notice, weekly hours
//! with breaks (a day without hours is the weekend), seats per service and closed days. A
//! change is previewed first; if it strands booked appointments they are listed, and saving
//! then cancels them with an apology e-mail.

use leptos::prelude::*;
use temujanji_shared::staff::{
    BranchConfig, Closure, ConfigChange, ConfigOutcome, DayHours, Period, ServiceSeats,
};
use temujanji_shared::wire::ClockTime;

use super::texts::{StaffText, st};
use super::{BranchChoice, Signed, client};
use crate::api::Failure;
use crate::fields::Alert;
use crate::i18n::{use_lang, weekday_name};
use crate::pages::PageHeading;

/// `08:00-13:00, 14:00-17:00`.
fn periods_text(periods: &[Period]) -> String {
    periods
        .iter()
        .map(|p| format!("{}-{}", p.opens, p.closes))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_periods(text: &str) -> Option<Vec<Period>> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (opens, closes) = part.split_once('-')?;
            Some(Period {
                opens: ClockTime::parse(opens)?,
                closes: ClockTime::parse(closes)?,
            })
        })
        .collect()
}

/// A closed day as the form holds it: date, reason in Malay, reason in English.
type ClosureRow = (RwSignal<String>, RwSignal<String>, RwSignal<String>);

/// The form's editable copy of a configuration.
#[derive(Clone)]
struct Draft {
    slot_minutes: RwSignal<String>,
    min_lead_days: RwSignal<String>,
    /// Monday first.
    week: [RwSignal<String>; 7],
    seats: Vec<(String, RwSignal<String>)>,
    closures: RwSignal<Vec<ClosureRow>>,
    base: BranchConfig,
}

impl Draft {
    fn of(config: BranchConfig) -> Draft {
        let day = |n: u8| {
            RwSignal::new(
                config
                    .week
                    .iter()
                    .find(|d| d.weekday == n)
                    .map(|d| periods_text(&d.periods))
                    .unwrap_or_default(),
            )
        };
        Draft {
            slot_minutes: RwSignal::new(config.slot_minutes.to_string()),
            min_lead_days: RwSignal::new(config.min_lead_days.to_string()),
            week: [day(1), day(2), day(3), day(4), day(5), day(6), day(7)],
            seats: config
                .services
                .iter()
                .map(|s| (s.service.clone(), RwSignal::new(s.seats.to_string())))
                .collect(),
            closures: RwSignal::new(
                config
                    .closures
                    .iter()
                    .map(|c| {
                        (
                            RwSignal::new(c.date.to_string()),
                            RwSignal::new(c.name_ms.clone()),
                            RwSignal::new(c.name_en.clone()),
                        )
                    })
                    .collect(),
            ),
            base: config,
        }
    }

    /// The configuration the form says, or `None` when the hours cannot be read.
    fn config(&self) -> Option<BranchConfig> {
        let mut week = Vec::new();
        for (n, text) in (1u8..).zip(&self.week) {
            let periods = parse_periods(&text.get_untracked())?;
            if !periods.is_empty() {
                week.push(DayHours {
                    weekday: n,
                    periods,
                });
            }
        }
        Some(BranchConfig {
            slot_minutes: self
                .slot_minutes
                .get_untracked()
                .trim()
                .parse()
                .unwrap_or(0),
            min_lead_days: self
                .min_lead_days
                .get_untracked()
                .trim()
                .parse()
                .unwrap_or(-1),
            week,
            services: self
                .seats
                .iter()
                .map(|(service, seats)| ServiceSeats {
                    service: service.clone(),
                    seats: seats.get_untracked().trim().parse().unwrap_or(0),
                })
                .collect(),
            profiles: self.base.profiles.clone(),
            closures: self
                .closures
                .get_untracked()
                .into_iter()
                .filter_map(|(date, ms, en)| {
                    Some(Closure {
                        date: date.get_untracked().parse().ok()?,
                        name_ms: ms.get_untracked(),
                        name_en: en.get_untracked(),
                    })
                })
                .collect(),
        })
    }
}

#[component]
pub fn ConfigPage() -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let branch = RwSignal::new(String::new());
    let loaded = LocalResource::new(move || {
        let branch = branch.get();
        async move {
            if branch.is_empty() {
                return Err(Failure::Network);
            }
            client::config(lang.get_untracked(), &branch).await
        }
    });
    let heading = Signal::derive(move || StaffText::ConfigHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        <p>{st(StaffText::ConfigIntro)}</p>
        <BranchChoice branch />
        {move || match loaded.get() {
            None => view! { <p>{st(StaffText::Loading)}</p> }.into_any(),
            Some(Err(f)) => {
                signed.check(&f);
                let failure = Signal::derive(move || Some(f.clone()));
                view! { <Alert failure /> }.into_any()
            }
            Some(Ok(config)) => view! { <ConfigForm branch=branch.get_untracked() draft=Draft::of(config) /> }.into_any(),
        }}
    }
}

#[component]
fn ConfigForm(branch: String, draft: Draft) -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let preview = RwSignal::new(None::<ConfigOutcome>);
    let saved = RwSignal::new(false);
    let invalid = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let submit = Action::new_local(
        move |(branch, change, dry_run): &(String, ConfigChange, bool)| {
            let (branch, change, dry_run) = (branch.clone(), change.clone(), *dry_run);
            async move { client::change_config(lang.get_untracked(), &branch, &change, dry_run).await }
        },
    );
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(outcome)) => {
            failure.set(None);
            if outcome.applied {
                saved.set(true);
                preview.set(None);
                super::focus_soon("config-saved");
            } else {
                saved.set(false);
                preview.set(Some(outcome));
                super::focus_soon("config-preview");
            }
        }
        Some(Err(f)) => {
            signed.check(&f);
            failure.set(Some(f));
            super::focus_soon("config-alert");
        }
        None => {}
    });
    let send = {
        let (branch, draft) = (branch.clone(), draft.clone());
        move |dry_run: bool| {
            let Some(config) = draft.config() else {
                invalid.set(true);
                super::focus_soon("config-invalid");
                return;
            };
            invalid.set(false);
            let confirm_stranded = preview
                .get_untracked()
                .map(|p| p.stranded.len() as i64)
                .filter(|n| *n > 0);
            submit.dispatch((
                branch.clone(),
                ConfigChange {
                    config,
                    confirm_stranded,
                },
                dry_run,
            ));
        }
    };
    let on_preview = {
        let send = send.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            preview.set(None);
            send(true);
        }
    };
    let weekdays = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    let closures = draft.closures;
    let profiles = draft.base.profiles.len();
    let catalog = crate::Catalog::use_context();
    view! {
        <form class="config-form" novalidate on:submit=on_preview>
            <div id="config-alert" tabindex="-1"><Alert failure /></div>
            {move || invalid.get().then(|| view! {
                <p id="config-invalid" class="alert" role="alert" tabindex="-1">{st(StaffText::InvalidHours)}</p>
            })}
            <div class="field">
                <label for="slot-minutes">{st(StaffText::SlotMinutes)}</label>
                <input id="slot-minutes" inputmode="numeric" size="4"
                    prop:value=move || draft.slot_minutes.get()
                    on:input=move |ev| draft.slot_minutes.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="lead-days">{st(StaffText::LeadDays)}</label>
                <input id="lead-days" inputmode="numeric" size="4"
                    prop:value=move || draft.min_lead_days.get()
                    on:input=move |ev| draft.min_lead_days.set(event_target_value(&ev)) />
            </div>
            <fieldset>
                <legend>{st(StaffText::WeekHeading)}</legend>
                <p class="hint" id="week-hint">{st(StaffText::WeekHint)}</p>
                {weekdays
                    .into_iter()
                    .zip(draft.week)
                    .enumerate()
                    .map(|(n, (weekday, value))| {
                        let id = format!("hours-{}", n + 1);
                        view! {
                            <div class="field hours-field">
                                <label for=id.clone()>{move || weekday_name(lang.get(), weekday)}</label>
                                <input id=id aria-describedby="week-hint"
                                    prop:value=move || value.get()
                                    on:input=move |ev| value.set(event_target_value(&ev)) />
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <fieldset>
                <legend>{st(StaffText::SeatsHeading)}</legend>
                {draft
                    .seats
                    .iter()
                    .map(|(service, seats)| {
                        let seats = *seats;
                        let id = format!("seats-{service}");
                        let code = service.clone();
                        let name = move || {
                            catalog
                                .service(&code)
                                .map(|s| s.name.get(lang.get()).to_owned())
                                .unwrap_or_else(|| code.clone())
                        };
                        view! {
                            <div class="field seats-field">
                                <label for=id.clone()>{name}</label>
                                <input id=id inputmode="numeric" size="4"
                                    prop:value=move || seats.get()
                                    on:input=move |ev| seats.set(event_target_value(&ev)) />
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <fieldset>
                <legend>{st(StaffText::ClosuresHeading)}</legend>
                {move || {
                    closures
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(n, (date, ms, en))| view! {
                            <div class="closure-row">
                                <div class="field">
                                    <label for=format!("closure-date-{n}")>{st(StaffText::ClosureDate)}</label>
                                    <input id=format!("closure-date-{n}") type="date"
                                        prop:value=move || date.get()
                                        on:input=move |ev| date.set(event_target_value(&ev)) />
                                </div>
                                <div class="field">
                                    <label for=format!("closure-ms-{n}")>{st(StaffText::ClosureMs)}</label>
                                    <input id=format!("closure-ms-{n}") lang="ms"
                                        prop:value=move || ms.get()
                                        on:input=move |ev| ms.set(event_target_value(&ev)) />
                                </div>
                                <div class="field">
                                    <label for=format!("closure-en-{n}")>{st(StaffText::ClosureEn)}</label>
                                    <input id=format!("closure-en-{n}") lang="en"
                                        prop:value=move || en.get()
                                        on:input=move |ev| en.set(event_target_value(&ev)) />
                                </div>
                                <button type="button" class="button secondary"
                                    on:click=move |_| closures.update(|c| { c.remove(n); })>
                                    {st(StaffText::Remove)}
                                </button>
                            </div>
                        })
                        .collect_view()
                }}
                <button type="button" class="button secondary" id="add-closure"
                    on:click=move |_| closures.update(|c| c.push((
                        RwSignal::new(String::new()),
                        RwSignal::new(String::new()),
                        RwSignal::new(String::new()),
                    )))>
                    {st(StaffText::AddClosure)}
                </button>
            </fieldset>
            {(profiles > 0).then(|| view! { <p class="hint">{st(StaffText::ProfilesKept)} ": " {profiles}</p> })}
            <p class="status" role="status">{move || submit.pending().get().then(|| st(StaffText::Working)())}</p>
            <button id="config-preview-button" type="submit" class="button">{st(StaffText::Preview)}</button>
        </form>
        {move || saved.get().then(|| view! {
            <p id="config-saved" class="notice" role="status" tabindex="-1">{st(StaffText::Saved)}</p>
        })}
        {move || preview.get().map(|outcome| {
            let send = send.clone();
            let count = outcome.stranded.len();
            view! {
                <section id="config-preview" class="panel" tabindex="-1" aria-labelledby="preview-heading">
                    <h2 id="preview-heading">{st(StaffText::Preview)}</h2>
                    {if count == 0 {
                        view! { <p>{st(StaffText::PreviewNone)}</p> }.into_any()
                    } else {
                        view! {
                            <p>{st(StaffText::PreviewSome)}</p>
                            <ul id="stranded-list">
                                {outcome.stranded.into_iter().map(|s| view! {
                                    <li><span class="reference">{s.reference}</span> " — " {s.date.to_string()} " " {s.start.to_string()} " — " {s.applicant_name}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <button id="config-apply" type="button" class={if count > 0 { "button warning" } else { "button" }}
                        on:click=move |_| send(false)>
                        {move || if count > 0 {
                            format!("{} ({count})", StaffText::ApplyCancelling.get(lang.get()))
                        } else {
                            StaffText::Apply.get(lang.get()).to_owned()
                        }}
                    </button>
                </section>
            }
        })}
    }
}
