//! How the domain's words are stored: as their text spelling, read back
//! through `FromStr`, so a value this version does not know is a
//! deserialisation error naming it, never a default. One generic codec
//! serves both backends (and diesel's multi-backend connection).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::{
    AppealStatus, BaseCondition, Decision, ImportKind, ListPlacement, NotificationEvent,
    RecordKind, RepairStatus, RoleName, RunStatus, SubsidyStatus,
};

macro_rules! text_codec {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB> FromSql<Text, DB> for $t
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                text.parse().map_err(|_| {
                    format!("unknown {} {text:?} in the database", stringify!($t)).into()
                })
            }
        }

        impl<DB> ToSql<Text, DB> for $t
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    )+};
}

text_codec!(
    RoleName,
    RunStatus,
    AppealStatus,
    RepairStatus,
    SubsidyStatus,
    BaseCondition,
    NotificationEvent,
    RecordKind,
    Decision,
    ListPlacement,
    ImportKind
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use crate::domain::RunStatus;

    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        status: RunStatus,
    }

    #[test]
    fn a_word_the_database_holds_reads_back_and_an_unknown_one_is_an_error() {
        let Ok(mut conn) = SqliteConnection::establish(":memory:") else {
            panic!("no in-memory SQLite")
        };
        let read = |conn: &mut SqliteConnection, text: &str| {
            diesel::sql_query("SELECT ? AS status")
                .bind::<Text, _>(text)
                .get_result::<Row>(conn)
                .map(|r| r.status)
        };
        assert_eq!(
            read(&mut conn, "published").ok(),
            Some(RunStatus::Published)
        );
        let err = read(&mut conn, "archived").err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|m| m.contains("unknown RunStatus \"archived\"")),
            "{err:?}"
        );
    }
}
