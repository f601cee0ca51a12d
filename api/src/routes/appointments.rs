//! Appointments: book, view, cancel, reschedule. Only the token that owns an appointment (its
//! e-mail) may see or change it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use temujanji_shared::email::EmailAddress;
use temujanji_shared::form::{BookingForm, BookingRequest, RescheduleTarget};
use temujanji_shared::reference::Reference;
use temujanji_shared::wire::{Appointment, Problem, RescheduleForm};

use super::json::JsonBody;
use super::{AppState, with_conn};
use crate::auth::token::VerifiedEmail;
use crate::authz::Principal;
use crate::booking::{self, Context};
use crate::clock;
use crate::events::Fanout;
use crate::idempotency::{Idempotency, IdempotencyKey};
use crate::problem::ApiError;
use crate::proof_of_work::RushGate;
use crate::throttle::Action;

pub(super) fn context(state: &AppState, now: chrono::NaiveDateTime) -> Context<'_> {
    Context {
        qr: &state.qr_key,
        limits: &state.limits,
        fanout: Fanout {
            letters: &state.letters,
            strikes: &state.strikes,
        },
        now,
        rush: None,
    }
}

/// The applicant's `Idempotency-Key` for the request `fingerprint` stands for, if sent.
pub(super) fn idempotency_of(
    req: &HttpRequest,
    email: &EmailAddress,
    fingerprint: &impl serde::Serialize,
) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = IdempotencyKey::parse(value.to_str().unwrap_or_default())?;
    let canonical = serde_json::to_vec(fingerprint)
        .map_err(|e| ApiError::Internal(format!("cannot fingerprint the request: {e}")))?;
    Ok(Some(Idempotency::new(email.as_str(), key, &canonical)))
}

/// The rate limits of booking: the request's network, the applicant's e-mail and the
/// identity booked for.
pub(super) async fn throttle_booking(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    email: &EmailAddress,
    request: &BookingRequest,
) -> Result<(), ApiError> {
    let identity = &request.applicant.identity;
    super::throttle(
        req,
        state,
        Action::Book,
        Some(email.as_str().to_owned()),
        Some(booking::identity_key(
            identity.id_type(),
            identity.nationality(),
            identity.number(),
        )),
    )
    .await
}

pub(super) fn reference(raw: &str) -> Result<Reference, ApiError> {
    Reference::parse(raw).map_err(|_| ApiError::NotFound)
}

/// Books a slot, first come first served (while the service is in rush mode, with a solved
/// challenge as `altcha`). Send an `Idempotency-Key` to retry safely: a retry
/// with the same key and body returns the first answer and takes no second seat.
#[utoipa::path(
    operation_id = "book_appointment",
    tag = "appointments",
    request_body = BookingForm,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Makes retries safe (1–255 visible ASCII characters)")),
    security(("applicant_token" = [])),
    responses(
        (status = 201, body = Appointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`blocked` or `email_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown branch or service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_full`, `duplicate_active_appointment` or `too_many_active_appointments`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `outside_booking_window`, `branch_closed`, `no_such_slot`, `service_not_offered`, `idempotency_key_reused`, or `proof_of_work_failed` (the service is in rush mode: send a newly solved `altcha`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many bookings from this network, e-mail or identity", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appointments")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    form: JsonBody<BookingForm>,
) -> Result<HttpResponse, ApiError> {
    let mut form = form.into_inner();
    // A retry solves a new challenge: the solution is not part of the request a key stands for.
    let altcha = form.altcha.take();
    let idempotency = idempotency_of(&req, &email, &form)?;
    let request = form.parse()?;
    throttle_booking(&req, &state, &email, &request).await?;
    let principal = Principal::Applicant(email);
    let now = clock::now_utc();
    let stored = with_conn(&state, move |conn, state| {
        let rush = RushGate {
            pow: &state.pow,
            altcha: altcha.as_deref(),
        };
        booking::book(
            conn,
            &request,
            &principal,
            booking::Seat::Claim,
            idempotency.as_ref(),
            Context {
                rush: Some(rush),
                ..context(state, now)
            },
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(HttpResponse::Created()
        .content_type(header::ContentType::json())
        .body(stored.body))
}

/// The appointment, for its owner.
#[utoipa::path(
    tag = "appointments",
    params(("reference" = String, Path, description = "Appointment reference, e.g. `7KQ2M-XH4PA`")),
    security(("applicant_token" = [])),
    responses(
        (status = 200, body = Appointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/appointments/{reference}")]
pub async fn get(
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    path: web::Path<String>,
) -> Result<web::Json<Appointment>, ApiError> {
    let reference = reference(&path)?;
    let principal = Principal::Applicant(email);
    let appointment = with_conn(&state, move |conn, state| {
        booking::get(
            conn,
            &reference,
            &principal,
            context(state, clock::now_utc()),
        )
    })
    .await?;
    Ok(web::Json(appointment))
}

/// The appointment slip as an A4 PDF, for its owner.
#[utoipa::path(
    tag = "appointments",
    params(("reference" = String, Path, description = "Appointment reference")),
    security(("applicant_token" = [])),
    responses(
        (status = 200, description = "The slip", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/appointments/{reference}/slip.pdf")]
pub async fn slip(
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    slip_for(&state, reference(&path)?, Principal::Applicant(email)).await
}

/// The slip of `reference` as an A4 PDF, if `principal` may see the appointment.
pub(super) async fn slip_for(
    state: &web::Data<AppState>,
    reference: Reference,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let filename = format!("inline; filename=\"temujanji-{reference}.pdf\"");
    let appointment = with_conn(state, move |conn, state| {
        booking::get(
            conn,
            &reference,
            &principal,
            context(state, clock::now_utc()),
        )
    })
    .await?;
    let pdf = web::block(move || crate::slip::render(&appointment)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_DISPOSITION, filename))
        .body(pdf))
}

/// Cancels the appointment; its seat is free for others at once.
#[utoipa::path(
    operation_id = "cancel_appointment",
    tag = "appointments",
    params(("reference" = String, Path, description = "Appointment reference")),
    security(("applicant_token" = [])),
    responses(
        (status = 200, body = Appointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`: not a booked appointment", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many changes from this network or e-mail", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appointments/{reference}/cancel")]
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    path: web::Path<String>,
) -> Result<web::Json<Appointment>, ApiError> {
    let reference = reference(&path)?;
    super::throttle(
        &req,
        &state,
        Action::Change,
        Some(email.as_str().to_owned()),
        None,
    )
    .await?;
    let principal = Principal::Applicant(email);
    let now = clock::now_utc();
    let appointment = with_conn(&state, move |conn, state| {
        booking::cancel(
            conn,
            &reference,
            &principal,
            None,
            None,
            context(state, now),
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(web::Json(appointment))
}

/// Moves the appointment to another slot of the same branch and service; the old seat is
/// freed in the same transaction.
#[utoipa::path(
    tag = "appointments",
    params(("reference" = String, Path, description = "Appointment reference")),
    request_body = RescheduleForm,
    security(("applicant_token" = [])),
    responses(
        (status = 200, body = Appointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_full`, `invalid_status` or `reschedule_limit_reached`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `outside_booking_window`, `branch_closed`, `no_such_slot`, or `proof_of_work_failed` (the service is in rush mode: send a newly solved `altcha`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many changes from this network or e-mail", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appointments/{reference}/reschedule")]
pub async fn reschedule(
    req: HttpRequest,
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    path: web::Path<String>,
    form: JsonBody<RescheduleForm>,
) -> Result<web::Json<Appointment>, ApiError> {
    let reference = reference(&path)?;
    super::throttle(
        &req,
        &state,
        Action::Change,
        Some(email.as_str().to_owned()),
        None,
    )
    .await?;
    let target = RescheduleTarget::parse(&form)?;
    let altcha = form.into_inner().altcha;
    let principal = Principal::Applicant(email);
    let now = clock::now_utc();
    let appointment = with_conn(&state, move |conn, state| {
        let rush = RushGate {
            pow: &state.pow,
            altcha: altcha.as_deref(),
        };
        booking::reschedule(
            conn,
            &reference,
            &target,
            &principal,
            None,
            Context {
                rush: Some(rush),
                ..context(state, now)
            },
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(web::Json(appointment))
}
