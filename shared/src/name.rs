//! A person's name as written on the identity document.

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// A full name: letters of any script, spaces and `' - . @ /`, 3–150 characters.
///
/// Normalised by trimming, collapsing runs of whitespace to one space and turning the
/// typographic apostrophe `’` and the backtick `` ` `` into `'`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "Ahmad bin Ali")
)]
pub struct PersonName(String);

impl PersonName {
    /// Fewest characters allowed.
    pub const MIN_CHARS: usize = 3;
    /// Most characters allowed.
    pub const MAX_CHARS: usize = 150;

    /// Validates and normalises a name.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let name = letters_text(input, &['\'', '-', '.', '@', '/'])?;
        check_length(&name, Self::MIN_CHARS, Self::MAX_CHARS)?;
        Ok(Self(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(PersonName);

/// Trims `input`, collapses whitespace, normalises apostrophes, and checks that every
/// character is a letter, a combining mark, a space or one of `symbols`, with at least one letter.
///
/// Shared by names and city names.
pub(crate) fn letters_text(input: &str, symbols: &[char]) -> Result<String, ValidationError> {
    let text: String = collapse_whitespace(required(input)?)
        .chars()
        .map(|c| if matches!(c, '’' | '`') { '\'' } else { c })
        .collect();
    if text.chars().any(char::is_numeric) {
        return Err(ValidationError::DigitsNotAllowed);
    }
    let allowed = |c: char| {
        c.is_alphabetic()
            || c.general_category_group() == GeneralCategoryGroup::Mark
            || c == ' '
            || symbols.contains(&c)
    };
    if !text.chars().all(allowed) || !text.chars().any(char::is_alphabetic) {
        return Err(ValidationError::InvalidCharacters);
    }
    Ok(text)
}

/// Trims `input` and replaces every internal run of whitespace with a single space.
pub(crate) fn collapse_whitespace(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks that `text` has `min..=max` characters (not bytes).
pub(crate) fn check_length(text: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let count = text.chars().count();
    if count < min {
        Err(ValidationError::TooShort { min })
    } else if count > max {
        Err(ValidationError::TooLong { max })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;

    #[test]
    fn valid_names() {
        let cases = [
            ("Ahmad bin Ali", "Ahmad bin Ali"),
            ("  Siti   Nur'aini ", "Siti Nur'aini"),
            ("Siti Nur’aini", "Siti Nur'aini"),
            ("Siti Nur`aini", "Siti Nur'aini"),
            ("Muthu a/l Rajan", "Muthu a/l Rajan"),
            ("Kavitha a/p Subramaniam", "Kavitha a/p Subramaniam"),
            ("Tan Ah Kow @ Tan Ah Kau", "Tan Ah Kow @ Tan Ah Kau"),
            (
                "Nurul Huda binti Abd. Rahman",
                "Nurul Huda binti Abd. Rahman",
            ),
            ("Mary-Anne\tO'Brien", "Mary-Anne O'Brien"),
            ("சுப்பிரமணியம்", "சுப்பிரமணியம்"),
            ("محمد", "محمد"),
            ("देवनागरी नाम", "देवनागरी नाम"),
            ("陈大文", "陈大文"),
            ("José Núñez", "José Núñez"),
            ("Lee", "Lee"),
        ];
        for (input, want) in cases {
            let name = PersonName::parse(input);
            assert_eq!(name.as_ref().map(PersonName::as_str), Ok(want), "{input:?}");
        }
    }

    #[test]
    fn invalid_names() {
        let cases = [
            ("", Required),
            ("   ", Required),
            ("Ahmad 2", DigitsNotAllowed),
            ("Ahmad bin Ali 3rd", DigitsNotAllowed),
            ("Ali ٣", DigitsNotAllowed),
            ("Al", TooShort { min: 3 }),
            (" Li  ", TooShort { min: 3 }),
            ("Ahmad_Ali", InvalidCharacters),
            ("Ahmad, Ali", InvalidCharacters),
            ("Ahmad <b>", InvalidCharacters),
            ("Ali 😀", InvalidCharacters),
            ("---", InvalidCharacters),
            ("Ali\u{0}Baba", InvalidCharacters),
        ];
        for (input, want) in cases {
            assert_eq!(PersonName::parse(input), Err(want), "{input:?}");
        }
        assert_eq!(
            PersonName::parse(&"a".repeat(151)),
            Err(TooLong { max: 150 })
        );
        assert!(PersonName::parse(&"a".repeat(150)).is_ok());
        // Characters, not bytes: 150 Tamil letters are 450 bytes.
        assert!(PersonName::parse(&"த".repeat(150)).is_ok());
    }

    #[test]
    fn serde() {
        let name: Result<PersonName, _> = serde_json::from_str("\" Ahmad  bin Ali \"");
        let name = name.expect("valid name");
        assert_eq!(name.as_str(), "Ahmad bin Ali");
        assert_eq!(
            serde_json::to_string(&name).ok().as_deref(),
            Some("\"Ahmad bin Ali\"")
        );
        assert!(serde_json::from_str::<PersonName>("\"R2D2\"").is_err());
        assert_eq!(name.to_string(), "Ahmad bin Ali");
        assert_eq!(String::from(name.clone()), "Ahmad bin Ali");
        assert_eq!(PersonName::try_from("Ahmad bin Ali".to_owned()), Ok(name));
    }
}
