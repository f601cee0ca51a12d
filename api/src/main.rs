//! `temujanji`: serves until stopped (configured by the environment), or runs one
//! administrative command (`temujanji staff create …`, see `cli`).

use std::process::ExitCode;

use temujanji_api::{Application, Config, cli, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(command) => command,
        Err(reason) => {
            eprintln!("temujanji: {reason}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("temujanji: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(command) = command {
        return match cli::run(command, &config) {
            Ok(done) => {
                println!("{done}");
                ExitCode::SUCCESS
            }
            Err(reason) => {
                eprintln!("temujanji: {reason}");
                ExitCode::FAILURE
            }
        };
    }
    let app = match Application::build(config).await {
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
