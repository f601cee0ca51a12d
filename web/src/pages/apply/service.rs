//! Step 3: the service and the branch.

use leptos::prelude::*;

use super::Branches;
use super::journey::{Journey, Step};
use super::texts::ApplyText;
use crate::Catalog;
use crate::fields::{CatalogRetry, ErrorSummary, Listed};
use crate::i18n::{tr, use_lang};

#[component]
pub(super) fn ServiceStep() -> impl IntoView {
    let lang = use_lang();
    let journey = Journey::use_context();
    let Journey {
        service,
        branch,
        date,
        start,
        ..
    } = journey;
    let catalog = Catalog::use_context();
    let branches = Branches::use_context();
    let search = RwSignal::new(String::new());
    let submitted = RwSignal::new(0u32);
    let service_error = Signal::derive(move || {
        ((submitted.get() > 0) && service.get().is_empty())
            .then(|| ApplyText::ChooseService.get(lang.get()).to_owned())
    });
    let branch_error = Signal::derive(move || {
        ((submitted.get() > 0) && !service.get().is_empty() && branch.get().is_empty())
            .then(|| ApplyText::ChooseBranch.get(lang.get()).to_owned())
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
            journey.go(Step::Slot);
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
                <label for="service">{tr(ApplyText::ServiceLabel)}</label>
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
                        {tr(ApplyText::ChooseService)}
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
                <label for="branch-search">{tr(ApplyText::BranchSearchLabel)}</label>
                <p class="hint" id="branch-search-hint">{tr(ApplyText::BranchSearchHint)}</p>
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
                <legend>{tr(ApplyText::BranchLabel)}</legend>
                {move || {
                    if service.get().is_empty() {
                        return view! { <p class="hint">{tr(ApplyText::ChooseServiceFirst)}</p> }.into_any();
                    }
                    let list = matching();
                    if list.is_empty() {
                        return view! { <p class="hint">{tr(ApplyText::NoBranchMatches)}</p> }.into_any();
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
                <button type="submit" class="button">{tr(ApplyText::Continue)}</button>
            </div>
        </form>
    }
}
