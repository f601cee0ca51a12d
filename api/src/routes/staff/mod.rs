//! Staff routes (`/api/v1/staff/...`): sessions, and the day at the counter. Every route but
//! login and refresh takes a staff access token (`staff_token`); what the caller may do is
//! decided by `crate::authz` inside the engine.

pub mod blocks;
pub mod config;
pub mod counter;
pub mod partners;
pub mod reports;
pub mod session;
pub mod users;

pub(super) use super::{answer, private};
