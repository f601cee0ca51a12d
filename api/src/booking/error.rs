//! The engine's errors: what went wrong in domain terms. No HTTP here; `crate::problem` maps
//! each to its problem type and status at the edge.

use chrono::NaiveDate;
use temujanji_shared::wire::{AppointmentStatus, ClosedReason};

use crate::authz::Denied;
use crate::db::StoreError;
use crate::events::PublishError;
use crate::idempotency::IdempotencyError;
use crate::mail::ComposeError;

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// No such appointment, branch or service, or one outside the caller's scope.
    #[error("not found")]
    NotFound,
    #[error("the caller's role may not do this")]
    Forbidden,
    #[error("the applicant's e-mail is not the verified e-mail")]
    EmailMismatch,
    #[error("slot full")]
    SlotFull,
    #[error("no slot starts at that time")]
    NoSuchSlot,
    #[error("service not offered at this branch")]
    ServiceNotOffered,
    #[error("outside the booking window {from}..={until}")]
    OutsideWindow { from: NaiveDate, until: NaiveDate },
    #[error("branch closed")]
    BranchClosed(ClosedReason),
    /// R5. Carries what the applicant may be told; never the staff's internal note.
    #[error("blocked ({category:?}) until {until}")]
    Blocked {
        category: temujanji_shared::staff::BlockCategory,
        until: NaiveDate,
    },
    #[error("the identity already holds an active appointment for this service")]
    DuplicateActive,
    /// The same, told to somebody else than its holder: nothing more is revealed.
    #[error("the identity cannot book this service now")]
    IdentityUnavailable,
    /// R5: the e-mail or phone already holds `limit` active appointments.
    #[error("the {by:?} already holds {limit} active appointments")]
    TooManyActive {
        by: super::limits::HeldBy,
        limit: i64,
    },
    /// R5: the appointment was moved `limit` times already.
    #[error("rescheduled {limit} times already")]
    RescheduleLimit { limit: i32 },
    /// Lottery mode: the day's seats are drawn at `draw_at` (UTC) among those who enter.
    #[error("drawn by lottery at {draw_at}")]
    LotteryPending { draw_at: chrono::NaiveDateTime },
    /// A waitlist is for a full day only.
    #[error("the day has free seats")]
    DayNotFull,
    /// The e-mail already waits for `limit` days.
    #[error("already on {limit} waitlists")]
    TooManyWaitlistPlaces { limit: i64 },
    /// The waitlist offer expired, was taken or passed on, or is for another slot.
    #[error("the waitlist offer is not open")]
    OfferUnavailable,
    #[error("the appointment is {0:?}")]
    InvalidStatus(AppointmentStatus),
    #[error("the appointment has started")]
    Started,
    #[error("the appointment has not started yet")]
    NotStarted,
    #[error("changed by a concurrent request")]
    ConcurrentChange,
    #[error("the QR code is not one of ours")]
    InvalidQr,
    #[error("the appointment is at branch {0}")]
    WrongBranch(String),
    #[error("the appointment is on {0}")]
    WrongDay(NaiveDate),
    #[error("the block was already lifted")]
    AlreadyLifted,
    /// Rush mode: the applicant's proof of work is missing, wrong, expired or spent.
    #[error("proof of work: {0}")]
    ProofOfWork(crate::proof_of_work::Refusal),
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for BookingError {
    fn from(error: diesel::result::Error) -> Self {
        BookingError::Store(StoreError::Database(error))
    }
}

impl From<crate::proof_of_work::PowError> for BookingError {
    fn from(error: crate::proof_of_work::PowError) -> Self {
        match error {
            crate::proof_of_work::PowError::Refused(refusal) => BookingError::ProofOfWork(refusal),
            crate::proof_of_work::PowError::Database(e) => e.into(),
        }
    }
}

impl From<Denied> for BookingError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => BookingError::NotFound,
            Denied::Forbidden => BookingError::Forbidden,
        }
    }
}

impl From<PublishError> for BookingError {
    fn from(error: PublishError) -> Self {
        match error {
            PublishError::Compose(e) => BookingError::Compose(e),
            PublishError::Database(e) => e.into(),
            // The rule's own error, whole: a deadlock in it is retried like any other.
            PublishError::Rule(error) => *error,
            PublishError::MissingView(kind) => {
                BookingError::corrupt("event without a view", format!("{kind:?}"))
            }
        }
    }
}

impl BookingError {
    /// A stored value that no longer parses.
    pub(crate) fn corrupt(what: &'static str, value: impl Into<String>) -> Self {
        BookingError::Store(StoreError::corrupt(what, value))
    }
}
