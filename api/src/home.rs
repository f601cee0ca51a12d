//! The home page, whole without the app: the build writes it in each language (`dist/index.html`
//! in Malay, `dist/pages/home.en.html` in English, see `xtask/src/web.rs`) with a marker where
//! the server puts each service's documents and fee from the catalogue. A phone on a slow
//! network gets the page in one small response and downloads the app's code only on the way
//! to a page that needs it.
//!
//! The language is the one asked for (`?lang=`, remembered in a cookie the app reads too),
//! else the remembered one, else Bahasa Melayu.

use temujanji_shared::Lang;
use temujanji_shared::rules;
use temujanji_shared::wire::Service;

use crate::html::escape;

/// Where the page's template has the services' documents and fees.
pub const SERVICES_MARKER: &str = "<!--SERVICES-->";

/// The cookie that remembers the language (set here and by the app; not secret).
pub const LANG_COOKIE: &str = "temujanji-lang";

/// The file of `dist/` with the home page in `lang`.
pub fn file(lang: Lang) -> &'static str {
    match lang {
        Lang::Ms => "index.html",
        Lang::En => "pages/home.en.html",
    }
}

/// The page's language: `?lang=` (and whether it is to be remembered), else the cookie's,
/// else Bahasa Melayu.
pub fn language(query: &str, cookie: Option<&str>) -> (Lang, bool) {
    let asked = query.split('&').find_map(|pair| {
        pair.strip_prefix("lang=")
            .and_then(|code| Lang::parse(&code.to_ascii_lowercase()))
    });
    match asked {
        Some(lang) => (lang, true),
        None => (cookie.and_then(Lang::parse).unwrap_or_default(), false),
    }
}

/// The language cookie's value in a `Cookie` header (`a=1; temujanji-lang=en`).
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == LANG_COOKIE).then_some(value)
    })
}

/// The `Set-Cookie` value that remembers `lang` for a year, on every page.
pub fn remember(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    )
}

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

    use super::{cookie_value, language};

    #[test]
    fn the_language_cookie_is_found_among_others() {
        assert_eq!(cookie_value("a=1; temujanji-lang=en; b=2"), Some("en"));
        assert_eq!(cookie_value("temujanji-lang=ms"), Some("ms"));
        assert_eq!(cookie_value("xtemujanji-lang=en"), None);
        assert_eq!(cookie_value(""), None);
    }

    #[test]
    fn the_language_asked_for_wins_and_is_remembered() {
        assert_eq!(language("lang=en", Some("ms")), (Lang::En, true));
        assert_eq!(language("x=1&lang=ms", Some("en")), (Lang::Ms, true));
        assert_eq!(language("", Some("en")), (Lang::En, false));
        assert_eq!(language("lang=fr", Some("en")), (Lang::En, false));
        assert_eq!(language("", Some("xx")), (Lang::Ms, false));
        assert_eq!(language("", None), (Lang::Ms, false));
    }
}
