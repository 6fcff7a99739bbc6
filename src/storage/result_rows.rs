//! A run's result row as the `run_results` table stores it (numbers as
//! hundredths, the explanation compact: [`super::explanation_format`]), and
//! back. Rows are read without their explanation (~2 KB each, 43 MB for a
//! province's run): rankings, exports and diffs never need it, and one
//! company's is read on its own.

use diesel::prelude::*;

use super::schema::run_results;
use super::StorageError;
use crate::domain::{Decision, ListPlacement, Period};
use crate::scoring::{Explanation, Fixed2, ResultRow};

/// The stored result row ([`StoredResult`], as read) and the row as a run
/// writes it, with its explanation ([`NewResult`]): one list of columns.
/// The written row is flat, as PostgreSQL's binary COPY wants it.
macro_rules! result_row_structs {
    ($($field:ident: $ty:ty,)+) => {
        #[derive(Debug, Clone, Queryable, Selectable)]
        #[diesel(table_name = run_results)]
        pub(super) struct StoredResult {
            $($field: $ty,)+
        }

        /// A result row with its explanation, as a run writes it.
        #[derive(Debug, Clone, Insertable)]
        #[diesel(table_name = run_results, treat_none_as_default_value = false)]
        pub(super) struct NewResult {
            run_id: i64,
            $($field: $ty,)+
            explanation: Vec<u8>,
        }
    };
}

result_row_structs! {
    company_code: String,
    company_name: String,
    district: String,
    communities: i32,
    households: i64,
    satisfaction: Option<i64>,
    complaint_rate: Option<i64>,
    timely_resolution: Option<i64>,
    fee_collection: Option<i64>,
    inspection: Option<i64>,
    base: i64,
    bonus: i64,
    penalty: i64,
    total: i64,
    grade: String,
    list: ListPlacement,
    rank: i32,
    district_rank: i32,
    decision: Decision,
    credit_score: i64,
    credit_level: String,
    subsidy_cents: i64,
}

/// Rows a run writes per INSERT.
const ROWS_PER_INSERT: usize = 500;

/// Hands the rows of a run, as stored, to `write` a few hundred at a time.
/// Two threads encode the explanations (a province's run: ~43 MB)
/// while `write` stores the chunks they finished, so serialising and
/// storing overlap.
pub(super) fn in_chunks(
    run_id: i64,
    rows: &[ResultRow],
    explanations: &[Explanation],
    mut write: impl FnMut(&[NewResult]) -> Result<(), StorageError>,
) -> Result<(), StorageError> {
    let chunks = rows.len().div_ceil(ROWS_PER_INSERT);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (sender, receiver) =
        std::sync::mpsc::sync_channel::<Result<Vec<NewResult>, StorageError>>(4);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= chunks {
                    break;
                }
                let from = i * ROWS_PER_INSERT;
                let to = (from + ROWS_PER_INSERT).min(rows.len());
                let chunk = rows
                    .get(from..to)
                    .unwrap_or_default()
                    .iter()
                    .zip(explanations.get(from..to).unwrap_or_default())
                    .map(|(r, e)| StoredResult::from_row(run_id, r, e))
                    .collect::<Result<Vec<_>, _>>();
                // The receiver is gone when writing failed: stop.
                if sender.send(chunk).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        for chunk in receiver {
            write(&chunk?)?;
        }
        Ok(())
    })
}

pub(super) fn corrupt(what: String) -> StorageError {
    StorageError::Query(diesel::result::Error::DeserializationError(what.into()))
}

impl StoredResult {
    pub(super) fn from_row(
        run_id: i64,
        row: &ResultRow,
        explanation: &Explanation,
    ) -> Result<NewResult, StorageError> {
        let int = |n: u32| {
            i32::try_from(n).map_err(|_| corrupt(format!("{n} does not fit the results table")))
        };
        Ok(NewResult {
            run_id,
            company_code: row.company_code.clone(),
            company_name: row.company_name.clone(),
            district: row.district.clone(),
            communities: int(row.communities)?,
            households: i64::try_from(row.households).map_err(|_| corrupt("households".into()))?,
            satisfaction: row.satisfaction.map(Fixed2::hundredths),
            complaint_rate: row.complaint_rate.map(Fixed2::hundredths),
            timely_resolution: row.timely_resolution.map(Fixed2::hundredths),
            fee_collection: row.fee_collection.map(Fixed2::hundredths),
            inspection: row.inspection.map(Fixed2::hundredths),
            base: row.base.0,
            bonus: row.bonus.0,
            penalty: row.penalty.0,
            total: row.total.0,
            grade: row.grade.clone(),
            list: row.list,
            rank: int(row.rank)?,
            district_rank: int(row.district_rank)?,
            decision: row.decision,
            credit_score: row.credit_score.0,
            credit_level: row.credit_level.clone(),
            subsidy_cents: row.subsidy.0,
            explanation: super::explanation_format::encode(explanation)?,
        })
    }

    pub(super) fn into_row(self, period: Period) -> Result<ResultRow, StorageError> {
        let fixed = |h: Option<i64>| h.map(Fixed2);
        let uint = |n: i32| u32::try_from(n).map_err(|_| corrupt(format!("negative count {n}")));
        Ok(ResultRow {
            period,
            list: self.list,
            decision: self.decision,
            company_code: self.company_code,
            company_name: self.company_name,
            district: self.district,
            communities: uint(self.communities)?,
            households: u64::try_from(self.households).map_err(|_| corrupt("households".into()))?,
            satisfaction: fixed(self.satisfaction),
            complaint_rate: fixed(self.complaint_rate),
            timely_resolution: fixed(self.timely_resolution),
            fee_collection: fixed(self.fee_collection),
            inspection: fixed(self.inspection),
            base: Fixed2(self.base),
            bonus: Fixed2(self.bonus),
            penalty: Fixed2(self.penalty),
            total: Fixed2(self.total),
            grade: self.grade,
            rank: uint(self.rank)?,
            district_rank: uint(self.district_rank)?,
            credit_score: Fixed2(self.credit_score),
            credit_level: self.credit_level,
            subsidy: Fixed2(self.subsidy_cents),
        })
    }
}
