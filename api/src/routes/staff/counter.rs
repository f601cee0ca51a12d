//! The day at the counter: the board, check-in, serving, no-shows, cancelling.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use temujanji_shared::ValidationError;
use temujanji_shared::codes::BranchCode;
use temujanji_shared::form::FieldIssue;
use temujanji_shared::reference::Reference;
use temujanji_shared::staff::{
    CallNextForm, CheckInForm, DayBoard, Queue, ServeForm, StaffAppointment, StaffCancelForm,
};
use temujanji_shared::wire::Problem;
use utoipa::IntoParams;

use super::private;
use crate::auth::staff::StaffAuth;
use crate::booking::queue::Counter;
use crate::booking::{self, CheckIn, Payment, PaymentIssue};
use crate::clock;
use crate::problem::ApiError;
use crate::routes::appointments::{context, reference};
use crate::routes::catalog::query_date;
use crate::routes::json::JsonBody;
use crate::routes::{AppState, with_conn};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The day (`YYYY-MM-DD`); default today (Malaysian time).
    date: Option<String>,
}

/// The branch's day: appointments by slot with their status, and the counts. The board
/// refreshes itself every 30 seconds.
#[utoipa::path(
    tag = "staff",
    params(("branch" = String, Path, description = "Branch code"), DayQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = DayBoard),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another branch's day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/branches/{branch}/day")]
pub async fn day(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchCode::parse(&path).map_err(|_| ApiError::NotFound)?;
    let date = query_date("date", query.date.as_deref())?.unwrap_or_else(clock::today);
    let principal = staff.principal();
    let board = with_conn(&state, move |conn, _| {
        booking::day(conn, branch.as_str(), date, &principal)
    })
    .await?;
    Ok(private(&board))
}

/// Checks an applicant in by the slip's QR text or the typed reference: today's appointment
/// at the officer's branch. The answer has the applicant's details to compare with their
/// documents (R8) and `late` (R4).
#[utoipa::path(
    tag = "staff",
    request_body = CheckInForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such appointment at this branch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`: already checked in, served, cancelled or a no-show", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_qr` (not a genuine slip), `wrong_branch`, `wrong_day` or `validation_failed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/check-ins")]
pub async fn check_in(
    state: web::Data<AppState>,
    staff: StaffAuth,
    form: JsonBody<CheckInForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    // The QR text when there is one; else the typed reference.
    let how = match (
        form.qr.filter(|q| !q.trim().is_empty()),
        form.reference.as_deref().map(str::trim),
    ) {
        (Some(qr), _) => CheckIn::Qr(qr),
        (None, Some(raw)) if !raw.is_empty() => {
            CheckIn::Reference(Reference::parse(raw).map_err(|e| ApiError::field("reference", e))?)
        }
        (None, _) => return Err(ApiError::field("reference", ValidationError::Required)),
    };
    let principal = staff.principal();
    let now = clock::now_utc();
    let checked = with_conn(&state, move |conn, state| {
        booking::check_in(conn, how, &principal, context(state, now))
    })
    .await?;
    Ok(private(&checked))
}

/// An appointment of the caller's branch, with the counter's record.
#[utoipa::path(
    tag = "staff",
    params(("reference" = String, Path, description = "Appointment reference")),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/appointments/{reference}")]
pub async fn get_appointment(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference(&path)?;
    let principal = staff.principal();
    let found = with_conn(&state, move |conn, state| {
        booking::staff_get(
            conn,
            &reference,
            &principal,
            context(state, clock::now_utc()),
        )
    })
    .await?;
    Ok(private(&found))
}

/// Serves a checked-in applicant, recording the card payment (R9).
#[utoipa::path(
    tag = "staff",
    params(("reference" = String, Path, description = "Appointment reference")),
    request_body = ServeForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`: not checked in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: amount or approval code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/appointments/{reference}/serve")]
pub async fn serve(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    form: JsonBody<ServeForm>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference(&path)?;
    let payment = Payment::parse(form.amount_sen, &form.approval_code).map_err(|issues| {
        ApiError::Validation(
            issues
                .into_iter()
                .map(|issue| match issue {
                    PaymentIssue::Amount => FieldIssue {
                        field: "amount_sen",
                        error: ValidationError::InvalidAmount,
                    },
                    PaymentIssue::ApprovalCode => FieldIssue {
                        field: "approval_code",
                        error: ValidationError::InvalidApprovalCode,
                    },
                })
                .collect(),
        )
    })?;
    let principal = staff.principal();
    let now = clock::now_utc();
    let served = with_conn(&state, move |conn, state| {
        booking::serve(conn, &reference, &payment, &principal, context(state, now))
    })
    .await?;
    Ok(private(&served))
}

/// Marks a booked appointment whose time has begun a no-show.
#[utoipa::path(
    tag = "staff",
    params(("reference" = String, Path, description = "Appointment reference")),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`: not booked, or its time has not begun", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/appointments/{reference}/no-show")]
pub async fn no_show(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference(&path)?;
    let principal = staff.principal();
    let now = clock::now_utc();
    let marked = with_conn(&state, move |conn, state| {
        booking::mark_no_show(conn, &reference, &principal, context(state, now))
    })
    .await?;
    Ok(private(&marked))
}

/// Cancels a booked or checked-in appointment (a late arrival, R4), with a reason kept in the
/// audit log; the applicant receives the cancellation e-mail and the seat is freed.
#[utoipa::path(
    operation_id = "staff_cancel_appointment",
    tag = "staff",
    params(("reference" = String, Path, description = "Appointment reference")),
    request_body = StaffCancelForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/appointments/{reference}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    form: JsonBody<StaffCancelForm>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference(&path)?;
    let reason = staff_reason(&form.reason)?;
    let principal = staff.principal();
    let now = clock::now_utc();
    let cancelled = with_conn(&state, move |conn, state| {
        let ctx = context(state, now);
        booking::cancel(conn, &reference, &principal, Some(&reason), None, ctx)?;
        booking::staff_get(conn, &reference, &principal, ctx)
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(private(&cancelled))
}

/// A reason the audit log keeps: 1 to 500 characters.
fn staff_reason(raw: &str) -> Result<String, ApiError> {
    let reason = raw.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::field("reason", ValidationError::Required));
    }
    if reason.chars().count() > 500 {
        return Err(ApiError::field(
            "reason",
            ValidationError::TooLong { max: 500 },
        ));
    }
    Ok(reason)
}

/// Voids a booking made with someone else's identity or made-up data (supervisors and
/// administrators): it is cancelled as fraud and its seat freed, so the identity's real
/// holder can book at once; the e-mail that made it is blocked; it never counts as a strike
/// against the identity. The reason is kept in the audit log.
#[utoipa::path(
    operation_id = "staff_void_appointment",
    tag = "staff",
    params(("reference" = String, Path, description = "Appointment reference")),
    request_body = StaffCancelForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: officers may not void", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_status`: not booked or a no-show", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/appointments/{reference}/void")]
pub async fn void(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    form: JsonBody<StaffCancelForm>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference(&path)?;
    let reason = staff_reason(&form.reason)?;
    let principal = staff.principal();
    let now = clock::now_utc();
    let voided = with_conn(&state, move |conn, state| {
        let ctx = context(state, now);
        booking::void(
            conn,
            &reference,
            &reason,
            state.strikes.block_days,
            &principal,
            ctx,
        )?;
        booking::staff_get(conn, &reference, &principal, ctx)
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(private(&voided))
}

/// The branch's queue: who is checked in and waiting, in arrival order, and the latest calls.
#[utoipa::path(
    tag = "staff",
    params(("branch" = String, Path, description = "Branch code")),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Queue),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/branches/{branch}/queue")]
pub async fn queue(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchCode::parse(&path).map_err(|_| ApiError::NotFound)?;
    let principal = staff.principal();
    let queue = with_conn(&state, move |conn, _| {
        booking::queue::queue(conn, branch.as_str(), clock::today(), &principal)
    })
    .await?;
    Ok(private(&queue))
}

/// Calls the longest-waiting applicant to a counter; `204` when nobody waits.
#[utoipa::path(
    tag = "staff",
    params(("branch" = String, Path, description = "Branch code")),
    request_body = CallNextForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAppointment),
        (status = 204, description = "Nobody is waiting"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: the counter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/branches/{branch}/queue/call-next")]
pub async fn call_next(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    form: JsonBody<CallNextForm>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchCode::parse(&path).map_err(|_| ApiError::NotFound)?;
    let counter = Counter::parse(&form.counter)
        .ok_or_else(|| ApiError::field("counter", ValidationError::InvalidFormat))?;
    let principal = staff.principal();
    let now = clock::now_utc();
    let called = with_conn(&state, move |conn, state| {
        booking::queue::call_next(
            conn,
            branch.as_str(),
            clock::today(),
            &counter,
            &principal,
            context(state, now),
        )
    })
    .await?;
    Ok(match called {
        Some(called) => private(&called),
        None => HttpResponse::NoContent().finish(),
    })
}
