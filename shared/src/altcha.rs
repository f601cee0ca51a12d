//! The ALTCHA proof-of-work protocol (<https://altcha.org/docs/proof-of-work>), shared by the
//! API (which issues and verifies challenges) and the SPA (which solves them).
//!
//! A challenge is `SHA-256(salt ‖ number)` in hex for a secret `number` in `0..=maxnumber`;
//! the solver finds the number by trying them in order. The `signature` (an HMAC of the
//! challenge under a server key) lets the server check that it issued the challenge without
//! keeping it; the salt carries its expiry as `?expires=<unix seconds>`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The one algorithm Temujanji issues.
pub const ALGORITHM: &str = "SHA-256";

/// `GET /api/v1/auth/challenge`: a puzzle to solve before asking for a code (and before
/// booking a service in rush mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Challenge {
    /// Always `SHA-256`.
    pub algorithm: String,
    /// `SHA-256(salt ‖ number)`, lowercase hex.
    pub challenge: String,
    /// The secret number lies in `0..=maxnumber`.
    pub maxnumber: u64,
    /// Random, with its expiry as `?expires=<unix seconds>`.
    pub salt: String,
    /// HMAC-SHA256 of `challenge` under the server's key, lowercase hex.
    pub signature: String,
}

/// The solution, sent base64-encoded (standard alphabet, padded) as `altcha`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    pub algorithm: String,
    pub challenge: String,
    pub number: u64,
    pub salt: String,
    pub signature: String,
    /// Milliseconds the solver took (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub took: Option<u64>,
}

/// `SHA-256(salt ‖ number)` in lowercase hex.
pub fn hash(salt: &str, number: u64) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(number.to_string().as_bytes())
        .finalize();
    hex(&digest)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

impl Challenge {
    /// Tries the numbers in `range` (clamped to `0..=maxnumber`); the solver calls it in
    /// slices so that the page stays responsive between them.
    pub fn search(&self, range: std::ops::Range<u64>) -> Option<u64> {
        let target = unhex(&self.challenge)?;
        let end = range.end.min(self.maxnumber.saturating_add(1));
        let salted = Sha256::new().chain_update(self.salt.as_bytes());
        let mut buffer = itoa_buffer();
        (range.start..end).find(|&n| {
            let digest = salted
                .clone()
                .chain_update(format_number(&mut buffer, n))
                .finalize();
            digest[..] == target[..]
        })
    }

    /// Solves the whole challenge at once (tests, benchmarks and other non-interactive
    /// clients).
    pub fn solve(&self) -> Option<Solution> {
        self.search(0..self.maxnumber.saturating_add(1))
            .map(|number| self.solution(number, None))
    }

    /// The solution for a found `number`.
    pub fn solution(&self, number: u64, took: Option<u64>) -> Solution {
        Solution {
            algorithm: self.algorithm.clone(),
            challenge: self.challenge.clone(),
            number,
            salt: self.salt.clone(),
            signature: self.signature.clone(),
            took,
        }
    }
}

/// 64 hex digits as 32 bytes.
fn unhex(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let nibble = |d: u8| {
        char::from(d)
            .to_digit(16)
            .and_then(|v| u8::try_from(v).ok())
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

/// `n` in decimal, written into `buffer` without allocating.
fn format_number(buffer: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        // n % 10 < 10, so the cast cannot truncate.
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buffer[start..]
}

impl Solution {
    /// The `altcha` field: base64 of the JSON.
    pub fn encode(&self) -> String {
        use base64::Engine;
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    /// Reads an `altcha` field; `None` when it is not base64 of a solution.
    pub fn decode(field: &str) -> Option<Self> {
        use base64::Engine;
        let json = base64::engine::general_purpose::STANDARD
            .decode(field.trim())
            .ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// Whether `number` really solves `challenge` with `salt` (the signature is the server's
    /// business).
    pub fn is_correct(&self) -> bool {
        self.algorithm == ALGORITHM && hash(&self.salt, self.number) == self.challenge
    }

    /// The expiry the salt carries (`?expires=<unix seconds>`), if any.
    pub fn expires(&self) -> Option<i64> {
        let (_, query) = self.salt.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "expires")
            .and_then(|(_, value)| value.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(salt: &str, number: u64, maxnumber: u64) -> Challenge {
        Challenge {
            algorithm: ALGORITHM.into(),
            challenge: hash(salt, number),
            maxnumber,
            salt: salt.into(),
            signature: "unchecked here".into(),
        }
    }

    #[test]
    fn the_hash_is_sha256_of_salt_and_decimal_number() {
        // printf 'salt123' | sha256sum
        assert_eq!(
            hash("salt", 123),
            "c2fc6c6adf8ba0f575a35f48df52c0968a3dcd3c577c2769dc2f1035943b975e"
        );
        let mut buffer = itoa_buffer();
        for n in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            assert_eq!(format_number(&mut buffer, n), n.to_string().as_bytes());
        }
    }

    #[test]
    fn search_finds_the_number_and_nothing_outside_the_range() {
        let c = challenge("abc?expires=1700000000", 4321, 10_000);
        assert_eq!(c.search(0..5000), Some(4321));
        assert_eq!(c.search(0..4321), None);
        assert_eq!(c.search(4322..20_000), None);
        let solution = c.solve().expect("solvable");
        assert!(solution.is_correct());
        assert_eq!(solution.expires(), Some(1_700_000_000));
        let back = Solution::decode(&solution.encode()).expect("round trip");
        assert_eq!(back, solution);
        assert_eq!(Solution::decode("not base64!"), None);
        let garbled = Challenge {
            challenge: "zz".repeat(32),
            ..c.clone()
        };
        assert_eq!(garbled.search(0..10_000), None);
        let wrong = Solution {
            number: 4322,
            ..solution
        };
        assert!(!wrong.is_correct());
    }

    #[test]
    fn a_number_above_maxnumber_is_never_found() {
        let c = challenge("s", 50, 10);
        assert_eq!(c.solve(), None);
    }
}
