//! The one-time code e-mailed to verify an address.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// A 6-digit one-time code, spaces removed (`"123 456"` → `"123456"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "042917")
)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    /// Number of digits in a code.
    pub const LEN: usize = 6;

    /// Validates a code typed by the user.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let code: String = required(input)?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if code.len() == Self::LEN && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code))
        } else {
            Err(ValidationError::InvalidCode)
        }
    }

    /// Builds a code from a (random) number: `n % 1_000_000`, zero-padded to six digits.
    pub fn from_number(n: u32) -> OneTimeCode {
        Self(format!("{:06}", n % 1_000_000))
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(OneTimeCode);

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;

    #[test]
    fn parse_cases() {
        let valid = [
            ("123456", "123456"),
            (" 123 456 ", "123456"),
            ("000000", "000000"),
        ];
        for (input, want) in valid {
            let code = OneTimeCode::parse(input);
            assert_eq!(
                code.as_ref().map(OneTimeCode::as_str),
                Ok(want),
                "{input:?}"
            );
        }
        let invalid = [
            ("", Required),
            ("12345", InvalidCode),
            ("1234567", InvalidCode),
            ("12a456", InvalidCode),
            ("123-456", InvalidCode),
            ("١٢٣٤٥٦", InvalidCode),
        ];
        for (input, want) in invalid {
            assert_eq!(OneTimeCode::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn from_number() {
        assert_eq!(OneTimeCode::from_number(42).as_str(), "000042");
        assert_eq!(OneTimeCode::from_number(999_999).as_str(), "999999");
        assert_eq!(OneTimeCode::from_number(1_000_000).as_str(), "000000");
        assert_eq!(OneTimeCode::from_number(u32::MAX).as_str(), "967295");
    }

    #[test]
    fn serde() {
        let code: OneTimeCode = serde_json::from_str("\"042 917\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&code).ok().as_deref(),
            Some("\"042917\"")
        );
        assert!(serde_json::from_str::<OneTimeCode>("\"42917\"").is_err());
        assert!(serde_json::from_str::<OneTimeCode>("42917").is_err());
    }
}
