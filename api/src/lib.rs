//! Temujanji API: an actix-web JSON API over one diesel code path for SQLite and PostgreSQL.
//! See ARCHITECTURE.md for the codemap and invariants.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod availability;
pub mod booking;
pub mod branch_config;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod events;
pub mod home;
pub mod html;
pub mod idempotency;
pub mod mail;
pub mod outbox;
pub mod partners;
pub mod problem;
pub mod proof_of_work;
pub mod qr_payload;
pub mod rate_limit;
pub mod reports;
pub mod routes;
pub mod schedule;
pub mod security_headers;
pub mod seed;
pub mod slip;
pub mod spa;
pub mod staff;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod webhooks;
pub mod worker;

pub use config::Config;
pub use startup::Application;
