//! The eight kinds of imported data (data.md) as stored rows, with the few
//! operations the importer needs: look up existing rows, insert, update.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};
use compact_str::CompactString;
use diesel::deserialize::{self, FromSql};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::Serialize;

use super::moments::{Day, Moment};
use super::record_keys::{joined_key, KeyPart};
use super::schema::*;
use super::{AnyConnection, Conn, MultiBackend, MultiRawValue};

/// SQLite binds at most 32,766 parameters per statement; 1,000 rows of at most
/// eight columns stays well below that while keeping statements few.
const SQLITE_ROWS_PER_INSERT: usize = 1000;

#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    Identifiable,
    utoipa::ToSchema,
)]
#[diesel(table_name = companies, primary_key(company_code))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Company {
    pub company_code: String,
    pub name: String,
    pub district: String,
    #[diesel(deserialize_as = Day)]
    pub registered_on: NaiveDate,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = communities, primary_key(community_code))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Community {
    pub community_code: String,
    pub name: String,
    pub district: String,
    pub community_type: String,
    pub old_community: bool,
    pub households: i32,
    pub floor_area_m2: Option<f64>,
    /// 基础条件, when given: what tiered subsidy programmes pay by.
    pub base_condition: Option<crate::domain::BaseCondition>,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = contracts, primary_key(community_code, company_code, start_date))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Contract {
    pub community_code: String,
    pub company_code: String,
    #[diesel(deserialize_as = Day)]
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = survey_responses, primary_key(response_id))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct SurveyResponse {
    pub response_id: CompactString,
    pub community_code: CompactString,
    #[diesel(deserialize_as = Day)]
    pub surveyed_on: NaiveDate,
    pub respondent: CompactString,
    pub overall: i32,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = complaints, primary_key(complaint_id))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Complaint {
    pub complaint_id: String,
    pub community_code: String,
    #[diesel(deserialize_as = Moment)]
    pub received_at: NaiveDateTime,
    pub category: String,
    pub substantiated: bool,
    pub resolved_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = fee_rows, primary_key(community_code, period))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct FeeRow {
    pub community_code: String,
    pub period: String,
    pub billed_cents: i64,
    pub collected_cents: i64,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = inspections, primary_key(inspection_id))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Inspection {
    pub inspection_id: String,
    pub community_code: String,
    #[diesel(deserialize_as = Day)]
    pub inspected_on: NaiveDate,
    pub score: f64,
    pub rectification_due: Option<NaiveDate>,
    pub rectified_on: Option<NaiveDate>,
    #[serde(skip)]
    pub batch_id: i64,
}

#[derive(
    Debug, Clone, PartialEq, Serialize, Queryable, Selectable, Insertable, AsChangeset, Identifiable,
)]
#[diesel(table_name = conduct_records, primary_key(record_id))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ConductRecord {
    pub record_id: String,
    pub company_code: String,
    pub code: String,
    #[diesel(deserialize_as = Day)]
    pub occurred_on: NaiveDate,
    pub community_code: Option<String>,
    pub note: Option<String>,
    #[serde(skip)]
    pub batch_id: i64,
}

/// What the importer needs from a stored kind of record.
pub trait StoredRecord: Clone + PartialEq + Serialize + Send + 'static {
    /// The table name, as the audit log names the entity.
    const ENTITY: &'static str;
    /// The columns that make up the key, in order.
    const KEY_COLUMNS: &'static [&'static str];
    /// The key's values, joined by " / " (a one-column key as it is).
    fn key(&self) -> Cow<'_, str>;
    /// The first key column: existing rows are looked up by it.
    fn lookup(&self) -> &str;
    fn set_batch(&mut self, batch_id: i64);
    /// The import batch that wrote the row.
    fn batch(&self) -> i64;
    /// Orders rows by their key, column by column (no key string is built):
    /// a chunk and the rows stored under its keys are matched by merging.
    fn key_cmp(&self, other: &Self) -> std::cmp::Ordering;
    fn fetch_existing(conn: &mut Conn, lookups: &[&str]) -> QueryResult<Vec<Self>>;
    /// Whether the table holds any row at all.
    fn any_stored(conn: &mut Conn) -> QueryResult<bool>;
    /// How many rows the table holds, counting no further than `limit`.
    fn count_up_to(conn: &mut Conn, limit: u64) -> QueryResult<u64>;
    /// Part `part` of `parts` of the table's rows in stored order
    /// (storage::scan), each handed to `each`.
    fn scan_part(
        conn: &mut Conn,
        part: usize,
        parts: usize,
        each: &mut dyn FnMut(Self),
    ) -> QueryResult<()>;
    fn insert_all(conn: &mut Conn, rows: &[Self]) -> QueryResult<usize>;
    fn update_one(conn: &mut Conn, row: &Self) -> QueryResult<usize>;
    /// The survey count (quarter's day, community, overall) this row is part
    /// of: only survey responses are counted (storage::tallies).
    fn tally(&self) -> Option<(NaiveDate, &str, i32)> {
        None
    }
}

macro_rules! stored_record {
    ($ty:ident, $table:ident, lookup: $lookup:ident, key: [$($k:ident),+] $(, tally: $tally:path)?) => {
        impl StoredRecord for $ty {
            const ENTITY: &'static str = stringify!($table);
            const KEY_COLUMNS: &'static [&'static str] = &[$(stringify!($k)),+];

            fn key(&self) -> Cow<'_, str> {
                joined_key([$(KeyPart::part(&self.$k)),+])
            }

            fn lookup(&self) -> &str {
                &self.$lookup
            }

            fn set_batch(&mut self, batch_id: i64) {
                self.batch_id = batch_id;
            }

            fn batch(&self) -> i64 {
                self.batch_id
            }

            fn key_cmp(&self, other: &Self) -> std::cmp::Ordering {
                ($(&self.$k,)+).cmp(&($(&other.$k,)+))
            }

            fn fetch_existing(conn: &mut Conn, lookups: &[&str]) -> QueryResult<Vec<Self>> {
                $table::table
                    .filter($table::$lookup.eq_any(lookups))
                    .select($ty::as_select())
                    .load(conn)
            }

            fn any_stored(conn: &mut Conn) -> QueryResult<bool> {
                diesel::select(diesel::dsl::exists($table::table.select($table::$lookup)))
                    .get_result(conn)
            }

            fn count_up_to(conn: &mut Conn, limit: u64) -> QueryResult<u64> {
                super::scan::count_up_to(conn, stringify!($table), limit)
            }

            fn scan_part(conn: &mut Conn, part: usize, parts: usize, each: &mut dyn FnMut(Self)) -> QueryResult<()> {
                for condition in super::scan::part_conditions(conn, stringify!($table), part, parts)? {
                    let rows = $table::table
                        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&condition))
                        .select($ty::as_select())
                        .load_iter::<Self, diesel::connection::DefaultLoadingMode>(conn)?;
                    for row in rows {
                        each(row?);
                    }
                }
                Ok(())
            }

            fn insert_all(conn: &mut Conn, rows: &[Self]) -> QueryResult<usize> {
                match conn {
                    AnyConnection::Sqlite(c) => {
                        let mut n = 0;
                        for chunk in rows.chunks(SQLITE_ROWS_PER_INSERT) {
                            n += diesel::insert_into($table::table).values(chunk).execute(c)?;
                        }
                        Ok(n)
                    }
                    // COPY in binary format: the fast path for large files.
                    AnyConnection::Pg(c) => diesel::copy_from($table::table).from_insertable(rows).execute(c),
                }
            }

            fn update_one(conn: &mut Conn, row: &Self) -> QueryResult<usize> {
                diesel::update(row).set(row).execute(conn)
            }

            $(fn tally(&self) -> Option<(NaiveDate, &str, i32)> {
                Some($tally(self))
            })?
        }
    };
}

stored_record!(Company, companies, lookup: company_code, key: [company_code]);
stored_record!(Community, communities, lookup: community_code, key: [community_code]);
stored_record!(Contract, contracts, lookup: community_code, key: [community_code, company_code, start_date]);
stored_record!(SurveyResponse, survey_responses, lookup: response_id, key: [response_id], tally: survey_tally);
stored_record!(Complaint, complaints, lookup: complaint_id, key: [complaint_id]);
stored_record!(FeeRow, fee_rows, lookup: community_code, key: [community_code, period]);
stored_record!(Inspection, inspections, lookup: inspection_id, key: [inspection_id]);
stored_record!(ConductRecord, conduct_records, lookup: record_id, key: [record_id]);

fn survey_tally(r: &SurveyResponse) -> (NaiveDate, &str, i32) {
    (r.surveyed_on, r.community_code.as_str(), r.overall)
}

/// Survey responses are read back by the million: their short codes stay
/// inline. The pool's backend reads them as the backend it wraps does.
impl FromSql<Text, MultiBackend> for CompactString {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Text>()
    }
}

/// Every company code in the database.
pub fn company_codes(conn: &mut Conn) -> QueryResult<Vec<String>> {
    companies::table.select(companies::company_code).load(conn)
}

/// Every community code in the database.
pub fn community_codes(conn: &mut Conn) -> QueryResult<Vec<String>> {
    communities::table
        .select(communities::community_code)
        .load(conn)
}

/// Row counts per table, for reports and tests.
pub fn table_counts(conn: &mut Conn) -> QueryResult<Vec<(&'static str, i64)>> {
    macro_rules! count {
        ($t:ident) => {
            (stringify!($t), $t::table.count().get_result::<i64>(conn)?)
        };
    }
    Ok(vec![
        count!(companies),
        count!(communities),
        count!(contracts),
        count!(survey_responses),
        count!(complaints),
        count!(fee_rows),
        count!(inspections),
        count!(conduct_records),
        count!(import_batches),
        count!(audit_log),
    ])
}

/// A conduct record with when it was revoked on appeal and from when it is
/// repaired (信用修复), if it was.
pub type ConductStanding = (
    ConductRecord,
    Option<chrono::NaiveDateTime>,
    Option<NaiveDate>,
);

/// A company's conduct records, revoked and repaired ones included, oldest first.
pub fn conduct_of(conn: &mut Conn, company: &str) -> QueryResult<Vec<ConductStanding>> {
    let rows: Vec<(ConductRecord, Option<chrono::NaiveDateTime>, Option<Day>)> =
        conduct_records::table
            .filter(conduct_records::company_code.eq(company))
            .order((
                conduct_records::occurred_on.asc(),
                conduct_records::record_id.asc(),
            ))
            .select((
                ConductRecord::as_select(),
                conduct_records::revoked_at,
                conduct_records::repaired_from,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(r, revoked, repaired)| (r, revoked, repaired.map(NaiveDate::from)))
        .collect())
}

/// The whole company register (for the server's read cache).
pub fn companies(conn: &mut Conn) -> QueryResult<Vec<Company>> {
    companies::table.select(Company::as_select()).load(conn)
}

pub fn company(conn: &mut Conn, code: &str) -> QueryResult<Option<Company>> {
    companies::table
        .find(code)
        .select(Company::as_select())
        .first(conn)
        .optional()
}

/// The catalogue code of a conduct record.
pub fn conduct_code(conn: &mut Conn, record_id: &str) -> QueryResult<Option<String>> {
    conduct_records::table
        .find(record_id)
        .select(conduct_records::code)
        .first(conn)
        .optional()
}
