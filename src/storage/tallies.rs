//! Survey responses counted per quarter, community and overall score
//! (`survey_tallies`). The importer changes the counts in the transaction
//! that writes the responses, so a rating reads ~0.5 million counts instead
//! of ~9 million responses; [`verify`] recounts them from the responses and
//! [`rebuild`] recounts them in place, so their exactness can be proved at
//! any time rather than trusted.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::upsert::excluded;

use super::records::StoredRecord;
use super::schema::survey_tallies;
use super::{AnyConnection, Conn, StorageError};
use crate::domain::Period;

/// Changes to the counts, gathered while a file is written and applied once.
#[derive(Debug, Default)]
pub struct TallyDeltas {
    deltas: HashMap<(Period, String, i32), i64>,
}

impl TallyDeltas {
    /// `row` counted once more (`+1`) or once less (`-1`); rows of kinds
    /// that are not counted (all but survey responses) change nothing.
    pub fn count(&mut self, row: &impl StoredRecord, delta: i64) {
        if let Some((day, community, overall)) = row.tally() {
            *self
                .deltas
                .entry((Period::containing(day), community.to_owned(), overall))
                .or_default() += delta;
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = survey_tallies)]
struct TallyRow<'a> {
    period: String,
    community_code: &'a str,
    overall: i32,
    responses: i64,
}

/// PostgreSQL statements of at most this many rows (4 parameters each) stay
/// well under its parameter limit.
const ROWS_PER_STATEMENT: usize = 2_000;

/// Adds the deltas to the stored counts, dropping counts that reach zero.
pub fn apply(conn: &mut Conn, deltas: TallyDeltas) -> Result<(), StorageError> {
    let mut rows: Vec<TallyRow<'_>> = Vec::with_capacity(deltas.deltas.len());
    let mut lowered: BTreeSet<Period> = BTreeSet::new();
    for ((period, community, overall), delta) in &deltas.deltas {
        if *delta == 0 {
            continue;
        }
        if *delta < 0 {
            lowered.insert(*period);
        }
        rows.push(TallyRow {
            period: period.to_string(),
            community_code: community,
            overall: *overall,
            responses: *delta,
        });
    }
    // In key order: fewer pages touched, and the same statements every time.
    rows.sort_unstable_by(|a, b| {
        (&a.period, a.community_code, a.overall).cmp(&(&b.period, b.community_code, b.overall))
    });
    use survey_tallies::dsl as t;
    match conn {
        // SQLite has no multi-row upsert in diesel; one prepared statement
        // run per count is as fast in an embedded database.
        AnyConnection::Sqlite(c) => {
            for row in &rows {
                diesel::insert_into(t::survey_tallies)
                    .values(row)
                    .on_conflict((t::period, t::community_code, t::overall))
                    .do_update()
                    .set(t::responses.eq(t::responses + excluded(t::responses)))
                    .execute(c)?;
            }
        }
        AnyConnection::Pg(c) => {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(t::survey_tallies)
                    .values(chunk)
                    .on_conflict((t::period, t::community_code, t::overall))
                    .do_update()
                    .set(t::responses.eq(t::responses + excluded(t::responses)))
                    .execute(c)?;
            }
        }
    }
    for period in lowered {
        let below_zero: Option<String> = t::survey_tallies
            .filter(t::period.eq(period.to_string()))
            .filter(t::responses.lt(0))
            .select(t::community_code)
            .first(conn)
            .optional()?;
        if let Some(community) = below_zero {
            // Only a count that disagreed with the responses can fall below
            // zero: refuse, so the import rolls back, rather than store it.
            return Err(StorageError::Corrupt(format!(
                "the survey count of {community} in {period} would fall below zero; \
                 run `propcredit verify --repair` to recount the survey counts"
            )));
        }
        diesel::delete(
            t::survey_tallies
                .filter(t::period.eq(period.to_string()))
                .filter(t::responses.eq(0)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The stored counts of `period`, by community and overall score.
pub fn of_period(conn: &mut Conn, period: Period) -> Result<Vec<(String, i32, i64)>, StorageError> {
    use survey_tallies::dsl as t;
    Ok(t::survey_tallies
        .filter(t::period.eq(period.to_string()))
        .select((t::community_code, t::overall, t::responses))
        .order((t::community_code, t::overall))
        .load(conn)?)
}

/// Whether any survey response of `period` is stored.
pub fn any_in(conn: &mut Conn, period: Period) -> Result<bool, StorageError> {
    use survey_tallies::dsl as t;
    Ok(diesel::select(diesel::dsl::exists(
        t::survey_tallies.filter(t::period.eq(period.to_string())),
    ))
    .get_result(conn)?)
}

/// One count that differs from the responses it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub period: String,
    pub community_code: String,
    pub overall: i32,
    /// What survey_tallies holds (0: no row).
    pub stored: i64,
    /// What counting survey_responses gives.
    pub counted: i64,
}

/// What a recount found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub responses: i64,
    pub tallies: usize,
    pub mismatches: Vec<Mismatch>,
}

/// The quarter of `surveyed_on`, written `YYYYQn`, in each dialect.
fn quarter_sql(conn: &Conn) -> &'static str {
    match conn {
        super::AnyConnection::Sqlite(_) => {
            "strftime('%Y', surveyed_on) || 'Q' || ((CAST(strftime('%m', surveyed_on) AS INTEGER) + 2) / 3)"
        }
        super::AnyConnection::Pg(_) => {
            "to_char(surveyed_on, 'YYYY') || 'Q' || extract(quarter FROM surveyed_on)::int"
        }
    }
}

/// Counts the responses again and compares every count with the stored one.
pub fn verify(conn: &mut Conn) -> Result<Verification, StorageError> {
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = Text)]
        period: String,
        #[diesel(sql_type = Text)]
        community_code: String,
        #[diesel(sql_type = Integer)]
        overall: i32,
        #[diesel(sql_type = BigInt)]
        responses: i64,
    }
    let counted: Vec<Counted> = diesel::sql_query(format!(
        "SELECT {q} AS period, community_code, overall, COUNT(*) AS responses \
         FROM survey_responses GROUP BY 1, 2, 3",
        q = quarter_sql(conn)
    ))
    .load(conn)?;
    let stored: Vec<(String, String, i32, i64)> = survey_tallies::table
        .select((
            survey_tallies::period,
            survey_tallies::community_code,
            survey_tallies::overall,
            survey_tallies::responses,
        ))
        .load(conn)?;
    let responses = counted.iter().map(|r| r.responses).sum();
    let tallies = stored.len();
    let mut by_key: HashMap<(String, String, i32), (i64, i64)> = HashMap::new();
    for (p, c, o, n) in stored {
        by_key.entry((p, c, o)).or_default().0 = n;
    }
    for r in counted {
        by_key
            .entry((r.period, r.community_code, r.overall))
            .or_default()
            .1 = r.responses;
    }
    let mut mismatches: Vec<Mismatch> = by_key
        .into_iter()
        .filter(|(_, (stored, counted))| stored != counted)
        .map(
            |((period, community_code, overall), (stored, counted))| Mismatch {
                period,
                community_code,
                overall,
                stored,
                counted,
            },
        )
        .collect();
    mismatches.sort_by(|a, b| {
        (&a.period, &a.community_code, a.overall).cmp(&(&b.period, &b.community_code, b.overall))
    });
    Ok(Verification {
        responses,
        tallies,
        mismatches,
    })
}

/// Replaces every count by a recount of the responses (one transaction).
pub fn rebuild(conn: &mut Conn) -> Result<usize, StorageError> {
    let insert = format!(
        "INSERT INTO survey_tallies (period, community_code, overall, responses) \
         SELECT {q}, community_code, overall, COUNT(*) FROM survey_responses GROUP BY 1, 2, 3",
        q = quarter_sql(conn)
    );
    conn.transaction(|conn| {
        diesel::delete(survey_tallies::table).execute(conn)?;
        Ok(diesel::sql_query(insert).execute(conn)?)
    })
}
