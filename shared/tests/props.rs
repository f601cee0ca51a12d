//! Property tests for every validated type: parsing never panics, accepted values are
//! normalised idempotently and survive a serde round trip, and rejections explain themselves.

use std::fmt::Debug;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use temujanji_shared::address::{AddressLine, City, Postcode, State};
use temujanji_shared::codes::{BranchCode, ServiceCode};
use temujanji_shared::country::CountryCode;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::mykad::{MyKad, is_place_of_birth};
use temujanji_shared::name::PersonName;
use temujanji_shared::otp::OneTimeCode;
use temujanji_shared::passport::PassportNumber;
use temujanji_shared::phone::PhoneNumber;
use temujanji_shared::reference::Reference;
use temujanji_shared::{Lang, ValidationError};

/// Checks the properties for one input: accepted values re-parse to themselves from their
/// normalised text and round-trip through JSON; rejections have a code and two messages, and
/// serde refuses them too.
fn check<T>(
    input: &str,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
    text: impl Fn(&T) -> String,
) -> Result<(), TestCaseError>
where
    T: PartialEq + Debug + Serialize + DeserializeOwned,
{
    match check_parse(input, &parse, &text)? {
        Some(value) => {
            let normal = text(&value);
            let json =
                serde_json::to_string(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(json, serde_json::to_string(&normal).unwrap_or_default());
            let back: Result<T, _> =
                serde_json::from_str(&serde_json::to_string(&normal).unwrap_or_default());
            prop_assert!(back.is_ok_and(|back| back == value));
        }
        None => {
            let json = serde_json::to_string(input).unwrap_or_default();
            prop_assert!(
                serde_json::from_str::<T>(&json).is_err(),
                "serde accepted {:?}",
                input
            );
        }
    }
    Ok(())
}

/// The parser's own properties, for parsers whose result depends on more than the text (a MyKad
/// on a fixed day), where serde, which parses as of today, cannot be compared: accepted values
/// re-parse to themselves; rejections have a code and two messages. Returns the accepted value.
fn check_parse<T>(
    input: &str,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
    text: impl Fn(&T) -> String,
) -> Result<Option<T>, TestCaseError>
where
    T: PartialEq + Debug,
{
    match parse(input) {
        Ok(value) => {
            let normal = text(&value);
            let reparsed = parse(&normal);
            prop_assert_eq!(reparsed.as_ref(), Ok(&value), "re-parsing {:?}", normal);
            Ok(Some(value))
        }
        Err(error) => {
            prop_assert!(!error.code().is_empty());
            prop_assert!(!error.message(Lang::Ms).is_empty());
            prop_assert!(!error.message(Lang::En).is_empty());
            Ok(None)
        }
    }
}

/// Checks every type against one input.
fn check_all(input: &str) -> Result<(), TestCaseError> {
    check(input, PersonName::parse, |v| v.as_str().to_owned())?;
    check(input, MyKad::parse, |v| v.as_str().to_owned())?;
    check(input, PassportNumber::parse, |v| v.as_str().to_owned())?;
    check(input, CountryCode::parse, |v| v.as_str().to_owned())?;
    check(input, PhoneNumber::parse, |v| v.as_str().to_owned())?;
    check(input, EmailAddress::parse, |v| v.as_str().to_owned())?;
    check(input, AddressLine::parse, |v| v.as_str().to_owned())?;
    check(input, City::parse, |v| v.as_str().to_owned())?;
    check(input, Postcode::parse, |v| v.as_str().to_owned())?;
    check(input, State::parse, |v| v.code().to_owned())?;
    check(input, BranchCode::parse, |v| v.as_str().to_owned())?;
    check(input, ServiceCode::parse, |v| v.as_str().to_owned())?;
    check(input, Reference::parse, |v| v.as_str().to_owned())?;
    check(input, OneTimeCode::parse, |v| v.as_str().to_owned())?;
    Ok(())
}

/// Strings that look a lot like real field values, so acceptance paths get exercised too.
fn plausible() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{6}[- ]?[0-9]{2}[- ]?[0-9]{4}",
        "[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[- ]?[0-9]{2}[- ]?[0-9]{4}",
        "\\+?(60)?[0-9 ().-]{6,16}",
        "(\\+?60|0)(1[0-9]|[3-9])[ -]?[0-9]{3,4}[ -.]?[0-9]{3,4}",
        "\\+[1-9][0-9 ]{6,16}",
        "[a-zA-Z0-9.+_'-]{1,12}@[a-zA-Z0-9-]{1,10}(\\.[a-zA-Z]{1,4}){1,2}",
        "[A-Za-z’'@/. -]{0,12}",
        "[\\p{L}\\p{M}\\p{N}\\p{Zs}\t’'`@/.-]{0,20}",
        "[2-9A-HJ-NP-Za-hj-np-z -]{8,13}",
        "[A-Za-z0-9_ -]{1,22}",
        "[0-9 ]{4,8}",
        "[a-zA-Z]{3}",
        "(sgr|Penang|W\\.P\\. Labuan|kuala lumpur|Johor|xx)",
    ]
}

/// Today, fixed so MyKad properties are deterministic.
fn fixed_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 15).unwrap_or_default()
}

proptest! {
    #[test]
    fn any_string(input in any::<String>()) {
        check_all(&input)?;
    }

    #[test]
    fn plausible_string(input in plausible()) {
        check_all(&input)?;
    }

    #[test]
    fn mykad_with_fixed_today(input in prop_oneof![plausible(), any::<String>()]) {
        check_parse(&input, |s| MyKad::parse_on(s, fixed_today()), |v| v.as_str().to_owned())?;
    }

    #[test]
    fn generated_mykads_are_accepted(
        days_back in 0i64..=(125 * 366),
        place in prop::sample::select((0u8..=99).filter(|&c| is_place_of_birth(c)).collect::<Vec<_>>()),
        serial in 0u32..10_000,
        separator in prop::sample::select(vec!["", "-", " "]),
    ) {
        let born = fixed_today() - chrono::TimeDelta::days(days_back);
        let input = format!(
            "{}{separator}{place:02}{separator}{serial:04}",
            born.format("%y%m%d")
        );
        let id = MyKad::parse_on(&input, fixed_today());
        prop_assert!(id.is_ok(), "{:?} → {:?}", input, id);
        let id = id.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(id.place_of_birth(), place);
        let got = id.birth_date();
        prop_assert_eq!((got.year() % 100, got.month(), got.day()), (born.year() % 100, born.month(), born.day()));
        prop_assert!(got <= fixed_today());
        // Anyone younger than 100 gets exactly their birth date back.
        if born > NaiveDate::from_ymd_opt(1925, 6, 15).unwrap_or_default() {
            prop_assert_eq!(got, born);
        }
        prop_assert_eq!(id.formatted(), format!("{}-{place:02}-{serial:04}", born.format("%y%m%d")));
    }

    #[test]
    fn generated_malaysian_phones_are_accepted(
        (prefix, subscriber) in prop::sample::select(vec![
            ("010", 7), ("011", 8), ("012", 7), ("013", 7), ("014", 7), ("015", 8), ("016", 7),
            ("017", 7), ("018", 7), ("019", 7), ("03", 8), ("04", 7), ("05", 7), ("06", 7),
            ("07", 7), ("09", 7), ("082", 6), ("083", 6), ("084", 6), ("085", 6), ("086", 6),
            ("087", 6), ("088", 6), ("089", 6),
        ]).prop_flat_map(|(prefix, len)| (Just(prefix), proptest::collection::vec(0u8..10, len))),
        style in 0usize..3,
        separators in proptest::collection::vec(prop::sample::select(vec!["", "", " ", "-", "."]), 12),
    ) {
        let digits: String = subscriber.iter().map(|d| char::from(b'0' + d)).collect();
        let national = format!("{prefix}{digits}");
        let written = match style {
            0 => national.clone(),
            1 => format!("60{}", &national[1..]),
            _ => format!("+60 {}", &national[1..]),
        };
        // Sprinkle separators between the characters.
        let input: String = written
            .chars()
            .zip(separators.iter().cycle())
            .map(|(c, sep)| format!("{c}{sep}"))
            .collect();
        let want = format!("+60{}", &national[1..]);
        let phone = PhoneNumber::parse(&input).map(String::from);
        prop_assert_eq!(phone, Ok(want.clone()), "{:?}", input);
        let phone = PhoneNumber::parse(&want).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(phone.is_malaysian());
        prop_assert_eq!(PhoneNumber::parse(&phone.national()), Ok(phone.clone()));
    }

    #[test]
    fn generated_international_phones_are_accepted(
        first in 1u8..10,
        rest in proptest::collection::vec(0u8..10, 7..=14),
    ) {
        prop_assume!(!(first == 6 && rest.first() == Some(&0)));
        let digits: String = std::iter::once(first).chain(rest).map(|d| char::from(b'0' + d)).collect();
        let want = format!("+{digits}");
        prop_assert_eq!(PhoneNumber::parse(&want).map(String::from), Ok(want.clone()));
    }

    #[test]
    fn generated_references_are_accepted(bytes in any::<[u8; 10]>()) {
        let reference = Reference::from_random_bytes(bytes);
        prop_assert_eq!(Reference::parse(reference.as_str()), Ok(reference.clone()));
        let sloppy = reference.as_str().to_lowercase().replace('-', "");
        prop_assert_eq!(Reference::parse(&sloppy), Ok(reference.clone()));
    }

    #[test]
    fn generated_codes_are_accepted(n in any::<u32>()) {
        let code = OneTimeCode::from_number(n);
        prop_assert_eq!(OneTimeCode::parse(code.as_str()), Ok(code.clone()));
    }
}
