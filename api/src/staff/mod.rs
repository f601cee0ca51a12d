//! Staff accounts and their sessions. Officers and supervisors work at one branch, HQ
//! administrators at all. Accounts are created by command (`temujanji staff create`, the
//! password read from standard input) or by an administrator; there is no default password.
//!
//! A login opens a session: a 15-minute access JWT (audience `temujanji-staff`, its own key)
//! naming the session, and an opaque refresh token stored as a hash and rotated on every use.
//! Every staff request re-reads its session and user, so a logout, a disabled user or a
//! revoked session takes effect on the very next request. Five failed logins lock a username
//! for 15 minutes, in the database, so every instance agrees.

pub mod accounts;
pub mod password;
pub mod sessions;

pub use accounts::{AccountError, NewStaff, create};
pub use sessions::{Issued, SessionError, Sessions};
