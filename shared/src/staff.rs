//! JSON shapes of the staff API (`/api/v1/staff/...`), shared with the staff pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::Lang;
use crate::wire::{Appointment, AppointmentStatus, ClockTime};

/// Body of `POST /api/v1/staff/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginForm {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub password: String,
}

/// Body of `POST /api/v1/staff/session/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshForm {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub refresh_token: String,
}

/// A staff session's tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffSession {
    /// Bearer token for staff routes; at most 15 minutes.
    pub access_token: String,
    /// Single-use: exchange it for a new pair before the access token ends.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Body of `POST /api/v1/staff/check-ins`: the slip's QR text, or the typed reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CheckInForm {
    #[serde(default)]
    pub qr: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
}

/// Body of `POST /api/v1/staff/appointments/{reference}/serve` (R9: card payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServeForm {
    /// The amount charged to the card, in sen (RM200.00 = 20000).
    pub amount_sen: i64,
    /// The card terminal's approval code (6 letters or digits).
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub approval_code: String,
}

/// Body of `POST /api/v1/staff/appointments/{reference}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffCancelForm {
    /// Why, for the audit log (e.g. "arrived 40 minutes late").
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub reason: String,
}

/// What the counter records of a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CounterRecord {
    /// The full identity number, to compare with the document (R8).
    pub id_number: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// R4: arrived later than 30 minutes before the start.
    pub late: bool,
    pub served_at: Option<DateTime<Utc>>,
    pub paid_sen: Option<i32>,
    pub approval_code: Option<String>,
    pub cancel_reason: Option<String>,
}

/// An appointment as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffAppointment {
    pub appointment: Appointment,
    pub counter: CounterRecord,
}

/// One line of the day's board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BoardEntry {
    pub reference: String,
    pub status: AppointmentStatus,
    pub service: String,
    pub applicant_name: String,
    pub late: bool,
}

/// A slot of the day with its appointments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BoardSlot {
    pub start: ClockTime,
    pub end: ClockTime,
    pub appointments: Vec<BoardEntry>,
}

/// The day's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DayCounts {
    /// Booked and not arrived yet.
    pub expected: i64,
    /// Checked in, waiting or served.
    pub arrived: i64,
    /// Arrived later than 30 minutes before their start (R4).
    pub late: i64,
    pub served: i64,
    pub no_show: i64,
    pub cancelled: i64,
}

/// `GET /api/v1/staff/branches/{branch}/day`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DayBoard {
    pub branch: String,
    pub date: NaiveDate,
    pub counts: DayCounts,
    pub slots: Vec<BoardSlot>,
}

/// Body of `POST /api/v1/staff/branches/{branch}/queue/call-next`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallNextForm {
    /// The counter calling, as shown in the hall: 1 to 4 letters or digits, e.g. `3`, `A2`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub counter: String,
}

/// Someone checked in, waiting to be called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Waiting {
    pub reference: String,
    pub applicant_name: String,
    pub service: String,
    pub start: ClockTime,
    pub checked_in_at: DateTime<Utc>,
    pub late: bool,
}

/// A call to a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Call {
    pub reference: String,
    pub counter: String,
    pub called_at: DateTime<Utc>,
}

/// `GET /api/v1/staff/branches/{branch}/queue`: who waits, in arrival order, and the latest
/// calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Queue {
    pub waiting: Vec<Waiting>,
    pub called: Vec<Call>,
}

/// `GET /api/v1/display/{branch}`: the waiting hall's screen. References and counters only,
/// never a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HallDisplay {
    pub branch: String,
    pub branch_name: String,
    /// The latest calls, newest first.
    pub calls: Vec<Call>,
    /// How many are waiting to be called.
    pub waiting: i64,
}

/// Why an applicant is blocked, in words the applicant may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum BlockCategory {
    /// Repeated no-shows or late cancellations.
    NoShows,
    /// Holding more appointments than one person needs.
    Hoarding,
    /// Booking with someone else's identity or made-up data.
    Fraud,
    /// Automated booking (bots).
    Automation,
    /// Any other misuse of the service.
    Abuse,
}

impl BlockCategory {
    const ALL: [BlockCategory; 5] = [
        BlockCategory::NoShows,
        BlockCategory::Hoarding,
        BlockCategory::Fraud,
        BlockCategory::Automation,
        BlockCategory::Abuse,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BlockCategory::NoShows => "no_shows",
            BlockCategory::Hoarding => "hoarding",
            BlockCategory::Fraud => "fraud",
            BlockCategory::Automation => "automation",
            BlockCategory::Abuse => "abuse",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == input)
    }

    /// What the applicant is told.
    pub fn describe(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (BlockCategory::NoShows, Lang::Ms) => {
                "tidak hadir atau membatalkan lewat berulang kali"
            }
            (BlockCategory::NoShows, Lang::En) => "repeated no-shows or late cancellations",
            (BlockCategory::Hoarding, Lang::Ms) => "menempah lebih daripada yang diperlukan",
            (BlockCategory::Hoarding, Lang::En) => "holding more appointments than needed",
            (BlockCategory::Fraud, Lang::Ms) => "maklumat tempahan yang palsu",
            (BlockCategory::Fraud, Lang::En) => "false booking details",
            (BlockCategory::Automation, Lang::Ms) => "tempahan automatik",
            (BlockCategory::Automation, Lang::En) => "automated booking",
            (BlockCategory::Abuse, Lang::Ms) => "penyalahgunaan sistem",
            (BlockCategory::Abuse, Lang::En) => "misuse of the system",
        }
    }
}

/// What a block applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// A MyKad number (`value`: 12 digits, dashes allowed).
    Mykad,
    /// A passport number (`value`) with its issuing country (`nationality`, ISO alpha-3).
    Passport,
    Email,
    Phone,
}

/// Body of `POST /api/v1/staff/blocks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BlockForm {
    pub kind: BlockKind,
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub value: String,
    /// The passport's issuing country; only for `passport`.
    #[serde(default)]
    pub nationality: Option<String>,
    /// What the applicant is told.
    pub category: BlockCategory,
    /// For staff only; never shown to the applicant.
    pub note: String,
    /// The last day of the block (inclusive).
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub until: String,
}

/// Body of `POST /api/v1/staff/blocks/{id}/lift`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LiftForm {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub reason: String,
}

/// A block, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Block {
    pub id: i64,
    /// `identity`, `email` or `phone`.
    pub kind: String,
    /// `mykad:<12 digits>`, `passport:<country>:<number>`, the e-mail or the phone (E.164).
    pub value: String,
    pub category: BlockCategory,
    pub note: String,
    pub until: NaiveDate,
    pub created_at: DateTime<Utc>,
    /// A staff username, or `rule` for the automatic no-show rule.
    pub created_by: String,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

/// Appointment outcomes in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Outcomes {
    /// Appointments for the period's days, whatever became of them.
    pub booked: i64,
    pub served: i64,
    pub no_show: i64,
    pub cancelled: i64,
    /// Checked in later than 30 minutes before the start (R4).
    pub late: i64,
}

/// One day of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReportDay {
    pub date: NaiveDate,
    /// Seats the open slots of the day offered.
    pub capacity: i64,
    /// Seats taken (every appointment but the cancelled ones).
    pub seats_taken: i64,
    /// Booking requests refused because the slot was full.
    pub refused_full: i64,
    #[serde(flatten)]
    pub outcomes: Outcomes,
}

/// One hour of the day, over the whole period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReportHour {
    /// 0–23, Malaysian time: slots starting in this hour.
    pub hour: u32,
    pub capacity: i64,
    pub seats_taken: i64,
}

/// `GET /api/v1/staff/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Report {
    /// The branch, or none for all branches (administrators).
    pub branch: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Outcomes,
    pub capacity: i64,
    pub seats_taken: i64,
    pub refused_full: i64,
    pub days: Vec<ReportDay>,
    pub hours: Vec<ReportHour>,
}

/// One open counter period; breaks are the gaps between periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Period {
    pub opens: ClockTime,
    pub closes: ClockTime,
}

/// The open periods of one weekday; a weekday missing from a week is closed (the weekend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DayHours {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    pub periods: Vec<Period>,
}

/// Hours that replace the usual week between two dates (e.g. Ramadan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HoursProfile {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub week: Vec<DayHours>,
}

/// A day the branch is closed (a holiday of its own or an emergency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Closure {
    pub date: NaiveDate,
    /// The reason, in Bahasa Melayu and in English, as applicants read it.
    pub name_ms: String,
    pub name_en: String,
}

/// A service the branch offers, with its seats per slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceSeats {
    pub service: String,
    pub seats: i32,
}

/// Everything a supervisor configures about a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BranchConfig {
    /// Length of a slot in minutes (5–240).
    pub slot_minutes: i32,
    /// Days between today and the first bookable day (0–30).
    pub min_lead_days: i32,
    /// The usual week.
    pub week: Vec<DayHours>,
    pub services: Vec<ServiceSeats>,
    pub profiles: Vec<HoursProfile>,
    pub closures: Vec<Closure>,
}

/// Body of `PUT /api/v1/staff/branches/{branch}/config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConfigChange {
    pub config: BranchConfig,
    /// The number of booked appointments the change strands, as the preview counted them;
    /// required when there are any. They are cancelled with an apology e-mail.
    #[serde(default)]
    pub confirm_stranded: Option<i64>,
}

/// An appointment a change would leave without its slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Stranded {
    pub reference: String,
    pub date: NaiveDate,
    pub start: ClockTime,
    pub service: String,
    pub applicant_name: String,
}

/// What a configuration change does (`dry_run`) or did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConfigOutcome {
    pub applied: bool,
    pub stranded: Vec<Stranded>,
    pub config: BranchConfig,
}

/// `GET /api/v1/staff/me`: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffMe {
    pub username: String,
    /// `officer`, `supervisor` or `admin`.
    pub role: String,
    /// The branch of an officer or supervisor; none for an administrator.
    pub branch: Option<String>,
}
