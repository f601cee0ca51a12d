//! The home page: what the service is, the two ways in, the terms (R1–R10) in plain words, and
//! the documents and fee of every service (R6, R9). A visit that starts here gets the server's
//! page (`api/src/home.rs`, from `web/static/shell/`), whole without the app; this one is
//! shown when the app, already running, comes back home.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::Catalog;
use crate::fields::CatalogRetry;
use crate::i18n::{BilingualList, Text, tr, use_lang};
use crate::pages::PageHeading;
use temujanji_shared::rules::fee;

const TERMS: [Text; 10] = [
    Text::Term1,
    Text::Term2,
    Text::Term3,
    Text::Term4,
    Text::Term5,
    Text::Term6,
    Text::Term7,
    Text::Term8,
    Text::CardOnly,
    Text::Term10,
];

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    let catalog = Catalog::use_context();
    view! {
        <PageHeading text=Signal::derive(move || Text::ServiceName.get(lang.get()).to_owned()) />
        <p class="lede">{tr(Text::HomeIntro)}</p>
        <div class="actions-grid">
            <A
                href="/apply"
                attr:class="card-link primary"
                attr:id="apply-link"
            >
                <span class="card-title">{tr(Text::ApplyCta)}</span>
                <span class="card-hint">{tr(Text::ApplyCtaHint)}</span>
            </A>
            <A href="/manage" attr:class="card-link" attr:id="manage-link">
                <span class="card-title">{tr(Text::ManageCta)}</span>
                <span class="card-hint">{tr(Text::ManageCtaHint)}</span>
            </A>
        </div>
        <section aria-labelledby="terms-heading">
            <h2 id="terms-heading">{tr(Text::TermsHeading)}</h2>
            <ol class="terms">
                {TERMS.iter().map(|t| view! { <li>{tr(*t)}</li> }).collect_view()}
            </ol>
        </section>
        <section aria-labelledby="documents-heading">
            <h2 id="documents-heading">{tr(Text::DocumentsHeading)}</h2>
            <Suspense fallback=move || view! { <p role="status">{tr(Text::Loading)}</p> }>
                {move || {
                    catalog
                        .services
                        .get()
                        .map(|result| match result {
                            Err(_) => {
                                view! { <CatalogRetry retry=Callback::new(move |_| catalog.retry()) /> }
                                    .into_any()
                            }
                            Ok(services) => {
                                services
                                    .into_iter()
                                    .map(|service| {
                                        let name = service.name.clone();
                                        let note = service.fee_note.clone();
                                        let documents = service.documents.clone();
                                        let fee_sen = service.fee_sen;
                                        view! {
                                            <details class="service-docs">
                                                <summary>{move || name.get(lang.get()).to_owned()}</summary>
                                                <BilingualList items=documents />
                                                <p>
                                                    <strong>{tr(Text::Fee)}": "</strong>
                                                    {move || fee(lang.get(), fee_sen)}
                                                    " — "
                                                    {move || note.get(lang.get()).to_owned()}
                                                </p>
                                                <p class="hint">{tr(Text::CardOnly)}</p>
                                            </details>
                                        }
                                    })
                                    .collect_view()
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}
