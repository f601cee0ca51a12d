//! Builds the server from a [`Config`]: pool, migrations, seed, routes, spec, static SPA, and
//! the outbox worker that runs beside it.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, Logger, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::mail::Letters;
use crate::mail::transport::Transport;
use crate::problem;
use crate::routes::{self, AppState};
use crate::worker::Worker;
use crate::{db, seed, spa};

pub struct Application {
    address: SocketAddr,
    server: Server,
    /// Kept so that the pool is closed here, after the workers are gone, not by whichever
    /// worker thread happens to drop the last clone while the process exits.
    state: web::Data<AppState>,
    /// Sends the e-mail in the outbox while the server runs.
    worker: Worker,
}

impl Application {
    /// Connects, migrates, seeds and binds; the server runs once [`Self::run_until_stopped`]
    /// is awaited.
    pub async fn build(config: Config) -> Result<Self, String> {
        let pool = db::connect(&config.database, config.db_pool)?;
        let setup_pool = pool.clone();
        web::block(move || {
            let mut conn = setup_pool
                .get()
                .map_err(|e| format!("cannot get a database connection: {e}"))?;
            db::migrate_and(&mut conn, seed::seed_if_empty)
        })
        .await
        .map_err(|e| format!("database set-up did not finish: {e}"))??;

        let transport = Transport::new(config.smtp_url.as_deref(), &config.mail_dir)?;
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("no local address: {e}"))?;
        let keys = web::Data::new(TokenKeys::new(&config.jwt_secret));
        let public_url = config.public_url.clone().unwrap_or_else(|| {
            if config.smtp_url.is_some() {
                // Real mail with links to a listening address applicants cannot reach.
                tracing::warn!(
                    "TEMUJANJI_SMTP_URL is set but TEMUJANJI_PUBLIC_URL is not: e-mail links \
                     will point at http://{address}"
                );
            }
            format!("http://{address}")
        });
        let state = web::Data::new(AppState {
            pool,
            code_key: crate::auth::codes::code_key(&config.jwt_secret),
            qr_key: crate::qr_payload::QrKey::derive(&config.jwt_secret),
            letters: Letters::new(&public_url)?,
            outbox_wake: crate::state::OutboxWake::default(),
            sessions: crate::staff::Sessions::new(&config.jwt_secret),
            strikes: config.strikes,
            limits: config.limits,
            throttle: crate::throttle::Throttle::new(
                &config.jwt_secret,
                matches!(config.database, crate::db::DatabaseUrl::Postgres(_)),
                config.network_rate_limits,
                config.trusted_proxies.clone(),
            ),
            partner_tokens: crate::partners::tokens::PartnerTokens::new(
                config.partner_keys.clone(),
            ),
            webhook_keys: crate::partners::WebhookKeys::new(&config.jwt_secret),
            partner_secret_grace: config.partner_secret_grace,
            pow: crate::proof_of_work::ProofOfWork::new(
                &config.jwt_secret,
                config.pow_max_number,
                config.pow_ttl,
            ),
        });
        let worker = Worker::new(
            state.clone().into_inner(),
            transport,
            config.outbox,
            config.webhooks,
        );
        let openapi = routes::openapi();
        let static_dir = config.static_dir.clone();
        let kept = state.clone();

        let security = web::Data::new(crate::security_headers::SecurityHeaders::new(
            &config.static_dir,
            config.public_url.as_deref(),
        ));
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(problem::localize))
                .wrap(from_fn(crate::security_headers::add))
                .wrap(Compress::default())
                .wrap(Logger::new("%r %s %b %Dms"))
                .app_data(state.clone())
                .app_data(security.clone())
                .app_data(keys.clone())
                .app_data(web::PayloadConfig::new(routes::json::LIMIT))
                .app_data(web::QueryConfig::default().error_handler(problem::extractor_error))
                .app_data(web::PathConfig::default().error_handler(problem::extractor_error))
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .service(
                    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi.clone()),
                )
                .route("/api/docs", web::get().to(redirect_to_docs))
                .service(web::scope("/api").default_service(web::to(routes::not_found)))
                .configure(|cfg| spa::configure(cfg, &static_dir))
        })
        .listen(listener)
        .map_err(|e| format!("cannot serve on {address}: {e}"))?
        .run();
        Ok(Application {
            address,
            server,
            state: kept,
            worker,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A handle that stops the server (gracefully: requests in flight finish first).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves, with the outbox worker beside the server, until stopped; then stops the worker,
    /// waits for the workers to release the shared state and closes the database pool on this
    /// thread, so no connection is being opened or closed while the process exits.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let server = async {
            let result = self.server.await;
            // Nobody listening means the worker has already returned.
            let _ = stop.send(true);
            result
        };
        let (result, ()) = tokio::join!(server, self.worker.run(stopped));
        let mut state = self.state.into_inner();
        for _ in 0..200 {
            match Arc::try_unwrap(state) {
                Ok(state) => {
                    drop(state);
                    return result;
                }
                Err(shared) => state = shared,
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::warn!("workers still held the database pool two seconds after stopping");
        result
    }
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}
