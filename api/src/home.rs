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

#[cfg(test)]
mod tests {
    use temujanji_shared::Lang;
    use temujanji_shared::codes::ServiceCode;
    use temujanji_shared::wire::{Bilingual, Service};

    use super::{SERVICES_MARKER, render};

    fn both(text: &str) -> Bilingual {
        Bilingual {
            ms: format!("{text} (ms)"),
            en: format!("{text} (en)"),
        }
    }

    #[test]
    fn a_service_s_words_are_text_never_markup() {
        let service = Service {
            code: ServiceCode::parse("passport_renewal").expect("code"),
            name: both("<script>alert(1)</script>"),
            fee_sen: 20_000,
            fee_note: both("\"5 years\" & more"),
            documents: vec![both("<img src=x onerror=alert(1)>")],
            rush: false,
        };
        let page = render(
            &format!("<main>{SERVICES_MARKER}</main>"),
            Lang::En,
            Some(&[service]),
        );
        assert!(
            !page.contains("<script>") && !page.contains("<img"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; (en)"));
        assert!(page.contains("RM200.00 — &quot;5 years&quot; &amp; more (en)"));
        assert!(!page.contains(SERVICES_MARKER));
    }

    #[test]
    fn without_the_catalogue_the_page_says_so() {
        let page = render(&format!("<main>{SERVICES_MARKER}</main>"), Lang::Ms, None);
        assert!(
            page.contains("role=\"alert\"") && page.contains("muat semula"),
            "{page}"
        );
    }
}
