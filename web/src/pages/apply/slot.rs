//! Step 4: the date and the time.

use leptos::prelude::*;

use super::Branches;
use super::journey::{Journey, Step};
use super::texts::ApplyText;
use crate::Catalog;
use crate::calendar::SlotPicker;
use crate::fields::{ErrorSummary, Listed};
use crate::i18n::{Text, Wording, tr, use_lang};

#[component]
pub(super) fn SlotStep() -> impl IntoView {
    let lang = use_lang();
    let journey = Journey::use_context();
    let Journey {
        service,
        branch,
        date,
        start,
        reload,
        ..
    } = journey;
    let catalog = Catalog::use_context();
    let branches = Branches::use_context();
    let submitted = RwSignal::new(0u32);
    let error = Signal::derive(move || {
        let missing = if date.get().is_none() {
            Wording::from(ApplyText::ChooseDate)
        } else {
            Wording::from(Text::ChooseSlot)
        };
        ((submitted.get() > 0) && start.get().is_none()).then(|| missing.get(lang.get()).to_owned())
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
            journey.go(Step::Details);
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
                <button type="button" class="button secondary" on:click=move |_| journey.go(Step::Service)>
                    {tr(Text::Back)}
                </button>
                <button type="submit" class="button">{tr(ApplyText::Continue)}</button>
            </div>
        </form>
    }
}
