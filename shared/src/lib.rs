//! Types shared by the API (the authority) and the SPA (as the user types).
//!
//! Every field of SPEC's validation section (R10) is a newtype with a private field that
//! can only be built through `parse` / `TryFrom<String>`, so both sides accept and reject
//! exactly the same input and produce the same error codes and messages.

pub mod error;
pub mod lang;

pub mod address;
pub mod codes;
pub mod country;
pub mod email;
pub mod mykad;
pub mod name;
pub mod otp;
pub mod passport;
pub mod phone;
pub mod reference;

pub mod altcha;
pub mod form;
pub mod problem;
pub mod rules;
#[cfg(feature = "diesel")]
pub mod sql;
pub mod staff;
pub mod wire;

pub use error::ValidationError;
pub use lang::Lang;
