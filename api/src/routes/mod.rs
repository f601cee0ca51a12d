//! HTTP routes. Each operation is one handler in its own module; [`configure`] registers them
//! and is also where the OpenAPI document is collected, so the published spec and the mounted
//! routes cannot drift apart.

pub(crate) mod appointments;
mod auth;
pub(crate) mod catalog;
mod display;
pub mod json;
mod oauth;
pub mod partners;
mod staff;
mod waitlist;

use actix_web::App;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

pub use crate::state::AppState;

/// An answer that carries personal data or tokens, so no cache may keep it.
pub(crate) fn private(body: &impl serde::Serialize) -> actix_web::HttpResponse {
    answer(actix_web::http::StatusCode::OK, body)
}

/// [`private`], with another status (`201 Created`).
pub(crate) fn answer(
    status: actix_web::http::StatusCode,
    body: &impl serde::Serialize,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// Runs blocking database work for a handler; the operation's own error becomes the
/// handler's problem here, at the edge.
pub(crate) async fn with_conn<T, E, F>(
    state: &actix_web::web::Data<AppState>,
    f: F,
) -> Result<T, crate::problem::ApiError>
where
    T: Send + 'static,
    E: Into<crate::problem::ApiError> + Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection, &AppState) -> Result<T, E> + Send + 'static,
{
    crate::state::with_conn(state, move |conn, state| f(conn, state).map_err(Into::into)).await
}

/// Takes from the rate limits of `action` (`crate::throttle`) for this request's network and
/// the given e-mail and identity; over any of them, 429 with `Retry-After` and `RateLimit-*`.
/// The client's address as the throttle sees it (see `crate::throttle::Throttle::client_ip`).
pub(crate) fn client_ip(
    req: &actix_web::HttpRequest,
    state: &AppState,
) -> Option<std::net::IpAddr> {
    let forwarded = req
        .headers()
        .get("X-Forwarded-For")
        .and_then(|v| v.to_str().ok());
    state
        .throttle
        .client_ip(req.peer_addr().map(|a| a.ip()), forwarded)
}

pub(crate) async fn throttle(
    req: &actix_web::HttpRequest,
    state: &actix_web::web::Data<AppState>,
    action: crate::throttle::Action,
    email: Option<String>,
    identity: Option<String>,
) -> Result<(), crate::problem::ApiError> {
    let ip = client_ip(req, state);
    let buckets = state
        .throttle
        .buckets(action, ip, email.as_deref(), identity.as_deref());
    if buckets.is_empty() {
        return Ok(());
    }
    let now_ms = crate::clock::now_utc().and_utc().timestamp_millis();
    let outcome = with_conn(state, move |conn, state| {
        state.throttle.take(conn, action, &buckets, now_ms)
    })
    .await?;
    outcome.map_err(|refusal| crate::problem::ApiError::Throttled(refusal.decision))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Temujanji API",
        description = "Online appointments for immigration counters: branches, services, \
                       availability, e-mail verification and bookings. Errors are RFC 9457 \
                       `application/problem+json` with a stable `type`.",
        version = "1.0.0",
        license(name = "MIT"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "catalog", description = "Branches, services and availability"),
        (name = "auth", description = "E-mail verification and applicant tokens"),
        (name = "appointments", description = "Booking, viewing, cancelling and rescheduling"),
        (name = "waitlist", description = "Waiting for a seat on a full day: a freed seat is held for the first person waiting and offered by e-mail"),
        (name = "staff", description = "Staff sessions and the day at the counter (staff access token)"),
        (name = "partners", description = "Partner portals, machine to machine: OAuth 2.0 client credentials, \
            booking on behalf of applicants, webhooks. Every partner write needs an `Idempotency-Key`; every \
            partner answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`. See docs/PARTNERS.md."),
    ),
    components(schemas(
        crate::webhooks::WebhookEvent,
        crate::webhooks::WebhookEventType,
        crate::webhooks::WebhookAppointment
    ))
)]
struct ApiDoc;

struct BearerAuth;

/// Answers any operation may give, documented once here so that none can forget them: `400
/// bad_request` wherever a body, a query or a path value is read and cannot be (malformed
/// JSON, a wrong `Content-Type`, a number that is not one), and `503 service_unavailable`
/// with `Retry-After` everywhere (no database connection free in time).
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let problem = || {
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build()
                };
                let busy = ResponseBuilder::new()
                    .description(
                        "`service_unavailable`: too busy right now; retry after `Retry-After` \
                         seconds",
                    )
                    .header(
                        "Retry-After",
                        utoipa::openapi::header::HeaderBuilder::new()
                            .schema(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::Integer),
                            )
                            .description(Some("Seconds to wait"))
                            .build(),
                    )
                    .content("application/problem+json", problem())
                    .build();
                operation
                    .responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| busy.into());
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                if json_body {
                    let too_large = ResponseBuilder::new()
                        .description(format!(
                            "`content_too_large`: the body is larger than {} bytes",
                            json::LIMIT
                        ))
                        .content("application/problem+json", problem())
                        .build();
                    operation
                        .responses
                        .responses
                        .entry("413".to_owned())
                        .or_insert_with(|| too_large.into());
                }
                let reads_input = operation.request_body.is_some()
                    || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if !reads_input || operation.responses.responses.contains_key("400") {
                    continue;
                }
                let response = ResponseBuilder::new()
                    .description(
                        "`bad_request`: the body, a header, the query or the path cannot be \
                         read (malformed JSON, a wrong `Content-Type`, a value of the wrong type)",
                    )
                    .content("application/problem+json", problem())
                    .build();
                operation
                    .responses
                    .responses
                    .insert("400".to_owned(), response.into());
            }
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "applicant_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A staff access token from `POST /api/v1/staff/session` (15 minutes)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "partner_token",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/api/v1/oauth/token",
                    Scopes::from_iter(
                        crate::partners::Scope::ALL
                            .iter()
                            .map(|s| (s.code(), scope_description(*s))),
                    ),
                ))],
                "OAuth 2.0 client credentials: a 15-minute token of audience `temujanji-partner`",
            )),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("`client_id:client_secret` (RFC 6749 section 2.3.1)"))
                    .build(),
            ),
        );
    }
}

fn scope_description(scope: crate::partners::Scope) -> &'static str {
    use crate::partners::Scope;
    match scope {
        Scope::AppointmentsRead => "Read the client's appointments and slips",
        Scope::AppointmentsWrite => "Book, cancel and reschedule for applicants",
        Scope::WebhooksRead => "Read the client's webhook delivery log",
    }
}

/// Registers API v1.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .service(catalog::list_branches)
            .service(catalog::list_services)
            .service(catalog::get_availability)
            .service(auth::challenge)
            .service(auth::request_code)
            .service(auth::verify_code)
            .service(appointments::create)
            .service(appointments::get)
            .service(appointments::slip)
            .service(appointments::cancel)
            .service(appointments::reschedule)
            .service(waitlist::join)
            .service(waitlist::list)
            .service(waitlist::leave)
            .service(waitlist::book_offer)
            .service(staff::session::login)
            .service(staff::session::refresh)
            .service(staff::session::logout)
            .service(staff::session::me)
            .service(staff::counter::day)
            .service(staff::counter::check_in)
            .service(staff::counter::get_appointment)
            .service(staff::counter::serve)
            .service(staff::counter::no_show)
            .service(staff::counter::cancel)
            .service(staff::counter::void)
            .service(staff::counter::queue)
            .service(staff::counter::call_next)
            .service(display::hall)
            .service(staff::config::get_config)
            .service(staff::config::put_config)
            .service(staff::blocks::list)
            .service(staff::blocks::create)
            .service(staff::blocks::lift)
            .service(staff::reports::audit_log)
            .service(staff::reports::report)
            .service(staff::users::list)
            .service(staff::users::create)
            .service(staff::users::update)
            .service(staff::users::change_password)
            .service(staff::partners::create)
            .service(staff::partners::list)
            .service(staff::partners::update)
            .service(staff::partners::rotate_secret)
            .service(staff::partners::deliveries)
            .service(staff::partners::replay)
            .service(oauth::token)
            .service(
                scope::scope("/partners")
                    .wrap(actix_web::middleware::from_fn(partners::gate))
                    .service(partners::appointments::book)
                    .service(partners::appointments::list)
                    .service(partners::appointments::get)
                    .service(partners::appointments::slip)
                    .service(partners::appointments::cancel)
                    .service(partners::appointments::reschedule)
                    .service(partners::deliveries::list)
                    .default_service(actix_web::web::to(not_found)),
            )
            .default_service(actix_web::web::to(not_found)),
    );
}

/// Unknown paths under the API answer problem+json, never the SPA; a documented path asked
/// with a method it does not have answers 405 with `Allow`.
pub async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, crate::problem::ApiError> {
    match allowed_methods(req.path()) {
        Some(allowed) => Err(crate::problem::ApiError::MethodNotAllowed(allowed)),
        None => Err(crate::problem::ApiError::NotFound),
    }
}

/// The documented paths (segments, `{name}` matching any one) and their methods.
type RouteTable = Vec<(Vec<String>, String)>;

/// The methods the document gives `path`, as an `Allow` value; `None` for an unknown path.
fn allowed_methods(path: &str) -> Option<String> {
    static TABLE: std::sync::OnceLock<RouteTable> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, has)| *has)
                .map(|(method, _)| method)
                .collect::<Vec<_>>()
                .join(", ");
                let segments = template.split('/').map(str::to_owned).collect();
                (segments, methods)
            })
            .collect()
    });
    let asked: Vec<&str> = path.split('/').collect();
    table.iter().find_map(|(segments, methods)| {
        let matches = segments.len() == asked.len()
            && segments.iter().zip(&asked).all(|(template, part)| {
                template == part
                    || (template.starts_with('{') && template.ends_with('}') && !part.is_empty())
            });
        matches.then(|| methods.clone())
    })
}

/// The OpenAPI document of everything [`configure`] mounts.
pub fn openapi() -> OpenApiDoc {
    let mut doc = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts()
        .1;
    // After the routes: it reads their operations.
    CommonAnswers.modify(&mut doc);
    partners::RateLimitHeaders.modify(&mut doc);
    partners::WebhookDocs.modify(&mut doc);
    doc
}
