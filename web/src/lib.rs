//! Temujanji SPA (Leptos, client-side rendered): the applicant's journey in Bahasa Melayu
//! (default) or English. Home → apply (e-mail, code, service and branch, date and time,
//! details, review) → slip; manage (find by reference and e-mail code → view, PDF, reschedule,
//! cancel). Every field is checked as it is typed with the `shared` parsers the API uses.

mod api;
mod calendar;
mod fields;
mod first_paint;
mod i18n;
mod pages;
mod proof_of_work;
mod qr;
mod session;
mod staff;
mod verify;
mod waitlist;

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, lazy_route, path};
use temujanji_shared::Lang;
use temujanji_shared::wire::Service;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::api::Answer;
use crate::i18n::{Text, initial_lang, remember_lang, tr};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    first_paint::take_over();
    leptos::mount::mount_to_body(App);
}

/// The services, loaded once and shared by every page (their texts are bilingual). The
/// branches are loaded by the apply page, which alone needs them (see `pages::apply::Branches`),
/// so that their code stays out of the first download.
#[derive(Clone, Copy)]
pub struct Catalog {
    pub services: LocalResource<Answer<Vec<Service>>>,
}

impl Catalog {
    pub fn use_context() -> Catalog {
        expect_context::<Catalog>()
    }

    pub fn service(&self, code: &str) -> Option<Service> {
        self.services
            .get()
            .and_then(Result::ok)?
            .into_iter()
            .find(|s| s.code.as_str() == code)
    }

    /// Loads the list again (after a failed start, e.g. a network blip).
    pub fn retry(&self) {
        self.services.refetch();
    }

    /// Whether the list failed to load.
    pub fn failed(&self) -> bool {
        matches!(self.services.get(), Some(Err(_)))
    }
}

#[component]
fn App() -> impl IntoView {
    let (lang, set_lang) = signal(initial_lang());
    provide_context(lang);
    Effect::new(move |_| remember_lang(lang.get()));
    let first = lang.get_untracked();
    provide_context(Catalog {
        services: LocalResource::new(move || api::services(first)),
    });

    view! {
        <Router>
            <a
                class="skip-link"
                href="#main"
                on:click=|ev| {
                    // The router would only scroll; keyboard focus must move too.
                    ev.prevent_default();
                    fields::focus_element("main");
                }
            >
                {tr(Text::SkipToContent)}
            </a>
            <header class="masthead">
                <A href="/" attr:class="brand">
                    <span class="crest" aria-hidden="true">"JIM"</span>
                    <span class="title">
                        <span class="service-name">{tr(Text::ServiceName)}</span>
                        <span class="department">{tr(Text::Department)}</span>
                    </span>
                </A>
                <LangSwitch lang set_lang />
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage />
                    <Route path=path!("/apply") view={Lazy::<ApplyRoute>::new()} />
                    <Route path=path!("/manage") view={Lazy::<ManageRoute>::new()} />
                    <Route
                        path=path!("/appointment/:reference")
                        view={Lazy::<SlipRoute>::new()}
                    />
                    <Route path=path!("/staff") view={Lazy::<StaffRoute>::new()} />
                    <Route path=path!("/staff/config") view={Lazy::<StaffRoute>::new()} />
                    <Route path=path!("/staff/reports") view={Lazy::<StaffRoute>::new()} />
                    <Route path=path!("/staff/blocks") view={Lazy::<StaffRoute>::new()} />
                    <Route path=path!("/staff/audit") view={Lazy::<StaffRoute>::new()} />
                    <Route path=path!("/display/:branch") view={Lazy::<StaffRoute>::new()} />
                </Routes>
            </main>
            <footer class="footer">
                <p>{tr(Text::Footer)}</p>
            </footer>
        </Router>
    }
}

// Code splitting: only the app's home page (reached from within the app; a visit that starts
// at `/` gets the server's page, without wasm) is in the main wasm. Each other page is a lazy route,
// split by `cargo xtask build-web` into its own wasm chunk (code shared by two pages into a
// chunk of its own) and fetched when the route is first shown, on a direct load as on a
// client-side navigation.

/// `/apply`: the booking journey, loaded on demand.
struct ApplyRoute;

#[lazy_route]
impl LazyRoute for ApplyRoute {
    fn data() -> Self {
        ApplyRoute
    }

    fn view(_this: Self) -> AnyView {
        pages::apply::ApplyPage().into_any()
    }
}

/// `/manage`: find an appointment, loaded on demand.
struct ManageRoute;

#[lazy_route]
impl LazyRoute for ManageRoute {
    fn data() -> Self {
        ManageRoute
    }

    fn view(_this: Self) -> AnyView {
        pages::manage::ManagePage().into_any()
    }
}

/// `/appointment/:reference`: the slip, loaded on demand.
struct SlipRoute;

#[lazy_route]
impl LazyRoute for SlipRoute {
    fn data() -> Self {
        SlipRoute
    }

    fn view(_this: Self) -> AnyView {
        pages::slip::SlipPage().into_any()
    }
}

/// `/staff`, `/staff/*` and `/display/:branch`: the staff pages and the hall's display, loaded
/// on demand as one group (see `staff::StaffPages`).
struct StaffRoute;

#[lazy_route]
impl LazyRoute for StaffRoute {
    fn data() -> Self {
        StaffRoute
    }

    fn view(_this: Self) -> AnyView {
        staff::StaffPages().into_any()
    }
}

/// Switches between the two languages; the page and whatever was typed stay as they are.
#[component]
fn LangSwitch(lang: ReadSignal<Lang>, set_lang: WriteSignal<Lang>) -> impl IntoView {
    let other = move || lang.get().other();
    view! {
        <button
            type="button"
            class="lang-switch"
            lang=move || other().code()
            on:click=move |_| set_lang.set(other())
        >
            {move || match other() {
                Lang::Ms => "Bahasa Melayu",
                Lang::En => "English",
            }}
        </button>
    }
}
