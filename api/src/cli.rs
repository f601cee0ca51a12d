//! The administrative commands of the `temujanji` binary (besides serving):
//!
//! `temujanji staff create --username U --role officer|supervisor|admin [--branch CODE]`
//! creates a staff account, the first administrator included. The password is read from
//! standard input (hidden when it is a terminal), never from an argument, so it stays out of
//! shell history and process lists.
//!
//! `temujanji partner create --name N --services s1,s2 [--branches b1,b2] [--webhook-url U]
//! [--rate-per-minute N] [--burst N]` registers a partner portal and prints one JSON object
//! `{client_id, client_secret, webhook_secret}`: the secrets are shown this once.
//!
//! `temujanji service rush CODE on|off` turns rush mode of a service on or off (audited): while
//! it is on, an applicant's booking needs a solved proof-of-work challenge.
//! `temujanji service release-delay CODE MINUTES` (0–1440, audited): seats freed by a
//! cancellation or a move come back at a random moment within that many minutes.
//! `temujanji service opens-at CODE HH:MM` (Malaysian time, audited): the day that enters the
//! three-month booking window each day opens at that time instead of midnight.
//! `temujanji service lottery CODE MINUTES HOURS` (audited; MINUTES 0 turns it off): the day
//! that opens each day is drawn by lottery among those who enter its draw within MINUTES of
//! its opening (which must end by 23:59); winners confirm within HOURS (1–168).

use std::io::{BufRead, IsTerminal};

use crate::authz::{Principal, Role};
use crate::catalog::{self, ServiceSetting};
use crate::config::Config;
use crate::partners::{self, NewClient};
use crate::staff::accounts::Username;
use crate::staff::password::NewPassword;
use crate::staff::{self, NewStaff};
use crate::{clock, db, seed};
use temujanji_shared::codes::ServiceCode;

pub const USAGE: &str = "usage: temujanji                 serve (configured by the environment)\n       \
     temujanji staff create --username U --role officer|supervisor|admin [--branch CODE]\n       \
     (the password is read from standard input)\n       \
     temujanji partner create --name N --services s1,s2 [--branches b1,b2] [--webhook-url U] \
     [--rate-per-minute N] [--burst N]\n       \
     temujanji service rush CODE on|off\n       \
     temujanji service release-delay CODE MINUTES\n       \
     temujanji service opens-at CODE HH:MM\n       \
     temujanji service lottery CODE MINUTES HOURS   (MINUTES 0: off)";

/// A command other than serving, or `None` to serve.
pub enum Command {
    CreateStaff {
        username: String,
        role: Role,
        branch: Option<String>,
    },
    CreatePartner(NewClient),
    ChangeService {
        service: ServiceCode,
        setting: ServiceSetting,
    },
}

/// A comma-separated list of codes: services are written in lower case, branches in upper.
fn codes(list: &str, upper: bool) -> Vec<String> {
    list.split(',')
        .map(|c| {
            let c = c.trim();
            if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .filter(|c| !c.is_empty())
        .collect()
}

fn parse_partner(options: &[&str]) -> Result<Command, String> {
    let mut new = NewClient {
        name: String::new(),
        services: Vec::new(),
        branches: None,
        webhook_url: None,
        rate_per_minute: partners::DEFAULT_RATE_PER_MINUTE,
        burst: partners::DEFAULT_BURST,
    };
    let number = |flag: &str, value: &str| -> Result<i32, String> {
        value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))
    };
    let mut rest = options.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match *flag {
            "--name" => new.name = (*value).to_owned(),
            "--services" => new.services = codes(value, false),
            "--branches" => new.branches = Some(codes(value, true)),
            "--webhook-url" => new.webhook_url = Some((*value).to_owned()),
            "--rate-per-minute" => new.rate_per_minute = number(flag, value)?,
            "--burst" => new.burst = number(flag, value)?,
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if new.name.is_empty() {
        return Err(format!("--name is required\n{USAGE}"));
    }
    if new.services.is_empty() {
        return Err(format!("--services is required\n{USAGE}"));
    }
    Ok(Command::CreatePartner(new))
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Option<Command>, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => Ok(None),
        ["staff", "create", options @ ..] => {
            let (mut username, mut role, mut branch) = (None, None, None);
            let mut rest = options.iter();
            while let Some(flag) = rest.next() {
                let value = rest
                    .next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
                match *flag {
                    "--username" => username = Some((*value).to_owned()),
                    "--role" => {
                        role = Some(Role::parse(value).ok_or_else(|| {
                            format!("--role is officer, supervisor or admin, not {value:?}")
                        })?)
                    }
                    "--branch" => branch = Some(value.to_ascii_uppercase()),
                    "--password" => {
                        return Err(
                            "the password is read from standard input, never from an argument"
                                .into(),
                        );
                    }
                    other => return Err(format!("unknown option {other}\n{USAGE}")),
                }
            }
            Ok(Some(Command::CreateStaff {
                username: username.ok_or_else(|| format!("--username is required\n{USAGE}"))?,
                role: role.ok_or_else(|| format!("--role is required\n{USAGE}"))?,
                branch,
            }))
        }
        ["partner", "create", options @ ..] => parse_partner(options).map(Some),
        ["service", "lottery", code, minutes, hours] => {
            let service = ServiceCode::parse(code).map_err(|e| format!("{code:?}: {e}"))?;
            let minutes = minutes
                .parse()
                .ok()
                .filter(|m| (0..=1439).contains(m))
                .ok_or_else(|| format!("the draw's minutes are 0 to 1439, not {minutes:?}"))?;
            let confirm_hours = hours
                .parse()
                .ok()
                .filter(|h| (1..=168).contains(h))
                .ok_or_else(|| format!("the hours to confirm are 1 to 168, not {hours:?}"))?;
            Ok(Some(Command::ChangeService {
                service,
                setting: ServiceSetting::Lottery {
                    minutes,
                    confirm_hours,
                },
            }))
        }
        ["service", what, code, value] => {
            let service = ServiceCode::parse(code).map_err(|e| format!("{code:?}: {e}"))?;
            let setting = match (*what, *value) {
                ("rush", "on") => ServiceSetting::Rush(true),
                ("rush", "off") => ServiceSetting::Rush(false),
                ("rush", other) => {
                    return Err(format!("rush mode is on or off, not {other:?}\n{USAGE}"));
                }
                ("release-delay", minutes) => ServiceSetting::ReleaseDelayMinutes(
                    minutes
                        .parse()
                        .ok()
                        .filter(|m| (0..=1440).contains(m))
                        .ok_or_else(|| {
                            format!("the release delay is 0 to 1440 minutes, not {minutes:?}")
                        })?,
                ),
                ("opens-at", time) => ServiceSetting::OpensAt(
                    chrono::NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| {
                        format!("the opening time is HH:MM (00:00–23:59), not {time:?}")
                    })?,
                ),
                _ => return Err(USAGE.to_owned()),
            };
            Ok(Some(Command::ChangeService { service, setting }))
        }
        _ => Err(USAGE.to_owned()),
    }
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        rpassword::prompt_password("Password (at least 12 characters): ")
            .map_err(|e| format!("cannot read the password: {e}"))?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(password)
}

/// A connection to the configured database, migrated and seeded first.
fn connect(config: &Config) -> Result<db::PooledConnection, String> {
    let pool = db::connect(&config.database, db::PoolSettings::single())?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot get a database connection: {e}"))?;
    db::migrate_and(&mut conn, seed::seed_if_empty)?;
    Ok(conn)
}

/// Runs `command` against the configured database (migrated and seeded first); returns what
/// to print.
pub fn run(command: Command, config: &Config) -> Result<String, String> {
    match command {
        Command::ChangeService { service, setting } => {
            let mut conn = connect(config)?;
            let found = catalog::change_service(
                &mut conn,
                &service,
                setting,
                &Principal::System,
                clock::now_utc(),
            )
            .map_err(|e| e.to_string())?;
            if !found {
                return Err(format!("no service {}", service.as_str()));
            }
            Ok(match setting {
                ServiceSetting::Rush(on) => format!(
                    "rush mode of {} is {}",
                    service.as_str(),
                    if on { "on" } else { "off" }
                ),
                ServiceSetting::ReleaseDelayMinutes(minutes) => format!(
                    "freed seats of {} come back within {minutes} minutes",
                    service.as_str()
                ),
                ServiceSetting::OpensAt(time) => format!(
                    "new days of {} open at {} (Malaysian time)",
                    service.as_str(),
                    time.format("%H:%M")
                ),
                ServiceSetting::Lottery { minutes: 0, .. } => {
                    format!("lottery mode of {} is off", service.as_str())
                }
                ServiceSetting::Lottery {
                    minutes,
                    confirm_hours,
                } => format!(
                    "new days of {} are drawn by lottery {minutes} minutes after they open; winners confirm within {confirm_hours} hours",
                    service.as_str()
                ),
            })
        }
        Command::CreatePartner(new) => {
            let mut conn = connect(config)?;
            let keys = partners::WebhookKeys::new(&config.jwt_secret);
            let (_, credentials) =
                partners::create(&mut conn, &new, &keys, &Principal::System, clock::now_utc())
                    .map_err(|e| e.to_string())?;
            serde_json::to_string(&credentials).map_err(|e| e.to_string())
        }
        Command::CreateStaff {
            username,
            role,
            branch,
        } => {
            let username = Username::parse(&username).map_err(|e| e.to_string())?;
            let password = read_password()?;
            let password =
                NewPassword::parse(&password, username.as_str()).map_err(|e| e.to_string())?;
            let mut conn = connect(config)?;
            let new = NewStaff {
                username,
                password,
                role,
                branch,
            };
            let id = staff::create(&mut conn, &new, &Principal::System, clock::now_utc())
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "created {} {}{} (id {id})",
                new.role.code(),
                new.username.as_str(),
                new.branch
                    .as_deref()
                    .map(|b| format!(" at {b}"))
                    .unwrap_or_default()
            ))
        }
    }
}
