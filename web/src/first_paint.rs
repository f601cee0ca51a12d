//! The page's first paint: `[data-shell]` elements that the build writes into the HTML (from
//! `web/static/shell/`) so that text shows before the wasm runs. The app replaces them as it
//! mounts, and keeps what was typed into them meanwhile (the apply page's first paint is its
//! e-mail form), so that a quick applicant loses nothing.

use std::cell::RefCell;

use wasm_bindgen::JsCast;

/// What the first paint's fields held when the app took over.
#[derive(Debug, Default)]
struct Typed {
    /// (field id, value) of each non-empty field.
    values: Vec<(String, String)>,
    /// The field that had keyboard focus.
    focused: Option<String>,
}

thread_local! {
    /// Taken once each: a later visit to the same page (in-app navigation) starts afresh.
    static TYPED: RefCell<Typed> = RefCell::default();
}

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
    TYPED.set(typed);
    while let Ok(Some(element)) = document.query_selector("[data-shell]") {
        element.remove();
    }
}

/// What was typed into the first paint's field `id` before the app took over; once (it is
/// the first page's, not a later one's).
pub fn take_typed(id: &str) -> Option<String> {
    TYPED.with_borrow_mut(|typed| {
        let at = typed.values.iter().position(|(field, _)| field == id)?;
        Some(typed.values.remove(at).1)
    })
}

/// Gives keyboard focus back to the app's field of the id that had it in the first paint when
/// the app took over; once (called as a page's fields appear).
pub fn restore_focus() {
    if let Some(id) = TYPED.with_borrow_mut(|typed| typed.focused.take()) {
        crate::fields::focus_element(&id);
    }
}
