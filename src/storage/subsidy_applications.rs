//! Applications (申报) for subsidy entitlements and their steps — submitted,
//! reviewed (初审), approved (复核) against a budget line, returned (退回) —
//! as rows and queries. The rules of the steps are `service::subsidies`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema_subsidies::{subsidy_applications as apps, subsidy_entitlements as ents};
use super::subsidies::Entitlement;
use super::{Conn, StorageError};
use crate::domain::SubsidyStatus;

/// An application for one entitlement, at whatever step it is.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = apps)]
pub struct SubsidyApplication {
    pub id: i64,
    pub entitlement_id: i64,
    pub company_code: String,
    pub status: SubsidyStatus,
    /// The company's statement (申报说明).
    pub statement: String,
    /// The entitlement when (last) submitted, in cents.
    pub requested_cents: i64,
    pub submitted_by: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub submitted_at: NaiveDateTime,
    /// 初审: the district official, the reason and the amount proposed.
    pub reviewed_by: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub reviewed_at: Option<NaiveDateTime>,
    pub review_reason: Option<String>,
    pub reviewed_cents: Option<i64>,
    /// 复核: the city official, the reason and the amount approved.
    pub approved_by: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub approved_at: Option<NaiveDateTime>,
    pub approve_reason: Option<String>,
    pub approved_cents: Option<i64>,
    /// Why an amount is below the entitlement.
    pub difference_reason: Option<String>,
    /// The budget line the approval commits: year and fund source.
    pub budget_year: Option<i32>,
    pub fund_source: Option<String>,
    /// 退回: who returned it to the company, when and why.
    pub returned_by: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub returned_at: Option<NaiveDateTime>,
    pub return_reason: Option<String>,
}

pub struct NewApplication<'a> {
    pub entitlement_id: i64,
    pub company_code: &'a str,
    pub statement: &'a str,
    pub requested_cents: i64,
    pub submitted_by: &'a str,
    pub submitted_at: NaiveDateTime,
}

pub fn insert_application(conn: &mut Conn, new: &NewApplication<'_>) -> Result<i64, StorageError> {
    Ok(diesel::insert_into(apps::table)
        .values((
            apps::entitlement_id.eq(new.entitlement_id),
            apps::company_code.eq(new.company_code),
            apps::status.eq(SubsidyStatus::Submitted),
            apps::statement.eq(new.statement),
            apps::requested_cents.eq(new.requested_cents),
            apps::submitted_by.eq(new.submitted_by),
            apps::submitted_at.eq(new.submitted_at),
        ))
        .returning(apps::id)
        .get_result(conn)?)
}

/// A returned application submitted again: the earlier steps are cleared
/// (the audit log keeps them).
pub fn resubmit(conn: &mut Conn, id: i64, new: &NewApplication<'_>) -> Result<(), StorageError> {
    diesel::update(apps::table.find(id))
        .set((
            apps::status.eq(SubsidyStatus::Submitted),
            apps::statement.eq(new.statement),
            apps::requested_cents.eq(new.requested_cents),
            apps::submitted_by.eq(new.submitted_by),
            apps::submitted_at.eq(new.submitted_at),
            apps::reviewed_by.eq(None::<String>),
            apps::reviewed_at.eq(None::<NaiveDateTime>),
            apps::review_reason.eq(None::<String>),
            apps::reviewed_cents.eq(None::<i64>),
            apps::difference_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn application(conn: &mut Conn, id: i64) -> Result<Option<SubsidyApplication>, StorageError> {
    Ok(apps::table
        .find(id)
        .select(SubsidyApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The application, locked until the transaction ends so that two steps
/// of it queue (PostgreSQL `FOR UPDATE`; SQLite's write transactions are
/// serialised already).
pub fn application_locked(
    conn: &mut Conn,
    id: i64,
) -> Result<Option<SubsidyApplication>, StorageError> {
    Ok(super::first_locked!(
        conn,
        apps::table.find(id).select(SubsidyApplication::as_select())
    )?)
}

pub fn application_of(
    conn: &mut Conn,
    entitlement_id: i64,
) -> Result<Option<SubsidyApplication>, StorageError> {
    Ok(apps::table
        .filter(apps::entitlement_id.eq(entitlement_id))
        .select(SubsidyApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The application of each of `entitlements` that has one, by entitlement.
pub fn application_ids(
    conn: &mut Conn,
    entitlements: &[i64],
) -> Result<std::collections::BTreeMap<i64, i64>, StorageError> {
    let mut out = std::collections::BTreeMap::new();
    for chunk in entitlements.chunks(500) {
        let rows: Vec<(i64, i64)> = apps::table
            .filter(apps::entitlement_id.eq_any(chunk))
            .select((apps::entitlement_id, apps::id))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Applications with their entitlements, newest first; of one company
/// and/or status.
pub fn applications(
    conn: &mut Conn,
    company: Option<&str>,
    status: Option<SubsidyStatus>,
) -> Result<Vec<(SubsidyApplication, Entitlement)>, StorageError> {
    applications_window(conn, company, status, None)
}

/// `applications`, only `limit` of them after skipping `offset`: one page,
/// read as a page by the database.
pub fn applications_window(
    conn: &mut Conn,
    company: Option<&str>,
    status: Option<SubsidyStatus>,
    window: Option<(i64, i64)>,
) -> Result<Vec<(SubsidyApplication, Entitlement)>, StorageError> {
    let mut q = apps::table
        .inner_join(ents::table)
        .select((SubsidyApplication::as_select(), Entitlement::as_select()))
        .order(apps::id.desc())
        .into_boxed();
    if let Some(c) = company {
        q = q.filter(apps::company_code.eq(c.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(apps::status.eq(s));
    }
    if let Some((offset, limit)) = window {
        q = q.offset(offset).limit(limit);
    }
    Ok(q.load(conn)?)
}

/// How many applications `applications` would give.
pub fn count_applications(
    conn: &mut Conn,
    company: Option<&str>,
    status: Option<SubsidyStatus>,
) -> Result<i64, StorageError> {
    let mut q = apps::table.count().into_boxed();
    if let Some(c) = company {
        q = q.filter(apps::company_code.eq(c.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(apps::status.eq(s));
    }
    Ok(q.get_result(conn)?)
}

/// The district review (初审): reviewed, with the amount it proposes.
pub struct Review<'a> {
    pub by: &'a str,
    pub at: NaiveDateTime,
    pub reason: &'a str,
    pub cents: i64,
    pub difference_reason: Option<&'a str>,
}

pub fn set_reviewed(conn: &mut Conn, id: i64, r: &Review<'_>) -> Result<(), StorageError> {
    diesel::update(apps::table.find(id))
        .set((
            apps::status.eq(SubsidyStatus::Reviewed),
            apps::reviewed_by.eq(r.by),
            apps::reviewed_at.eq(r.at),
            apps::review_reason.eq(r.reason),
            apps::reviewed_cents.eq(r.cents),
            apps::difference_reason.eq(r.difference_reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// The city approval (复核) against a budget line.
pub fn set_approved(
    conn: &mut Conn,
    id: i64,
    r: &Review<'_>,
    year: i32,
    fund_source: &str,
) -> Result<(), StorageError> {
    diesel::update(apps::table.find(id))
        .set((
            apps::status.eq(SubsidyStatus::Approved),
            apps::approved_by.eq(r.by),
            apps::approved_at.eq(r.at),
            apps::approve_reason.eq(r.reason),
            apps::approved_cents.eq(r.cents),
            apps::difference_reason.eq(r.difference_reason),
            apps::budget_year.eq(year),
            apps::fund_source.eq(fund_source),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_returned(
    conn: &mut Conn,
    id: i64,
    by: &str,
    at: NaiveDateTime,
    reason: &str,
) -> Result<(), StorageError> {
    diesel::update(apps::table.find(id))
        .set((
            apps::status.eq(SubsidyStatus::Rejected),
            apps::returned_by.eq(by),
            apps::returned_at.eq(at),
            apps::return_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}
