//! The appointment reference printed on the slip, e.g. `ABCDE-FGH23`.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// The 32 symbols of a reference: digits and upper-case letters without the look-alikes
/// 0/O and 1/I.
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Number of symbols in a reference (the dash is not counted).
const SYMBOLS: usize = 10;

/// An appointment reference: 10 symbols of [`ALPHABET`], written `ABCDE-FGH23`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "ABCDE-FGH23")
)]
pub struct Reference(String);

impl Reference {
    /// Validates a reference typed by the user: any case, with or without the dash and spaces.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let symbols: Vec<u8> = required(input)?
            .chars()
            .filter(|&c| c != '-' && !c.is_whitespace())
            .map(|c| u8::try_from(c).map(|b| b.to_ascii_uppercase()))
            .collect::<Result<_, _>>()
            .map_err(|_| ValidationError::InvalidReference)?;
        let symbols: [u8; SYMBOLS] = symbols
            .try_into()
            .map_err(|_| ValidationError::InvalidReference)?;
        if symbols.iter().all(|b| ALPHABET.contains(b)) {
            Ok(Self::from_symbols(symbols))
        } else {
            Err(ValidationError::InvalidReference)
        }
    }

    /// Builds a reference from 10 bytes, mapping each with `% 32` onto [`ALPHABET`].
    ///
    /// The caller must supply cryptographically random bytes.
    pub fn from_random_bytes(bytes: [u8; 10]) -> Reference {
        Self::from_symbols(bytes.map(|b| ALPHABET[usize::from(b % 32)]))
    }

    /// The canonical form, `ABCDE-FGH23`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Formats 10 alphabet symbols as `ABCDE-FGH23`.
    fn from_symbols(symbols: [u8; SYMBOLS]) -> Self {
        let (head, tail) = symbols.split_at(SYMBOLS / 2);
        Self(format!(
            "{}-{}",
            String::from_utf8_lossy(head),
            String::from_utf8_lossy(tail)
        ))
    }
}

impl_text_type!(Reference);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_references() {
        let cases = [
            ("ABCDE-FGH23", "ABCDE-FGH23"),
            ("abcde-fgh23", "ABCDE-FGH23"),
            ("ABCDEFGH23", "ABCDE-FGH23"),
            (" abc de fgh 23 ", "ABCDE-FGH23"),
            ("Z9Z9Z-9Z9Z9", "Z9Z9Z-9Z9Z9"),
        ];
        for (input, want) in cases {
            let reference = Reference::parse(input);
            assert_eq!(
                reference.as_ref().map(Reference::as_str),
                Ok(want),
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_references() {
        assert_eq!(Reference::parse(" "), Err(ValidationError::Required));
        let cases = [
            "ABCDE-FGH20",
            "ABCDE-FGHO3",
            "ABCDE-FGH21",
            "ABCDE-FGHI3",
            "abcde-fghi3",
            "ABCDE-FGH2",
            "ABCDE-FGH234",
            "ABCDE_FGH23",
            "ABCDÉ-FGH23",
            "ABCDE-FGH2３",
        ];
        for input in cases {
            assert_eq!(
                Reference::parse(input),
                Err(ValidationError::InvalidReference),
                "{input:?}"
            );
        }
    }

    #[test]
    fn from_random_bytes() {
        let reference = Reference::from_random_bytes([0, 1, 31, 32, 255, 8, 9, 10, 64, 100]);
        assert_eq!(reference.as_str(), "23Z2Z-ABC26");
        assert_eq!(Reference::parse(reference.as_str()), Ok(reference));
        assert!(ALPHABET.windows(2).all(|w| w[0] < w[1]));
        assert!(!ALPHABET.iter().any(|b| b"01OI".contains(b)));
    }

    #[test]
    fn serde() {
        let reference: Reference = serde_json::from_str("\"abcdefgh23\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&reference).ok().as_deref(),
            Some("\"ABCDE-FGH23\"")
        );
        let back: Reference = serde_json::from_str("\"ABCDE-FGH23\"").expect("round trip");
        assert_eq!(back, reference);
        assert!(serde_json::from_str::<Reference>("\"OOOOO-IIIII\"").is_err());
    }
}
