//! A Malaysian postal address: lines, postcode, city and state.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};
use crate::name::{check_length, collapse_whitespace, letters_text};

/// One line of a street address: 1–100 characters, no control characters, internal
/// whitespace collapsed to single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "Blok 2G4, Presint 2")
)]
pub struct AddressLine(String);

impl AddressLine {
    /// Most characters allowed.
    pub const MAX_CHARS: usize = 100;

    /// Validates and normalises an address line.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let line = collapse_whitespace(required(input)?);
        if line.contains(char::is_control) {
            return Err(ValidationError::InvalidCharacters);
        }
        check_length(&line, 1, Self::MAX_CHARS)?;
        Ok(Self(line))
    }

    /// The normalised line.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(AddressLine);

/// A city or town: 2–60 characters of letters (any script), spaces and `' - . /`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "Putrajaya")
)]
pub struct City(String);

impl City {
    /// Fewest characters allowed.
    pub const MIN_CHARS: usize = 2;
    /// Most characters allowed.
    pub const MAX_CHARS: usize = 60;

    /// Validates and normalises a city name (whitespace collapsed, `’` → `'`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let city = letters_text(input, &['\'', '-', '.', '/'])?;
        check_length(&city, Self::MIN_CHARS, Self::MAX_CHARS)?;
        Ok(Self(city))
    }

    /// The normalised city name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(City);

/// A Malaysian postcode: exactly five digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "62550")
)]
pub struct Postcode(String);

impl Postcode {
    /// Validates a postcode.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let code = required(input)?;
        if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(ValidationError::InvalidPostcode)
        }
    }

    /// The five digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(Postcode);

/// One of the 13 states or 3 federal territories. Serialised as its code (`"SGR"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum State {
    /// Johor (JHR).
    #[cfg_attr(feature = "openapi", schema(rename = "JHR"))]
    Johor,
    /// Kedah (KDH).
    #[cfg_attr(feature = "openapi", schema(rename = "KDH"))]
    Kedah,
    /// Kelantan (KTN).
    #[cfg_attr(feature = "openapi", schema(rename = "KTN"))]
    Kelantan,
    /// Melaka (MLK).
    #[cfg_attr(feature = "openapi", schema(rename = "MLK"))]
    Melaka,
    /// Negeri Sembilan (NSN).
    #[cfg_attr(feature = "openapi", schema(rename = "NSN"))]
    NegeriSembilan,
    /// Pahang (PHG).
    #[cfg_attr(feature = "openapi", schema(rename = "PHG"))]
    Pahang,
    /// Pulau Pinang (PNG).
    #[cfg_attr(feature = "openapi", schema(rename = "PNG"))]
    PulauPinang,
    /// Perak (PRK).
    #[cfg_attr(feature = "openapi", schema(rename = "PRK"))]
    Perak,
    /// Perlis (PLS).
    #[cfg_attr(feature = "openapi", schema(rename = "PLS"))]
    Perlis,
    /// Sabah (SBH).
    #[cfg_attr(feature = "openapi", schema(rename = "SBH"))]
    Sabah,
    /// Sarawak (SWK).
    #[cfg_attr(feature = "openapi", schema(rename = "SWK"))]
    Sarawak,
    /// Selangor (SGR).
    #[cfg_attr(feature = "openapi", schema(rename = "SGR"))]
    Selangor,
    /// Terengganu (TRG).
    #[cfg_attr(feature = "openapi", schema(rename = "TRG"))]
    Terengganu,
    /// Wilayah Persekutuan Kuala Lumpur (KUL).
    #[cfg_attr(feature = "openapi", schema(rename = "KUL"))]
    KualaLumpur,
    /// Wilayah Persekutuan Labuan (LBN).
    #[cfg_attr(feature = "openapi", schema(rename = "LBN"))]
    Labuan,
    /// Wilayah Persekutuan Putrajaya (PJY).
    #[cfg_attr(feature = "openapi", schema(rename = "PJY"))]
    Putrajaya,
}

impl State {
    /// All states, then the federal territories, in code order as listed in the spec.
    pub const ALL: [State; 16] = [
        State::Johor,
        State::Kedah,
        State::Kelantan,
        State::Melaka,
        State::NegeriSembilan,
        State::Pahang,
        State::PulauPinang,
        State::Perak,
        State::Perlis,
        State::Sabah,
        State::Sarawak,
        State::Selangor,
        State::Terengganu,
        State::KualaLumpur,
        State::Labuan,
        State::Putrajaya,
    ];

    /// The three-letter code, e.g. `"SGR"`.
    pub fn code(self) -> &'static str {
        match self {
            State::Johor => "JHR",
            State::Kedah => "KDH",
            State::Kelantan => "KTN",
            State::Melaka => "MLK",
            State::NegeriSembilan => "NSN",
            State::Pahang => "PHG",
            State::PulauPinang => "PNG",
            State::Perak => "PRK",
            State::Perlis => "PLS",
            State::Sabah => "SBH",
            State::Sarawak => "SWK",
            State::Selangor => "SGR",
            State::Terengganu => "TRG",
            State::KualaLumpur => "KUL",
            State::Labuan => "LBN",
            State::Putrajaya => "PJY",
        }
    }

    /// The official Malay name, e.g. `"Pulau Pinang"`, `"W.P. Kuala Lumpur"`.
    pub fn name(self) -> &'static str {
        match self {
            State::Johor => "Johor",
            State::Kedah => "Kedah",
            State::Kelantan => "Kelantan",
            State::Melaka => "Melaka",
            State::NegeriSembilan => "Negeri Sembilan",
            State::Pahang => "Pahang",
            State::PulauPinang => "Pulau Pinang",
            State::Perak => "Perak",
            State::Perlis => "Perlis",
            State::Sabah => "Sabah",
            State::Sarawak => "Sarawak",
            State::Selangor => "Selangor",
            State::Terengganu => "Terengganu",
            State::KualaLumpur => "W.P. Kuala Lumpur",
            State::Labuan => "W.P. Labuan",
            State::Putrajaya => "W.P. Putrajaya",
        }
    }

    /// Whether this is one of the three federal territories.
    pub fn is_federal_territory(self) -> bool {
        matches!(self, State::KualaLumpur | State::Labuan | State::Putrajaya)
    }

    /// Parses a code or a name, case-insensitively: `"sgr"`, `"Selangor"`, `"Penang"`,
    /// `"Malacca"`, `"Kuala Lumpur"`, `"WP Labuan"`, `"Wilayah Persekutuan Putrajaya"`.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let text = collapse_whitespace(required(input)?).to_lowercase();
        let text = [
            "w.p. ",
            "w.p ",
            "wp ",
            "wilayah persekutuan ",
            "federal territory of ",
        ]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(&text);
        let alias = match text {
            "penang" => Some(State::PulauPinang),
            "malacca" => Some(State::Melaka),
            "kuala lumpur" => Some(State::KualaLumpur),
            "labuan" => Some(State::Labuan),
            "putrajaya" => Some(State::Putrajaya),
            _ => None,
        };
        alias
            .or_else(|| {
                State::ALL.into_iter().find(|state| {
                    state.code().eq_ignore_ascii_case(text)
                        || state.name().eq_ignore_ascii_case(text)
                })
            })
            .ok_or(ValidationError::InvalidState)
    }
}

impl std::fmt::Display for State {
    /// Writes the code, as serialised.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for State {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for State {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<State> for String {
    fn from(state: State) -> String {
        state.code().to_owned()
    }
}

/// A full postal address. Every part except `line2` is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    /// Street address, first line.
    pub line1: AddressLine,
    /// Street address, second line (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<AddressLine>,
    /// Five-digit postcode.
    pub postcode: Postcode,
    /// City or town.
    pub city: City,
    /// State or federal territory.
    pub state: State,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;

    #[test]
    fn address_lines() {
        let valid = [
            ("Blok 2G4, Presint 2", "Blok 2G4, Presint 2"),
            ("  No. 12,   Jalan\tSS2/24 ", "No. 12, Jalan SS2/24"),
            ("Lot 5 & 6 #03-01", "Lot 5 & 6 #03-01"),
            ("Line one\nline two", "Line one line two"),
            ("x", "x"),
        ];
        for (input, want) in valid {
            let line = AddressLine::parse(input);
            assert_eq!(
                line.as_ref().map(AddressLine::as_str),
                Ok(want),
                "{input:?}"
            );
        }
        assert_eq!(AddressLine::parse(" \n "), Err(Required));
        assert_eq!(
            AddressLine::parse("Jalan\u{7}Ampang"),
            Err(InvalidCharacters)
        );
        assert_eq!(
            AddressLine::parse("Jalan\u{0}Ampang"),
            Err(InvalidCharacters)
        );
        assert_eq!(
            AddressLine::parse(&"a".repeat(101)),
            Err(TooLong { max: 100 })
        );
        assert!(AddressLine::parse(&"a".repeat(100)).is_ok());
    }

    #[test]
    fn cities() {
        let valid = [
            ("Putrajaya", "Putrajaya"),
            (" Kota  Kinabalu ", "Kota Kinabalu"),
            ("Petaling Jaya", "Petaling Jaya"),
            ("Alor Setar", "Alor Setar"),
            ("Pasir Mas-Tumpat", "Pasir Mas-Tumpat"),
            ("Kg. Baru", "Kg. Baru"),
            ("Bandar Baru Bangi/Kajang", "Bandar Baru Bangi/Kajang"),
            ("Pulau Pinang", "Pulau Pinang"),
            ("Kuching", "Kuching"),
            ("吉隆坡", "吉隆坡"),
            ("Ipoh", "Ipoh"),
        ];
        for (input, want) in valid {
            let city = City::parse(input);
            assert_eq!(city.as_ref().map(City::as_str), Ok(want), "{input:?}");
        }
        let invalid = [
            ("", Required),
            ("K", TooShort { min: 2 }),
            ("Seksyen 7", DigitsNotAllowed),
            ("Shah Alam, Selangor", InvalidCharacters),
            ("Kuala Lumpur @ KL", InvalidCharacters),
        ];
        for (input, want) in invalid {
            assert_eq!(City::parse(input), Err(want), "{input:?}");
        }
        assert_eq!(City::parse(&"a".repeat(61)), Err(TooLong { max: 60 }));
    }

    #[test]
    fn postcodes() {
        for (input, want) in [("62550", "62550"), (" 01000 ", "01000"), ("98859", "98859")] {
            let code = Postcode::parse(input);
            assert_eq!(code.as_ref().map(Postcode::as_str), Ok(want), "{input:?}");
        }
        assert_eq!(Postcode::parse(""), Err(Required));
        for input in ["6255", "625500", "62 550", "6255O", "６２５５０", "62550-1"] {
            assert_eq!(Postcode::parse(input), Err(InvalidPostcode), "{input:?}");
        }
    }

    #[test]
    fn states() {
        let cases = [
            ("JHR", State::Johor),
            ("sgr", State::Selangor),
            ("Selangor", State::Selangor),
            ("NEGERI  SEMBILAN", State::NegeriSembilan),
            ("Pulau Pinang", State::PulauPinang),
            ("Penang", State::PulauPinang),
            ("Malacca", State::Melaka),
            ("melaka", State::Melaka),
            ("Kuala Lumpur", State::KualaLumpur),
            ("W.P. Kuala Lumpur", State::KualaLumpur),
            ("WP Kuala Lumpur", State::KualaLumpur),
            ("Wilayah Persekutuan Labuan", State::Labuan),
            ("Labuan", State::Labuan),
            ("Putrajaya", State::Putrajaya),
            ("pjy", State::Putrajaya),
        ];
        for (input, want) in cases {
            assert_eq!(State::parse(input), Ok(want), "{input:?}");
        }
        assert_eq!(State::parse(" "), Err(Required));
        for input in ["Singapore", "KL", "Sel", "W.P.", "Johor Bahru"] {
            assert_eq!(State::parse(input), Err(InvalidState), "{input:?}");
        }
        for state in State::ALL {
            assert_eq!(State::parse(state.code()), Ok(state));
            assert_eq!(State::parse(state.name()), Ok(state));
            assert_eq!(state.to_string(), state.code());
        }
        let mut codes: Vec<_> = State::ALL.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 16);
        assert_eq!(
            State::ALL
                .iter()
                .filter(|s| s.is_federal_territory())
                .count(),
            3
        );
    }

    #[test]
    fn serde() {
        let state: State = serde_json::from_str("\"Penang\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&state).ok().as_deref(),
            Some("\"PNG\"")
        );
        assert!(serde_json::from_str::<State>("\"XXX\"").is_err());

        let json = r#"{"line1":" Blok 2G4,  Presint 2 ","postcode":"62550","city":"Putrajaya","state":"PJY"}"#;
        let address: Address = serde_json::from_str(json).expect("valid address");
        assert_eq!(address.line1.as_str(), "Blok 2G4, Presint 2");
        assert_eq!(address.line2, None);
        assert_eq!(address.state, State::Putrajaya);
        let again = serde_json::to_string(&address).expect("serialises");
        assert_eq!(serde_json::from_str::<Address>(&again).ok(), Some(address));

        let bad = r#"{"line1":"Blok 2G4","postcode":"6255","city":"Putrajaya","state":"PJY"}"#;
        assert!(serde_json::from_str::<Address>(bad).is_err());
        for bad in ["\"\"", "\"1\"", "\"12\""] {
            assert!(serde_json::from_str::<City>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<AddressLine>("\"  \"").is_err());
        assert!(serde_json::from_str::<Postcode>("\"abcde\"").is_err());
    }
}
