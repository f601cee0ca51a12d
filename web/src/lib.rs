//! Temujanji SPA (Leptos, client-side rendered). For now: the branch list, fetched from the
//! API and decoded into the `shared` wire types, in Bahasa Melayu (default) or English.

mod api;
mod i18n;

use leptos::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::wire::Branch;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::i18n::{Text, initial_lang, remember_lang};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let (lang, set_lang) = signal(initial_lang());
    Effect::new(move |_| remember_lang(lang.get()));
    let t = move |text: Text| text.get(lang.get());
    let branches = LocalResource::new(api::branches);

    view! {
        <header class="masthead">
            <div class="brand">
                <span class="crest" aria-hidden="true">"JIM"</span>
                <span class="title">"Temujanji"</span>
            </div>
            <LangSwitch lang set_lang />
        </header>
        <main id="main">
            <h1>{move || t(Text::BranchesHeading)}</h1>
            <p class="lede">{move || t(Text::BranchesIntro)}</p>
            <Suspense fallback=move || view! { <p role="status">{t(Text::Loading)}</p> }>
                {move || {
                    branches
                        .get()
                        .map(|result| match result {
                            Ok(list) => view! { <BranchList branches=list /> }.into_any(),
                            Err(_) => view! { <p role="alert" class="error">{t(Text::LoadFailed)}</p> }.into_any(),
                        })
                }}
            </Suspense>
        </main>
    }
}

#[component]
fn LangSwitch(lang: ReadSignal<Lang>, set_lang: WriteSignal<Lang>) -> impl IntoView {
    let other = move || match lang.get() {
        Lang::Ms => Lang::En,
        Lang::En => Lang::Ms,
    };
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

#[component]
fn BranchList(branches: Vec<Branch>) -> impl IntoView {
    view! {
        <ul class="branches">
            {branches
                .into_iter()
                .map(|branch| {
                    let address = branch.address.clone();
                    view! {
                        <li class="branch">
                            <h2>{branch.name.clone()}</h2>
                            <p class="code">{branch.code.to_string()}</p>
                            <p class="address">
                                {address.line1.to_string()}
                                {address.line2.map(|l| format!(", {l}"))}
                                <br />
                                {format!("{} {}, {}", address.postcode, address.city, address.state.name())}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
