//! The staff session in `sessionStorage` (gone when the tab closes): the access token, the
//! single-use refresh token and who signed in.

use serde::{Deserialize, Serialize};
use temujanji_shared::staff::{StaffMe, StaffSession as Issued};

const KEY: &str = "temujanji.staff";
/// Refresh a minute before the server would refuse the access token.
const MARGIN_MS: f64 = 60_000.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffSession {
    pub access: String,
    pub refresh: String,
    expires_at_ms: f64,
    pub me: Option<StaffMe>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

impl StaffSession {
    /// Stores freshly issued tokens, keeping who signed in.
    pub fn store(issued: &Issued, me: Option<StaffMe>) -> StaffSession {
        let session = StaffSession {
            access: issued.access_token.clone(),
            refresh: issued.refresh_token.clone(),
            expires_at_ms: js_sys::Date::now() + issued.expires_in as f64 * 1000.0 - MARGIN_MS,
            me,
        };
        session.save();
        session
    }

    pub fn save(&self) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(self)) {
            let _ = storage.set_item(KEY, &json);
        }
    }

    pub fn current() -> Option<StaffSession> {
        let json = storage()?.get_item(KEY).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    /// Whether the access token is about to expire (refresh first).
    pub fn stale(&self) -> bool {
        self.expires_at_ms <= js_sys::Date::now()
    }

    pub fn end() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(KEY);
        }
    }
}
