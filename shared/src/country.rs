//! ISO 3166-1 alpha-3 country codes (passport issuing country, nationality).

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// Malaysia's alpha-3 code.
pub const MALAYSIA: &str = "MYS";

/// All 249 officially assigned ISO 3166-1 alpha-3 codes, sorted for binary search.
pub const ALPHA3_CODES: [&str; 249] = [
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// An officially assigned ISO 3166-1 alpha-3 code, upper case (e.g. `MYS`, `IDN`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "MYS")
)]
pub struct CountryCode(String);

impl CountryCode {
    /// Validates a code in any case (`"mys"` → `"MYS"`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let code = required(input)?.to_ascii_uppercase();
        if ALPHA3_CODES.binary_search(&code.as_str()).is_ok() {
            Ok(Self(code))
        } else {
            Err(ValidationError::InvalidCountry)
        }
    }

    /// Malaysia (`MYS`).
    pub fn malaysia() -> CountryCode {
        Self(MALAYSIA.to_owned())
    }

    /// Whether this is Malaysia.
    pub fn is_malaysia(&self) -> bool {
        self.0 == MALAYSIA
    }

    /// The upper-case code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_text_type!(CountryCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_complete() {
        assert!(ALPHA3_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            ALPHA3_CODES
                .iter()
                .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert!(ALPHA3_CODES.binary_search(&MALAYSIA).is_ok());
    }

    #[test]
    fn parse_cases() {
        let valid = [
            ("MYS", "MYS"),
            (" mys ", "MYS"),
            ("Idn", "IDN"),
            ("SGP", "SGP"),
            ("GBR", "GBR"),
            ("PSE", "PSE"),
            ("ABW", "ABW"),
            ("ZWE", "ZWE"),
        ];
        for (input, want) in valid {
            let code = CountryCode::parse(input);
            assert_eq!(
                code.as_ref().map(CountryCode::as_str),
                Ok(want),
                "{input:?}"
            );
        }
        assert_eq!(CountryCode::parse(""), Err(ValidationError::Required));
        for input in [
            "MY",
            "MYSS",
            "XXX",
            "UK",
            "EUR",
            "M Y S",
            "ＭＹＳ",
            "YUG",
            "123",
        ] {
            assert_eq!(
                CountryCode::parse(input),
                Err(ValidationError::InvalidCountry),
                "{input:?}"
            );
        }
    }

    #[test]
    fn malaysia() {
        assert_eq!(CountryCode::malaysia().as_str(), "MYS");
        assert!(CountryCode::malaysia().is_malaysia());
        assert_eq!(CountryCode::parse("mys"), Ok(CountryCode::malaysia()));
    }

    #[test]
    fn serde() {
        let code: CountryCode = serde_json::from_str("\"sgp\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&code).ok().as_deref(),
            Some("\"SGP\"")
        );
        let back: CountryCode = serde_json::from_str("\"SGP\"").expect("round trip");
        assert_eq!(back, code);
        assert!(serde_json::from_str::<CountryCode>("\"XYZ\"").is_err());
    }
}
