//! One module per route.

pub mod apply;
pub mod home;
pub mod manage;
pub mod slip;

use leptos::html;
use leptos::prelude::*;

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a page has been shown yet: the first page of a visit keeps the browser's focus.
static SHOWN: AtomicBool = AtomicBool::new(false);

/// The page's `<h1>`. It takes focus when a later page appears (client-side navigation) or
/// `step` changes, so that a screen reader starts reading the new content from its title.
#[component]
pub fn PageHeading(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] step: Option<Signal<usize>>,
) -> impl IntoView {
    let heading = NodeRef::<html::H1>::new();
    // Each page and step has its own title (WCAG 2.4.2).
    let lang = crate::i18n::use_lang();
    Effect::new(move |_| {
        let lang = lang.get();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let page = text.get();
            let service = crate::i18n::Text::ServiceName.get(lang);
            // The home page's heading is the service's name: then the department follows.
            let site = if page == service {
                crate::i18n::Text::Department.get(lang)
            } else {
                service
            };
            document.set_title(&format!("{page} — {site}"));
        }
    });
    Effect::new(move |previous: Option<()>| {
        if let Some(step) = step {
            step.track();
        }
        let first_visit = !SHOWN.swap(true, Ordering::Relaxed);
        if let Some(el) = heading.get()
            && (previous.is_some() || !first_visit)
        {
            let _ = el.focus();
        }
    });
    view! {
        <h1 tabindex="-1" node_ref=heading>
            {move || text.get()}
        </h1>
    }
}

/// A path that is no page (the server answers it 404): says so in the chosen language, with a
/// way home and to the two things people come for.
#[component]
pub fn NotFound() -> impl IntoView {
    use crate::i18n::{Text, tr, use_lang};
    let lang = use_lang();
    view! {
        <PageHeading text=Signal::derive(move || Text::PageNotFound.get(lang.get()).to_owned()) />
        <p>{tr(Text::NotFoundHelp)}</p>
        <ul class="ways-on">
            <li>
                <a href="/" id="go-home">{tr(Text::GoHome)}</a>
            </li>
            <li>
                <a href="/apply">{tr(Text::ApplyCta)}</a>
            </li>
            <li>
                <a href="/manage">{tr(Text::ManageCta)}</a>
            </li>
        </ul>
    }
}
