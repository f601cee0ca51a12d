//! The waiting hall's screen: the latest calls (reference → counter) in large type and how
//! many wait; no names or personal data. Public (no sign-in), in both languages at once, and
//! it refreshes itself.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::client;
use super::texts::StaffText;
use temujanji_shared::Lang;

const REFRESH: Duration = Duration::from_secs(5);

fn both(text: StaffText) -> String {
    format!("{} / {}", text.get(Lang::Ms), text.get(Lang::En))
}

#[component]
pub fn DisplayPage() -> impl IntoView {
    let params = use_params_map();
    let branch = move || params.read().get("branch").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
        on_cleanup(move || handle.clear());
    }
    let hall = LocalResource::new(move || {
        let (branch, _) = (branch(), tick.get());
        async move { client::hall(&branch).await }
    });
    Effect::new(move |_| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&format!(
                "{} — {}",
                both(StaffText::DisplayHeading),
                branch()
            ));
        }
    });
    view! {
        <div class="hall">
            {move || match hall.get() {
                None => view! { <p class="hall-waiting">{both(StaffText::Loading)}</p> }.into_any(),
                Some(Err(_)) => view! { <h1>{branch()}</h1> }.into_any(),
                Some(Ok(h)) => {
                    let mut calls = h.calls.into_iter();
                    let latest = calls.next();
                    view! {
                        <h1 class="hall-branch">{h.branch_name}</h1>
                        <p class="hall-title">{both(StaffText::DisplayHeading)}</p>
                        {latest.map(|c| view! {
                            <p class="hall-latest" aria-live="assertive" id="hall-latest">
                                <span class="hall-ref">{c.reference}</span>
                                <span class="hall-arrow" aria-hidden="true">" → "</span>
                                <span class="hall-counter">{both(StaffText::Counter)} " " {c.counter}</span>
                            </p>
                        })}
                        <ol class="hall-calls" id="hall-calls">
                            {calls.map(|c| view! {
                                <li><span class="hall-ref">{c.reference}</span> " → " {both(StaffText::Counter)} " " {c.counter}</li>
                            }).collect_view()}
                        </ol>
                        <p class="hall-waiting" id="hall-waiting">{both(StaffText::DisplayWaiting)} ": " {h.waiting}</p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
