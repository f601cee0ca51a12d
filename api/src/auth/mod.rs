//! Applicant authentication: a one-time code sent to the e-mail address, exchanged for a
//! short-lived JWT bound to that address.

pub mod codes;
pub mod staff;
pub mod token;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A key for one purpose, derived from the server secret with HMAC-SHA256 over `label`, so
/// that every purpose has its own key and none is the token-signing key.
pub fn derive_key(secret: &[u8], label: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(label);
    mac.finalize().into_bytes().to_vec()
}
