//! Rule constants of SPEC that the API and the SPA both state or enforce.

/// R4: applicants must be at the office this long before their slot; arriving later is late.
pub const ARRIVE_EARLY_MINUTES: i64 = 30;
