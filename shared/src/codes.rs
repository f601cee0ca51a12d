//! Codes that identify branches and services in URLs and payloads.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// A branch code: 2–20 characters, upper-case `[A-Z0-9]` groups joined by single dashes
/// (e.g. `PJY-HQ`, `KUL-UTC-PUDU`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "PJY-HQ")
)]
pub struct BranchCode(String);

impl BranchCode {
    /// Validates a branch code in any case (`"kul-utc-pudu"` → `"KUL-UTC-PUDU"`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let code = required(input)?.to_ascii_uppercase();
        let groups_ok = code.split('-').all(|group| {
            !group.is_empty()
                && group
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
        if groups_ok && (2..=20).contains(&code.len()) {
            Ok(Self(code))
        } else {
            Err(ValidationError::InvalidFormat)
        }
    }

    /// The upper-case code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(BranchCode);

/// A service code: 2–40 characters of `[a-z0-9_]` starting with a letter
/// (e.g. `passport_renewal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "passport_renewal")
)]
pub struct ServiceCode(String);

impl ServiceCode {
    /// Validates a service code in any case (`"PLKS"` → `"plks"`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let code = required(input)?.to_ascii_lowercase();
        let starts_with_letter = code.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        let chars_ok = code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if starts_with_letter && chars_ok && (2..=40).contains(&code.len()) {
            Ok(Self(code))
        } else {
            Err(ValidationError::InvalidFormat)
        }
    }

    /// The lower-case code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(ServiceCode);

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;

    #[test]
    fn branch_codes() {
        let valid = [
            ("PJY-HQ", "PJY-HQ"),
            ("KUL-UTC-PUDU", "KUL-UTC-PUDU"),
            (" kul-utc-pudu ", "KUL-UTC-PUDU"),
            ("SGR1", "SGR1"),
            ("JB", "JB"),
            ("A-B", "A-B"),
            ("ABCDEFGHIJ-KLMNOPQRS", "ABCDEFGHIJ-KLMNOPQRS"),
        ];
        for (input, want) in valid {
            let code = BranchCode::parse(input);
            assert_eq!(code.as_ref().map(BranchCode::as_str), Ok(want), "{input:?}");
        }
        assert_eq!(BranchCode::parse(""), Err(Required));
        let invalid = [
            "A",
            "-PJY",
            "PJY-",
            "PJY--HQ",
            "PJY HQ",
            "PJY_HQ",
            "PJY-HQ-ÄB",
            "ABCDEFGHIJ-KLMNOPQRST",
        ];
        for input in invalid {
            assert_eq!(BranchCode::parse(input), Err(InvalidFormat), "{input:?}");
        }
    }

    #[test]
    fn service_codes() {
        let valid = [
            ("passport_renewal", "passport_renewal"),
            ("PLKS", "plks"),
            ("pr", "pr"),
            ("visa_2", "visa_2"),
            (" Student_Pass ", "student_pass"),
        ];
        for (input, want) in valid {
            let code = ServiceCode::parse(input);
            assert_eq!(
                code.as_ref().map(ServiceCode::as_str),
                Ok(want),
                "{input:?}"
            );
        }
        assert_eq!(ServiceCode::parse(" "), Err(Required));
        let long = "a".repeat(41);
        let invalid = [
            "p",
            "2fa",
            "_pass",
            "passport-renewal",
            "passport renewal",
            "paß",
            &long,
        ];
        for input in invalid {
            assert_eq!(ServiceCode::parse(input), Err(InvalidFormat), "{input:?}");
        }
        assert!(ServiceCode::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn serde() {
        let branch: BranchCode = serde_json::from_str("\"pjy-hq\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&branch).ok().as_deref(),
            Some("\"PJY-HQ\"")
        );
        assert!(serde_json::from_str::<BranchCode>("\"PJY--HQ\"").is_err());
        let service: ServiceCode = serde_json::from_str("\"passport_renewal\"").expect("valid");
        let json = serde_json::to_string(&service).expect("serialises");
        assert_eq!(
            serde_json::from_str::<ServiceCode>(&json).ok(),
            Some(service)
        );
        assert!(serde_json::from_str::<ServiceCode>("\"1abc\"").is_err());
    }
}
