//! Accessible form parts: a labelled input with hint and error, and the error summary shown
//! at the top of a form on submit (the GOV.UK pattern).

use leptos::html;
use leptos::prelude::*;

use temujanji_shared::error::ValidationError;
use temujanji_shared::problem::ProblemType;

use crate::api::Failure;
use crate::i18n::{Text, Wording, tr, use_lang};

/// The element id of a field, from its dotted API path (`applicant.address.postcode` →
/// `applicant-address-postcode`), so that API errors and inputs line up.
pub fn field_id(path: &str) -> String {
    path.replace('.', "-")
}

/// One problem to list in the summary: the field's id and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: String,
    pub message: String,
}

/// The state of a form with one checked input: what to show under the field (once it has
/// been left or a submit was tried) and what the error summary lists (after a submit).
pub struct OneField {
    pub touched: RwSignal<bool>,
    pub submitted: RwSignal<u32>,
    pub error: Signal<Option<String>>,
    pub problems: Signal<Vec<Listed>>,
}

impl OneField {
    /// `parsed` is the shared parser's verdict on the input; `id` the input's element id.
    pub fn new<T>(id: &'static str, parsed: Memo<Result<T, ValidationError>>) -> OneField
    where
        T: Clone + PartialEq + Send + Sync + 'static,
    {
        let lang = use_lang();
        let touched = RwSignal::new(false);
        let submitted = RwSignal::new(0u32);
        let error = Signal::derive(move || {
            (touched.get() || submitted.get() > 0)
                .then(|| parsed.get().err().map(|e| e.message(lang.get())))
                .flatten()
        });
        let problems = Signal::derive(move || {
            if submitted.get() == 0 {
                return Vec::new();
            }
            error
                .get()
                .map(|message| {
                    vec![Listed {
                        id: id.to_owned(),
                        message,
                    }]
                })
                .unwrap_or_default()
        });
        OneField {
            touched,
            submitted,
            error,
            problems,
        }
    }
}

/// A labelled text input. `error` is shown under the label, linked by `aria-describedby`, and
/// marks the input `aria-invalid`.
#[component]
pub fn TextField(
    /// Dotted field path; the element id is derived from it.
    path: &'static str,
    #[prop(into)] label: Wording,
    #[prop(optional, into)] hint: Option<Wording>,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// Called when the field loses focus (to start showing its errors).
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = false)] uppercase: bool,
    #[prop(optional)] node_ref: Option<NodeRef<html::Input>>,
) -> impl IntoView {
    let id = field_id(path);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let node_ref = node_ref.unwrap_or_default();
    view! {
        <div class="field" class:field-error=move || error.get().is_some()>
            <label for=id.clone()>{tr(label)}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{tr(hint)}</p> })}
            <FieldError id=error_id error />
            <input
                id=id.clone()
                name=id.clone()
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                class:uppercase=uppercase
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| {
                    if let Some(on_blur) = on_blur {
                        on_blur.run(());
                    }
                }
                node_ref=node_ref
            />
        </div>
    }
}

/// The list of problems at the top of a form; each entry links to its field. It takes focus
/// after each submit attempt (`attempt` changes) that finds problems, so that screen readers
/// announce it, but never while the user types: corrections update the list in place.
#[component]
pub fn ErrorSummary(
    #[prop(into)] problems: Signal<Vec<Listed>>,
    #[prop(into)] attempt: Signal<u32>,
) -> impl IntoView {
    let summary = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        attempt.track();
        if !problems.get_untracked().is_empty() {
            // After the summary has been drawn for this attempt.
            request_animation_frame(move || {
                if let Some(el) = summary.get_untracked() {
                    let _ = el.focus();
                }
            });
        }
    });
    let lang = use_lang();
    view! {
        <Show when=move || !problems.get().is_empty()>
            <div
                class="error-summary"
                tabindex="-1"
                aria-labelledby="error-summary-title"
                node_ref=summary
            >
                <h2 id="error-summary-title">{move || Text::ErrorSummaryTitle.get(lang.get())}</h2>
                <ul>
                    {move || {
                        problems
                            .get()
                            .into_iter()
                            .map(|p| {
                                let href = format!("#{}", p.id);
                                let id = p.id.clone();
                                view! {
                                    <li>
                                        <a
                                            href=href
                                            on:click=move |ev| {
                                                ev.prevent_default();
                                                focus_element(&id);
                                            }
                                        >
                                            {p.message}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}

/// Moves keyboard focus to the element with `id`, if it exists.
pub fn focus_element(id: &str) {
    focus(web_sys::window().and_then(|w| w.document()?.get_element_by_id(id)));
}

/// Moves keyboard focus to the first element matching the CSS `selector`, if any.
pub fn focus_selector(selector: &str) {
    focus(web_sys::window().and_then(|w| w.document()?.query_selector(selector).ok()?));
}

fn focus(element: Option<web_sys::Element>) {
    use wasm_bindgen::JsCast;
    if let Some(el) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// A status line announced politely by screen readers (progress, confirmations).
#[component]
pub fn Status(#[prop(into)] text: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="status" role="status" aria-live="polite">
            {move || text.get().unwrap_or_default()}
        </p>
    }
}

/// A field's error message (`id` for its `aria-describedby`), while it has one; "Error:" is
/// read out before it.
#[component]
pub fn FieldError(id: String, #[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p class="error-message" id=id.clone()>
                    <span class="visually-hidden">{tr(Text::ErrorPrefix)}" "</span>
                    {message}
                </p>
            }
        })
    }
}

/// An alert for a failed action, in the current language, with the way on where there is
/// one (no refusal is a dead end).
#[component]
pub fn Alert(#[prop(into)] failure: Signal<Option<Failure>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <Show when=move || failure.get().is_some()>
            <div class="alert" role="alert">
                <p>{move || failure.get().map(|f| f.message(lang.get())).unwrap_or_default()}</p>
                {move || {
                    failure
                        .get()
                        .and_then(|f| way_on(f.kind()?))
                        .map(|(href, text)| view! { <p><a href=href class="way-on">{tr(text)}</a></p> })
                }}
            </div>
        </Show>
    }
}

/// Where to go after a refusal that the applicant can act on elsewhere.
fn way_on(kind: ProblemType) -> Option<(&'static str, Text)> {
    match kind {
        // An appointment already held: see it, change it or cancel it.
        ProblemType::DuplicateActiveAppointment
        | ProblemType::TooManyActiveAppointments
        | ProblemType::IdentityUnavailable => Some(("/manage", Text::ManageCta)),
        _ => None,
    }
}

/// A list could not be loaded: say so and offer to try again (`retry`).
#[component]
pub fn CatalogRetry(retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="alert" role="alert">
            <p>{tr(Text::LoadFailed)}</p>
            <button type="button" class="button secondary" on:click=move |_| retry.run(())>
                {tr(Text::TryAgain)}
            </button>
        </div>
    }
}
