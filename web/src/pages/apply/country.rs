//! The passport's issuing country, chosen by its name in the page's language (never typed as
//! a code): a search box shortens the list, the list holds the choice.

use leptos::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::country;

use super::texts::ApplyText;
use crate::fields::FieldError;
use crate::i18n::{tr, use_lang};

/// Countries whose name (in either language) or code matches `search`; `chosen` always stays.
fn matching(lang: Lang, search: &str, chosen: &str) -> Vec<(&'static str, &'static str)> {
    let needle = search.trim().to_lowercase();
    let other = lang.other();
    country::by_name(lang)
        .into_iter()
        .filter(|(code, name)| {
            *code == chosen
                || needle.is_empty()
                || name.to_lowercase().contains(&needle)
                || country::name_of(code, other).is_some_and(|n| n.to_lowercase().contains(&needle))
                || code.eq_ignore_ascii_case(&needle)
        })
        .collect()
}

/// The field `applicant.nationality`: `#applicant-nationality` holds the ISO code chosen.
#[component]
pub(super) fn CountryPicker(
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    on_blur: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let options = Memo::new(move |_| matching(lang.get(), &search.get(), &value.get()));
    let described = move || {
        if error.get().is_some() {
            "applicant-nationality-hint applicant-nationality-error"
        } else {
            "applicant-nationality-hint"
        }
    };
    view! {
        <div class="field" class:field-error=move || error.get().is_some()>
            <label for="applicant-nationality">{tr(ApplyText::NationalityLabel)}</label>
            <p class="hint" id="applicant-nationality-hint">{tr(ApplyText::NationalityHint)}</p>
            <FieldError id="applicant-nationality-error".to_owned() error />
            <label for="country-search" class="sub-label">{tr(ApplyText::CountrySearch)}</label>
            <input
                id="country-search"
                type="search"
                autocomplete="off"
                aria-controls="applicant-nationality"
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
            />
            <select
                id="applicant-nationality"
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
                on:change=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| on_blur.run(())
            >
                <option value="" selected=move || value.get().is_empty()>
                    {move || {
                        let shown = options.get().len();
                        format!("{} ({shown})", ApplyText::ChooseCountry.get(lang.get()))
                    }}
                </option>
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(code, name)| {
                            view! {
                                <option value=code selected=move || value.get() == code>
                                    {name}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}
