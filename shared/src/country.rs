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

/// Each code of [`ALPHA3_CODES`] (same order) with its short name in Bahasa Melayu and in
/// English, for people: a picker to search, a slip to read. From the `i18n-iso-countries` npm
/// package's `ms` and `en` names, a few English ones shortened to the name in common use.
const NAMES: [(&str, &str, &str); 249] = [
    ("ABW", "Aruba", "Aruba"),
    ("AFG", "Afghanistan", "Afghanistan"),
    ("AGO", "Angola", "Angola"),
    ("AIA", "Anguilla", "Anguilla"),
    ("ALA", "Kepulauan Aland", "Åland Islands"),
    ("ALB", "Albania", "Albania"),
    ("AND", "Andorra", "Andorra"),
    ("ARE", "Emiriah Arab Bersatu", "United Arab Emirates"),
    ("ARG", "Argentina", "Argentina"),
    ("ARM", "Armenia", "Armenia"),
    ("ASM", "Samoa Amerika", "American Samoa"),
    ("ATA", "Antartika", "Antarctica"),
    (
        "ATF",
        "Wilayah Selatan Perancis",
        "French Southern Territories",
    ),
    ("ATG", "Antigua dan Barbuda", "Antigua and Barbuda"),
    ("AUS", "Australia", "Australia"),
    ("AUT", "Austria", "Austria"),
    ("AZE", "Azerbaijan", "Azerbaijan"),
    ("BDI", "Burundi", "Burundi"),
    ("BEL", "Belgium", "Belgium"),
    ("BEN", "Benin", "Benin"),
    (
        "BES",
        "Belanda Caribbean",
        "Bonaire, Sint Eustatius and Saba",
    ),
    ("BFA", "Burkina Faso", "Burkina Faso"),
    ("BGD", "Bangladesh", "Bangladesh"),
    ("BGR", "Bulgaria", "Bulgaria"),
    ("BHR", "Bahrain", "Bahrain"),
    ("BHS", "Bahamas", "Bahamas"),
    ("BIH", "Bosnia dan Herzegovina", "Bosnia and Herzegovina"),
    ("BLM", "Saint Barthélemy", "Saint Barthélemy"),
    ("BLR", "Belarus", "Belarus"),
    ("BLZ", "Belize", "Belize"),
    ("BMU", "Bermuda", "Bermuda"),
    ("BOL", "Bolivia", "Bolivia"),
    ("BRA", "Brazil", "Brazil"),
    ("BRB", "Barbados", "Barbados"),
    ("BRN", "Brunei", "Brunei"),
    ("BTN", "Bhutan", "Bhutan"),
    ("BVT", "Pulau Bouvet", "Bouvet Island"),
    ("BWA", "Botswana", "Botswana"),
    ("CAF", "Republik Afrika Tengah", "Central African Republic"),
    ("CAN", "Kanada", "Canada"),
    (
        "CCK",
        "Kepulauan Cocos (Keeling)",
        "Cocos (Keeling) Islands",
    ),
    ("CHE", "Switzerland", "Switzerland"),
    ("CHL", "Chile", "Chile"),
    ("CHN", "China", "China"),
    ("CIV", "Cote d'Ivoire", "Côte d'Ivoire"),
    ("CMR", "Cameroon", "Cameroon"),
    (
        "COD",
        "Republik Demokratik Congo",
        "Democratic Republic of the Congo",
    ),
    ("COG", "Republik Congo", "Republic of the Congo"),
    ("COK", "Kepulauan Cook", "Cook Islands"),
    ("COL", "Colombia", "Colombia"),
    ("COM", "Comoros", "Comoros"),
    ("CPV", "Cape Verde", "Cape Verde"),
    ("CRI", "Costa Rica", "Costa Rica"),
    ("CUB", "Cuba", "Cuba"),
    ("CUW", "Curacao", "Curaçao"),
    ("CXR", "Pulau Krismas", "Christmas Island"),
    ("CYM", "Kepulauan Cayman", "Cayman Islands"),
    ("CYP", "Cyprus", "Cyprus"),
    ("CZE", "Czechia", "Czechia"),
    ("DEU", "Jerman", "Germany"),
    ("DJI", "Djibouti", "Djibouti"),
    ("DMA", "Dominica", "Dominica"),
    ("DNK", "Denmark", "Denmark"),
    ("DOM", "Republik Dominica", "Dominican Republic"),
    ("DZA", "Algeria", "Algeria"),
    ("ECU", "Ecuador", "Ecuador"),
    ("EGY", "Mesir", "Egypt"),
    ("ERI", "Eritrea", "Eritrea"),
    ("ESH", "Sahara Barat", "Western Sahara"),
    ("ESP", "Sepanyol", "Spain"),
    ("EST", "Estonia", "Estonia"),
    ("ETH", "Ethiopia", "Ethiopia"),
    ("FIN", "Finland", "Finland"),
    ("FJI", "Fiji", "Fiji"),
    ("FLK", "Kepulauan Falkland", "Falkland Islands (Malvinas)"),
    ("FRA", "Perancis", "France"),
    ("FRO", "Kepulauan Faroe", "Faroe Islands"),
    ("FSM", "Micronesia", "Micronesia"),
    ("GAB", "Gabon", "Gabon"),
    ("GBR", "United Kingdom", "United Kingdom"),
    ("GEO", "Georgia", "Georgia"),
    ("GGY", "Guernsey", "Guernsey"),
    ("GHA", "Ghana", "Ghana"),
    ("GIB", "Gibraltar", "Gibraltar"),
    ("GIN", "Guinea", "Guinea"),
    ("GLP", "Guadeloupe", "Guadeloupe"),
    ("GMB", "Gambia", "Gambia"),
    ("GNB", "Guinea Bissau", "Guinea-Bissau"),
    ("GNQ", "Guinea Khatulistiwa", "Equatorial Guinea"),
    ("GRC", "Greece", "Greece"),
    ("GRD", "Grenada", "Grenada"),
    ("GRL", "Greenland", "Greenland"),
    ("GTM", "Guatemala", "Guatemala"),
    ("GUF", "Guiana Perancis", "French Guiana"),
    ("GUM", "Guam", "Guam"),
    ("GUY", "Guyana", "Guyana"),
    ("HKG", "Hong Kong SAR China", "Hong Kong"),
    (
        "HMD",
        "Kepulauan Heard & McDonald",
        "Heard Island and McDonald Islands",
    ),
    ("HND", "Honduras", "Honduras"),
    ("HRV", "Croatia", "Croatia"),
    ("HTI", "Haiti", "Haiti"),
    ("HUN", "Hungary", "Hungary"),
    ("IDN", "Indonesia", "Indonesia"),
    ("IMN", "Isle of Man", "Isle of Man"),
    ("IND", "India", "India"),
    (
        "IOT",
        "Wilayah Lautan Hindi British",
        "British Indian Ocean Territory",
    ),
    ("IRL", "Ireland", "Ireland"),
    ("IRN", "Iran", "Iran"),
    ("IRQ", "Iraq", "Iraq"),
    ("ISL", "Iceland", "Iceland"),
    ("ISR", "Israel", "Israel"),
    ("ITA", "Itali", "Italy"),
    ("JAM", "Jamaica", "Jamaica"),
    ("JEY", "Jersey", "Jersey"),
    ("JOR", "Jordan", "Jordan"),
    ("JPN", "Jepun", "Japan"),
    ("KAZ", "Kazakhstan", "Kazakhstan"),
    ("KEN", "Kenya", "Kenya"),
    ("KGZ", "Kyrgyzstan", "Kyrgyzstan"),
    ("KHM", "Kemboja", "Cambodia"),
    ("KIR", "Kiribati", "Kiribati"),
    ("KNA", "Saint Kitts dan Nevis", "Saint Kitts and Nevis"),
    ("KOR", "Korea Selatan", "South Korea"),
    ("KWT", "Kuwait", "Kuwait"),
    ("LAO", "Laos", "Laos"),
    ("LBN", "Lubnan", "Lebanon"),
    ("LBR", "Liberia", "Liberia"),
    ("LBY", "Libya", "Libya"),
    ("LCA", "Saint Lucia", "Saint Lucia"),
    ("LIE", "Liechtenstein", "Liechtenstein"),
    ("LKA", "Sri Lanka", "Sri Lanka"),
    ("LSO", "Lesotho", "Lesotho"),
    ("LTU", "Lithuania", "Lithuania"),
    ("LUX", "Luxembourg", "Luxembourg"),
    ("LVA", "Latvia", "Latvia"),
    ("MAC", "Macau SAR China", "Macao"),
    ("MAF", "Saint Martin", "Saint Martin (French part)"),
    ("MAR", "Maghribi", "Morocco"),
    ("MCO", "Monaco", "Monaco"),
    ("MDA", "Moldova", "Moldova"),
    ("MDG", "Madagaskar", "Madagascar"),
    ("MDV", "Maldives", "Maldives"),
    ("MEX", "Mexico", "Mexico"),
    ("MHL", "Kepulauan Marshall", "Marshall Islands"),
    ("MKD", "Macedonia Utara", "North Macedonia"),
    ("MLI", "Mali", "Mali"),
    ("MLT", "Malta", "Malta"),
    ("MMR", "Myanmar", "Myanmar"),
    ("MNE", "Montenegro", "Montenegro"),
    ("MNG", "Mongolia", "Mongolia"),
    ("MNP", "Kepulauan Mariana Utara", "Northern Mariana Islands"),
    ("MOZ", "Mozambique", "Mozambique"),
    ("MRT", "Mauritania", "Mauritania"),
    ("MSR", "Montserrat", "Montserrat"),
    ("MTQ", "Martinique", "Martinique"),
    ("MUS", "Mauritius", "Mauritius"),
    ("MWI", "Malawi", "Malawi"),
    ("MYS", "Malaysia", "Malaysia"),
    ("MYT", "Mayotte", "Mayotte"),
    ("NAM", "Namibia", "Namibia"),
    ("NCL", "New Caledonia", "New Caledonia"),
    ("NER", "Niger", "Niger"),
    ("NFK", "Pulau Norfolk", "Norfolk Island"),
    ("NGA", "Nigeria", "Nigeria"),
    ("NIC", "Nicaragua", "Nicaragua"),
    ("NIU", "Niue", "Niue"),
    ("NLD", "Belanda", "Netherlands"),
    ("NOR", "Norway", "Norway"),
    ("NPL", "Nepal", "Nepal"),
    ("NRU", "Nauru", "Nauru"),
    ("NZL", "New Zealand", "New Zealand"),
    ("OMN", "Oman", "Oman"),
    ("PAK", "Pakistan", "Pakistan"),
    ("PAN", "Panama", "Panama"),
    ("PCN", "Kepulauan Pitcairn", "Pitcairn"),
    ("PER", "Peru", "Peru"),
    ("PHL", "Filipina", "Philippines"),
    ("PLW", "Palau", "Palau"),
    ("PNG", "Papua New Guinea", "Papua New Guinea"),
    ("POL", "Poland", "Poland"),
    ("PRI", "Puerto Rico", "Puerto Rico"),
    ("PRK", "Korea Utara", "North Korea"),
    ("PRT", "Portugal", "Portugal"),
    ("PRY", "Paraguay", "Paraguay"),
    ("PSE", "Palestin", "Palestine"),
    ("PYF", "Polinesia Perancis", "French Polynesia"),
    ("QAT", "Qatar", "Qatar"),
    ("REU", "Reunion", "Reunion"),
    ("ROU", "Romania", "Romania"),
    ("RUS", "Rusia", "Russia"),
    ("RWA", "Rwanda", "Rwanda"),
    ("SAU", "Arab Saudi", "Saudi Arabia"),
    ("SDN", "Sudan", "Sudan"),
    ("SEN", "Senegal", "Senegal"),
    ("SGP", "Singapura", "Singapore"),
    (
        "SGS",
        "Kepulauan Georgia Selatan & Sandwich Selatan",
        "South Georgia and the South Sandwich Islands",
    ),
    ("SHN", "Saint Helena", "Saint Helena"),
    ("SJM", "Svalbard dan Jan Mayen", "Svalbard and Jan Mayen"),
    ("SLB", "Kepulauan Solomon", "Solomon Islands"),
    ("SLE", "Sierra Leone", "Sierra Leone"),
    ("SLV", "El Salvador", "El Salvador"),
    ("SMR", "San Marino", "San Marino"),
    ("SOM", "Somalia", "Somalia"),
    (
        "SPM",
        "Saint Pierre dan Miquelon",
        "Saint Pierre and Miquelon",
    ),
    ("SRB", "Serbia", "Serbia"),
    ("SSD", "Sudan Selatan", "South Sudan"),
    ("STP", "Sao Tome dan Principe", "Sao Tome and Principe"),
    ("SUR", "Surinam", "Suriname"),
    ("SVK", "Slovakia", "Slovakia"),
    ("SVN", "Slovenia", "Slovenia"),
    ("SWE", "Sweden", "Sweden"),
    ("SWZ", "Eswatini", "Eswatini"),
    ("SXM", "Sint Maarten", "Sint Maarten (Dutch part)"),
    ("SYC", "Seychelles", "Seychelles"),
    ("SYR", "Syria", "Syria"),
    (
        "TCA",
        "Kepulauan Turks dan Caicos",
        "Turks and Caicos Islands",
    ),
    ("TCD", "Chad", "Chad"),
    ("TGO", "Togo", "Togo"),
    ("THA", "Thailand", "Thailand"),
    ("TJK", "Tajikistan", "Tajikistan"),
    ("TKL", "Tokelau", "Tokelau"),
    ("TKM", "Turkmenistan", "Turkmenistan"),
    ("TLS", "Timor-Leste", "Timor-Leste"),
    ("TON", "Tonga", "Tonga"),
    ("TTO", "Trinidad dan Tobago", "Trinidad and Tobago"),
    ("TUN", "Tunisia", "Tunisia"),
    ("TUR", "Turki", "Türkiye"),
    ("TUV", "Tuvalu", "Tuvalu"),
    ("TWN", "Taiwan", "Taiwan"),
    ("TZA", "Tanzania", "Tanzania"),
    ("UGA", "Uganda", "Uganda"),
    ("UKR", "Ukraine", "Ukraine"),
    (
        "UMI",
        "Kepulauan Terpencil A.S.",
        "United States Minor Outlying Islands",
    ),
    ("URY", "Uruguay", "Uruguay"),
    ("USA", "Amerika Syarikat", "United States"),
    ("UZB", "Uzbekistan", "Uzbekistan"),
    ("VAT", "Kota Vatican", "Holy See (Vatican City)"),
    (
        "VCT",
        "Saint Vincent dan Grenadines",
        "Saint Vincent and the Grenadines",
    ),
    ("VEN", "Venezuela", "Venezuela"),
    ("VGB", "Kepulauan Virgin British", "British Virgin Islands"),
    (
        "VIR",
        "Kepulauan Virgin Amerika Syarikat",
        "United States Virgin Islands",
    ),
    ("VNM", "Vietnam", "Vietnam"),
    ("VUT", "Vanuatu", "Vanuatu"),
    ("WLF", "Wallis dan Futuna", "Wallis and Futuna"),
    ("WSM", "Samoa", "Samoa"),
    ("YEM", "Yaman", "Yemen"),
    ("ZAF", "Afrika Selatan", "South Africa"),
    ("ZMB", "Zambia", "Zambia"),
    ("ZWE", "Zimbabwe", "Zimbabwe"),
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

    /// The country's name in `lang` (`MYS` → "Malaysia", `DEU` → "Jerman" / "Germany").
    pub fn name(&self, lang: crate::Lang) -> &'static str {
        name_of(&self.0, lang).unwrap_or("")
    }
}

/// The name of the country whose code is `code` (any case), if it is one.
pub fn name_of(code: &str, lang: crate::Lang) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    let index = ALPHA3_CODES.binary_search(&code.as_str()).ok()?;
    let (_, ms, en) = NAMES[index];
    Some(match lang {
        crate::Lang::Ms => ms,
        crate::Lang::En => en,
    })
}

/// Every country as (code, name in `lang`), in alphabetical order of the name.
pub fn by_name(lang: crate::Lang) -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&str, &str)> = NAMES
        .iter()
        .map(|(code, ms, en)| {
            (
                *code,
                match lang {
                    crate::Lang::Ms => *ms,
                    crate::Lang::En => *en,
                },
            )
        })
        .collect();
    all.sort_by_key(|(_, name)| name.to_lowercase());
    all
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
    fn every_code_has_its_names() {
        for (i, (code, ms, en)) in NAMES.iter().enumerate() {
            assert_eq!(*code, ALPHA3_CODES[i], "same order as the codes");
            assert!(!ms.is_empty() && !en.is_empty(), "{code}");
        }
        let germany = CountryCode::parse("deu").expect("valid");
        assert_eq!(germany.name(crate::Lang::Ms), "Jerman");
        assert_eq!(germany.name(crate::Lang::En), "Germany");
        assert_eq!(CountryCode::malaysia().name(crate::Lang::En), "Malaysia");
        assert_eq!(name_of("xyz", crate::Lang::En), None);
        let english = by_name(crate::Lang::En);
        assert_eq!(english.len(), 249);
        assert_eq!(english.first().map(|c| c.1), Some("Afghanistan"));
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
