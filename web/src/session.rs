//! The verified e-mail's token, kept in `sessionStorage` (gone when the tab closes) so that a
//! reload or the slip page does not ask for a new code.

use serde::{Deserialize, Serialize};
use temujanji_shared::wire::Token;

const KEY: &str = "temujanji.session";
/// Forget the token a minute before the server would refuse it.
const MARGIN_MS: f64 = 60_000.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub email: String,
    pub token: String,
    expires_at_ms: f64,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

impl Session {
    /// Stores a freshly issued token for `email`.
    pub fn start(email: &str, token: &Token) -> Session {
        let session = Session {
            email: email.to_owned(),
            token: token.token.clone(),
            expires_at_ms: js_sys::Date::now() + token.expires_in as f64 * 1000.0 - MARGIN_MS,
        };
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&session)) {
            let _ = storage.set_item(KEY, &json);
        }
        session
    }

    /// The stored session, if it is still valid.
    pub fn current() -> Option<Session> {
        let json = storage()?.get_item(KEY).ok().flatten()?;
        let session: Session = serde_json::from_str(&json).ok()?;
        (session.expires_at_ms > js_sys::Date::now()).then_some(session)
    }

    /// The stored session, if it is valid and for `email`.
    pub fn for_email(email: &str) -> Option<Session> {
        Session::current().filter(|s| s.email.eq_ignore_ascii_case(email.trim()))
    }

    pub fn end() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(KEY);
        }
    }
}
