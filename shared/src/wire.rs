//! JSON shapes of the public API that both the server and the SPA (de)serialise.
//!
//! Requests that carry user input arrive as *forms* (see [`crate::form`]) so that every field
//! can be reported at once; responses are typed and already valid.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::address::{Address, State};
use crate::codes::{BranchCode, ServiceCode};
use crate::reference::Reference;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A time of day on the wire: `"HH:MM"` (seconds are accepted on input and must be zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema), schema(value_type = String, example = "09:30"))]
pub struct ClockTime(NaiveTime);

impl ClockTime {
    pub fn new(time: NaiveTime) -> Self {
        ClockTime(time)
    }
    pub fn time(self) -> NaiveTime {
        self.0
    }
    /// Parses `HH:MM` (or `HH:MM:SS` with zero seconds).
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        NaiveTime::parse_from_str(input, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(input, "%H:%M:%S"))
            .ok()
            .filter(|t| chrono::Timelike::second(t) == 0)
            .map(ClockTime)
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ClockTime::parse(&raw).ok_or_else(|| serde::de::Error::custom("expected a time as HH:MM"))
    }
}

/// A text in both languages of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Bilingual {
    pub ms: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Ms => &self.ms,
            crate::Lang::En => &self.en,
        }
    }
}

/// A service offered at a branch, with its seats per slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OfferedService {
    pub service: ServiceCode,
    pub seats_per_slot: i32,
}

/// One immigration office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Branch {
    pub code: BranchCode,
    pub name: String,
    pub state: State,
    pub address: Address,
    /// E.164.
    pub phone: String,
    pub slot_minutes: i32,
    /// Days between today and the first bookable day (1 = no same-day booking).
    pub min_lead_days: i32,
    pub services: Vec<OfferedService>,
}

/// A service applicants can book, with what to bring (R6) and what it costs (R9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Service {
    pub code: ServiceCode,
    pub name: Bilingual,
    /// Fee in sen (RM1 = 100 sen).
    pub fee_sen: i32,
    pub fee_note: Bilingual,
    pub documents: Vec<Bilingual>,
    /// Rush mode (a hot release): booking this service needs a solved challenge from
    /// `GET /api/v1/auth/challenge`, sent as `altcha` with the booking.
    #[serde(default)]
    pub rush: bool,
}

/// Why a day cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosedKind {
    Weekend,
    PublicHoliday,
    Closure,
    OutsideBookingWindow,
    /// Lottery mode: the day's seats are drawn among those who enter its draw (join its
    /// waitlist) before the time in the reason's name.
    Lottery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClosedReason {
    pub kind: ClosedKind,
    pub name: Bilingual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SlotAvailability {
    pub start: ClockTime,
    pub end: ClockTime,
    pub capacity: i32,
    pub remaining: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DayAvailability {
    pub date: NaiveDate,
    pub open: bool,
    /// Present exactly when `open` is false.
    pub closed_reason: Option<ClosedReason>,
    pub slots: Vec<SlotAvailability>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Availability {
    pub branch: BranchCode,
    pub service: ServiceCode,
    /// First and last day a booking is accepted today (R2).
    pub bookable_from: NaiveDate,
    pub bookable_until: NaiveDate,
    pub days: Vec<DayAvailability>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    Mykad,
    Passport,
}

impl IdType {
    pub fn code(self) -> &'static str {
        match self {
            IdType::Mykad => "mykad",
            IdType::Passport => "passport",
        }
    }
    pub fn parse(input: &str) -> Option<Self> {
        match input.trim().to_ascii_lowercase().as_str() {
            "mykad" => Some(IdType::Mykad),
            "passport" => Some(IdType::Passport),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    CheckedIn,
    Completed,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }
    pub fn parse(input: &str) -> Option<Self> {
        [
            AppointmentStatus::Booked,
            AppointmentStatus::CheckedIn,
            AppointmentStatus::Completed,
            AppointmentStatus::Cancelled,
            AppointmentStatus::NoShow,
        ]
        .into_iter()
        .find(|s| s.code() == input)
    }
}

/// The applicant as shown back to them: the identity number is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplicantView {
    pub name: String,
    pub id_type: IdType,
    pub id_number_masked: String,
    pub nationality: String,
    pub address: Address,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppointmentBranch {
    pub code: BranchCode,
    pub name: String,
    pub address: Address,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppointmentService {
    pub code: ServiceCode,
    pub name: Bilingual,
    pub fee_sen: i32,
    pub fee_note: Bilingual,
    pub documents: Vec<Bilingual>,
}

/// A booked appointment, as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Appointment {
    pub reference: Reference,
    pub status: AppointmentStatus,
    pub branch: AppointmentBranch,
    pub service: AppointmentService,
    pub date: NaiveDate,
    pub start: ClockTime,
    pub end: ClockTime,
    /// R4: be at the office 30 minutes before `start`.
    pub arrive_by: ClockTime,
    pub applicant: ApplicantView,
    /// The text of the slip's QR code, scanned at the counter to check in:
    /// `TMJ1:<reference>:<32 upper-case hex digits>`, e.g.
    /// `TMJ1:ABCDE-FGH23:0123456789ABCDEF0123456789ABCDEF`. The digits are a server-keyed
    /// HMAC of the reference, so only the server can issue or verify a payload. Encode it
    /// unchanged: every character is in the QR alphanumeric set.
    pub qr_payload: String,
    /// RFC 3339, UTC.
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Body of `POST /api/v1/auth/email-codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EmailCodeRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub email: String,
    /// A solved challenge from `GET /api/v1/auth/challenge`: base64 of the JSON
    /// `{algorithm, challenge, number, salt, signature}` (the ALTCHA protocol). Each
    /// challenge can be used once, until it expires.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, min_length = 1))]
    pub altcha: String,
}

/// Answer to `POST /api/v1/auth/email-codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EmailCodeSent {
    pub email: String,
    /// Seconds the code stays valid.
    pub expires_in: i64,
    /// Seconds before another code may be requested.
    pub resend_after: i64,
}

/// Body of `POST /api/v1/auth/email-codes/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifyEmailCode {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub code: String,
}

/// A short-lived bearer token bound to a verified e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Token {
    pub token: String,
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// Body of `POST /api/v1/appointments/{reference}/reschedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RescheduleForm {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, format = Date))]
    pub date: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub start: Option<String>,
    /// A solved challenge from `GET /api/v1/auth/challenge`: needed by an applicant while the
    /// service is in rush mode, ignored otherwise and for partners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altcha: Option<String>,
}

/// One per-field problem in a `validation_failed` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldErrorBody {
    /// Dotted path of the field, e.g. `applicant.id_number`.
    pub field: String,
    /// Stable machine-readable code, e.g. `invalid_place_of_birth`.
    pub code: String,
    /// Human-readable message in the language of the request.
    pub message: String,
}

/// RFC 9457 problem details (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Problem {
    /// Stable machine-readable problem type, e.g. `slot_full`.
    #[serde(rename = "type")]
    pub kind: crate::problem::ProblemType,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

/// Body of `POST /api/v1/waitlist`: the full day to wait for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaitlistForm {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub service: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub branch: Option<String>,
    /// `YYYY-MM-DD`: a day inside the booking window whose every slot is full.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, format = Date))]
    pub date: Option<String>,
}

/// Where a place on a waitlist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    /// In the queue.
    Waiting,
    /// A seat is held for this person until the offer expires.
    Offered,
    /// The held seat was booked.
    Taken,
    /// The offer ran out, or the day passed.
    Expired,
    /// The person left the queue.
    Left,
}

impl WaitlistStatus {
    pub fn code(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Offered => "offered",
            WaitlistStatus::Taken => "taken",
            WaitlistStatus::Expired => "expired",
            WaitlistStatus::Left => "left",
        }
    }
    pub fn parse(input: &str) -> Option<Self> {
        [
            WaitlistStatus::Waiting,
            WaitlistStatus::Offered,
            WaitlistStatus::Taken,
            WaitlistStatus::Expired,
            WaitlistStatus::Left,
        ]
        .into_iter()
        .find(|s| s.code() == input)
    }
}

/// A seat held for the first person waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaitlistOffer {
    pub start: ClockTime,
    pub end: ClockTime,
    /// RFC 3339, UTC: book it (`POST /api/v1/waitlist/{id}/appointment`) before then.
    pub expires_at: DateTime<Utc>,
}

/// One place on the waitlist of a full day, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaitlistEntry {
    pub id: i64,
    pub service: ServiceCode,
    pub branch: BranchCode,
    pub date: NaiveDate,
    pub status: WaitlistStatus,
    /// While waiting: 1 for the next person to be offered a seat.
    pub position: Option<i64>,
    /// Present exactly when `status` is `offered`.
    pub offer: Option<WaitlistOffer>,
    /// RFC 3339, UTC: while the day waits for its lottery, when it is drawn (the place has no
    /// position until then).
    pub draw_at: Option<DateTime<Utc>>,
}
