//! The Rust client generated from `openapi.yaml` by progenitor (`tests/build.rs`): partner
//! tests go through it, so they use the API exactly as the published spec describes it.

#![allow(
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    dead_code,
    unused_imports,
    irrefutable_let_patterns,
    mismatched_lifetime_syntaxes
)]

use reqwest013 as reqwest;

include!(concat!(env!("OUT_DIR"), "/partner_client.rs"));
