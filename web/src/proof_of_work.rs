//! Solves the server's ALTCHA challenge in the page, in slices of about 25 ms with a yield to
//! the browser between them, so typing, scrolling and the progress text stay live while it
//! works (about a second on a mid-range phone at the default difficulty, 1,000,000).

use temujanji_shared::altcha::Challenge;
use wasm_bindgen::JsValue;

/// Work between two yields to the browser.
const SLICE_MS: f64 = 25.0;
/// Numbers tried before the clock is read again.
const STEP: u64 = 2_000;

/// Finds the challenge's number; `None` if it has none (not a challenge of the server's).
/// Returns the `altcha` field to send.
pub async fn solve(challenge: &Challenge) -> Option<String> {
    let started = js_sys::Date::now();
    let mut next = 0u64;
    while next <= challenge.maxnumber {
        let slice_started = js_sys::Date::now();
        while next <= challenge.maxnumber && js_sys::Date::now() - slice_started < SLICE_MS {
            let end = next.saturating_add(STEP);
            if let Some(number) = challenge.search(next..end) {
                // Whole milliseconds, well within u64.
                let took = (js_sys::Date::now() - started).max(0.0) as u64;
                return Some(challenge.solution(number, Some(took)).encode());
            }
            next = end;
        }
        yield_to_browser().await;
    }
    None
}

/// Lets the browser handle input and paint before the next slice.
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().map(|window| {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
        });
        if !matches!(scheduled, Some(Ok(_))) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
