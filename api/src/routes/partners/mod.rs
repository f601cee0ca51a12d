//! Partner routes (`/api/v1/partners/...`), for other government portals: every request
//! carries a partner access token (`partner_token`, from `POST /api/v1/oauth/token`).
//!
//! [`gate`] wraps the whole scope: it checks the token and that its client is still enabled,
//! takes a token from the client's rate-limit bucket (shared by every instance through the
//! database) and adds `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` to the
//! answer, or answers `429` with `Retry-After`. Handlers then get the client through
//! [`PartnerAuth`].

pub mod appointments;
pub mod deliveries;

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use super::{AppState, with_conn};
use crate::auth::staff::bearer;
use crate::authz::PartnerClient;
use crate::clock;
use crate::idempotency::{Idempotency, IdempotencyKey};
use crate::partners::{self, Scope};
use crate::problem::{ApiError, request_lang};
use crate::rate_limit::{self, Decision, Quota};

/// The authenticated partner of a request under the gate.
#[derive(Debug, Clone)]
pub struct PartnerAuth {
    pub client: PartnerClient,
    scopes: Vec<Scope>,
}

impl PartnerAuth {
    /// Refuses a token without `scope` (403 `insufficient_scope`).
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(scope.code()))
        }
    }

    /// The `Idempotency-Key` every partner write must carry, bound to this client and to
    /// the request (`operation` and its canonical body).
    pub fn idempotency(
        &self,
        req: &HttpRequest,
        operation: &str,
        canonical: &[u8],
    ) -> Result<Idempotency, ApiError> {
        let raw = req
            .headers()
            .get("Idempotency-Key")
            .ok_or(ApiError::IdempotencyKeyRequired)?;
        let key = IdempotencyKey::parse(raw.to_str().unwrap_or_default())?;
        let mut fingerprint = operation.as_bytes().to_vec();
        fingerprint.push(0);
        fingerprint.extend_from_slice(canonical);
        Ok(Idempotency::new(
            &format!("partner:{}", self.client.id),
            key,
            &fingerprint,
        ))
    }
}

impl FromRequest for PartnerAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<PartnerAuth>()
                .cloned()
                .ok_or(ApiError::Unauthorized),
        )
    }
}

/// Parses a list's cursor (an opaque position: the last id of the previous page).
pub(crate) fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::InvalidField {
                    field: "cursor",
                    reason: "not a cursor from this list".into(),
                })
        })
        .transpose()
}

/// A list's page size: `default` when absent, else 1 to `max`.
pub(crate) fn page_size(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::InvalidField {
            field: "limit",
            reason: format!("between 1 and {max}"),
        })
    }
}

fn rate_headers(headers: &mut HeaderMap, decision: &Decision) {
    let pairs = [
        ("ratelimit-limit", decision.limit.to_string()),
        ("ratelimit-remaining", decision.remaining.to_string()),
        ("ratelimit-reset", decision.reset_seconds.to_string()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// Documents what [`gate`] adds: `RateLimit-*` on every partner answer once the client is
/// known (not on a `401`, nor on a `503` from the gate itself), and `Retry-After` on a `429`.
pub struct RateLimitHeaders;

impl utoipa::Modify for RateLimitHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ObjectBuilder, RefOr, schema::Type};
        let integer = |description: &str| {
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some(description))
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/partners/") {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if status == "401" || status == "503" {
                        continue;
                    }
                    response.headers.insert(
                        "RateLimit-Limit".to_owned(),
                        integer("Requests the client may make in a burst"),
                    );
                    response.headers.insert(
                        "RateLimit-Remaining".to_owned(),
                        integer("Requests left in the current window"),
                    );
                    response.headers.insert(
                        "RateLimit-Reset".to_owned(),
                        integer("Seconds until the bucket is full again"),
                    );
                    if status == "429" {
                        response
                            .headers
                            .entry("Retry-After".to_owned())
                            .or_insert_with(|| integer("Seconds to wait"));
                    }
                }
            }
        }
    }
}

/// The OpenAPI 3.1 `webhooks` section: what Temujanji POSTs to a partner's webhook URL.
/// utoipa has no builder field for it, so it goes in beside the document's other top-level
/// keys.
pub struct WebhookDocs;

impl utoipa::Modify for WebhookDocs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{
            HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
        };
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::{
            ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, schema::Type,
        };
        let header = |name: &str, description: &str, example: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .examples([example]),
                ))
                .build()
        };
        let operation = OperationBuilder::new()
            .operation_id(Some("appointmentEvent"))
            .tag("partners")
            .summary(Some("A status change of an appointment the partner made"))
            .description(Some(
                "POSTed to the client's webhook URL on every status change (booked, \
                 rescheduled, cancelled, checked in, served, no-show), signed the Standard \
                 Webhooks way: `webhook-signature` is `v1,` and the base64 HMAC-SHA256, keyed \
                 with the `webhook_secret` (base64 after its `whsec_` prefix), of \
                 `{webhook-id}.{webhook-timestamp}.{body}`. Any 2xx answer means delivered; \
                 anything else, or no answer within 10 seconds, is retried with exponential \
                 backoff for 25 hours. A retry carries the same `webhook-id`: use it to drop \
                 duplicates. See docs/PARTNERS.md.",
            ))
            .parameter(header(
                "webhook-id",
                "The event's id, the same on every retry and replay",
                "msg_5f1d3c0a9b8e7d6c5b4a3f2e",
            ))
            .parameter(header(
                "webhook-timestamp",
                "Seconds since the Unix epoch when this attempt was signed; refuse stale ones",
                "1796198400",
            ))
            .parameter(header(
                "webhook-signature",
                "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`",
                "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("WebhookEvent")))
                            .build(),
                    )
                    .build(),
            ))
            .response(
                "2XX",
                ResponseBuilder::new()
                    .description("Received; not sent again")
                    .build(),
            )
            .response(
                "default",
                ResponseBuilder::new()
                    .description("Not received; retried with backoff")
                    .build(),
            );
        let item = PathItem::new(HttpMethod::Post, operation);
        let Ok(item) = serde_json::to_value(item) else {
            return;
        };
        // Keys in one order whether or not another crate turned on serde_json's
        // `preserve_order` (the document must be the same in every build).
        fn sorted(value: serde_json::Value) -> serde_json::Value {
            match value {
                serde_json::Value::Object(map) => {
                    let mut entries: Vec<_> = map.into_iter().collect();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    serde_json::Value::Object(
                        entries.into_iter().map(|(k, v)| (k, sorted(v))).collect(),
                    )
                }
                serde_json::Value::Array(items) => {
                    serde_json::Value::Array(items.into_iter().map(sorted).collect())
                }
                other => other,
            }
        }
        let item = sorted(item);
        openapi
            .extensions
            .get_or_insert_with(Default::default)
            .insert(
                "webhooks".to_owned(),
                serde_json::json!({ "appointmentEvent": item }),
            );
    }
}

/// Middleware of the partner scope (see the module docs).
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refuse = |req: ServiceRequest, error: ApiError| {
        let lang = request_lang(req.request());
        let mut response = error.render(lang);
        if error.status() == actix_web::http::StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"temujanji-partner\""),
            );
        }
        Ok(req.into_response(response))
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return refuse(req, ApiError::Internal("no application state".into()));
    };
    let now = clock::now_utc();
    let verified = match bearer(req.request()).map(|t| state.partner_tokens.verify(&t, now)) {
        Some(Ok(verified)) => verified,
        _ => return refuse(req, ApiError::Unauthorized),
    };
    let client_id = verified.client_id.clone();
    let checked = with_conn(&state, move |conn, _| -> Result<_, ApiError> {
        let Some(row) = partners::live(conn, &client_id)? else {
            return Ok(None);
        };
        let quota = Quota {
            per_minute: u32::try_from(row.rate_per_minute).unwrap_or(1),
            burst: u32::try_from(row.burst).unwrap_or(1),
        };
        let decision = rate_limit::take(
            conn,
            &format!("partner:{}", row.id),
            quota,
            now.and_utc().timestamp_millis(),
        )?;
        Ok(Some((row.principal(), decision)))
    })
    .await;
    let (client, decision) = match checked {
        Ok(Some(found)) => found,
        Ok(None) => return refuse(req, ApiError::Unauthorized),
        Err(e) => {
            // Logged like any 500, answered opaquely.
            let response = e.error_response();
            return Ok(req.into_response(response));
        }
    };
    if !decision.allowed {
        tracing::warn!(partner = client.id, "partner rate limit reached");
        let lang = request_lang(req.request());
        let mut response = ApiError::RateLimited {
            retry_after: decision.retry_after,
        }
        .render(lang);
        rate_headers(response.headers_mut(), &decision);
        return Ok(req.into_response(response));
    }
    req.extensions_mut().insert(PartnerAuth {
        client,
        scopes: verified.scopes,
    });
    let mut response = next.call(req).await?.map_into_boxed_body();
    rate_headers(response.headers_mut(), &decision);
    Ok(response)
}
