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
mod idempotency;
mod mail;
mod openapi;
mod outbox;
mod processes;
mod smtp_server;
mod staff;
mod startup;
mod static_files;
