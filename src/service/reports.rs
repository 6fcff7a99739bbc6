//! Credit reports (信用报告): a company prints its latest published result
//! with a report number and a verification code; anyone holding the paper
//! can check the code at `/verify/{code}`, which shows the company, the
//! quarter, the total, the grade and the issue date — nothing else.
//! One report per company and published run: reprinting shows the same
//! number and code.

use chrono::NaiveDate;

use crate::clock::Clock;
use crate::domain::Period;
use crate::scoring::ResultRow;
use crate::storage::reports::{self, CreditReport};
use crate::storage::{records, runs, Conn, StorageError};

/// The alphabet of verification codes: no 0/O, 1/I/L, so a code read off
/// paper is typed right.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A fresh code of `length` characters from [`ALPHABET`] (5 random bits
/// each), in groups of four: a report's verification code (16 characters,
/// 80 bits) or a repair application's query code (12).
pub(crate) fn new_code(length: usize) -> Result<String, StorageError> {
    let mut bytes = vec![0u8; length];
    getrandom::fill(&mut bytes)
        .map_err(|e| StorageError::Corrupt(format!("no randomness: {e}")))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 31)]))
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// A code as someone typed it: upper case, groups of four.
pub fn normalise(code: &str) -> String {
    let chars: Vec<char> = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The number printed on a report: its quarter and its row.
pub fn report_no(report: &CreditReport, period: Period) -> String {
    format!("XY-{period}-{:06}", report.id)
}

/// A report with the result it certifies.
pub struct IssuedReport {
    pub report: CreditReport,
    pub company_name: String,
    pub result: ResultRow,
}

/// The company's name, its latest published result and that result's run;
/// None when nothing of the company is published.
fn latest_result(
    conn: &mut Conn,
    company: &str,
) -> Result<Option<(String, ResultRow, i64)>, StorageError> {
    let Some(name) = records::company(conn, company)?.map(|c| c.name) else {
        return Ok(None);
    };
    let Some(result) = runs::published_history(conn, company)?.pop() else {
        return Ok(None);
    };
    let run = runs::published_run(conn, result.period)?
        .ok_or_else(|| StorageError::Corrupt(format!("{} has no published run", result.period)))?;
    Ok(Some((name, result, run.id)))
}

/// The report already issued on the company's latest published result, if any.
pub fn current(conn: &mut Conn, company: &str) -> Result<Option<IssuedReport>, StorageError> {
    let Some((company_name, result, run_id)) = latest_result(conn, company)? else {
        return Ok(None);
    };
    Ok(
        reports::of_run(conn, company, run_id)?.map(|report| IssuedReport {
            report,
            company_name,
            result,
        }),
    )
}

/// The report of `company`'s latest published result, issued now if it
/// was not yet; None when nothing of the company is published.
pub fn issue(
    conn: &mut Conn,
    clock: &Clock,
    company: &str,
    actor: &str,
) -> Result<Option<IssuedReport>, StorageError> {
    conn.transaction(|conn| {
        let Some((company_name, result, run_id)) = latest_result(conn, company)? else {
            return Ok(None);
        };
        let report = match reports::of_run(conn, company, run_id)? {
            Some(r) => r,
            None => {
                let code = new_code(16)?;
                reports::insert(conn, &code, company, run_id, clock.now(), actor)?
            }
        };
        Ok(Some(IssuedReport {
            report,
            company_name,
            result,
        }))
    })
}

/// What a genuine code shows, and nothing more.
pub struct Verified {
    pub report_no: String,
    pub company_name: String,
    pub company_code: String,
    pub period: Period,
    pub total: String,
    pub grade: String,
    pub issued_on: NaiveDate,
}

/// The report behind `code`, if it is genuine.
pub fn verify(conn: &mut Conn, code: &str) -> Result<Option<Verified>, StorageError> {
    let Some(report) = reports::by_code(conn, &normalise(code))? else {
        return Ok(None);
    };
    let run = runs::get(conn, report.run_id)?
        .ok_or_else(|| StorageError::Corrupt(format!("report {} has no run", report.id)))?;
    let row = runs::result_of(conn, &run, &report.company_code)?
        .ok_or_else(|| StorageError::Corrupt(format!("report {} has no result", report.id)))?;
    Ok(Some(Verified {
        report_no: report_no(&report, row.period),
        company_name: row.company_name,
        company_code: row.company_code,
        period: row.period,
        total: row.total.to_string(),
        grade: row.grade,
        issued_on: report.issued_at.date(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_unambiguous_and_read_back_however_typed() {
        let code = new_code(16).unwrap();
        assert_eq!(code.len(), 19, "{code}");
        assert!(code
            .chars()
            .all(|c| c == '-' || u8::try_from(c).is_ok_and(|b| ALPHABET.contains(&b))));
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalise(&code.to_lowercase().replace('-', " ")), code);
        assert_ne!(new_code(16).unwrap(), code);
    }
}
