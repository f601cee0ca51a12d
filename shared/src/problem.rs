//! The stable `type` of every RFC 9457 problem the API answers with. One enum for the API
//! (which renders it) and the SPA (which reacts to it), so neither can misspell a type.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemType {
    ValidationFailed,
    BadRequest,
    /// A missing, wrong, expired or spent proof of work (ALTCHA): solve a new challenge.
    ProofOfWorkFailed,
    /// A request body larger than the API reads (413).
    ContentTooLarge,
    /// A known path with a method it does not have (the `Allow` header lists those it has).
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    Forbidden,
    EmailMismatch,
    SlotFull,
    NoSuchSlot,
    ServiceNotOffered,
    OutsideBookingWindow,
    BranchClosed,
    Blocked,
    DuplicateActiveAppointment,
    /// The identity cannot book this service now (told to anyone but the holder of its
    /// active appointment).
    IdentityUnavailable,
    /// R5: the e-mail or phone already holds as many active appointments as allowed.
    TooManyActiveAppointments,
    /// R5: the appointment was already moved as often as allowed.
    RescheduleLimitReached,
    /// A waitlist is only for a day whose every slot is full: this day has seats.
    DayNotFull,
    /// The e-mail already waits for as many days as allowed.
    TooManyWaitlistPlaces,
    /// The waitlist offer expired, was taken, or is for another slot.
    OfferUnavailable,
    /// Lottery mode: the day's seats are drawn among those who enter its draw.
    LotteryPending,
    InvalidStatus,
    AppointmentStarted,
    ConcurrentChange,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    /// A partner write without an `Idempotency-Key` header.
    IdempotencyKeyRequired,
    /// A partner token without the scope the operation needs.
    InsufficientScope,
    InvalidCode,
    CodeExpired,
    TooManyAttempts,
    RateLimited,
    InvalidCredentials,
    InvalidQr,
    WrongBranch,
    WrongDay,
    StrandedUnconfirmed,
    InternalError,
    /// Too busy right now (no database connection free in time): retry after `Retry-After`.
    ServiceUnavailable,
    /// A type this build does not know yet (a newer server); treated as a generic failure.
    #[serde(other)]
    Unknown,
}

impl ProblemType {
    /// The wire spelling, e.g. `slot_full`.
    pub fn code(self) -> &'static str {
        use ProblemType::*;
        match self {
            ValidationFailed => "validation_failed",
            BadRequest => "bad_request",
            ContentTooLarge => "content_too_large",
            ProofOfWorkFailed => "proof_of_work_failed",
            MethodNotAllowed => "method_not_allowed",
            NotFound => "not_found",
            Unauthorized => "unauthorized",
            Forbidden => "forbidden",
            EmailMismatch => "email_mismatch",
            SlotFull => "slot_full",
            NoSuchSlot => "no_such_slot",
            ServiceNotOffered => "service_not_offered",
            OutsideBookingWindow => "outside_booking_window",
            BranchClosed => "branch_closed",
            Blocked => "blocked",
            DuplicateActiveAppointment => "duplicate_active_appointment",
            IdentityUnavailable => "identity_unavailable",
            TooManyActiveAppointments => "too_many_active_appointments",
            RescheduleLimitReached => "reschedule_limit_reached",
            DayNotFull => "day_not_full",
            TooManyWaitlistPlaces => "too_many_waitlist_places",
            OfferUnavailable => "offer_unavailable",
            LotteryPending => "lottery_pending",
            InvalidStatus => "invalid_status",
            AppointmentStarted => "appointment_started",
            ConcurrentChange => "concurrent_change",
            IdempotencyKeyReused => "idempotency_key_reused",
            IdempotencyInProgress => "idempotency_in_progress",
            IdempotencyKeyRequired => "idempotency_key_required",
            InsufficientScope => "insufficient_scope",
            InvalidCode => "invalid_code",
            CodeExpired => "code_expired",
            TooManyAttempts => "too_many_attempts",
            RateLimited => "rate_limited",
            InvalidCredentials => "invalid_credentials",
            InvalidQr => "invalid_qr",
            WrongBranch => "wrong_branch",
            WrongDay => "wrong_day",
            StrandedUnconfirmed => "stranded_unconfirmed",
            InternalError => "internal_error",
            ServiceUnavailable => "service_unavailable",
            Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ProblemType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ProblemType;

    #[test]
    fn code_is_the_serde_spelling() {
        for t in [
            ProblemType::SlotFull,
            ProblemType::InvalidQr,
            ProblemType::DuplicateActiveAppointment,
            ProblemType::InternalError,
        ] {
            let json = serde_json::to_string(&t).expect("serialises");
            assert_eq!(json, format!("\"{}\"", t.code()));
        }
        let unknown: ProblemType = serde_json::from_str("\"from_the_future\"").expect("decodes");
        assert_eq!(unknown, ProblemType::Unknown);
    }
}
