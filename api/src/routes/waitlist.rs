//! The waitlist of a full day, for applicants: join, list, leave, and book the seat held for
//! an offer. Each place belongs to the verified e-mail that joined; anyone else's is 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use temujanji_shared::form::{BookingForm, WaitlistRequest};
use temujanji_shared::wire::{Appointment, Problem, WaitlistEntry, WaitlistForm};

use super::appointments::{context, idempotency_of, throttle_booking};
use super::json::JsonBody;
use super::{AppState, answer, private, with_conn};
use crate::auth::token::VerifiedEmail;
use crate::authz::Principal;
use crate::booking::{self, Seat, waitlist};
use crate::clock;
use crate::problem::ApiError;
use crate::throttle::Action;

/// Joins the waitlist of a full day (every slot taken). When a seat of that day frees, it is
/// held for the first person waiting for `TEMUJANJI_WAITLIST_OFFER_MINUTES` (30 by default)
/// and offered by e-mail; unclaimed, it passes to the next. Joining a day already waited for
/// returns that place (200).
#[utoipa::path(
    operation_id = "join_waitlist",
    tag = "waitlist",
    request_body = WaitlistForm,
    security(("applicant_token" = [])),
    responses(
        (status = 201, description = "Joined", body = WaitlistEntry),
        (status = 200, description = "Already waiting for this day", body = WaitlistEntry),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`day_not_full` or `too_many_waitlist_places`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `outside_booking_window`, `branch_closed` or `service_not_offered`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many requests from this network or e-mail", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/waitlist")]
pub async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    form: JsonBody<WaitlistForm>,
) -> Result<HttpResponse, ApiError> {
    let request = WaitlistRequest::parse(&form)?;
    super::throttle(
        &req,
        &state,
        Action::Book,
        Some(email.as_str().to_owned()),
        None,
    )
    .await?;
    let network = state.throttle.network_key(super::client_ip(&req, &state));
    let now = clock::now_utc();
    let (entry, created) = with_conn(&state, move |conn, state| {
        waitlist::join(conn, &request, &email, &network, &state.limits, now)
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(answer(status, &entry))
}

/// The days the verified e-mail waits for (waiting or offered a seat), soonest first.
#[utoipa::path(
    operation_id = "list_waitlist",
    tag = "waitlist",
    security(("applicant_token" = [])),
    responses(
        (status = 200, body = Vec<WaitlistEntry>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/waitlist")]
pub async fn list(
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
) -> Result<HttpResponse, ApiError> {
    let now = clock::now_utc();
    let entries = with_conn(&state, move |conn, _| waitlist::list(conn, &email, now)).await?;
    Ok(private(&entries))
}

/// Leaves a waitlist; a seat held for this place passes to the next person at once. Leaving
/// a place that is no longer held changes nothing.
#[utoipa::path(
    operation_id = "leave_waitlist",
    tag = "waitlist",
    params(("id" = i64, Path, description = "The place's id")),
    security(("applicant_token" = [])),
    responses(
        (status = 204, description = "Left"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/waitlist/{id}")]
pub async fn leave(
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = clock::now_utc();
    with_conn(&state, move |conn, state| {
        waitlist::leave(conn, id, &email, context(state, now).offers(), now)
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(HttpResponse::NoContent().finish())
}

/// Books the seat held for this place's offer: the slot in the body must be the offer's, and
/// only the e-mail that joined can take it, once, before the offer expires. Otherwise the same
/// rules as `POST /api/v1/appointments` (no proof of work: the seat is not raced for).
#[utoipa::path(
    operation_id = "book_waitlist_offer",
    tag = "waitlist",
    params(
        ("id" = i64, Path, description = "The place's id (in the offer e-mail's link)"),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Makes retries safe (1–255 visible ASCII characters)"),
    ),
    request_body = BookingForm,
    security(("applicant_token" = [])),
    responses(
        (status = 201, body = Appointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`blocked` or `email_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such place for this e-mail, or an unknown branch or service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`offer_unavailable` (expired, taken or passed on, or another slot), `duplicate_active_appointment`, `identity_unavailable` or `too_many_active_appointments`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `outside_booking_window`, `branch_closed`, `no_such_slot`, `service_not_offered` or `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many bookings from this network, e-mail or identity", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/waitlist/{id}/appointment")]
pub async fn book_offer(
    req: HttpRequest,
    state: web::Data<AppState>,
    VerifiedEmail(email): VerifiedEmail,
    path: web::Path<i64>,
    form: JsonBody<BookingForm>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut form = form.into_inner();
    form.altcha = None;
    let idempotency = idempotency_of(&req, &email, &(id, &form))?;
    let request = form.parse()?;
    throttle_booking(&req, &state, &email, &request).await?;
    let principal = Principal::Applicant(email);
    let now = clock::now_utc();
    let stored = with_conn(&state, move |conn, state| {
        booking::book(
            conn,
            &request,
            &principal,
            Seat::Offer(id),
            idempotency.as_ref(),
            context(state, now),
        )
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .content_type(actix_web::http::header::ContentType::json())
        .body(stored.body))
}
