//! The MyKad (Malaysian identity card) number: `YYMMDD-PB-###G`.

use chrono::{FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// Malaysia time (MYT) is UTC+8 all year round.
const MALAYSIA_OFFSET: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// Today's date in Malaysia (UTC+8).
pub fn malaysia_today() -> NaiveDate {
    Utc::now().with_timezone(&MALAYSIA_OFFSET).date_naive()
}

/// A MyKad number, normalised to 12 digits without dashes.
///
/// There is no checksum, so validation is structural: `YYMMDD` is a real date of birth that is
/// not in the future, and `PB` is a place-of-birth code issued by the National Registration
/// Department (JPN).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "900101145678")
)]
pub struct MyKad(Parsed);

/// The digits and the birth date decided when parsing (the century depends on "today").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Parsed {
    digits: String,
    birth_date: NaiveDate,
}

impl MyKad {
    /// Validates a MyKad number against today's date in Malaysia.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::parse_on(input, malaysia_today())
    }

    /// Validates a MyKad number, treating `today` as the latest possible birth date.
    ///
    /// Accepts `900101145678`, `900101-14-5678` or `900101 14 5678`. The birth year is in the
    /// 2000s if that date exists and is not after `today`, otherwise in the 1900s.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, ValidationError> {
        let digits = digits_of(required(input)?).ok_or(ValidationError::InvalidFormat)?;
        let birth_date = birth_date_of(&digits, today)?;
        if !is_place_of_birth(number(&digits[6..8])) {
            return Err(ValidationError::InvalidPlaceOfBirth);
        }
        Ok(Self(Parsed { digits, birth_date }))
    }

    /// The 12 digits, without dashes.
    pub fn as_str(&self) -> &str {
        &self.0.digits
    }

    /// The date of birth encoded in the first six digits.
    pub fn birth_date(&self) -> NaiveDate {
        self.0.birth_date
    }

    /// The place-of-birth code (digits 7–8), e.g. 14 for W.P. Kuala Lumpur.
    pub fn place_of_birth(&self) -> u8 {
        number(&self.0.digits[6..8])
    }

    /// The number as printed on the card: `900101-14-5678`.
    pub fn formatted(&self) -> String {
        let d = &self.0.digits;
        format!("{}-{}-{}", &d[..6], &d[6..8], &d[8..])
    }

    /// The number with only the last four digits visible: `******-**-5678`.
    pub fn masked(&self) -> String {
        format!("******-**-{}", &self.0.digits[8..])
    }
}

impl_text_type!(MyKad);

/// The 12 digits of `YYMMDDPBNNNG` or `YYMMDD-PB-NNNG` (each separator a dash or a space).
fn digits_of(input: &str) -> Option<String> {
    let chars: Vec<char> = input.chars().collect();
    let digits: String = match chars.len() {
        12 => chars.iter().collect(),
        14 if [chars[6], chars[9]].iter().all(|c| matches!(c, '-' | ' ')) => chars
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != 6 && i != 9)
            .map(|(_, c)| c)
            .collect(),
        _ => return None,
    };
    digits.bytes().all(|b| b.is_ascii_digit()).then_some(digits)
}

/// The birth date in the first six of 12 ASCII digits, choosing the century as documented on
/// [`MyKad::parse_on`].
fn birth_date_of(digits: &str, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let (yy, mm, dd) = (
        i32::from(number(&digits[..2])),
        u32::from(number(&digits[2..4])),
        u32::from(number(&digits[4..6])),
    );
    let in_2000s = NaiveDate::from_ymd_opt(2000 + yy, mm, dd);
    let in_1900s = NaiveDate::from_ymd_opt(1900 + yy, mm, dd);
    match (in_2000s, in_1900s) {
        (Some(date), _) if date <= today => Ok(date),
        (_, Some(date)) if date <= today => Ok(date),
        (None, None) => Err(ValidationError::InvalidDate),
        _ => Err(ValidationError::FutureDate),
    }
}

/// Whether `code` is a place-of-birth code issued by JPN: states 01–16 and 21–59, foreign
/// births 60–68, 71–72, 74–79, 82–93 and 98–99.
pub fn is_place_of_birth(code: u8) -> bool {
    matches!(code, 1..=16 | 21..=59 | 60..=68 | 71..=72 | 74..=79 | 82..=93 | 98..=99)
}

/// The value of two ASCII digits.
fn number(two_digits: &str) -> u8 {
    two_digits
        .bytes()
        .fold(0, |n, b| n * 10 + b.saturating_sub(b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;
    use chrono::Datelike;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn today() -> NaiveDate {
        date(2025, 6, 15)
    }

    #[test]
    fn valid_numbers() {
        let cases = [
            ("900101-14-5678", "900101145678", date(1990, 1, 1), 14),
            ("900101145678", "900101145678", date(1990, 1, 1), 14),
            (" 900101 14 5678 ", "900101145678", date(1990, 1, 1), 14),
            ("900101-14 5678", "900101145678", date(1990, 1, 1), 14),
            ("050615-10-1234", "050615101234", date(2005, 6, 15), 10),
            ("250615-01-0001", "250615010001", date(2025, 6, 15), 1),
            ("250616-01-0001", "250616010001", date(1925, 6, 16), 1),
            ("000229-08-1234", "000229081234", date(2000, 2, 29), 8),
            ("960229-16-1234", "960229161234", date(1996, 2, 29), 16),
            ("991231-71-9999", "991231719999", date(1999, 12, 31), 71),
        ];
        for (input, digits, born, pb) in cases {
            let id = MyKad::parse_on(input, today()).expect(input);
            assert_eq!(id.as_str(), digits, "{input}");
            assert_eq!(id.birth_date(), born, "{input}");
            assert_eq!(id.place_of_birth(), pb, "{input}");
        }
    }

    #[test]
    fn invalid_numbers() {
        let cases = [
            ("", Required),
            ("90010114567", InvalidFormat),
            ("9001011456789", InvalidFormat),
            ("900101-145678", InvalidFormat),
            ("900101--145678", InvalidFormat),
            ("900101_14_5678", InvalidFormat),
            ("9001O1-14-5678", InvalidFormat),
            ("９００１０１１４５６７８", InvalidFormat),
            ("900230-14-5678", InvalidDate),
            ("900001-14-5678", InvalidDate),
            ("901301-14-5678", InvalidDate),
            ("900132-14-5678", InvalidDate),
            ("010229-14-5678", InvalidDate),
        ];
        for (input, want) in cases {
            assert_eq!(MyKad::parse_on(input, today()), Err(want), "{input:?}");
        }
    }

    #[test]
    fn leap_days_and_future_dates() {
        // 29 Feb 2000 exists; 29 Feb 1900 does not.
        let id = MyKad::parse_on("000229-14-5678", today()).expect("2000 was a leap year");
        assert_eq!(id.birth_date().year(), 2000);
        // Before 29 Feb 2000, "000229" could only mean 1900, which has no 29 February: the
        // 2000s date is real but still in the future.
        assert_eq!(
            MyKad::parse_on("000229-14-5678", date(2000, 2, 28)),
            Err(FutureDate)
        );
        assert!(MyKad::parse_on("000229-14-5678", date(2000, 2, 29)).is_ok());
        // "000230" is not a date in any century.
        assert_eq!(
            MyKad::parse_on("000230-14-5678", date(1999, 1, 1)),
            Err(InvalidDate)
        );
        // With "today" in the 1900s, a later 1900s date is in the future.
        assert_eq!(
            MyKad::parse_on("990101-14-5678", date(1998, 1, 1)),
            Err(FutureDate)
        );
        // Today itself is fine; tomorrow falls back to the 1900s.
        assert_eq!(
            MyKad::parse_on("250615-14-5678", today()).map(|id| id.birth_date()),
            Ok(date(2025, 6, 15))
        );
        assert_eq!(
            MyKad::parse_on("250616-14-5678", today()).map(|id| id.birth_date()),
            Ok(date(1925, 6, 16))
        );
    }

    #[test]
    fn places_of_birth() {
        for pb in [
            "00", "17", "18", "19", "20", "69", "70", "73", "80", "81", "94", "95", "96", "97",
        ] {
            let input = format!("900101-{pb}-5678");
            assert_eq!(
                MyKad::parse_on(&input, today()),
                Err(InvalidPlaceOfBirth),
                "{pb}"
            );
        }
        for pb in [
            "01", "14", "16", "21", "59", "60", "68", "71", "72", "74", "79", "82", "93", "98",
            "99",
        ] {
            let input = format!("900101-{pb}-5678");
            assert!(MyKad::parse_on(&input, today()).is_ok(), "{pb}");
        }
        let valid = (0..=99).filter(|&code| is_place_of_birth(code)).count();
        assert_eq!(valid, 100 - 14);
    }

    #[test]
    fn display_forms() {
        let id = MyKad::parse_on("900101145678", today()).expect("valid");
        assert_eq!(id.formatted(), "900101-14-5678");
        assert_eq!(id.masked(), "******-**-5678");
        assert_eq!(id.to_string(), "900101145678");
        assert_eq!(String::from(id), "900101145678");
    }

    #[test]
    fn parse_uses_today_in_malaysia() {
        let today = malaysia_today();
        assert!(today.year() >= 2025);
        assert!(MyKad::parse("900101-14-5678").is_ok());
        let tomorrow = today.succ_opt().expect("not the end of time");
        let input = format!("{}-14-5678", tomorrow.format("%y%m%d"));
        let id = MyKad::parse(&input).expect("falls back to the 1900s");
        assert_eq!(id.birth_date().year(), tomorrow.year() - 100);
    }

    #[test]
    fn serde() {
        let id: MyKad = serde_json::from_str("\"900101-14-5678\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&id).ok().as_deref(),
            Some("\"900101145678\"")
        );
        let back: MyKad = serde_json::from_str("\"900101145678\"").expect("round trip");
        assert_eq!(back, id);
        assert!(serde_json::from_str::<MyKad>("\"900101-00-5678\"").is_err());
        assert!(serde_json::from_str::<MyKad>("\"900230-14-5678\"").is_err());
    }
}
