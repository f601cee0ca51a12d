//! RFC 9457 problem details: every error the API returns, with a stable `type`.
//!
//! Handlers return [`ApiError`]; the [`localize`] middleware renders it in the language the
//! client asked for (`Accept-Language`, Bahasa Melayu by default). Internal errors are logged
//! with their cause and reach the client as an opaque 500.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDate;
use temujanji_shared::form::FieldIssue;
use temujanji_shared::problem::ProblemType;
use temujanji_shared::wire::{AppointmentStatus, ClosedReason, FieldErrorBody, Problem};
use temujanji_shared::{Lang, ValidationError};

use crate::auth::codes::CodeError;
use crate::availability::AvailabilityError;
use crate::booking::BookingError;
use crate::idempotency::IdempotencyError;
use temujanji_shared::staff::BlockCategory;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// A missing, wrong, expired or spent ALTCHA solution.
    #[error("proof of work: {0}")]
    ProofOfWork(crate::proof_of_work::Refusal),
    /// A body over [`crate::routes::json::LIMIT`] bytes.
    #[error("the body is larger than {0} bytes")]
    ContentTooLarge(usize),
    /// A JSON value of the wrong type (e.g. a number where text is expected).
    #[error("{field}: {reason}")]
    WrongType { field: String, reason: String },
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("the token's e-mail does not match the applicant's e-mail")]
    EmailMismatch,
    #[error("slot full")]
    SlotFull,
    #[error("no such slot")]
    NoSuchSlot,
    #[error("service not offered at this branch")]
    ServiceNotOffered,
    #[error("outside the booking window")]
    OutsideBookingWindow { from: NaiveDate, until: NaiveDate },
    #[error("branch closed")]
    BranchClosed(ClosedReason),
    #[error("blocked")]
    Blocked {
        category: BlockCategory,
        until: NaiveDate,
    },
    #[error("duplicate active appointment")]
    DuplicateActiveAppointment,
    #[error("appointment is {0:?}")]
    InvalidStatus(AppointmentStatus),
    #[error("the appointment has started")]
    AppointmentStarted,
    #[error("changed by a concurrent request")]
    ConcurrentChange,
    #[error("idempotency key reused with another request")]
    IdempotencyKeyReused,
    #[error("idempotent request still in progress")]
    IdempotencyInProgress,
    #[error("wrong code")]
    InvalidCode { attempts_left: i32 },
    #[error("no valid code")]
    CodeExpired,
    #[error("too many wrong codes")]
    TooManyAttempts,
    #[error("rate limited")]
    RateLimited { retry_after: i64 },
    #[error("not a QR code of ours")]
    InvalidQr,
    #[error("appointment at another branch")]
    WrongBranch(String),
    #[error("appointment on another day")]
    WrongDay(NaiveDate),
    #[error("the appointment has not started yet")]
    NotStarted,
    #[error("already lifted")]
    AlreadyLifted,
    #[error("{0} stranded appointments not confirmed")]
    StrandedUnconfirmed(i64),
    /// No database connection came free in time, or a statement ran past its timeout: the
    /// instance is overloaded; the client retries shortly.
    #[error("overloaded: {0}")]
    Overloaded(String),
    /// The identity cannot book this service now (said to anyone but its holder).
    #[error("identity unavailable")]
    IdentityUnavailable,
    /// R5: the e-mail (`true`) or the phone already holds `limit` active appointments.
    #[error("too many active appointments")]
    TooManyActive { by_email: bool, limit: i64 },
    /// R5: moved `0` times already.
    #[error("reschedule limit reached")]
    RescheduleLimit(i32),
    /// A waitlist for a day with free seats.
    #[error("the day has free seats")]
    DayNotFull,
    /// The e-mail already waits for this many days.
    #[error("too many waitlist places")]
    TooManyWaitlistPlaces(i64),
    /// The waitlist offer is no longer open.
    #[error("waitlist offer unavailable")]
    OfferUnavailable,
    /// The day's seats are drawn by lottery at this instant (UTC).
    #[error("drawn by lottery")]
    LotteryPending(chrono::NaiveDateTime),
    /// Over a rate limit of the applicant's door; what the `RateLimit-*` headers say.
    #[error("rate limited for {} s", .0.retry_after)]
    Throttled(crate::rate_limit::Decision),
    /// A known path, another method; the methods it has, for `Allow`.
    #[error("method not allowed (allowed: {0})")]
    MethodNotAllowed(String),
    /// A partner write without `Idempotency-Key`.
    #[error("Idempotency-Key is required")]
    IdempotencyKeyRequired,
    /// A partner token without the scope this operation needs.
    #[error("the token lacks the scope {0}")]
    InsufficientScope(&'static str),
    /// A field of an administrator's request that the domain refused.
    #[error("{field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("internal error: {0}")]
    Internal(String),
    /// A database error; some (deadlocks) are retried before they reach the client.
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        ApiError::Overloaded(format!("database pool: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task: {error}"))
    }
}

impl From<crate::state::Unavailable> for ApiError {
    fn from(error: crate::state::Unavailable) -> Self {
        match error {
            crate::state::Unavailable::Pool(e) => ApiError::Overloaded(e.to_string()),
            e @ crate::state::Unavailable::Task(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::mail::ComposeError> for ApiError {
    fn from(error: crate::mail::ComposeError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<crate::slip::SlipError> for ApiError {
    fn from(error: crate::slip::SlipError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<Vec<FieldIssue>> for ApiError {
    fn from(issues: Vec<FieldIssue>) -> Self {
        ApiError::Validation(issues)
    }
}

impl ApiError {
    /// A single invalid field.
    pub fn field(field: &'static str, error: ValidationError) -> Self {
        ApiError::Validation(vec![FieldIssue { field, error }])
    }

    /// The stable machine-readable problem type.
    pub fn kind(&self) -> ProblemType {
        match self {
            ApiError::Validation(_) | ApiError::WrongType { .. } => ProblemType::ValidationFailed,
            ApiError::BadRequest(_) => ProblemType::BadRequest,
            ApiError::ContentTooLarge(_) => ProblemType::ContentTooLarge,
            ApiError::ProofOfWork(_) => ProblemType::ProofOfWorkFailed,
            ApiError::NotFound => ProblemType::NotFound,
            ApiError::Unauthorized => ProblemType::Unauthorized,
            ApiError::Forbidden => ProblemType::Forbidden,
            ApiError::InvalidCredentials => ProblemType::InvalidCredentials,
            ApiError::EmailMismatch => ProblemType::EmailMismatch,
            ApiError::SlotFull => ProblemType::SlotFull,
            ApiError::NoSuchSlot => ProblemType::NoSuchSlot,
            ApiError::ServiceNotOffered => ProblemType::ServiceNotOffered,
            ApiError::OutsideBookingWindow { .. } => ProblemType::OutsideBookingWindow,
            ApiError::BranchClosed(_) => ProblemType::BranchClosed,
            ApiError::Blocked { .. } => ProblemType::Blocked,
            ApiError::DuplicateActiveAppointment => ProblemType::DuplicateActiveAppointment,
            ApiError::InvalidStatus(_) | ApiError::NotStarted | ApiError::AlreadyLifted => {
                ProblemType::InvalidStatus
            }
            ApiError::AppointmentStarted => ProblemType::AppointmentStarted,
            ApiError::ConcurrentChange => ProblemType::ConcurrentChange,
            ApiError::IdempotencyKeyReused => ProblemType::IdempotencyKeyReused,
            ApiError::IdempotencyInProgress => ProblemType::IdempotencyInProgress,
            ApiError::InvalidCode { .. } => ProblemType::InvalidCode,
            ApiError::CodeExpired => ProblemType::CodeExpired,
            ApiError::TooManyAttempts => ProblemType::TooManyAttempts,
            ApiError::RateLimited { .. } => ProblemType::RateLimited,
            ApiError::InvalidQr => ProblemType::InvalidQr,
            ApiError::WrongBranch(_) => ProblemType::WrongBranch,
            ApiError::WrongDay(_) => ProblemType::WrongDay,
            ApiError::StrandedUnconfirmed(_) => ProblemType::StrandedUnconfirmed,
            ApiError::IdempotencyKeyRequired => ProblemType::IdempotencyKeyRequired,
            ApiError::MethodNotAllowed(_) => ProblemType::MethodNotAllowed,
            ApiError::Throttled(_) => ProblemType::RateLimited,
            ApiError::TooManyActive { .. } => ProblemType::TooManyActiveAppointments,
            ApiError::IdentityUnavailable => ProblemType::IdentityUnavailable,
            ApiError::RescheduleLimit(_) => ProblemType::RescheduleLimitReached,
            ApiError::DayNotFull => ProblemType::DayNotFull,
            ApiError::TooManyWaitlistPlaces(_) => ProblemType::TooManyWaitlistPlaces,
            ApiError::OfferUnavailable => ProblemType::OfferUnavailable,
            ApiError::LotteryPending(_) => ProblemType::LotteryPending,
            ApiError::Overloaded(_) => ProblemType::ServiceUnavailable,
            ApiError::Database(e) if crate::db::is_statement_timeout(e) => {
                ProblemType::ServiceUnavailable
            }
            ApiError::InsufficientScope(_) => ProblemType::InsufficientScope,
            ApiError::InvalidField { .. } => ProblemType::ValidationFailed,
            ApiError::Internal(_) | ApiError::Database(_) => ProblemType::InternalError,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_)
            | ApiError::WrongType { .. }
            | ApiError::NoSuchSlot
            | ApiError::ServiceNotOffered
            | ApiError::OutsideBookingWindow { .. }
            | ApiError::BranchClosed(_)
            | ApiError::IdempotencyKeyReused
            | ApiError::InvalidField { .. }
            | ApiError::InvalidQr
            | ApiError::WrongBranch(_)
            | ApiError::WrongDay(_)
            | ApiError::ProofOfWork(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_)
            | ApiError::InvalidCode { .. }
            | ApiError::CodeExpired
            | ApiError::IdempotencyKeyRequired => StatusCode::BAD_REQUEST,
            ApiError::ContentTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthorized | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::EmailMismatch
            | ApiError::Blocked { .. }
            | ApiError::Forbidden
            | ApiError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            ApiError::SlotFull
            | ApiError::TooManyActive { .. }
            | ApiError::IdentityUnavailable
            | ApiError::RescheduleLimit(_)
            | ApiError::DayNotFull
            | ApiError::TooManyWaitlistPlaces(_)
            | ApiError::OfferUnavailable
            | ApiError::LotteryPending(_)
            | ApiError::DuplicateActiveAppointment
            | ApiError::InvalidStatus(_)
            | ApiError::NotStarted
            | ApiError::AlreadyLifted
            | ApiError::StrandedUnconfirmed(_)
            | ApiError::AppointmentStarted
            | ApiError::ConcurrentChange
            | ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::TooManyAttempts | ApiError::RateLimited { .. } | ApiError::Throttled(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Database(e) if crate::db::is_statement_timeout(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) | ApiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and detail in `lang`.
    fn texts(&self, lang: Lang) -> (String, Option<String>) {
        let pick = |ms: &str, en: &str| match lang {
            Lang::Ms => ms.to_owned(),
            Lang::En => en.to_owned(),
        };
        let busy = || {
            (
                pick("Sistem sibuk", "The system is busy"),
                Some(pick(
                    "Terlalu ramai pengguna pada masa ini. Sila cuba semula sebentar lagi; data anda tidak hilang.",
                    "Too many people are using the system right now. Please try again in a moment; nothing you entered is lost.",
                )),
            )
        };
        let (title, detail) = match self {
            ApiError::Validation(_) | ApiError::WrongType { .. } => (
                pick("Maklumat tidak sah", "Some details are not valid"),
                Some(pick(
                    "Sila betulkan medan yang disenaraikan.",
                    "Please correct the fields listed.",
                )),
            ),
            ApiError::BadRequest(why) => (
                pick("Permintaan tidak sah", "Malformed request"),
                Some(why.clone()),
            ),
            ApiError::ProofOfWork(refusal) => {
                use crate::proof_of_work::Refusal;
                let title = pick("Semakan keselamatan gagal", "Security check failed");
                let detail = match refusal {
                    Refusal::Missing => pick(
                        "Permintaan ini memerlukan semakan keselamatan pelayar (bukti kerja). Sila cuba semula.",
                        "This request needs the browser's security check (proof of work). Please try again.",
                    ),
                    Refusal::Wrong => pick(
                        "Semakan keselamatan tidak sah. Sila cuba semula.",
                        "The security check is not valid. Please try again.",
                    ),
                    Refusal::Expired => pick(
                        "Semakan keselamatan telah tamat tempoh. Sila cuba semula.",
                        "The security check has expired. Please try again.",
                    ),
                    Refusal::Reused => pick(
                        "Semakan keselamatan ini telah digunakan. Sila cuba semula.",
                        "This security check was already used. Please try again.",
                    ),
                };
                (title, Some(detail))
            }
            ApiError::ContentTooLarge(limit) => (
                pick("Permintaan terlalu besar", "Request too large"),
                Some(match lang {
                    Lang::Ms => format!("Badan permintaan melebihi {limit} bait."),
                    Lang::En => format!("The request body is larger than {limit} bytes."),
                }),
            ),
            ApiError::NotFound => (pick("Tidak dijumpai", "Not found"), None),
            ApiError::Unauthorized => (
                pick("Pengesahan diperlukan", "Authentication required"),
                Some(pick(
                    "Sahkan e-mel anda untuk mendapatkan token yang sah.",
                    "Verify your e-mail to obtain a valid token.",
                )),
            ),
            ApiError::EmailMismatch => (
                pick("E-mel tidak sepadan", "E-mail does not match"),
                Some(pick(
                    "E-mel pemohon mesti sama dengan e-mel yang telah disahkan.",
                    "The applicant's e-mail must be the e-mail you verified.",
                )),
            ),
            ApiError::SlotFull => (
                pick("Slot penuh", "Slot full"),
                Some(pick(
                    "Slot ini telah penuh. Sila pilih slot lain.",
                    "This slot is full. Please choose another slot.",
                )),
            ),
            ApiError::NoSuchSlot => (
                pick("Slot tidak wujud", "No such slot"),
                Some(pick(
                    "Tiada slot bermula pada masa ini untuk tarikh tersebut.",
                    "No slot starts at this time on that date.",
                )),
            ),
            ApiError::ServiceNotOffered => (
                pick("Perkhidmatan tidak ditawarkan", "Service not offered"),
                Some(pick(
                    "Cawangan ini tidak menawarkan perkhidmatan tersebut.",
                    "This branch does not offer that service.",
                )),
            ),
            ApiError::OutsideBookingWindow { from, until } => (
                pick("Di luar tempoh tempahan", "Outside the booking window"),
                Some(match lang {
                    Lang::Ms => format!("Temujanji boleh ditempah dari {from} hingga {until}."),
                    Lang::En => format!("Appointments can be booked from {from} to {until}."),
                }),
            ),
            ApiError::BranchClosed(reason) => (
                pick("Cawangan ditutup", "Branch closed"),
                Some(reason.name.get(lang).to_owned()),
            ),
            ApiError::Blocked { category, until } => (
                pick("Tempahan disekat", "Booking blocked"),
                Some(match lang {
                    Lang::Ms => format!(
                        "Anda disekat daripada membuat tempahan sehingga {until} ({}). \
                         Hubungi cawangan jika anda rasa ini satu kesilapan.",
                        category.describe(lang)
                    ),
                    Lang::En => format!(
                        "You are blocked from booking until {until} ({}). \
                         Contact the branch if you think this is a mistake.",
                        category.describe(lang)
                    ),
                }),
            ),
            ApiError::DuplicateActiveAppointment => (
                pick("Temujanji aktif sudah wujud", "Active appointment exists"),
                Some(pick(
                    "Anda sudah mempunyai temujanji aktif untuk perkhidmatan ini. Batal atau tukar temujanji itu dahulu.",
                    "You already have an active appointment for this service. Cancel or reschedule it first.",
                )),
            ),
            ApiError::InvalidStatus(status) => (
                pick("Tindakan tidak dibenarkan", "Action not allowed"),
                Some(match lang {
                    Lang::Ms => {
                        format!("Status temujanji ini ialah {}.", status_name(*status, lang))
                    }
                    Lang::En => format!("This appointment is {}.", status_name(*status, lang)),
                }),
            ),
            ApiError::NotStarted => (
                pick("Belum bermula", "Not started yet"),
                Some(pick(
                    "Temujanji ini belum bermula; ia hanya boleh ditanda tidak hadir selepas waktunya bermula.",
                    "This appointment has not started; it can be marked a no-show only once its time has begun.",
                )),
            ),
            ApiError::StrandedUnconfirmed(count) => (
                pick(
                    "Sahkan temujanji yang terjejas",
                    "Confirm the affected appointments",
                ),
                Some(match lang {
                    Lang::Ms => format!(
                        "Perubahan ini membatalkan {count} temujanji yang telah ditempah. Semak senarai dan sahkan jumlah itu untuk meneruskan; pemohon akan menerima e-mel permohonan maaf."
                    ),
                    Lang::En => format!(
                        "This change cancels {count} booked appointments. Review the list and confirm that number to go ahead; the applicants will receive an apology e-mail."
                    ),
                }),
            ),
            ApiError::TooManyActive { by_email, limit } => (
                pick("Had temujanji aktif", "Active appointment limit"),
                Some(match (lang, by_email) {
                    (Lang::Ms, true) => format!(
                        "Alamat e-mel ini sudah mempunyai {limit} temujanji aktif, had maksimum. Batalkan atau hadiri salah satu dahulu."
                    ),
                    (Lang::Ms, false) => format!(
                        "Nombor telefon ini sudah mempunyai {limit} temujanji aktif, had maksimum. Batalkan atau hadiri salah satu dahulu."
                    ),
                    (Lang::En, true) => format!(
                        "This e-mail address already holds {limit} active appointments, the most allowed. Cancel or attend one first."
                    ),
                    (Lang::En, false) => format!(
                        "This phone number already holds {limit} active appointments, the most allowed. Cancel or attend one first."
                    ),
                }),
            ),
            ApiError::IdentityUnavailable => (
                pick("Identiti tidak boleh menempah", "Identity cannot book"),
                Some(pick(
                    "Identiti ini tidak boleh membuat temujanji untuk perkhidmatan ini sekarang. Jika bukan anda yang menempah, hubungi cawangan.",
                    "This identity cannot book this service now. If this was not you, contact the branch.",
                )),
            ),
            ApiError::RescheduleLimit(limit) => (
                pick("Had pertukaran dicapai", "Reschedule limit reached"),
                Some(match lang {
                    Lang::Ms => format!(
                        "Temujanji ini telah ditukar {limit} kali, had maksimum. Batalkan dan buat temujanji baharu jika perlu."
                    ),
                    Lang::En => format!(
                        "This appointment has been moved {limit} times, the most allowed. Cancel it and book again if you must."
                    ),
                }),
            ),
            ApiError::DayNotFull => (
                pick("Hari ini masih ada tempat", "This day still has seats"),
                Some(pick(
                    "Senarai menunggu hanya untuk hari yang penuh. Pilih salah satu slot yang masih kosong.",
                    "The waitlist is only for a full day. Choose one of the slots that still has seats.",
                )),
            ),
            ApiError::TooManyWaitlistPlaces(limit) => (
                pick("Had senarai menunggu", "Waitlist limit"),
                Some(match lang {
                    Lang::Ms => format!(
                        "Alamat e-mel ini sudah menunggu untuk {limit} hari, had maksimum. Tinggalkan salah satu senarai menunggu dahulu."
                    ),
                    Lang::En => format!(
                        "This e-mail address is already waiting for {limit} days, the most allowed. Leave one waitlist first."
                    ),
                }),
            ),
            ApiError::LotteryPending(draw_at) => (
                pick("Hari ini diundi", "This day is drawn by lottery"),
                Some({
                    let at = crate::clock::to_malaysia(*draw_at).format("%H:%M");
                    match lang {
                        Lang::Ms => format!(
                            "Tempat pada hari ini diundi pada {at} dalam kalangan pemohon yang menyertai cabutannya. Sertai cabutan; jika anda menang, kami menghantar pautan untuk mengesahkan tempat anda."
                        ),
                        Lang::En => format!(
                            "The seats of this day are drawn at {at} among those who enter its draw. Enter the draw; if you win, we e-mail you a link to confirm your seat."
                        ),
                    }
                }),
            ),
            ApiError::OfferUnavailable => (
                pick("Tawaran tidak lagi sah", "The offer is no longer open"),
                Some(pick(
                    "Tempat yang dikhaskan untuk anda telah tamat tempoh atau telah ditempah, dan kini ditawarkan kepada orang seterusnya. Anda boleh memilih slot lain atau menyertai senarai menunggu semula.",
                    "The seat held for you has expired or was already booked, and is now offered to the next person. You can choose another slot or join the waitlist again.",
                )),
            ),
            ApiError::MethodNotAllowed(allowed) => (
                pick("Kaedah tidak dibenarkan", "Method not allowed"),
                Some(match lang {
                    Lang::Ms => format!("Alamat ini menerima {allowed} sahaja."),
                    Lang::En => format!("This address accepts {allowed} only."),
                }),
            ),
            ApiError::IdempotencyKeyRequired => (
                pick("Kunci idempotensi diperlukan", "Idempotency key required"),
                Some(pick(
                    "Hantar pengepala Idempotency-Key (1–255 aksara ASCII) dengan setiap permintaan tulis rakan kongsi, dan kunci yang sama apabila mencuba semula.",
                    "Send an Idempotency-Key header (1–255 ASCII characters) with every partner write, and the same key when you retry it.",
                )),
            ),
            ApiError::InsufficientScope(scope) => (
                pick("Skop tidak mencukupi", "Insufficient scope"),
                Some(match lang {
                    Lang::Ms => format!("Token ini tiada skop {scope}."),
                    Lang::En => format!("This token lacks the scope {scope}."),
                }),
            ),
            ApiError::InvalidField { field, reason } => (
                pick("Data tidak sah", "Invalid data"),
                Some(format!("{field}: {reason}")),
            ),
            ApiError::AlreadyLifted => (
                pick("Sudah ditarik balik", "Already lifted"),
                Some(pick(
                    "Sekatan ini telah ditarik balik.",
                    "This block has already been lifted.",
                )),
            ),
            ApiError::Forbidden => (
                pick("Tidak dibenarkan", "Not allowed"),
                Some(pick(
                    "Peranan anda tidak membenarkan tindakan ini.",
                    "Your role does not allow this action.",
                )),
            ),
            ApiError::InvalidCredentials => (
                pick("Log masuk gagal", "Sign-in failed"),
                Some(pick(
                    "Nama pengguna atau kata laluan salah.",
                    "Wrong username or password.",
                )),
            ),
            ApiError::InvalidQr => (
                pick("Kod QR tidak sah", "Invalid QR code"),
                Some(pick(
                    "Kod QR ini bukan daripada slip Temujanji yang sah. Taip nombor rujukan dan semak slip.",
                    "This QR code is not from a genuine Temujanji slip. Type the reference and check the slip.",
                )),
            ),
            ApiError::WrongBranch(branch) => (
                pick("Cawangan lain", "Another branch"),
                Some(match lang {
                    Lang::Ms => format!("Temujanji ini di cawangan {branch}, bukan di sini."),
                    Lang::En => format!("This appointment is at {branch}, not here."),
                }),
            ),
            ApiError::WrongDay(date) => (
                pick("Hari lain", "Another day"),
                Some(match lang {
                    Lang::Ms => format!("Temujanji ini pada {date}, bukan hari ini."),
                    Lang::En => format!("This appointment is on {date}, not today."),
                }),
            ),
            ApiError::AppointmentStarted => (
                pick("Temujanji telah bermula", "Appointment has started"),
                Some(pick(
                    "Temujanji yang telah bermula atau berlalu tidak boleh dibatal atau ditukar.",
                    "An appointment that has started or passed cannot be cancelled or rescheduled.",
                )),
            ),
            ApiError::ConcurrentChange => (
                pick("Diubah serentak", "Changed at the same time"),
                Some(pick(
                    "Temujanji ini baru sahaja diubah. Muat semula dan cuba lagi.",
                    "This appointment was just changed. Reload it and try again.",
                )),
            ),
            ApiError::IdempotencyKeyReused => (
                pick(
                    "Kunci idempotensi digunakan semula",
                    "Idempotency key reused",
                ),
                Some(pick(
                    "Kunci ini telah digunakan untuk permintaan yang berbeza.",
                    "This key was already used for a different request.",
                )),
            ),
            ApiError::IdempotencyInProgress => (
                pick("Permintaan sedang diproses", "Request in progress"),
                None,
            ),
            ApiError::InvalidCode { attempts_left } => (
                pick("Kod salah", "Wrong code"),
                Some(match lang {
                    Lang::Ms => format!("Kod tidak betul. Baki cubaan: {attempts_left}."),
                    Lang::En => format!("The code is not correct. Attempts left: {attempts_left}."),
                }),
            ),
            ApiError::CodeExpired => (
                pick("Tiada kod yang sah", "No valid code"),
                Some(pick(
                    "Kod telah tamat tempoh atau telah digunakan. Minta kod baharu.",
                    "The code has expired or was already used. Request a new code.",
                )),
            ),
            ApiError::TooManyAttempts => (
                pick("Terlalu banyak cubaan", "Too many attempts"),
                Some(pick("Minta kod baharu.", "Request a new code.")),
            ),
            ApiError::RateLimited { retry_after } => (
                pick("Terlalu banyak permintaan", "Too many requests"),
                Some(match lang {
                    Lang::Ms => format!("Cuba lagi selepas {retry_after} saat."),
                    Lang::En => format!("Try again in {retry_after} seconds."),
                }),
            ),
            ApiError::Overloaded(_) => busy(),
            ApiError::Throttled(decision) => ApiError::RateLimited {
                retry_after: decision.retry_after,
            }
            .texts(lang),
            ApiError::Database(e) if crate::db::is_statement_timeout(e) => busy(),
            ApiError::Internal(_) | ApiError::Database(_) => (
                pick("Ralat dalaman", "Internal error"),
                Some(pick(
                    "Maaf, berlaku ralat. Sila cuba sebentar lagi.",
                    "Sorry, something went wrong. Please try again shortly.",
                )),
            ),
        };
        (title, detail)
    }

    pub fn to_problem(&self, lang: Lang) -> Problem {
        let (title, detail) = self.texts(lang);
        let errors = match self {
            ApiError::Validation(issues) => issues.iter().map(|i| i.to_body(lang)).collect(),
            ApiError::WrongType { field, reason } => vec![FieldErrorBody {
                field: field.clone(),
                code: "invalid_type".into(),
                message: match lang {
                    Lang::Ms => format!("Jenis nilai salah ({reason})."),
                    Lang::En => format!("Wrong type of value ({reason})."),
                },
            }],
            ApiError::InvalidField { field, reason } => vec![FieldErrorBody {
                field: (*field).to_owned(),
                code: "invalid".into(),
                message: reason.clone(),
            }],
            _ => Vec::new(),
        };
        Problem {
            kind: self.kind(),
            title,
            status: self.status().as_u16(),
            detail,
            errors,
        }
    }

    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        response.content_type("application/problem+json");
        if let ApiError::RateLimited { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        if let ApiError::Throttled(decision) = self {
            response.insert_header((header::RETRY_AFTER, decision.retry_after.to_string()));
            response.insert_header(("RateLimit-Limit", decision.limit.to_string()));
            response.insert_header(("RateLimit-Remaining", decision.remaining.to_string()));
            response.insert_header(("RateLimit-Reset", decision.reset_seconds.to_string()));
        }
        if let ApiError::MethodNotAllowed(allowed) = self {
            response.insert_header((header::ALLOW, allowed.as_str()));
        }
        if self.status() == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        response.json(self.to_problem(lang))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// Rendered in the default language; [`localize`] re-renders it for the request.
    /// Actix calls this once per failed request, so the cause of a 500 is logged here.
    fn error_response(&self) -> HttpResponse {
        if self.status().is_server_error() {
            tracing::error!(cause = %self, "internal error");
        }
        self.render(Lang::default())
    }
}

/// An appointment status in words.
fn status_name(status: AppointmentStatus, lang: Lang) -> &'static str {
    match (status, lang) {
        (AppointmentStatus::Booked, Lang::Ms) => "ditempah",
        (AppointmentStatus::Booked, Lang::En) => "booked",
        (AppointmentStatus::CheckedIn, Lang::Ms) => "telah mendaftar masuk",
        (AppointmentStatus::CheckedIn, Lang::En) => "checked in",
        (AppointmentStatus::Completed, Lang::Ms) => "selesai",
        (AppointmentStatus::Completed, Lang::En) => "served",
        (AppointmentStatus::Cancelled, Lang::Ms) => "dibatalkan",
        (AppointmentStatus::Cancelled, Lang::En) => "cancelled",
        (AppointmentStatus::NoShow, Lang::Ms) => "tidak hadir",
        (AppointmentStatus::NoShow, Lang::En) => "a no-show",
    }
}

impl From<BookingError> for ApiError {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::NotFound => ApiError::NotFound,
            BookingError::Forbidden => ApiError::Forbidden,
            BookingError::EmailMismatch => ApiError::EmailMismatch,
            BookingError::SlotFull => ApiError::SlotFull,
            BookingError::NoSuchSlot => ApiError::NoSuchSlot,
            BookingError::ServiceNotOffered => ApiError::ServiceNotOffered,
            BookingError::OutsideWindow { from, until } => {
                ApiError::OutsideBookingWindow { from, until }
            }
            BookingError::BranchClosed(reason) => ApiError::BranchClosed(reason),
            BookingError::Blocked { category, until } => ApiError::Blocked { category, until },
            BookingError::DuplicateActive => ApiError::DuplicateActiveAppointment,
            BookingError::IdentityUnavailable => ApiError::IdentityUnavailable,
            BookingError::TooManyActive { by, limit } => ApiError::TooManyActive {
                by_email: by == crate::booking::limits::HeldBy::Email,
                limit,
            },
            BookingError::RescheduleLimit { limit } => ApiError::RescheduleLimit(limit),
            BookingError::DayNotFull => ApiError::DayNotFull,
            BookingError::TooManyWaitlistPlaces { limit } => ApiError::TooManyWaitlistPlaces(limit),
            BookingError::OfferUnavailable => ApiError::OfferUnavailable,
            BookingError::LotteryPending { draw_at } => ApiError::LotteryPending(draw_at),
            BookingError::InvalidStatus(status) => ApiError::InvalidStatus(status),
            BookingError::Started => ApiError::AppointmentStarted,
            BookingError::NotStarted => ApiError::NotStarted,
            BookingError::ConcurrentChange => ApiError::ConcurrentChange,
            BookingError::InvalidQr => ApiError::InvalidQr,
            BookingError::WrongBranch(branch) => ApiError::WrongBranch(branch),
            BookingError::WrongDay(date) => ApiError::WrongDay(date),
            BookingError::AlreadyLifted => ApiError::AlreadyLifted,
            BookingError::ProofOfWork(refusal) => ApiError::ProofOfWork(refusal),
            BookingError::Idempotency(e) => e.into(),
            BookingError::Store(e) => e.into(),
            e @ BookingError::Compose(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::partners::PartnerError> for ApiError {
    fn from(error: crate::partners::PartnerError) -> Self {
        use crate::partners::PartnerError as E;
        let invalid = |field: &'static str, e: &E| ApiError::InvalidField {
            field,
            reason: e.to_string(),
        };
        match error {
            E::InvalidClient => ApiError::Unauthorized,
            E::NotFound => ApiError::NotFound,
            ref e @ (E::UnknownService(_) | E::NoServices) => invalid("services", e),
            ref e @ E::UnknownBranch(_) => invalid("branches", e),
            ref e @ E::InvalidName => invalid("name", e),
            ref e @ E::InvalidWebhookUrl => invalid("webhook_url", e),
            ref e @ E::InvalidRate => invalid("rate_per_minute", e),
            E::Database(e) => ApiError::Database(e),
        }
    }
}

impl From<crate::webhooks::ReplayError> for ApiError {
    fn from(error: crate::webhooks::ReplayError) -> Self {
        match error {
            crate::webhooks::ReplayError::NotFound => ApiError::NotFound,
            crate::webhooks::ReplayError::Database(e) => ApiError::Database(e),
        }
    }
}

impl From<IdempotencyError> for ApiError {
    fn from(error: IdempotencyError) -> Self {
        match error {
            IdempotencyError::InvalidKey => ApiError::BadRequest(error.to_string()),
            IdempotencyError::KeyReused => ApiError::IdempotencyKeyReused,
            IdempotencyError::InProgress => ApiError::IdempotencyInProgress,
            IdempotencyError::Database(e) => ApiError::Database(e),
        }
    }
}

impl From<CodeError> for ApiError {
    fn from(error: CodeError) -> Self {
        match error {
            CodeError::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            CodeError::Wrong { attempts_left } => ApiError::InvalidCode { attempts_left },
            CodeError::Exhausted => ApiError::TooManyAttempts,
            CodeError::NoCode => ApiError::CodeExpired,
            CodeError::Database(e) => ApiError::Database(e),
            e @ (CodeError::Compose(_) | CodeError::Key(_)) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::proof_of_work::PowError> for ApiError {
    fn from(error: crate::proof_of_work::PowError) -> Self {
        match error {
            crate::proof_of_work::PowError::Refused(refusal) => ApiError::ProofOfWork(refusal),
            crate::proof_of_work::PowError::Database(e) => ApiError::Database(e),
        }
    }
}

impl From<AvailabilityError> for ApiError {
    fn from(error: AvailabilityError) -> Self {
        match error {
            AvailabilityError::Range(issue) => ApiError::Validation(vec![issue]),
            AvailabilityError::UnknownBranch => ApiError::NotFound,
            AvailabilityError::ServiceNotOffered => ApiError::ServiceNotOffered,
            AvailabilityError::Store(e) => e.into(),
        }
    }
}

impl From<crate::db::StoreError> for ApiError {
    fn from(error: crate::db::StoreError) -> Self {
        match error {
            // Kept whole: a cancelled statement is an overload (503), not a bug.
            crate::db::StoreError::Database(e) => ApiError::Database(e),
            e @ crate::db::StoreError::Corrupt { .. } => ApiError::Internal(e.to_string()),
        }
    }
}

/// The language the client asked for: the first of `ms` / `en` in `Accept-Language`.
pub fn request_lang(req: &HttpRequest) -> Lang {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|part| part.split(';').next())
                .filter_map(|tag| tag.trim().split('-').next())
                .find_map(Lang::parse)
        })
        .unwrap_or_default()
}

/// Middleware body: re-renders an [`ApiError`] in the request's language.
pub async fn localize(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let lang = request_lang(response.request());
    if lang == Lang::default() {
        return Ok(response.map_into_left_body());
    }
    let rendered = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| {
            let mut new = e.render(lang);
            // Headers added on the way out (rate limits, caching) stay.
            for (name, value) in response.headers() {
                if !new.headers().contains_key(name) && name != header::CONTENT_LENGTH {
                    new.headers_mut().insert(name.clone(), value.clone());
                }
            }
            new
        });
    Ok(match rendered {
        Some(new) => response.into_response(new).map_into_right_body(),
        None => response.map_into_left_body(),
    })
}

/// Turns actix's extractor errors (bad JSON, bad query) into problem+json.
pub fn extractor_error(error: impl std::fmt::Display, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(error.to_string()).into()
}
