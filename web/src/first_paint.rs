//! The page's first paint: `[data-shell]` elements that the build writes into the HTML (from
//! `web/static/shell/`) so that text shows before the wasm runs. The app replaces them as it
//! mounts, and keeps what was typed into them meanwhile (the apply page's first paint is its
//! e-mail form), so that a quick applicant loses nothing.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::JsCast;

/// What the first paint's fields held when the app took over.
#[derive(Debug, Default)]
struct Typed {
    /// (field id, value) of each non-empty field.
    values: Vec<(String, String)>,
    /// The field that had keyboard focus.
    focused: Option<String>,
}

static TYPED: OnceLock<Typed> = OnceLock::new();

/// Removes the first paint, keeping what was typed into it. Runs before the app mounts, in the
/// same task, so that no blank frame shows between the two.
pub fn take_over() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let mut typed = Typed::default();
    if let Ok(list) = document.query_selector_all("[data-shell] input") {
        for i in 0..list.length() {
            let Some(input) = list
                .get(i)
                .and_then(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                continue;
            };
            let value = input.value();
            if !value.trim().is_empty() {
                typed.values.push((input.id(), value));
            }
        }
    }
    typed.focused = document
        .active_element()
        .filter(|element| element.closest("[data-shell]").ok().flatten().is_some())
        .map(|element| element.id())
        .filter(|id| !id.is_empty());
    let _ = TYPED.set(typed);
    while let Ok(Some(element)) = document.query_selector("[data-shell]") {
        element.remove();
    }
}

/// What was typed into the first paint's field `id` before the app took over.
pub fn typed(id: &str) -> Option<String> {
    TYPED
        .get()?
        .values
        .iter()
        .find(|(field, _)| field == id)
        .map(|(_, value)| value.clone())
}

/// Whether the first paint's field `id` had keyboard focus when the app took over, the first
/// time it is asked (the app's field of the same id takes focus back once, as it appears).
pub fn take_focus(id: &str) -> bool {
    static TAKEN: AtomicBool = AtomicBool::new(false);
    let had = TYPED
        .get()
        .and_then(|t| t.focused.as_deref())
        .is_some_and(|focused| focused == id);
    had && !TAKEN.swap(true, Ordering::Relaxed)
}
