//! Unmet demand: every booking refused because its slot was full is counted per branch,
//! service and day (for the reports), outside the refused booking's transaction, which has
//! rolled back.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::refused_full;
use crate::db::{DbConnection, is_unique_violation, savepoint, write_transaction};

/// Counts one refusal. A failure here is logged, never turned into the applicant's error.
pub(super) fn count_refusal(conn: &mut DbConnection, branch: &str, service: &str, date: NaiveDate) {
    let result = write_transaction(conn, |conn| -> QueryResult<()> {
        let bump = |conn: &mut DbConnection| {
            diesel::update(refused_full::table.find((branch, service, date)))
                .set(refused_full::refusals.eq(refused_full::refusals + 1))
                .execute(conn)
        };
        if bump(conn)? == 1 {
            return Ok(());
        }
        let inserted = savepoint(conn, |conn| {
            diesel::insert_into(refused_full::table)
                .values((
                    refused_full::branch_code.eq(branch),
                    refused_full::service_code.eq(service),
                    refused_full::date.eq(date),
                    refused_full::refusals.eq(1),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => Ok(()),
            // Another refusal created the row first.
            Err(e) if is_unique_violation(&e, "refused_full") => bump(conn).map(drop),
            Err(e) => Err(e),
        }
    });
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot count a refusal for a full slot");
    }
}
