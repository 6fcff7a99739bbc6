//! Issued credit reports: which company, which published run, when and by
//! whom, and the verification code printed on the paper.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::credit_reports;
use super::{Conn, StorageError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = credit_reports)]
pub struct CreditReport {
    pub id: i64,
    pub verify_code: String,
    pub company_code: String,
    pub run_id: i64,
    pub issued_at: NaiveDateTime,
    pub issued_by: String,
}

/// The report of `company` on `run`, if one was issued.
pub fn of_run(
    conn: &mut Conn,
    company: &str,
    run_id: i64,
) -> Result<Option<CreditReport>, StorageError> {
    Ok(credit_reports::table
        .filter(credit_reports::company_code.eq(company))
        .filter(credit_reports::run_id.eq(run_id))
        .select(CreditReport::as_select())
        .first(conn)
        .optional()?)
}

/// The report a verification code belongs to.
pub fn by_code(conn: &mut Conn, verify_code: &str) -> Result<Option<CreditReport>, StorageError> {
    Ok(credit_reports::table
        .filter(credit_reports::verify_code.eq(verify_code))
        .select(CreditReport::as_select())
        .first(conn)
        .optional()?)
}

/// Records a new report.
pub fn insert(
    conn: &mut Conn,
    verify_code: &str,
    company: &str,
    run_id: i64,
    at: NaiveDateTime,
    by: &str,
) -> Result<CreditReport, StorageError> {
    let id: i64 = diesel::insert_into(credit_reports::table)
        .values((
            credit_reports::verify_code.eq(verify_code),
            credit_reports::company_code.eq(company),
            credit_reports::run_id.eq(run_id),
            credit_reports::issued_at.eq(at),
            credit_reports::issued_by.eq(by),
        ))
        .returning(credit_reports::id)
        .get_result(conn)?;
    Ok(credit_reports::table
        .find(id)
        .select(CreditReport::as_select())
        .first(conn)?)
}
