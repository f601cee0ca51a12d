//! Rate limits on the applicant's door, keyed on what a bot must spend to go faster: its
//! network (IPv4 /24, IPv6 /64), the e-mail address and the identity. Each action has its
//! quotas ([`Action::quotas`]); a request over any of them is answered 429 with
//! `Retry-After` and `RateLimit-*`, and logged as a security event without personal data.
//!
//! Keys are keyed hashes (HMAC-SHA256 with a key of their own), never the address or the
//! number. Buckets live in the database on PostgreSQL, shared by every instance
//! (`rate_limit::take`), and in this process on SQLite (one instance). The client's address
//! is the peer's, or, when the peer is a configured trusted proxy, the last untrusted address
//! in `X-Forwarded-For`. `TEMUJANJI_RATE_LIMITS=off` turns the network-keyed limits off (load
//! tests; a gateway that limits already).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sha2::Sha256;

use crate::db::DbConnection;
use crate::rate_limit::{self, Decision, Quota};

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CodeRequest,
    CodeVerify,
    Availability,
    Book,
    /// Cancel or reschedule.
    Change,
}

/// What a limit is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Network,
    Email,
    Identity,
}

impl Action {
    fn code(self) -> &'static str {
        match self {
            Action::CodeRequest => "code_request",
            Action::CodeVerify => "code_verify",
            Action::Availability => "availability",
            Action::Book => "book",
            Action::Change => "change",
        }
    }

    /// The quota for each key this action is limited on.
    pub fn quotas(self) -> &'static [(KeyKind, Quota)] {
        const fn q(per_minute: u32, burst: u32) -> Quota {
            Quota { per_minute, burst }
        }
        const CODE_REQUEST: &[(KeyKind, Quota)] = &[(KeyKind::Network, q(10, 20))];
        const CODE_VERIFY: &[(KeyKind, Quota)] = &[(KeyKind::Network, q(30, 30))];
        const AVAILABILITY: &[(KeyKind, Quota)] = &[(KeyKind::Network, q(120, 120))];
        const BOOK: &[(KeyKind, Quota)] = &[
            (KeyKind::Network, q(30, 30)),
            (KeyKind::Email, q(10, 20)),
            (KeyKind::Identity, q(10, 20)),
        ];
        const CHANGE: &[(KeyKind, Quota)] =
            &[(KeyKind::Network, q(30, 30)), (KeyKind::Email, q(20, 20))];
        match self {
            Action::CodeRequest => CODE_REQUEST,
            Action::CodeVerify => CODE_VERIFY,
            Action::Availability => AVAILABILITY,
            Action::Book => BOOK,
            Action::Change => CHANGE,
        }
    }
}

/// Where the buckets are.
enum Store {
    Database,
    Memory(Mutex<HashMap<String, i64>>),
}

/// The limiter of one instance.
pub struct Throttle {
    store: Store,
    key: Vec<u8>,
    network_limits: bool,
    trusted_proxies: Vec<IpNet>,
}

/// A refused request: when to retry, and what the headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub decision: Decision,
}

impl Throttle {
    pub fn new(
        server_secret: &[u8],
        shared: bool,
        network_limits: bool,
        trusted_proxies: Vec<IpNet>,
    ) -> Self {
        Throttle {
            store: if shared {
                Store::Database
            } else {
                Store::Memory(Mutex::default())
            },
            key: crate::auth::derive_key(server_secret, b"temujanji rate limit keys v1"),
            network_limits,
            trusted_proxies,
        }
    }

    /// The client's address: the peer, or behind trusted proxies the last untrusted address
    /// of `X-Forwarded-For`.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusted_proxies.iter().any(|net| net.contains(&peer)) {
            return Some(peer);
        }
        let hops: Vec<IpAddr> = forwarded_for
            .unwrap_or_default()
            .split(',')
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        Some(
            hops.into_iter()
                .rev()
                .find(|hop| !self.trusted_proxies.iter().any(|net| net.contains(hop)))
                .unwrap_or(peer),
        )
    }

    /// A keyed hash of the client's network, whether or not network limits are on (it tells
    /// requesters apart, e.g. for one-time codes); empty when unknown.
    pub fn network_key(&self, ip: Option<IpAddr>) -> String {
        ip.map(|ip| self.hashed("net", &network_of(ip).to_string()))
            .unwrap_or_default()
    }

    fn hashed(&self, kind: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts any key");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..12])
    }

    /// The buckets `action` takes from for these keys: (bucket, quota, what it is keyed on).
    pub fn buckets(
        &self,
        action: Action,
        network: Option<IpAddr>,
        email: Option<&str>,
        identity: Option<&str>,
    ) -> Vec<(String, Quota, KeyKind)> {
        action
            .quotas()
            .iter()
            .filter_map(|(kind, quota)| {
                let value = match kind {
                    KeyKind::Network if self.network_limits => {
                        network.map(|ip| network_of(ip).to_string())
                    }
                    KeyKind::Network => None,
                    KeyKind::Email => email.map(str::to_owned),
                    KeyKind::Identity => identity.map(str::to_owned),
                }?;
                let bucket = format!(
                    "{}:{}:{}",
                    action.code(),
                    kind_code(*kind),
                    self.hashed(kind_code(*kind), &value)
                );
                Some((bucket, *quota, *kind))
            })
            .collect()
    }

    /// Takes one token from each bucket; the first refusal, if any. `conn` is used when the
    /// buckets are shared in the database.
    pub fn take(
        &self,
        conn: &mut DbConnection,
        action: Action,
        buckets: &[(String, Quota, KeyKind)],
        now_ms: i64,
    ) -> diesel::QueryResult<Result<(), Refusal>> {
        for (bucket, quota, kind) in buckets {
            let decision = match &self.store {
                Store::Database => rate_limit::take(conn, bucket, *quota, now_ms)?,
                Store::Memory(buckets) => {
                    let mut buckets = buckets_or_default(buckets);
                    rate_limit::take_in_memory(&mut buckets, bucket, *quota, now_ms)
                }
            };
            if !decision.allowed {
                // A security event; the bucket is a keyed hash, never the address itself.
                tracing::warn!(
                    target: "temujanji::security",
                    action = action.code(),
                    key = kind_code(*kind),
                    bucket = %bucket,
                    retry_after = decision.retry_after,
                    "rate limit reached"
                );
                return Ok(Err(Refusal { decision }));
            }
        }
        Ok(Ok(()))
    }
}

/// The memory store's map, even if a panicking thread poisoned its lock (a bucket is a
/// number: it cannot be left half-written).
fn buckets_or_default(
    buckets: &Mutex<HashMap<String, i64>>,
) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
    buckets
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn kind_code(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Network => "net",
        KeyKind::Email => "email",
        KeyKind::Identity => "id",
    }
}

/// The network a client's address belongs to: IPv4 /24, IPv6 /64.
pub fn network_of(ip: IpAddr) -> IpNet {
    let prefix = if ip.is_ipv4() { 24 } else { 64 };
    IpNet::new(ip, prefix)
        .map(|net| net.trunc())
        .unwrap_or_else(|_| IpNet::from(ip))
}

/// Parses `TEMUJANJI_TRUSTED_PROXIES`: comma-separated addresses or CIDR networks.
pub fn parse_proxies(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{p:?} is not an address or a network"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(proxies: &str) -> Throttle {
        Throttle::new(
            b"secret",
            false,
            true,
            parse_proxies(proxies).expect("valid"),
        )
    }

    #[test]
    fn networks_are_slash_24_and_slash_64() {
        assert_eq!(
            network_of("203.0.113.77".parse().expect("ip")).to_string(),
            "203.0.113.0/24"
        );
        assert_eq!(
            network_of("2001:db8:1:2:3:4:5:6".parse().expect("ip")).to_string(),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        let open = throttle("");
        assert_eq!(
            open.client_ip(ip("198.51.100.1"), Some("203.0.113.9")),
            ip("198.51.100.1"),
            "a client cannot choose its address"
        );
        let behind = throttle("10.0.0.0/8, 192.0.2.1");
        assert_eq!(
            behind.client_ip(ip("10.1.2.3"), Some("203.0.113.9, 192.0.2.1")),
            ip("203.0.113.9"),
            "the last untrusted hop"
        );
        assert_eq!(
            behind.client_ip(ip("10.1.2.3"), Some("6.6.6.6, 203.0.113.9")),
            ip("203.0.113.9"),
            "a forged first hop is ignored"
        );
        assert_eq!(behind.client_ip(ip("10.1.2.3"), None), ip("10.1.2.3"));
        assert!(parse_proxies("not-an-ip").is_err());
    }

    #[test]
    fn buckets_hold_no_personal_data_and_network_limits_can_be_off() {
        let on = throttle("");
        let buckets = on.buckets(
            Action::Book,
            Some("203.0.113.9".parse().expect("ip")),
            Some("siti@example.com"),
            Some("mykad:900101101234"),
        );
        assert_eq!(buckets.len(), 3);
        for (bucket, ..) in &buckets {
            assert!(
                !bucket.contains("siti") && !bucket.contains("900101") && !bucket.contains("203.0")
            );
        }
        let off = Throttle::new(b"secret", false, false, Vec::new());
        let buckets = off.buckets(
            Action::Book,
            Some("203.0.113.9".parse().expect("ip")),
            Some("siti@example.com"),
            None,
        );
        assert_eq!(buckets.len(), 1, "only the e-mail's");
    }

    #[test]
    fn the_memory_store_refuses_past_the_burst_and_refills() {
        let quota = Quota {
            per_minute: 60,
            burst: 3,
        };
        let mut buckets = HashMap::new();
        let remaining: Vec<u32> = (0..3)
            .map(|_| rate_limit::take_in_memory(&mut buckets, "b", quota, 1_000).remaining)
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = rate_limit::take_in_memory(&mut buckets, "b", quota, 1_000);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 1);
        assert!(rate_limit::take_in_memory(&mut buckets, "b", quota, 2_000).allowed);
    }
}
