//! Partner clients and their webhook deliveries, for administrators: register, list,
//! change (services, branches, webhook URL, limits, disable), rotate the secret, read the
//! delivery log and replay a delivery.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use temujanji_shared::wire::Problem;
use utoipa::ToSchema;

use super::{answer, private};
use crate::auth::staff::StaffAuth;
use crate::authz::{self, Action};
use crate::clock;
use crate::partners::{self, Change, Credentials, NewClient, PartnerSummary};
use crate::problem::ApiError;
use crate::routes::json::JsonBody;
use crate::routes::partners::deliveries::DeliveriesQuery;
use crate::routes::partners::{page_size, parse_cursor};
use crate::routes::{AppState, with_conn};
use crate::webhooks::{self, Delivery, DeliveryPage};

fn admin(staff: &StaffAuth) -> Result<(), ApiError> {
    authz::global(&staff.principal(), Action::ManagePartners).map_err(|_| ApiError::Forbidden)
}

/// Body of `POST /api/v1/staff/partners`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPartnerForm {
    /// 1–100 characters, e.g. `Portal Rekalibrasi`.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Service codes the client may book.
    #[schema(min_items = 1)]
    pub services: Vec<String>,
    /// Branch codes it may book at; absent for every branch.
    #[serde(default)]
    pub branches: Option<Vec<String>>,
    /// Where webhooks go: `https://…` (`http://` only to localhost).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Token bucket refill (default 120).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100000)]
    pub rate_per_minute: Option<i32>,
    /// Token bucket size (default 30).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10000)]
    pub burst: Option<i32>,
}

/// A new client: its secrets are shown here once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPartner {
    pub partner: PartnerSummary,
    pub credentials: Credentials,
}

/// Registers a partner client.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_create_partner",
    request_body = NewPartnerForm,
    security(("staff_token" = [])),
    responses(
        (status = 201, body = CreatedPartner),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/partners")]
pub async fn create(
    state: web::Data<AppState>,
    staff: StaffAuth,
    form: JsonBody<NewPartnerForm>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let form = form.into_inner();
    let new = NewClient {
        name: form.name,
        services: form.services,
        branches: form.branches,
        webhook_url: form.webhook_url,
        rate_per_minute: form
            .rate_per_minute
            .unwrap_or(partners::DEFAULT_RATE_PER_MINUTE),
        burst: form.burst.unwrap_or(partners::DEFAULT_BURST),
    };
    let by = staff.principal();
    let created = with_conn(&state, move |conn, state| {
        partners::create(conn, &new, &state.webhook_keys, &by, clock::now_utc())
    })
    .await?;
    Ok(answer(
        StatusCode::CREATED,
        &CreatedPartner {
            partner: created.0.summary(),
            credentials: created.1,
        },
    ))
}

/// Every partner client.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_list_partners",
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Vec<PartnerSummary>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/partners")]
pub async fn list(state: web::Data<AppState>, staff: StaffAuth) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let all = with_conn(&state, |conn, _| partners::list(conn)).await?;
    Ok(private(&all))
}

/// Body of `PATCH /api/v1/staff/partners/{partner}`; what is absent stays.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartnerChangeForm {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub services: Option<Vec<String>>,
    /// An empty list: every branch.
    #[serde(default)]
    pub branches: Option<Vec<String>>,
    /// An empty string: no webhooks.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// `true` refuses its tokens and new tokens at once; `false` enables it again.
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub rate_per_minute: Option<i32>,
    #[serde(default)]
    pub burst: Option<i32>,
}

/// Changes a client: its services and branches, webhook URL, limits, or disables it.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_update_partner",
    params(("partner" = i64, Path, description = "The client's number (`id` in the list)")),
    request_body = PartnerChangeForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = PartnerSummary),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/staff/partners/{partner}")]
pub async fn update(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<i64>,
    form: JsonBody<PartnerChangeForm>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let form = form.into_inner();
    let change = Change {
        name: form.name,
        services: form.services,
        branches: form
            .branches
            .map(|codes| if codes.is_empty() { None } else { Some(codes) }),
        webhook_url: form.webhook_url.map(|url| {
            if url.trim().is_empty() {
                None
            } else {
                Some(url)
            }
        }),
        disabled: form.disabled,
        rate_per_minute: form.rate_per_minute,
        burst: form.burst,
    };
    let (id, by) = (path.into_inner(), staff.principal());
    let summary = with_conn(&state, move |conn, _| {
        partners::update(conn, id, &change, &by, clock::now_utc())
    })
    .await?;
    Ok(private(&summary))
}

/// A rotated secret: the new one, shown once, and until when the old one still works.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    pub credentials: Credentials,
    /// The previous secret works until then, so the partner can deploy the new one.
    #[serde(serialize_with = "crate::clock::as_utc")]
    pub previous_secret_until: NaiveDateTime,
}

/// Gives the client a new secret; the old one keeps working for the grace period.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_rotate_partner_secret",
    params(("partner" = i64, Path, description = "The client's number")),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = RotatedSecret),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/partners/{partner}/secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let (id, by) = (path.into_inner(), staff.principal());
    let (credentials, until) = with_conn(&state, move |conn, state| {
        partners::rotate_secret(
            conn,
            id,
            state.partner_secret_grace,
            &state.webhook_keys,
            &by,
            clock::now_utc(),
        )
    })
    .await?;
    Ok(private(&RotatedSecret {
        credentials,
        previous_secret_until: until,
    }))
}

/// A client's webhook delivery log, newest first.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_partner_webhook_deliveries",
    params(("partner" = i64, Path, description = "The client's number"), DeliveriesQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/partners/{partner}/webhook-deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<i64>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let limit = page_size(query.limit, webhooks::PAGE_SIZE, webhooks::PAGE_SIZE)?;
    let id = path.into_inner();
    let page = with_conn(&state, move |conn, _| {
        webhooks::deliveries(conn, id, before, limit).map_err(ApiError::from)
    })
    .await?;
    Ok(private(&page))
}

/// Sends a delivery again at once (same id and body, a fresh signature and a new day of
/// retries), e.g. after the partner fixed its receiver.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_replay_webhook",
    params(("event" = String, Path, description = "The delivery's `id` (`webhook-id`)")),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Delivery),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/webhook-deliveries/{event}/replay")]
pub async fn replay(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let (event_id, by) = (path.into_inner(), staff.principal());
    let delivery = with_conn(&state, move |conn, _| {
        webhooks::replay(conn, &event_id, &by, clock::now_utc())
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(private(&delivery))
}
