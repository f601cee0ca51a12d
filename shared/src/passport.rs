//! A passport number (for non-citizens).

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// A passport number: 6–20 ASCII letters and digits, spaces removed, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "A12345678")
)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Fewest characters allowed.
    pub const MIN_CHARS: usize = 6;
    /// Most characters allowed.
    pub const MAX_CHARS: usize = 20;

    /// Validates and normalises a passport number (`"a 1234 5678"` → `"A12345678"`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let number: String = required(input)?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ValidationError::InvalidCharacters);
        }
        // ASCII only from here, so bytes are characters.
        if number.len() < Self::MIN_CHARS {
            return Err(ValidationError::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        if number.len() > Self::MAX_CHARS {
            return Err(ValidationError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(number.to_ascii_uppercase()))
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the last four characters replaced by `*`.
    pub fn masked(&self) -> String {
        let hidden = self.0.len().saturating_sub(4);
        format!("{}{}", "*".repeat(hidden), &self.0[hidden..])
    }
}

impl_text_type!(PassportNumber);

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;

    #[test]
    fn valid_numbers() {
        let cases = [
            ("A12345678", "A12345678"),
            (" a1234 5678 ", "A12345678"),
            ("123456", "123456"),
            ("ab12cd34ef56gh78ij90", "AB12CD34EF56GH78IJ90"),
            ("E 1234 5678 9", "E123456789"),
        ];
        for (input, want) in cases {
            let number = PassportNumber::parse(input);
            assert_eq!(
                number.as_ref().map(PassportNumber::as_str),
                Ok(want),
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_numbers() {
        let cases = [
            ("", Required),
            ("  ", Required),
            ("A1234", TooShort { min: 6 }),
            ("A 1 2 3 4", TooShort { min: 6 }),
            ("A123456789012345678901", TooLong { max: 20 }),
            ("A1234-5678", InvalidCharacters),
            ("A1234/5678", InvalidCharacters),
            ("Ä12345678", InvalidCharacters),
            ("ß12345678", InvalidCharacters),
        ];
        for (input, want) in cases {
            assert_eq!(PassportNumber::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn masked() {
        let number = PassportNumber::parse("A12345678").expect("valid");
        assert_eq!(number.masked(), "*****5678");
        let number = PassportNumber::parse("123456").expect("valid");
        assert_eq!(number.masked(), "**3456");
    }

    #[test]
    fn serde() {
        let number: PassportNumber = serde_json::from_str("\"a1234 5678\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&number).ok().as_deref(),
            Some("\"A12345678\"")
        );
        let back: PassportNumber = serde_json::from_str("\"A12345678\"").expect("round trip");
        assert_eq!(back, number);
        assert!(serde_json::from_str::<PassportNumber>("\"A1\"").is_err());
    }
}
