//! Staff passwords: argon2id (default parameters, random salt, PHC string), at least 12
//! characters, common passwords refused.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub const MIN_LENGTH: usize = 12;
/// Longer inputs are refused before hashing (a cheap defence against hashing megabytes).
pub const MAX_LENGTH: usize = 256;

/// Passwords that meet the length rule yet appear at the top of breach lists, or are made of
/// this service's own words.
const COMMON: &[&str] = &[
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password@123",
    "password!234",
    "p@ssword1234",
    "p@ssw0rd1234",
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123123123123",
    "111111111111",
    "000000000000",
    "qwertyuiop12",
    "qwertyuiopas",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "qazwsxedcrfv",
    "iloveyou1234",
    "abcdefghijkl",
    "abc123456789",
    "aaaaaaaaaaaa",
    "letmein12345",
    "welcome12345",
    "welcome@1234",
    "admin1234567",
    "administrator",
    "changeme1234",
    "football1234",
    "sunshine1234",
    "princess1234",
    "malaysia1234",
    "malaysia@123",
    "temujanji123",
    "temujanji1234",
    "imigresen123",
    "imigresen1234",
    "putrajaya123",
    "kualalumpur1",
    "selamatdatang",
    "katalaluan123",
    "katalaluan1234",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password needs at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("the password may have at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("this password is too common")]
    Common,
    #[error("the password must not contain the username")]
    ContainsUsername,
    #[error("cannot hash the password")]
    Hash,
}

/// A password that passed the policy; only [`NewPassword::hash`] can use it.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str, username: &str) -> Result<Self, PasswordError> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(PasswordError::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(PasswordError::TooLong);
        }
        let lower = raw.to_lowercase();
        let first = lower.chars().next();
        if COMMON.contains(&lower.as_str()) || lower.chars().all(|c| Some(c) == first) {
            return Err(PasswordError::Common);
        }
        if !username.is_empty() && lower.contains(&username.to_lowercase()) {
            return Err(PasswordError::ContainsUsername);
        }
        Ok(NewPassword(raw.to_owned()))
    }

    /// The argon2id PHC string to store.
    pub fn hash(&self) -> Result<String, PasswordError> {
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|_| PasswordError::Hash)
    }
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_LENGTH * 4 {
        return false;
    }
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification, so that an unknown username answers as slowly as a
/// wrong password (no user enumeration by timing).
pub fn verify_nothing(password: &str) {
    // A hash of a random password, computed once per process.
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let random = hex::encode(rand::random::<[u8; 16]>());
        NewPassword(random).hash().ok()
    });
    if let Some(stored) = dummy {
        let _ = verify(password, stored);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_common_and_self_named_passwords() {
        assert_eq!(
            NewPassword::parse("short", "siti").err(),
            Some(PasswordError::TooShort)
        );
        assert_eq!(
            NewPassword::parse("Password1234", "siti").err(),
            Some(PasswordError::Common)
        );
        assert_eq!(
            NewPassword::parse("zzzzzzzzzzzzzz", "siti").err(),
            Some(PasswordError::Common)
        );
        assert_eq!(
            NewPassword::parse("my-name-is-siti-ok", "siti").err(),
            Some(PasswordError::ContainsUsername)
        );
        assert!(NewPassword::parse("kaunter tiga, pagi Isnin", "siti").is_ok());
    }

    #[test]
    fn a_hash_is_argon2id_and_verifies_only_its_password() {
        let password = NewPassword::parse("kaunter tiga, pagi Isnin", "siti").expect("valid");
        let stored = password.hash().expect("hashed");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("kaunter tiga, pagi Isnin", &stored));
        assert!(!verify("kaunter tiga, pagi Selasa", &stored));
        assert!(!verify("kaunter tiga, pagi Isnin", "not a phc string"));
    }
}
