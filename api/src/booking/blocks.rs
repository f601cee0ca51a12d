//! R5: applicants blocked by identity, e-mail or phone. The applicant is told the block's
//! category and end date; the staff's note (`reason`) stays internal.

use chrono::NaiveDate;
use diesel::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::form::BookingRequest;
use temujanji_shared::wire::IdType;

use super::BookingError;
use crate::db::DbConnection;
use crate::db::schema::blocks;

/// Why an applicant is blocked, in words the applicant may read.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum BlockCategory {
    /// Repeated no-shows or late cancellations.
    NoShows,
    /// Holding more appointments than one person needs.
    Hoarding,
    /// Booking with someone else's identity or made-up data.
    Fraud,
    /// Automated booking (bots).
    Automation,
    /// Any other misuse of the service.
    Abuse,
}

impl BlockCategory {
    const ALL: [BlockCategory; 5] = [
        BlockCategory::NoShows,
        BlockCategory::Hoarding,
        BlockCategory::Fraud,
        BlockCategory::Automation,
        BlockCategory::Abuse,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BlockCategory::NoShows => "no_shows",
            BlockCategory::Hoarding => "hoarding",
            BlockCategory::Fraud => "fraud",
            BlockCategory::Automation => "automation",
            BlockCategory::Abuse => "abuse",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == input)
    }

    /// What the applicant is told.
    pub fn describe(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (BlockCategory::NoShows, Lang::Ms) => {
                "tidak hadir atau membatalkan lewat berulang kali"
            }
            (BlockCategory::NoShows, Lang::En) => "repeated no-shows or late cancellations",
            (BlockCategory::Hoarding, Lang::Ms) => "menempah lebih daripada yang diperlukan",
            (BlockCategory::Hoarding, Lang::En) => "holding more appointments than needed",
            (BlockCategory::Fraud, Lang::Ms) => "maklumat tempahan yang palsu",
            (BlockCategory::Fraud, Lang::En) => "false booking details",
            (BlockCategory::Automation, Lang::Ms) => "tempahan automatik",
            (BlockCategory::Automation, Lang::En) => "automated booking",
            (BlockCategory::Abuse, Lang::Ms) => "penyalahgunaan sistem",
            (BlockCategory::Abuse, Lang::En) => "misuse of the system",
        }
    }
}

temujanji_shared::sql_text_enum!(BlockCategory);

/// The identity as one string, for blocks: `mykad:900101145678`, `passport:IDN:A1234567`.
pub fn identity_key(id_type: IdType, nationality: &str, number: &str) -> String {
    match id_type {
        IdType::Mykad => format!("mykad:{number}"),
        IdType::Passport => format!("passport:{nationality}:{number}"),
    }
}

/// Refuses applicants blocked by identity, e-mail or phone until the block's end date.
pub(super) fn check_not_blocked(
    conn: &mut DbConnection,
    request: &BookingRequest,
    today: NaiveDate,
) -> Result<(), BookingError> {
    let applicant = &request.applicant;
    let identity = &applicant.identity;
    let key = identity_key(
        identity.id_type(),
        identity.nationality(),
        identity.number(),
    );
    let block: Option<(BlockCategory, NaiveDate)> = blocks::table
        .filter(blocks::until.ge(today))
        .filter(
            (blocks::kind.eq("identity").and(blocks::value.eq(&key)))
                .or(blocks::kind
                    .eq("email")
                    .and(blocks::value.eq(applicant.email.as_str())))
                .or(blocks::kind
                    .eq("phone")
                    .and(blocks::value.eq(applicant.phone.as_str()))),
        )
        .order(blocks::until.desc())
        .select((blocks::category, blocks::until))
        .first(conn)
        .optional()?;
    match block {
        Some((category, until)) => Err(BookingError::Blocked { category, until }),
        None => Ok(()),
    }
}
