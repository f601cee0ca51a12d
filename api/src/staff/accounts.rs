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
    #[error("no such staff account")]
    NotFound,
    #[error("the current password is wrong")]
    WrongPassword,
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

/// A staff account as administrators see it.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = staff_users)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub role: Role,
    #[diesel(column_name = branch_code)]
    pub branch: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "crate::clock::as_utc_opt")]
    pub disabled_at: Option<NaiveDateTime>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::clock::as_utc")]
    pub created_at: NaiveDateTime,
}

/// The account named `username`, if any.
pub fn account(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<StaffAccount>, AccountError> {
    Ok(staff_users::table
        .filter(staff_users::username.eq(username))
        .select(StaffAccount::as_select())
        .first(conn)
        .optional()?)
}

/// Every account, by username.
pub fn list(conn: &mut DbConnection) -> Result<Vec<StaffAccount>, AccountError> {
    Ok(staff_users::table
        .order(staff_users::username)
        .select(StaffAccount::as_select())
        .load(conn)?)
}

/// A change to an account; what is `None` stays.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    /// A new role, with its branch (`None` for an administrator).
    pub role: Option<(Role, Option<String>)>,
    pub disabled: Option<bool>,
}

/// Re-roles, disables or re-enables an account. Any change ends the account's sessions: its
/// next request signs in again, with its new rights.
pub fn update(
    conn: &mut DbConnection,
    username: &str,
    change: &AccountChange,
    by: &Principal,
    now: NaiveDateTime,
) -> Result<StaffAccount, AccountError> {
    if let Some((role, branch)) = &change.role
        && (*role == Role::Admin) != branch.is_none()
    {
        return Err(AccountError::BranchForRole);
    }
    write_transaction(conn, |conn| {
        let before = account(conn, username)?.ok_or(AccountError::NotFound)?;
        if let Some((role, branch)) = &change.role {
            if let Some(code) = branch {
                let known: i64 = branches::table
                    .filter(branches::code.eq(code))
                    .count()
                    .get_result(conn)?;
                if known == 0 {
                    return Err(AccountError::UnknownBranch(code.clone()));
                }
            }
            diesel::update(staff_users::table.find(before.id))
                .set((
                    staff_users::role.eq(*role),
                    staff_users::branch_code.eq(branch.as_deref()),
                    staff_users::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        if let Some(disabled) = change.disabled {
            diesel::update(staff_users::table.find(before.id))
                .set((
                    staff_users::disabled_at.eq(disabled.then_some(now)),
                    staff_users::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        super::sessions::revoke_all(conn, before.id, now)?;
        let after = account(conn, username)?.ok_or(AccountError::NotFound)?;
        audit::record(
            conn,
            audit::Entry {
                at: now,
                actor: by,
                action: AuditAction::StaffUpdated,
                subject: username,
                branch: after.branch.as_deref().or(before.branch.as_deref()),
                before: Some(summary(&before)),
                after: Some(summary(&after)),
            },
        )?;
        Ok(after)
    })
}

/// Changes the member's own password after checking the current one; every session of the
/// account ends, this one included.
pub fn change_password(
    conn: &mut DbConnection,
    staff_id: i64,
    current: &str,
    new: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    let (username, stored): (String, String) = staff_users::table
        .find(staff_id)
        .select((staff_users::username, staff_users::password_hash))
        .first(conn)?;
    if !super::password::verify(current, &stored) {
        return Err(AccountError::WrongPassword);
    }
    let hash = NewPassword::parse(new, &username)?.hash()?;
    write_transaction(conn, |conn| {
        diesel::update(staff_users::table.find(staff_id))
            .set((
                staff_users::password_hash.eq(&hash),
                staff_users::updated_at.eq(now),
            ))
            .execute(conn)?;
        super::sessions::revoke_all(conn, staff_id, now)?;
        Ok(())
    })
}

fn summary(account: &StaffAccount) -> serde_json::Value {
    serde_json::json!({
        "role": account.role,
        "branch": account.branch,
        "disabled": account.disabled_at.is_some(),
    })
}
