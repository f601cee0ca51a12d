//! The administrative commands of the `temujanji` binary (besides serving):
//!
//! `temujanji staff create --username U --role officer|supervisor|admin [--branch CODE]`
//! creates a staff account, the first administrator included. The password is read from
//! standard input (hidden when it is a terminal), never from an argument, so it stays out of
//! shell history and process lists.

use std::io::{BufRead, IsTerminal};

use crate::authz::{Principal, Role};
use crate::config::Config;
use crate::staff::accounts::Username;
use crate::staff::password::NewPassword;
use crate::staff::{self, NewStaff};
use crate::{clock, db, seed};

pub const USAGE: &str = "usage: temujanji                 serve (configured by the environment)\n       \
     temujanji staff create --username U --role officer|supervisor|admin [--branch CODE]\n       \
     (the password is read from standard input)";

/// A command other than serving, or `None` to serve.
pub enum Command {
    CreateStaff {
        username: String,
        role: Role,
        branch: Option<String>,
    },
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

/// Runs `command` against the configured database (migrated and seeded first); returns what
/// to print.
pub fn run(command: Command, config: &Config) -> Result<String, String> {
    match command {
        Command::CreateStaff {
            username,
            role,
            branch,
        } => {
            let username = Username::parse(&username).map_err(|e| e.to_string())?;
            let password = read_password()?;
            let password =
                NewPassword::parse(&password, username.as_str()).map_err(|e| e.to_string())?;
            let pool = db::connect(&config.database, 1)?;
            let mut conn = pool
                .get()
                .map_err(|e| format!("cannot get a database connection: {e}"))?;
            db::migrate_and(&mut conn, seed::seed_if_empty)?;
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
