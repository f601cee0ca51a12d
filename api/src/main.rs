//! `temujanji`: reads the configuration from the environment and serves until stopped.

use std::process::ExitCode;

use temujanji_api::{Application, Config, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
    telemetry::init();
    let app = match Config::from_env() {
        Ok(config) => Application::build(config).await,
        Err(e) => Err(e.to_string()),
    };
    let app = match app {
        Ok(app) => app,
        Err(reason) => {
            eprintln!("temujanji: {reason}");
            return ExitCode::FAILURE;
        }
    };
    println!("Temujanji listening on http://{}", app.address());
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("temujanji: {e}");
            ExitCode::FAILURE
        }
    }
}
