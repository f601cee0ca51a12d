//! HTTP routes. Each operation is one handler in its own module; [`configure`] registers them
//! and is also where the OpenAPI document is collected, so the published spec and the mounted
//! routes cannot drift apart.

pub(crate) mod appointments;
mod auth;
pub(crate) mod catalog;
mod display;
pub mod json;
mod staff;

use actix_web::App;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

pub use crate::state::AppState;

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
        (name = "staff", description = "Staff sessions and the day at the counter (staff access token)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

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
    }
}

/// Registers API v1.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .service(catalog::list_branches)
            .service(catalog::list_services)
            .service(catalog::get_availability)
            .service(auth::request_code)
            .service(auth::verify_code)
            .service(appointments::create)
            .service(appointments::get)
            .service(appointments::slip)
            .service(appointments::cancel)
            .service(appointments::reschedule)
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
            .default_service(actix_web::web::to(not_found)),
    );
}

/// Unknown paths under the API answer problem+json, never the SPA.
pub async fn not_found() -> Result<actix_web::HttpResponse, crate::problem::ApiError> {
    Err(crate::problem::ApiError::NotFound)
}

/// The OpenAPI document of everything [`configure`] mounts.
pub fn openapi() -> OpenApiDoc {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts()
        .1
}
