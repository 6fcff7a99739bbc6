//! Budgets (预算) per programme, year and fund source, and the payments
//! (拨付) drawn on them: rows, queries and the sums the ledger is made of.
//! A payment is reversed, never deleted.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema_subsidies::{
    subsidy_applications as apps, subsidy_budgets as budgets, subsidy_entitlements as ents,
    subsidy_payments as pays,
};
use super::{Conn, StorageError};
use crate::domain::SubsidyStatus;

/// One budget line's key: programme, year and fund source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub programme: String,
    pub year: i32,
    pub fund_source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = budgets)]
pub struct Budget {
    pub programme: String,
    pub year: i32,
    pub fund_source: String,
    pub amount_cents: i64,
    pub set_by: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub set_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = pays)]
pub struct Payment {
    pub id: i64,
    pub application_id: i64,
    pub programme: String,
    pub budget_year: i32,
    pub fund_source: String,
    #[schema(value_type = String, format = Date)]
    pub paid_on: NaiveDate,
    pub amount_cents: i64,
    /// The finance office's voucher number (凭证号), used once.
    pub voucher: String,
    pub recorded_by: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub recorded_at: NaiveDateTime,
    /// A reversed payment counts for nothing; it stays with who, when and why.
    pub reversed_by: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub reversed_at: Option<NaiveDateTime>,
    pub reverse_reason: Option<String>,
}

/// The budget line, locked until the transaction ends so that approvals
/// and payments drawing on it queue (PostgreSQL `FOR UPDATE`; SQLite's
/// write transactions are serialised already).
pub fn budget_locked(conn: &mut Conn, line: &Line) -> Result<Option<Budget>, StorageError> {
    let key = (
        line.programme.as_str(),
        line.year,
        line.fund_source.as_str(),
    );
    Ok(super::first_locked!(
        conn,
        budgets::table.find(key).select(Budget::as_select())
    )?)
}

pub fn budgets(conn: &mut Conn) -> Result<Vec<Budget>, StorageError> {
    Ok(budgets::table
        .order((
            budgets::year.desc(),
            budgets::programme,
            budgets::fund_source,
        ))
        .select(Budget::as_select())
        .load(conn)?)
}

/// Sets a line's budget (new or changed).
pub fn set_budget(
    conn: &mut Conn,
    line: &Line,
    amount_cents: i64,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    let key = (
        line.programme.as_str(),
        line.year,
        line.fund_source.as_str(),
    );
    let changed = diesel::update(budgets::table.find(key))
        .set((
            budgets::amount_cents.eq(amount_cents),
            budgets::set_by.eq(by),
            budgets::set_at.eq(at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(budgets::table)
            .values((
                budgets::programme.eq(&line.programme),
                budgets::year.eq(line.year),
                budgets::fund_source.eq(&line.fund_source),
                budgets::amount_cents.eq(amount_cents),
                budgets::set_by.eq(by),
                budgets::set_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What is committed (approved) on each line, or on `only` that line: the
/// approved applications' amounts.
pub fn committed(
    conn: &mut Conn,
    only: Option<&Line>,
) -> Result<BTreeMap<Line, i64>, StorageError> {
    type Approved = (String, Option<i32>, Option<String>, Option<i64>);
    let mut q = apps::table
        .inner_join(ents::table)
        .filter(apps::status.eq(SubsidyStatus::Approved))
        .select((
            ents::programme,
            apps::budget_year,
            apps::fund_source,
            apps::approved_cents,
        ))
        .into_boxed();
    if let Some(l) = only {
        q = q
            .filter(ents::programme.eq(l.programme.clone()))
            .filter(apps::budget_year.eq(l.year))
            .filter(apps::fund_source.eq(l.fund_source.clone()));
    }
    let rows: Vec<Approved> = q.load(conn)?;
    let mut out = BTreeMap::new();
    for (programme, year, fund, cents) in rows {
        let (Some(year), Some(fund_source), Some(cents)) = (year, fund, cents) else {
            return Err(StorageError::Corrupt(
                "an approved application without its budget line or amount".into(),
            ));
        };
        *out.entry(Line {
            programme,
            year,
            fund_source,
        })
        .or_insert(0) += cents;
    }
    Ok(out)
}

/// What is paid on each line, or on `only` that line: the payments not reversed.
pub fn paid(conn: &mut Conn, only: Option<&Line>) -> Result<BTreeMap<Line, i64>, StorageError> {
    let mut q = pays::table
        .filter(pays::reversed_at.is_null())
        .select((
            pays::programme,
            pays::budget_year,
            pays::fund_source,
            pays::amount_cents,
        ))
        .into_boxed();
    if let Some(l) = only {
        q = q
            .filter(pays::programme.eq(l.programme.clone()))
            .filter(pays::budget_year.eq(l.year))
            .filter(pays::fund_source.eq(l.fund_source.clone()));
    }
    let rows: Vec<(String, i32, String, i64)> = q.load(conn)?;
    let mut out = BTreeMap::new();
    for (programme, year, fund_source, cents) in rows {
        *out.entry(Line {
            programme,
            year,
            fund_source,
        })
        .or_insert(0) += cents;
    }
    Ok(out)
}

/// The payments of one application, in order, reversed ones included.
pub fn of_application(conn: &mut Conn, application_id: i64) -> Result<Vec<Payment>, StorageError> {
    Ok(pays::table
        .filter(pays::application_id.eq(application_id))
        .order(pays::id)
        .select(Payment::as_select())
        .load(conn)?)
}

/// The payments of many applications, oldest first.
pub fn of_applications(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Payment>, StorageError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            pays::table
                .filter(pays::application_id.eq_any(chunk))
                .order(pays::id)
                .select(Payment::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// What `payments` paid: those not reversed.
pub fn live_total(payments: &[Payment]) -> i64 {
    payments
        .iter()
        .filter(|p| p.reversed_at.is_none())
        .map(|p| p.amount_cents)
        .sum()
}

/// Every payment, newest first; of one company's applications when given.
pub fn list(conn: &mut Conn, company: Option<&str>) -> Result<Vec<Payment>, StorageError> {
    let mut q = pays::table
        .inner_join(apps::table)
        .select(Payment::as_select())
        .order(pays::id.desc())
        .into_boxed();
    if let Some(c) = company {
        q = q.filter(apps::company_code.eq(c.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn payment_locked(conn: &mut Conn, id: i64) -> Result<Option<Payment>, StorageError> {
    Ok(super::first_locked!(
        conn,
        pays::table.find(id).select(Payment::as_select())
    )?)
}

pub fn voucher_used(conn: &mut Conn, voucher: &str) -> Result<bool, StorageError> {
    Ok(diesel::select(diesel::dsl::exists(
        pays::table.filter(pays::voucher.eq(voucher)),
    ))
    .get_result(conn)?)
}

pub struct NewPayment<'a> {
    pub application_id: i64,
    pub line: &'a Line,
    pub paid_on: NaiveDate,
    pub amount_cents: i64,
    pub voucher: &'a str,
    pub recorded_by: &'a str,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut Conn, new: &NewPayment<'_>) -> Result<Payment, StorageError> {
    let id: i64 = diesel::insert_into(pays::table)
        .values((
            pays::application_id.eq(new.application_id),
            pays::programme.eq(&new.line.programme),
            pays::budget_year.eq(new.line.year),
            pays::fund_source.eq(&new.line.fund_source),
            pays::paid_on.eq(new.paid_on),
            pays::amount_cents.eq(new.amount_cents),
            pays::voucher.eq(new.voucher),
            pays::recorded_by.eq(new.recorded_by),
            pays::recorded_at.eq(new.recorded_at),
        ))
        .returning(pays::id)
        .get_result(conn)?;
    Ok(pays::table
        .find(id)
        .select(Payment::as_select())
        .first(conn)?)
}

pub fn reverse(
    conn: &mut Conn,
    id: i64,
    by: &str,
    at: NaiveDateTime,
    reason: &str,
) -> Result<(), StorageError> {
    diesel::update(pays::table.find(id))
        .set((
            pays::reversed_by.eq(by),
            pays::reversed_at.eq(at),
            pays::reverse_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// Company names by code, for the codes given.
pub fn company_names(
    conn: &mut Conn,
    codes: &[&str],
) -> Result<BTreeMap<String, String>, StorageError> {
    use super::schema::companies;
    let mut out = BTreeMap::new();
    for chunk in codes.chunks(500) {
        let rows: Vec<(String, String)> = companies::table
            .filter(companies::company_code.eq_any(chunk))
            .select((companies::company_code, companies::name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
