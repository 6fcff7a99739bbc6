//! Subsidy entitlements (应补金额) and their changes: rows and queries. The
//! applications for them and their documents are in `subsidy_applications`
//! and `subsidy_documents`, re-exported here.
//! The rules (windows, two reviewers, amounts) are `service::subsidies`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::run_results;
use super::schema_subsidies::{
    subsidy_entitlement_changes as changes, subsidy_entitlements as ents,
};
use super::{Conn, StorageError};

pub use super::subsidy_applications::{
    application, application_ids, application_locked, application_of, applications,
    applications_window, count_applications, insert_application, resubmit, set_approved,
    set_returned, set_reviewed, NewApplication, Review, SubsidyApplication,
};
pub use super::subsidy_documents::{
    add_document, document_content, documents_of, documents_of_many, Document, NewDocument,
};

/// What a company is entitled to from one programme in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = ents)]
pub struct Entitlement {
    pub id: i64,
    pub period: String,
    pub company_code: String,
    pub programme: String,
    /// The published run whose numbers it holds.
    pub run_id: i64,
    /// 应补金额, in cents.
    pub amount_cents: i64,
    /// Communities and households behind the per-household part.
    pub communities: i32,
    pub households: i64,
    /// The run's explanation of the amount (JSON of its subsidy line).
    #[serde(skip)]
    pub detail: String,
    /// The publication that first made it positive: the apply window runs from here.
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub opened_at: NaiveDateTime,
}

/// One amount an entitlement had, and who or what set it.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = changes)]
pub struct EntitlementChange {
    pub id: i64,
    #[serde(skip)]
    pub entitlement_id: i64,
    pub run_id: i64,
    /// None: the first amount.
    pub before_cents: Option<i64>,
    pub after_cents: i64,
    /// Who published the run that changed it.
    pub actor: String,
    /// Why: the run and who started it (an upheld appeal's re-run names its decider).
    pub cause: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub changed_at: NaiveDateTime,
}

/// The companies of a run with a subsidy (their explanations are read by
/// the caller, `runs::explanations_of`).
pub fn subsidised_in(conn: &mut Conn, run_id: i64) -> Result<Vec<String>, StorageError> {
    Ok(run_results::table
        .filter(run_results::run_id.eq(run_id))
        .filter(run_results::subsidy_cents.gt(0))
        .select(run_results::company_code)
        .order(run_results::company_code)
        .load(conn)?)
}

pub fn of_period(conn: &mut Conn, period: &str) -> Result<Vec<Entitlement>, StorageError> {
    Ok(ents::table
        .filter(ents::period.eq(period))
        .order((ents::company_code, ents::programme))
        .select(Entitlement::as_select())
        .load(conn)?)
}

/// Entitlements, newest quarter first; of one company and/or quarter.
pub fn list(
    conn: &mut Conn,
    company: Option<&str>,
    period: Option<&str>,
) -> Result<Vec<Entitlement>, StorageError> {
    let mut q = ents::table
        .select(Entitlement::as_select())
        .order((ents::period.desc(), ents::company_code, ents::programme))
        .into_boxed();
    if let Some(c) = company {
        q = q.filter(ents::company_code.eq(c.to_string()));
    }
    if let Some(p) = period {
        q = q.filter(ents::period.eq(p.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn get(conn: &mut Conn, id: i64) -> Result<Option<Entitlement>, StorageError> {
    Ok(ents::table
        .find(id)
        .select(Entitlement::as_select())
        .first(conn)
        .optional()?)
}

/// The numbers an entitlement is set to.
pub struct Amount<'a> {
    pub run_id: i64,
    pub amount_cents: i64,
    pub communities: i32,
    pub households: i64,
    pub detail: &'a str,
}

/// A new entitlement, as publication records it.
#[derive(Debug, Insertable)]
#[diesel(table_name = ents)]
pub struct NewEntitlement<'a> {
    pub period: &'a str,
    pub company_code: &'a str,
    pub programme: &'a str,
    pub run_id: i64,
    pub amount_cents: i64,
    pub communities: i32,
    pub households: i64,
    pub detail: &'a str,
    pub opened_at: NaiveDateTime,
}

/// Rows per INSERT: nine binds each, well under SQLite's limit.
const CHUNK: usize = 1_000;

/// Writes new entitlements in a few statements (a province's publication
/// records thousands).
pub fn insert_many(conn: &mut Conn, rows: &[NewEntitlement<'_>]) -> Result<(), StorageError> {
    for chunk in rows.chunks(CHUNK) {
        crate::with_conn!(conn, |c| diesel::insert_into(ents::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Moves entitlements whose numbers a later run left as they were to that run.
pub fn set_run(conn: &mut Conn, ids: &[i64], run_id: i64) -> Result<(), StorageError> {
    for chunk in ids.chunks(500) {
        diesel::update(ents::table.filter(ents::id.eq_any(chunk)))
            .set(ents::run_id.eq(run_id))
            .execute(conn)?;
    }
    Ok(())
}

/// Sets an entitlement to a later run's numbers; `reopen`: it was zero, so
/// the apply window starts again.
pub fn update(
    conn: &mut Conn,
    id: i64,
    amount: &Amount<'_>,
    reopen: Option<NaiveDateTime>,
) -> Result<(), StorageError> {
    diesel::update(ents::table.find(id))
        .set((
            ents::run_id.eq(amount.run_id),
            ents::amount_cents.eq(amount.amount_cents),
            ents::communities.eq(amount.communities),
            ents::households.eq(amount.households),
            ents::detail.eq(amount.detail),
        ))
        .execute(conn)?;
    if let Some(at) = reopen {
        diesel::update(ents::table.find(id))
            .set(ents::opened_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Insertable)]
#[diesel(table_name = changes)]
pub struct NewChange<'a> {
    pub entitlement_id: i64,
    pub run_id: i64,
    pub before_cents: Option<i64>,
    pub after_cents: i64,
    pub actor: &'a str,
    pub cause: &'a str,
    pub changed_at: NaiveDateTime,
}

/// Writes changes in a few statements.
pub fn add_changes(conn: &mut Conn, rows: &[NewChange<'_>]) -> Result<(), StorageError> {
    for chunk in rows.chunks(CHUNK) {
        crate::with_conn!(conn, |c| diesel::insert_into(changes::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn changes_of(conn: &mut Conn, id: i64) -> Result<Vec<EntitlementChange>, StorageError> {
    Ok(changes::table
        .filter(changes::entitlement_id.eq(id))
        .order(changes::id)
        .select(EntitlementChange::as_select())
        .load(conn)?)
}

/// The changes of many entitlements, oldest first.
pub fn changes_of_many(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<Vec<EntitlementChange>, StorageError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            changes::table
                .filter(changes::entitlement_id.eq_any(chunk))
                .order(changes::id)
                .select(EntitlementChange::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
