//! Phone numbers, normalised to E.164 (`+60123456789`).

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// A Malaysian mobile or landline number, or an international number, in E.164 form.
///
/// Accepted input: national Malaysian numbers starting with `0` (`012-345 6789`,
/// `03-8880 1000`), the same with the country code `60` or `+60` instead of the `0`, or any
/// other `+` number of 8–15 digits. Spaces, dashes, dots and parentheses are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "+60123456789")
)]
pub struct PhoneNumber(String);

/// Malaysia's country calling code.
const MALAYSIA_CC: &str = "60";

impl PhoneNumber {
    /// Validates a phone number and normalises it to E.164.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let compact: String = required(input)?
            .chars()
            .filter(|&c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')')))
            .collect();
        let (plus, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, compact.as_str()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::InvalidPhone);
        }
        let national = if let Some(rest) = digits.strip_prefix(MALAYSIA_CC) {
            // Tolerate a redundant trunk zero, as in "+60 012-345 6789".
            format!("0{}", rest.strip_prefix('0').unwrap_or(rest))
        } else if plus {
            return international(digits);
        } else if digits.starts_with('0') {
            digits.to_owned()
        } else {
            return Err(ValidationError::InvalidPhone);
        };
        if national_length(&national) == Some(national.len()) {
            Ok(Self(format!("+{MALAYSIA_CC}{}", &national[1..])))
        } else {
            Err(ValidationError::InvalidPhone)
        }
    }

    /// The E.164 form, e.g. `+60123456789`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a Malaysian (+60) number.
    pub fn is_malaysian(&self) -> bool {
        self.0.starts_with("+60")
    }

    /// The number as Malaysians write it (`012-345 6789`, `011-2345 6789`, `03-8880 1000`,
    /// `04-123 4567`, `082-123456`); E.164 for other countries.
    pub fn national(&self) -> String {
        let Some(rest) = self.0.strip_prefix("+60") else {
            return self.0.clone();
        };
        let n = format!("0{rest}");
        let (area, subscriber) = match (&n[..2], n.len()) {
            ("01", _) | ("08", _) => n.split_at(3),
            _ => n.split_at(2),
        };
        let split = subscriber.len().saturating_sub(4);
        if n.starts_with("08") {
            format!("{area}-{subscriber}")
        } else {
            format!("{area}-{} {}", &subscriber[..split], &subscriber[split..])
        }
    }
}

impl_text_type!(PhoneNumber);

/// A non-Malaysian `+` number: 8–15 digits, not starting with 0.
fn international(digits: &str) -> Result<PhoneNumber, ValidationError> {
    if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
        Ok(PhoneNumber(format!("+{digits}")))
    } else {
        Err(ValidationError::InvalidPhone)
    }
}

/// The total length (trunk 0 included) of a Malaysian national number with this prefix, or
/// `None` if no such numbers exist.
fn national_length(national: &str) -> Option<usize> {
    let b = national.as_bytes();
    match (b.first(), b.get(1), b.get(2)) {
        // Mobiles: 011 and 015 have 8 subscriber digits, the other 01x have 7.
        (Some(b'0'), Some(b'1'), Some(b'1' | b'5')) => Some(11),
        (Some(b'0'), Some(b'1'), Some(b'0' | b'2'..=b'4' | b'6'..=b'9')) => Some(10),
        // Klang Valley landlines: 03 + 8 digits.
        (Some(b'0'), Some(b'3'), _) => Some(10),
        // Other Peninsular landlines: 0x + 7 digits.
        (Some(b'0'), Some(b'4' | b'5' | b'6' | b'7' | b'9'), _) => Some(9),
        // Sabah and Sarawak: 082–089 + 6 digits.
        (Some(b'0'), Some(b'8'), Some(b'2'..=b'9')) => Some(9),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers() {
        // (input, E.164, national form)
        let cases = [
            ("012-345 6789", "+60123456789", "012-345 6789"),
            ("0123456789", "+60123456789", "012-345 6789"),
            ("011-2345 6789", "+601123456789", "011-2345 6789"),
            ("015-4600 1234", "+601546001234", "015-4600 1234"),
            ("010.123.4567", "+60101234567", "010-123 4567"),
            ("019-876 5432", "+60198765432", "019-876 5432"),
            ("+60 12-345 6789", "+60123456789", "012-345 6789"),
            ("60123456789", "+60123456789", "012-345 6789"),
            ("(+60) 012-345 6789", "+60123456789", "012-345 6789"),
            ("+6011 2345 6789", "+601123456789", "011-2345 6789"),
            ("03-8880 1000", "+60388801000", "03-8880 1000"),
            ("(03) 8880-1000", "+60388801000", "03-8880 1000"),
            ("04-123 4567", "+6041234567", "04-123 4567"),
            ("09-747 1234", "+6097471234", "09-747 1234"),
            ("082-123456", "+6082123456", "082-123456"),
            ("088-123 456", "+6088123456", "088-123456"),
            ("+6082 123456", "+6082123456", "082-123456"),
            ("+44 20 7946 0958", "+442079460958", "+442079460958"),
            ("+65 6123 4567", "+6561234567", "+6561234567"),
            ("+1 (415) 555-0132", "+14155550132", "+14155550132"),
            ("+62 812-3456-7890", "+6281234567890", "+6281234567890"),
        ];
        for (input, e164, national) in cases {
            let phone = PhoneNumber::parse(input).expect(input);
            assert_eq!(phone.as_str(), e164, "{input:?}");
            assert_eq!(phone.national(), national, "{input:?}");
            assert_eq!(phone.is_malaysian(), e164.starts_with("+60"), "{input:?}");
        }
    }

    #[test]
    fn invalid_numbers() {
        assert_eq!(PhoneNumber::parse("  "), Err(ValidationError::Required));
        let cases = [
            "12345",
            "011-234 5678",
            "012-345 67890",
            "012-345 678",
            "03-888 1000",
            "04-1234 5678",
            "080-123456",
            "081-123456",
            "082-1234567",
            "02-1234 5678",
            "0",
            "+",
            "+60",
            "+60 11-234 5678",
            "60 3 888",
            "+44 20",
            "+0 1234 5678",
            "+1234567890123456",
            "012 345 678x",
            "012/345 6789",
            "+60 12 345 6789 ext 2",
            "０１２３４５６７８９",
            "++60123456789",
        ];
        for input in cases {
            assert_eq!(
                PhoneNumber::parse(input),
                Err(ValidationError::InvalidPhone),
                "{input:?}"
            );
        }
    }

    #[test]
    fn serde() {
        let phone: PhoneNumber = serde_json::from_str("\"012-345 6789\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&phone).ok().as_deref(),
            Some("\"+60123456789\"")
        );
        let back: PhoneNumber = serde_json::from_str("\"+60123456789\"").expect("round trip");
        assert_eq!(back, phone);
        assert!(serde_json::from_str::<PhoneNumber>("\"12345\"").is_err());
    }
}
