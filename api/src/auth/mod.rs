//! Applicant authentication: a one-time code sent to the e-mail address, exchanged for a
//! short-lived JWT bound to that address.

pub mod codes;
pub mod token;
