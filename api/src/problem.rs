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
use temujanji_shared::wire::{ClosedReason, FieldErrorBody, Problem};
use temujanji_shared::{Lang, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// A JSON value of the wrong type (e.g. a number where text is expected).
    #[error("{field}: {reason}")]
    WrongType { field: String, reason: String },
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized,
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
    Blocked { reason: String, until: NaiveDate },
    #[error("duplicate active appointment")]
    DuplicateActiveAppointment,
    #[error("appointment is {0}")]
    InvalidStatus(&'static str),
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
    #[error("internal error: {0}")]
    Internal(String),
    /// A database error; some (deadlocks) are retried before they reach the client.
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        ApiError::Internal(format!("database pool: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task: {error}"))
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
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Validation(_) | ApiError::WrongType { .. } => "validation_failed",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::NotFound => "not_found",
            ApiError::Unauthorized => "unauthorized",
            ApiError::EmailMismatch => "email_mismatch",
            ApiError::SlotFull => "slot_full",
            ApiError::NoSuchSlot => "no_such_slot",
            ApiError::ServiceNotOffered => "service_not_offered",
            ApiError::OutsideBookingWindow { .. } => "outside_booking_window",
            ApiError::BranchClosed(_) => "branch_closed",
            ApiError::Blocked { .. } => "blocked",
            ApiError::DuplicateActiveAppointment => "duplicate_active_appointment",
            ApiError::InvalidStatus(_) => "invalid_status",
            ApiError::AppointmentStarted => "appointment_started",
            ApiError::ConcurrentChange => "concurrent_change",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyInProgress => "idempotency_in_progress",
            ApiError::InvalidCode { .. } => "invalid_code",
            ApiError::CodeExpired => "code_expired",
            ApiError::TooManyAttempts => "too_many_attempts",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal(_) | ApiError::Database(_) => "internal_error",
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
            | ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) | ApiError::InvalidCode { .. } | ApiError::CodeExpired => {
                StatusCode::BAD_REQUEST
            }
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::EmailMismatch | ApiError::Blocked { .. } => StatusCode::FORBIDDEN,
            ApiError::SlotFull
            | ApiError::DuplicateActiveAppointment
            | ApiError::InvalidStatus(_)
            | ApiError::AppointmentStarted
            | ApiError::ConcurrentChange
            | ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::TooManyAttempts | ApiError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
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
            ApiError::Blocked { reason, until } => (
                pick("Tempahan disekat", "Booking blocked"),
                Some(match lang {
                    Lang::Ms => {
                        format!("Anda disekat daripada membuat tempahan sehingga {until}: {reason}")
                    }
                    Lang::En => format!("You are blocked from booking until {until}: {reason}"),
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
                    Lang::Ms => format!("Status temujanji ini ialah {status}."),
                    Lang::En => format!("This appointment is {status}."),
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
            _ => Vec::new(),
        };
        Problem {
            kind: self.kind().to_owned(),
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
        .map(|e| e.render(lang));
    Ok(match rendered {
        Some(new) => response.into_response(new).map_into_right_body(),
        None => response.map_into_left_body(),
    })
}

/// Turns actix's extractor errors (bad JSON, bad query) into problem+json.
pub fn extractor_error(error: impl std::fmt::Display, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(error.to_string()).into()
}
