//! The client's webhook delivery log.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use temujanji_shared::wire::Problem;
use utoipa::IntoParams;

use super::{PartnerAuth, page_size, parse_cursor};
use crate::partners::Scope;
use crate::problem::ApiError;
use crate::routes::{AppState, with_conn};
use crate::webhooks::{self, DeliveryPage};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub(crate) cursor: Option<String>,
    /// Page size, 1 to 50 (default 50).
    #[param(minimum = 1, maximum = 50)]
    pub(crate) limit: Option<i64>,
}

/// Every webhook sent (or being sent) to this client, newest first: its id, type, status,
/// attempts and the last answer of the receiver.
#[utoipa::path(
    tag = "partners",
    operation_id = "partner_webhook_deliveries",
    params(DeliveriesQuery),
    security(("partner_token" = ["webhooks:read"])),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a bad cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-deliveries")]
pub async fn list(
    state: web::Data<AppState>,
    auth: PartnerAuth,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::WebhooksRead)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let limit = page_size(query.limit, webhooks::PAGE_SIZE, webhooks::PAGE_SIZE)?;
    let partner = auth.client.id;
    let page = with_conn(&state, move |conn, _| {
        webhooks::deliveries(conn, partner, before, limit).map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}
