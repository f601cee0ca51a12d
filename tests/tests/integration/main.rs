//! One integration-test binary: the real server on port 0, a fresh database per test, on
//! SQLite and on PostgreSQL, driven over HTTP.

mod helpers;

mod auth;
mod availability;
mod booking;
mod branch_config;
mod browser;
mod catalog;
mod concurrency;
mod fair_release;
mod hardening;
mod idempotency;
mod lottery;
mod mail;
mod openapi;
mod outbox;
mod partner_client;
mod partner_docs;
mod partners;
mod processes;
mod proof_of_work;
mod schemathesis;
mod smtp_server;
mod staff;
mod startup;
mod static_files;
mod throttle;
mod waitlist;
