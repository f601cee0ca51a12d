//! Creating staff accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::password::{NewPassword, PasswordError};
use crate::audit::{self, AuditAction};
use crate::authz::{Principal, Role};
use crate::db::schema::{branches, staff_users};
use crate::db::{DbConnection, is_unique_violation, savepoint, write_transaction};

/// A username: 3–64 lower-case letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let name = raw.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Username(name))
        } else {
            Err(AccountError::InvalidUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a username has 3 to 64 lower-case letters, digits, '.', '_' or '-'")]
    InvalidUsername,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("an officer or supervisor needs --branch; an administrator has none")]
    BranchForRole,
    #[error("no branch {0}")]
    UnknownBranch(String),
    #[error("the username {0} is taken")]
    Taken(String),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// An account to create.
pub struct NewStaff {
    pub username: Username,
    pub password: NewPassword,
    pub role: Role,
    pub branch: Option<String>,
}

/// Creates the account, audited as done by `by`; returns its id.
pub fn create(
    conn: &mut DbConnection,
    staff: &NewStaff,
    by: &Principal,
    now: NaiveDateTime,
) -> Result<i64, AccountError> {
    if (staff.role == Role::Admin) != staff.branch.is_none() {
        return Err(AccountError::BranchForRole);
    }
    let hash = staff.password.hash()?;
    write_transaction(conn, |conn| {
        if let Some(code) = &staff.branch {
            let known: i64 = branches::table
                .filter(branches::code.eq(code))
                .count()
                .get_result(conn)?;
            if known == 0 {
                return Err(AccountError::UnknownBranch(code.clone()));
            }
        }
        let inserted = savepoint(conn, |conn| {
            diesel::insert_into(staff_users::table)
                .values((
                    staff_users::username.eq(staff.username.as_str()),
                    staff_users::password_hash.eq(&hash),
                    staff_users::role.eq(staff.role),
                    staff_users::branch_code.eq(staff.branch.as_deref()),
                    staff_users::created_at.eq(now),
                    staff_users::updated_at.eq(now),
                ))
                .returning(staff_users::id)
                .get_result::<i64>(conn)
        });
        let id = match inserted {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e, "username") => {
                return Err(AccountError::Taken(staff.username.as_str().to_owned()));
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            conn,
            audit::Entry {
                at: now,
                actor: by,
                action: AuditAction::StaffCreated,
                subject: staff.username.as_str(),
                branch: staff.branch.as_deref(),
                before: None,
                after: Some(serde_json::json!({ "role": staff.role, "branch": staff.branch })),
            },
        )?;
        Ok(id)
    })
}
