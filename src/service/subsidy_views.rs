//! How an application reads to the company and the officials: with its
//! entitlement, the documents it holds and still needs, what was paid,
//! when its current review step is due and whether that is past. A list
//! of applications is read in a fixed number of queries, not per row.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::subsidies::{apply_until, SubsidySettings};
use crate::domain::SubsidyStatus;
use crate::storage::payments::{self, Payment};
use crate::storage::subsidies::{
    self, Document, Entitlement, EntitlementChange, SubsidyApplication,
};
use crate::storage::{Conn, StorageError};

/// An application as its readers see it: with its entitlement, what it
/// still needs and what was paid.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub application: SubsidyApplication,
    pub entitlement: Entitlement,
    /// The last day a returned application may be submitted again.
    #[schema(value_type = Option<String>, format = Date)]
    pub resubmit_until: Option<NaiveDate>,
    /// The day the current review step (初审 or 复核) is due.
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due: Option<NaiveDate>,
    pub overdue: bool,
    pub required_documents: Vec<String>,
    pub missing_documents: Vec<String>,
    pub documents: Vec<Document>,
    /// Paid so far (payments not reversed), in cents.
    pub paid_cents: i64,
    /// Approved: what may still be paid — the approval, or a lower current
    /// entitlement after a re-publication, less what was paid (not below 0).
    pub payable_cents: Option<i64>,
    /// A re-publication lowered the entitlement below the approved amount:
    /// payments stop at the entitlement, and what was paid above it is to be
    /// recovered.
    pub entitlement_below_approval: bool,
    pub payments: Vec<Payment>,
    pub changes: Vec<EntitlementChange>,
}

/// When the application's current review step is due, if it waits for one.
pub fn review_due(a: &SubsidyApplication, settings: &SubsidySettings) -> Option<NaiveDate> {
    let since = match a.status {
        SubsidyStatus::Submitted => a.submitted_at,
        SubsidyStatus::Reviewed => a.reviewed_at?,
        SubsidyStatus::Approved | SubsidyStatus::Rejected => return None,
    };
    since
        .date()
        .checked_add_days(Days::new(u64::from(settings.review_days)))
}

/// One application as its readers see it.
pub fn view(
    conn: &mut Conn,
    application: SubsidyApplication,
    settings: &SubsidySettings,
    today: NaiveDate,
) -> Result<ApplicationView, StorageError> {
    let entitlement = subsidies::get(conn, application.entitlement_id)?.ok_or_else(|| {
        StorageError::Corrupt(format!(
            "application {} lost its entitlement",
            application.id
        ))
    })?;
    let mut one = views(conn, vec![(application, entitlement)], settings, today)?;
    one.pop()
        .ok_or_else(|| StorageError::Corrupt("a view of one application is empty".into()))
}

/// Rows of one key, grouped, each group in the order read.
fn grouped<T>(rows: Vec<T>, key: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut out: HashMap<i64, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(key(&row)).or_default().push(row);
    }
    out
}

/// Many applications with their entitlements as their readers see them,
/// in the order given: their documents, payments and the entitlements'
/// changes read in three queries, however many there are.
pub fn views(
    conn: &mut Conn,
    pairs: Vec<(SubsidyApplication, Entitlement)>,
    settings: &SubsidySettings,
    today: NaiveDate,
) -> Result<Vec<ApplicationView>, StorageError> {
    let ids: Vec<i64> = pairs.iter().map(|(a, _)| a.id).collect();
    let entitlement_ids: Vec<i64> = pairs.iter().map(|(_, e)| e.id).collect();
    let mut documents = grouped(subsidies::documents_of_many(conn, &ids)?, |d| {
        d.application_id
    });
    let mut payments = grouped(payments::of_applications(conn, &ids)?, |p| p.application_id);
    let changes = grouped(subsidies::changes_of_many(conn, &entitlement_ids)?, |c| {
        c.entitlement_id
    });
    Ok(pairs
        .into_iter()
        .map(|(application, entitlement)| {
            let documents = documents.remove(&application.id).unwrap_or_default();
            let payments = payments.remove(&application.id).unwrap_or_default();
            let changes = changes.get(&entitlement.id).cloned().unwrap_or_default();
            assemble(
                application,
                entitlement,
                documents,
                payments,
                changes,
                settings,
                today,
            )
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    application: SubsidyApplication,
    entitlement: Entitlement,
    documents: Vec<Document>,
    payments: Vec<Payment>,
    changes: Vec<EntitlementChange>,
    settings: &SubsidySettings,
    today: NaiveDate,
) -> ApplicationView {
    let required: Vec<String> = settings.documents_for(&entitlement.programme).to_vec();
    let missing = settings.missing_documents(&entitlement.programme, &documents);
    let paid_cents = payments::live_total(&payments);
    let payable_cents = application
        .approved_cents
        .map(|a| (a.min(entitlement.amount_cents) - paid_cents).max(0));
    let entitlement_below_approval = application
        .approved_cents
        .is_some_and(|a| entitlement.amount_cents < a);
    let due = review_due(&application, settings);
    ApplicationView {
        resubmit_until: application
            .returned_at
            .filter(|_| application.status == SubsidyStatus::Rejected)
            .map(|at| apply_until(at, settings)),
        review_due: due,
        overdue: due.is_some_and(|d| today > d),
        required_documents: required,
        missing_documents: missing,
        documents,
        paid_cents,
        payable_cents,
        entitlement_below_approval,
        payments,
        changes,
        application,
        entitlement,
    }
}
