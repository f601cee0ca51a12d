//! Enums as SQL `TEXT` on any diesel backend (both of the API's), by their codes. A stored
//! value no enum knows is a deserialisation error, never a silent default.

use crate::wire::{AppointmentStatus, IdType};

/// Implements diesel's `ToSql<Text, _>` / `FromSql<Text, _>` for an enum with
/// `fn code(self) -> &'static str` and `fn parse(&str) -> Option<Self>`, on every backend.
/// The enum itself derives `diesel::AsExpression, diesel::FromSqlRow` with
/// `#[diesel(sql_type = diesel::sql_types::Text)]`. The API uses it for its own enums too.
#[macro_export]
macro_rules! sql_text_enum {
    ($ty:ty) => {
        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $ty
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, DB>,
            ) -> ::diesel::serialize::Result {
                self.code().to_sql(out)
            }
        }

        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $ty
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> ::diesel::deserialize::Result<Self> {
                let text = <String as ::diesel::deserialize::FromSql<
                    ::diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                <$ty>::parse(&text)
                    .ok_or_else(|| format!("unknown {} {text:?}", stringify!($ty)).into())
            }
        }
    };
}

sql_text_enum!(AppointmentStatus);
sql_text_enum!(IdType);
sql_text_enum!(crate::wire::WaitlistStatus);
sql_text_enum!(crate::staff::BlockCategory);
