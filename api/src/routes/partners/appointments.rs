//! A partner's appointments: book on behalf of an applicant (the same rules as the SPA,
//! without the e-mail code), list, read, cancel, reschedule, slip. A partner sees only the
//! appointments it made; any other reference is 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use temujanji_shared::form::{BookingForm, RescheduleTarget};
use temujanji_shared::wire::{Appointment, AppointmentStatus, Problem, RescheduleForm};
use utoipa::{IntoParams, ToSchema};

use super::PartnerAuth;
use super::{page_size, parse_cursor};
use crate::authz::Principal;
use crate::booking::partner::{MAX_PAGE, PartnerFilter};
use crate::booking::{self};
use crate::clock;
use crate::partners::Scope;
use crate::problem::ApiError;
use crate::routes::appointments::{context, reference, slip_for};
use crate::routes::json::JsonBody;
use crate::routes::{AppState, private, with_conn};

/// Books a slot for an applicant. The rules are the SPA's (R1–R10: the booking window, the
/// branch's days and hours, one active appointment per identity per service, blocks); the
/// applicant receives the confirmation e-mail and slip at the e-mail in the form. Only the
/// client's services, at its branches. `Idempotency-Key` is required: a retry with the same
/// key and body returns the first answer and takes no second seat.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_book",
    request_body = BookingForm,
    params(("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,255}$", description = "Required: 1–255 visible ASCII characters, unique per booking; send the same key when you retry")),
    security(("partner_token" = ["appointments:write"])),
    responses(
        (status = 201, body = Appointment),
        (status = 400, description = "`idempotency_key_required` or `bad_request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden` (a service or branch this client may not book), `insufficient_scope` or `blocked`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown branch or service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_full`, `duplicate_active_appointment` (to its holder), `identity_unavailable` (to anyone else), `too_many_active_appointments` or `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `outside_booking_window`, `branch_closed`, `no_such_slot`, `service_not_offered` or `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appointments")]
pub async fn book(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartnerAuth,
    form: JsonBody<BookingForm>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::AppointmentsWrite)?;
    let form = form.into_inner();
    let canonical = serde_json::to_vec(&form)
        .map_err(|e| ApiError::Internal(format!("cannot fingerprint the request: {e}")))?;
    let idempotency = auth.idempotency(&req, "book", &canonical)?;
    let request = form.parse()?;
    let principal = Principal::Partner(auth.client);
    let now = clock::now_utc();
    let stored = with_conn(&state, move |conn, state| {
        booking::book(
            conn,
            &request,
            &principal,
            booking::Seat::Claim,
            Some(&idempotency),
            context(state, now),
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type(header::ContentType::json())
        .body(stored.body))
}

/// Filters of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only appointments in this status.
    status: Option<AppointmentStatus>,
    /// Appointment dates from (inclusive), `YYYY-MM-DD`.
    from: Option<NaiveDate>,
    /// Appointment dates to (inclusive), `YYYY-MM-DD`.
    to: Option<NaiveDate>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// A page of appointments, oldest booking first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentPage {
    items: Vec<Appointment>,
    /// Pass as `cursor` for the next page (opaque); `null` on the last page.
    next_cursor: Option<String>,
}

/// The appointments this client made, filtered, a page at a time.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_list_appointments",
    params(ListQuery),
    security(("partner_token" = ["appointments:read"])),
    responses(
        (status = 200, body = AppointmentPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a bad cursor, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/appointments")]
pub async fn list(
    state: web::Data<AppState>,
    auth: PartnerAuth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::AppointmentsRead)?;
    let query = query.into_inner();
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::InvalidField {
            field: "from",
            reason: "from is after to".into(),
        });
    }
    let limit = page_size(query.limit, 50, MAX_PAGE)?;
    let filter = PartnerFilter {
        status: query.status,
        from: query.from,
        to: query.to,
        after: parse_cursor(query.cursor.as_deref())?,
        limit,
    };
    let client = auth.client;
    let page = with_conn(&state, move |conn, state| {
        booking::partner::made_by(conn, &client, &filter, &state.qr_key)
    })
    .await?;
    Ok(private(&AppointmentPage {
        items: page.items,
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}

/// One appointment this client made.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_get_appointment",
    params(("reference" = String, Path, description = "Appointment reference, e.g. `7KQ2M-XH4PA`")),
    security(("partner_token" = ["appointments:read"])),
    responses(
        (status = 200, body = Appointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an appointment this client made", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/appointments/{reference}")]
pub async fn get(
    state: web::Data<AppState>,
    auth: PartnerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::AppointmentsRead)?;
    let reference = reference(&path)?;
    let principal = Principal::Partner(auth.client);
    let appointment = with_conn(&state, move |conn, state| {
        booking::get(
            conn,
            &reference,
            &principal,
            context(state, clock::now_utc()),
        )
    })
    .await?;
    Ok(private(&appointment))
}

/// The appointment slip as an A4 PDF, to hand to the applicant.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_get_slip",
    params(("reference" = String, Path, description = "Appointment reference")),
    security(("partner_token" = ["appointments:read"])),
    responses(
        (status = 200, description = "The slip", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/appointments/{reference}/slip.pdf")]
pub async fn slip(
    state: web::Data<AppState>,
    auth: PartnerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::AppointmentsRead)?;
    slip_for(&state, reference(&path)?, Principal::Partner(auth.client)).await
}

/// Cancels the appointment; its seat is free at once and the applicant is told by e-mail.
/// `Idempotency-Key` is required: a retry returns the first answer.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_cancel",
    params(
        ("reference" = String, Path, description = "Appointment reference"),
        ("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,255}$", description = "Required: 1–255 visible ASCII characters"),
    ),
    security(("partner_token" = ["appointments:write"])),
    responses(
        (status = 200, body = Appointment),
        (status = 400, description = "`idempotency_key_required`", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`, `appointment_started` or `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appointments/{reference}/cancel")]
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartnerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::AppointmentsWrite)?;
    let reference = reference(&path)?;
    let idempotency = auth.idempotency(&req, "cancel", reference.as_str().as_bytes())?;
    let principal = Principal::Partner(auth.client);
    let now = clock::now_utc();
    let appointment = with_conn(&state, move |conn, state| {
        booking::cancel(
            conn,
            &reference,
            &principal,
            None,
            Some(&idempotency),
            context(state, now),
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(private(&appointment))
}

/// Moves the appointment to another slot of the same branch and service; the old seat is
/// freed in the same transaction and the applicant is told by e-mail. `Idempotency-Key` is
/// required.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_reschedule",
    params(
        ("reference" = String, Path, description = "Appointment reference"),
        ("Idempotency-Key" = String, Header, pattern = r"^[!-~]{1,255}$", description = "Required: 1–255 visible ASCII characters"),
    ),
    request_body = RescheduleForm,
    security(("partner_token" = ["appointments:write"])),
    responses(
        (status = 200, body = Appointment),
        (status = 400, description = "`idempotency_key_required` or `bad_request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_full`, `invalid_status`, `appointment_started`, `concurrent_change`, `reschedule_limit_reached` or `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `outside_booking_window`, `branch_closed`, `no_such_slot` or `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appointments/{reference}/reschedule")]
pub async fn reschedule(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartnerAuth,
    path: web::Path<String>,
    form: JsonBody<RescheduleForm>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::AppointmentsWrite)?;
    let reference = reference(&path)?;
    let canonical = serde_json::to_vec(&*form)
        .map_err(|e| ApiError::Internal(format!("cannot fingerprint the request: {e}")))?;
    let mut fingerprint = reference.as_str().as_bytes().to_vec();
    fingerprint.extend_from_slice(&canonical);
    let idempotency = auth.idempotency(&req, "reschedule", &fingerprint)?;
    let target = RescheduleTarget::parse(&form)?;
    let principal = Principal::Partner(auth.client);
    let now = clock::now_utc();
    let appointment = with_conn(&state, move |conn, state| {
        booking::reschedule(
            conn,
            &reference,
            &target,
            &principal,
            Some(&idempotency),
            context(state, now),
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(private(&appointment))
}
