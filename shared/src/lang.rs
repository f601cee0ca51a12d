//! The two user-facing languages: Bahasa Melayu (default) and English.

use serde::{Deserialize, Serialize};

/// A user-facing language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    /// Bahasa Melayu, the default.
    #[default]
    Ms,
    /// English.
    En,
}

impl Lang {
    /// Both languages, default first.
    pub const ALL: [Lang; 2] = [Lang::Ms, Lang::En];

    /// The ISO 639-1 code: `"ms"` or `"en"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ms => "ms",
            Lang::En => "en",
        }
    }

    /// The other of the two.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ms => Lang::En,
            Lang::En => Lang::Ms,
        }
    }

    /// The language a query string asks for (`lang=en`; a leading `?` is allowed).
    pub fn asked_in(query: &str) -> Option<Lang> {
        query
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang=").and_then(Lang::parse))
    }

    /// The language remembered in [`COOKIE`], from a `Cookie` header or `document.cookie`
    /// (`a=1; temujanji-lang=en`).
    pub fn remembered_in(cookies: &str) -> Option<Lang> {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then(|| Lang::parse(value)).flatten()
        })
    }

    /// The [`COOKIE`] that remembers this language (for `Set-Cookie` or `document.cookie`).
    pub fn cookie(self) -> String {
        format!("{COOKIE}={}; {COOKIE_ATTRIBUTES}", self.code())
    }

    /// Parses a language code, case-insensitively, ignoring a region subtag
    /// (`"ms"`, `"ms-MY"`, `"EN"`, `"en_GB"`). Anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("ms") {
            Some(Lang::Ms)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The cookie that remembers the visitor's language, read by the server for every page's
/// first paint and written by the server (on `?lang=`) and the app (on a switch); not secret.
pub const COOKIE: &str = "temujanji-lang";

/// The cookie's attributes after `NAME=VALUE`: a year, every page.
const COOKIE_ATTRIBUTES: &str = "Path=/; Max-Age=31536000; SameSite=Lax";

/// The pairs of a query string (a leading `?` allowed) other than `lang=`, in order.
pub fn query_without_lang(query: &str) -> Vec<&str> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_code() {
        let cases = [
            ("ms", Some(Lang::Ms)),
            ("MS", Some(Lang::Ms)),
            ("ms-MY", Some(Lang::Ms)),
            (" en ", Some(Lang::En)),
            ("en_GB", Some(Lang::En)),
            ("fr", None),
            ("", None),
            ("msa", None),
        ];
        for (input, want) in cases {
            assert_eq!(Lang::parse(input), want, "{input:?}");
        }
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::default(), Lang::Ms);
    }

    #[test]
    fn serde_lowercase() {
        assert_eq!(
            serde_json::to_string(&Lang::En).ok().as_deref(),
            Some("\"en\"")
        );
        assert_eq!(serde_json::from_str::<Lang>("\"ms\"").ok(), Some(Lang::Ms));
        assert!(serde_json::from_str::<Lang>("\"Ms\"").is_err());
    }
}
