//! The home page, whole without the app: the build writes it in each language (`dist/index.html`
//! in Malay, `dist/pages/en/index.html` in English, see `xtask/src/web.rs`) with a marker where
//! the server puts each service's documents and fee from the catalogue. A phone on a slow
//! network gets the page in one small response and downloads the app's code only on the way
//! to a page that needs it.
//!
//! `crate::spa` picks the language (as for every page) and serves it.

use temujanji_shared::Lang;
use temujanji_shared::rules;
use temujanji_shared::wire::Service;

use crate::html::escape;

/// Where the page's template has the services' documents and fees.
pub const SERVICES_MARKER: &str = "<!--SERVICES-->";

/// `template` with each service's documents and fee in `lang`, or, when the catalogue could
/// not be read, a note that says so (the rest of the page still works).
pub fn render(template: &str, lang: Lang, services: Option<&[Service]>) -> String {
    template.replacen(SERVICES_MARKER, &documents(lang, services), 1)
}

fn documents(lang: Lang, services: Option<&[Service]>) -> String {
    let Some(services) = services else {
        return format!(
            "  <p class=\"alert\" role=\"alert\">{}</p>",
            match lang {
                Lang::Ms => {
                    "Senarai dokumen tidak dapat dipaparkan sekarang. Sila muat semula halaman \
                     ini sebentar lagi."
                }
                Lang::En => {
                    "The list of documents cannot be shown now. Please reload this page in a \
                     moment."
                }
            }
        );
    };
    let fee_label = match lang {
        Lang::Ms => "Bayaran",
        Lang::En => "Fee",
    };
    let mut out = String::new();
    for service in services {
        let items: String = service
            .documents
            .iter()
            .map(|d| format!("<li>{}</li>", escape(d.get(lang))))
            .collect();
        out.push_str(&format!(
            "  <details class=\"service-docs\"><summary>{name}</summary><ul>{items}</ul>\
             <p><strong>{fee_label}: </strong>{fee} — {note}</p>\
             <p class=\"hint\">{payment}</p></details>\n",
            name = escape(service.name.get(lang)),
            fee = escape(&rules::fee(lang, service.fee_sen)),
            note = escape(service.fee_note.get(lang)),
            payment = escape(rules::payment(lang)),
        ));
    }
    out.trim_end().to_owned()
}
