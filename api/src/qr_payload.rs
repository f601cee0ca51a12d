//! The signed text of the slip's QR code, which counter staff scan at check-in.
//!
//! Format: `TMJ1:<REFERENCE>:<TAG>`, e.g. `TMJ1:ABCDE-FGH23:0123456789ABCDEF0123456789ABCDEF`,
//! where `TAG` is the first 16 bytes of HMAC-SHA256(key, reference) as 32 upper-case hex
//! digits. Every character is in the QR alphanumeric set (digits, `A`–`Z`, `:` and `-`), so the
//! code stays small. The key is derived from the server secret (see [`QrKey::derive`]): a
//! slip cannot be forged without it, and several instances sharing the secret agree.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use temujanji_shared::reference::Reference;

/// Version prefix; a new format gets a new prefix.
const PREFIX: &str = "TMJ1";
/// Bytes of the MAC kept in the payload (128 bits).
const TAG_BYTES: usize = 16;

/// The key QR payloads are signed with.
#[derive(Clone)]
pub struct QrKey(Vec<u8>);

impl std::fmt::Debug for QrKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QrKey(..)")
    }
}

impl QrKey {
    /// Derives the key from the server secret, with its own label (distinct from the code key).
    pub fn derive(secret: &[u8]) -> Self {
        QrKey(crate::auth::derive_key(
            secret,
            b"temujanji slip QR payload v1",
        ))
    }

    fn mac(&self, reference: &Reference) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        mac.update(reference.as_str().as_bytes());
        mac
    }

    /// The payload printed as the QR code of `reference`'s slip.
    pub fn payload(&self, reference: &Reference) -> String {
        let tag = self.mac(reference).finalize().into_bytes();
        format!(
            "{PREFIX}:{reference}:{}",
            hex::encode_upper(&tag[..TAG_BYTES])
        )
    }

    /// The reference a scanned payload vouches for, or `None` when it is not a payload this
    /// key signed. The tag is compared in constant time; surrounding whitespace (scanners
    /// often append a newline) is ignored.
    pub fn verify(&self, scanned: &str) -> Option<Reference> {
        let mut parts = scanned.trim().split(':');
        let (Some(PREFIX), Some(reference), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let parsed = Reference::parse(reference).ok()?;
        if parsed.as_str() != reference || tag.len() != TAG_BYTES * 2 {
            return None;
        }
        let tag = hex::decode(tag).ok()?;
        self.mac(&parsed)
            .verify_truncated_left(&tag)
            .ok()
            .map(|()| parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> QrKey {
        QrKey::derive(b"a server secret of at least 32 bytes")
    }

    fn reference() -> Reference {
        Reference::parse("ABCDE-FGH23").expect("valid")
    }

    #[test]
    fn the_payload_is_prefix_reference_and_32_upper_case_hex_digits() {
        let payload = key().payload(&reference());
        let tag = payload
            .strip_prefix("TMJ1:ABCDE-FGH23:")
            .expect("prefix and reference");
        assert_eq!(tag.len(), 32);
        assert!(
            tag.chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)),
            "{tag}"
        );
        // The QR alphanumeric character set.
        assert!(
            payload
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || ":-".contains(c))
        );
        assert_eq!(payload, key().payload(&reference()), "deterministic");
    }

    #[test]
    fn a_payload_verifies_to_its_reference() {
        let payload = key().payload(&reference());
        assert_eq!(key().verify(&payload), Some(reference()));
        assert_eq!(key().verify(&format!(" {payload}\n")), Some(reference()));
    }

    #[test]
    fn forged_or_altered_payloads_are_refused() {
        let payload = key().payload(&reference());
        let other = Reference::parse("ABCDE-FGH24").expect("valid");
        let moved = payload.replace("ABCDE-FGH23", other.as_str());
        let mut flipped = payload.clone();
        let last = flipped.pop().expect("non-empty");
        flipped.push(if last == '0' { '1' } else { '0' });
        let foreign = QrKey::derive(b"another secret, also 32 bytes long").payload(&reference());
        for bad in [
            moved.as_str(),
            flipped.as_str(),
            foreign.as_str(),
            &payload[..payload.len() - 2],
            &payload.replace("TMJ1", "TMJ2"),
            &payload.replace("ABCDE-FGH23", "abcde-fgh23"),
            &format!("{payload}:X"),
            "TMJ1:ABCDE-FGH23",
            "",
            "garbage",
        ] {
            assert_eq!(key().verify(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_key_differs_from_the_code_key() {
        let secret = b"a server secret of at least 32 bytes";
        assert_ne!(
            QrKey::derive(secret).0,
            crate::auth::codes::code_key(secret)
        );
    }
}
