//! Interface texts in Bahasa Melayu and English, and the remembered language choice.

use temujanji_shared::Lang;

const STORAGE_KEY: &str = "temujanji.lang";

#[derive(Debug, Clone, Copy)]
pub enum Text {
    BranchesHeading,
    BranchesIntro,
    Loading,
    LoadFailed,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Text::BranchesHeading, Lang::Ms) => "Cawangan",
            (Text::BranchesHeading, Lang::En) => "Branches",
            (Text::BranchesIntro, Lang::Ms) => {
                "Pejabat imigresen yang menerima temujanji dalam talian."
            }
            (Text::BranchesIntro, Lang::En) => "Immigration offices that take online appointments.",
            (Text::Loading, Lang::Ms) => "Memuatkan…",
            (Text::Loading, Lang::En) => "Loading…",
            (Text::LoadFailed, Lang::Ms) => {
                "Senarai cawangan tidak dapat dimuatkan. Sila cuba lagi."
            }
            (Text::LoadFailed, Lang::En) => {
                "The branch list could not be loaded. Please try again."
            }
        }
    }
}

/// `?lang=` in the address wins, then the remembered choice, then Bahasa Melayu.
pub fn initial_lang() -> Lang {
    let window = web_sys::window();
    let from_query = window
        .as_ref()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.trim_start_matches('?')
                .split('&')
                .find_map(|pair| pair.strip_prefix("lang="))
                .and_then(Lang::parse)
        });
    let remembered = || {
        window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|v| Lang::parse(&v))
    };
    from_query.or_else(remembered).unwrap_or_default()
}

/// Remembers the choice and sets `<html lang>` so that assistive technology reads correctly.
pub fn remember_lang(lang: Lang) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.code());
    }
}
