//! E-mail addresses, normalised to lower case for lookups.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{impl_text_type, required};

/// A deliverable-looking e-mail address in lower case, at most 254 characters.
///
/// Beyond RFC 5322 syntax (checked by the `email_address` crate) this refuses quoted local
/// parts, IP-literal domains, display names, whitespace, and domains without a dot or whose
/// last label is not at least two letters (an IDN top-level domain in `xn--` form is allowed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "ahmad.ali@example.com")
)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Most characters allowed (RFC 5321 path limit).
    pub const MAX_CHARS: usize = 254;

    /// Validates an address and lower-cases it (`"Ahmad@Example.COM"` → `"ahmad@example.com"`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let address = required(input)?.to_lowercase();
        if address.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if is_acceptable(&address) {
            Ok(Self(address))
        } else {
            Err(ValidationError::InvalidEmail)
        }
    }

    /// The lower-case address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl_text_type!(EmailAddress);

/// Mail providers most addresses in Malaysia are at, for typo hints. Exact matches are never
/// corrected (`mail.com` is a provider, not a slip for `gmail.com`).
const COMMON_DOMAINS: [&str; 16] = [
    "gmail.com",
    "yahoo.com",
    "yahoo.com.my",
    "ymail.com",
    "rocketmail.com",
    "hotmail.com",
    "hotmail.my",
    "outlook.com",
    "outlook.my",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mail.com",
    "protonmail.com",
    "proton.me",
];

impl EmailAddress {
    /// The address the applicant probably meant, when the domain is one or two typing slips
    /// from a common provider (`siti@gmial.com` → `siti@gmail.com`); `None` for a known or
    /// unrelated domain. A hint only: the address as typed stays valid.
    pub fn suggestion(&self) -> Option<String> {
        let (local, domain) = self.0.rsplit_once('@')?;
        if COMMON_DOMAINS.contains(&domain) {
            return None;
        }
        let allowed = if domain.chars().count() >= 9 { 2 } else { 1 };
        COMMON_DOMAINS
            .iter()
            .map(|known| (edits(domain, known), *known))
            .filter(|(distance, _)| *distance <= allowed)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, known)| format!("{local}@{known}"))
    }
}

/// Typing slips between `a` and `b`: insertions, deletions, substitutions, and swaps of two
/// neighbouring characters (optimal string alignment distance).
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Our checks first (they also keep unusual syntax away from the parser), then RFC syntax.
fn is_acceptable(address: &str) -> bool {
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "\"<>[]()\\".contains(c);
    if address.contains(forbidden) || address.matches('@').count() != 1 {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    let tld_ok = (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
        || (tld.len() > 4 && tld.starts_with("xn--"));
    !local.is_empty() && tld_ok && email_address::EmailAddress::is_valid(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationError::*;

    #[test]
    fn valid_addresses() {
        let cases = [
            ("ahmad@example.com", "ahmad@example.com"),
            ("  Ahmad.Ali@Example.COM ", "ahmad.ali@example.com"),
            ("siti+temujanji@imi.gov.my", "siti+temujanji@imi.gov.my"),
            ("o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk"),
            (
                "user_name-1@sub-domain.example.org",
                "user_name-1@sub-domain.example.org",
            ),
            ("pengguna@contoh.xn--p1ai", "pengguna@contoh.xn--p1ai"),
        ];
        for (input, want) in cases {
            let email = EmailAddress::parse(input);
            assert_eq!(
                email.as_ref().map(EmailAddress::as_str),
                Ok(want),
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_addresses() {
        let cases = [
            ("", Required),
            ("a@b", InvalidEmail),
            ("ahmad", InvalidEmail),
            ("ahmad@", InvalidEmail),
            ("@example.com", InvalidEmail),
            ("ahmad@localhost", InvalidEmail),
            ("ahmad@example.c", InvalidEmail),
            ("ahmad@example.c0m", InvalidEmail),
            ("ahmad@example.com.", InvalidEmail),
            ("ahmad@[127.0.0.1]", InvalidEmail),
            ("ahmad@127.0.0.1", InvalidEmail),
            ("\"ahmad ali\"@example.com", InvalidEmail),
            ("\"ahmad\"@example.com", InvalidEmail),
            ("ahmad ali@example.com", InvalidEmail),
            ("Ahmad <ahmad@example.com>", InvalidEmail),
            ("<ahmad@example.com>", InvalidEmail),
            ("ahmad@@example.com", InvalidEmail),
            ("ah@mad@example.com", InvalidEmail),
            ("ahmad..ali@example.com", InvalidEmail),
            ("ahmad@-example.com", InvalidEmail),
            ("ahmad@exa mple.com", InvalidEmail),
            ("ahmad@example..com", InvalidEmail),
        ];
        for (input, want) in cases {
            assert_eq!(EmailAddress::parse(input), Err(want), "{input:?}");
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert_eq!(long.len(), 259);
        assert_eq!(EmailAddress::parse(&long), Err(TooLong { max: 254 }));
    }

    #[test]
    fn typing_slips_in_common_domains_get_a_hint() {
        let hint = |input: &str| EmailAddress::parse(input).expect("valid").suggestion();
        assert_eq!(hint("siti@gmial.com").as_deref(), Some("siti@gmail.com"));
        assert_eq!(hint("siti@gmail.co").as_deref(), Some("siti@gmail.com"));
        assert_eq!(hint("ali@yaho.com").as_deref(), Some("ali@yahoo.com"));
        assert_eq!(hint("ali@yahoo.co.my").as_deref(), Some("ali@yahoo.com.my"));
        assert_eq!(hint("ali@hotmial.com").as_deref(), Some("ali@hotmail.com"));
        assert_eq!(hint("ali@outlok.com").as_deref(), Some("ali@outlook.com"));
        // Known providers, and domains that are not near one, are left alone.
        for fine in [
            "siti@gmail.com",
            "siti@mail.com",
            "siti@me.com",
            "siti@imi.gov.my",
            "siti@example.com",
            "siti@hotmail.co.uk",
        ] {
            assert_eq!(hint(fine), None, "{fine}");
        }
    }

    #[test]
    fn domain() {
        let email = EmailAddress::parse("Ahmad@Imi.Gov.My").expect("valid");
        assert_eq!(email.domain(), "imi.gov.my");
    }

    #[test]
    fn serde() {
        let email: EmailAddress = serde_json::from_str("\"AHMAD@EXAMPLE.COM\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&email).ok().as_deref(),
            Some("\"ahmad@example.com\"")
        );
        let back: EmailAddress = serde_json::from_str("\"ahmad@example.com\"").expect("round trip");
        assert_eq!(back, email);
        assert!(serde_json::from_str::<EmailAddress>("\"a@b\"").is_err());
    }
}
