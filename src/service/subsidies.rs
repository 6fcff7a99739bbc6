//! The subsidy procedure (申报拨付流程) up to approval: a company applies for
//! its entitlement within `subsidy.apply_window_days` of publication with
//! the documents the programme asks for; a district official reviews it
//! (初审) and another, city official approves it (复核) against a budget
//! line — each with a reason, never above the entitlement, a lower amount
//! with its own reason — or either returns it to the company (退回), which
//! may then submit again. Payments are `service::disbursement`'s.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::SubsidyStatus;
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::payments::{self, Line};
use crate::storage::subsidies::{self, Document, NewApplication, Review, SubsidyApplication};

pub use super::subsidy_views::{review_due, view, views, ApplicationView};
use crate::storage::{Conn, StorageError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsidySettings {
    /// Calendar days after publication a company has to apply (and after a
    /// return, to submit again).
    pub apply_window_days: u32,
    /// Calendar days each review step (初审, 复核) has; later, it is flagged overdue.
    pub review_days: u32,
    /// The fund sources (资金来源) budgets and payments are kept by.
    pub fund_sources: Vec<String>,
    /// The documents every application carries.
    pub documents: Vec<String>,
    /// Per programme, the documents it asks for instead.
    #[serde(default)]
    pub programme_documents: BTreeMap<String, Vec<String>>,
    /// The largest document accepted, in MiB.
    pub document_max_mib: u64,
    /// How many documents one application may carry.
    pub document_max_files: u32,
}

impl SubsidySettings {
    pub fn documents_for(&self, programme: &str) -> &[String] {
        self.programme_documents
            .get(programme)
            .unwrap_or(&self.documents)
    }

    /// The programme's documents that `held` does not include yet.
    pub fn missing_documents(&self, programme: &str, held: &[Document]) -> Vec<String> {
        self.documents_for(programme)
            .iter()
            .filter(|d| !held.iter().any(|h| &h.document == *d))
            .cloned()
            .collect()
    }

    pub fn knows_fund(&self, fund: &str) -> bool {
        self.fund_sources.iter().any(|f| f == fund)
    }
}

/// Every refusal of the procedure, with its stable code.
#[derive(Debug, thiserror::Error)]
pub enum SubsidyError {
    #[error("not found")]
    NotFound,
    #[error("the entitlement is zero: there is nothing to apply for")]
    NothingToApply,
    #[error("the window to apply closed on {0}")]
    WindowClosed(NaiveDate),
    #[error("this entitlement has an application already (number {0})")]
    AlreadyApplied(i64),
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("application {id} is {status}; this step needs it {needed}")]
    WrongStep {
        id: i64,
        status: SubsidyStatus,
        needed: &'static str,
    },
    #[error("the amount {asked} yuan is above the entitlement of {entitled} yuan")]
    AboveEntitlement { asked: String, entitled: String },
    #[error("the amount is below the entitlement: give the reason for the difference")]
    DifferenceUnexplained,
    #[error("the district review and the city approval must be by two different people ({0} reviewed it)")]
    SameReviewer(String),
    #[error("documents are missing: {}", .0.join("、"))]
    DocumentsMissing(Vec<String>),
    #[error("'{0}' is not one of the programme's documents: {1}")]
    UnknownDocument(String, String),
    #[error("an application carries at most {0} documents")]
    TooManyDocuments(u32),
    #[error("'{0}' is not a fund source: {1}")]
    UnknownFund(String, String),
    #[error("there is no budget for {0} {1} from {2}: set it first")]
    NoBudget(String, i32, String),
    #[error("this would overdraw the budget of {programme} {year} from {fund}: {available} yuan remain, {asked} yuan asked")]
    BudgetExceeded {
        programme: String,
        year: i32,
        fund: String,
        available: String,
        asked: String,
    },
    #[error(
        "the payment of {asked} yuan is above what remains of the approved amount: {left} yuan"
    )]
    AboveApproval { asked: String, left: String },
    #[error("voucher {0} is used already")]
    VoucherUsed(String),
    #[error("payment {0} is reversed already")]
    AlreadyReversed(i64),
    #[error("the budget cannot go below what is committed on it: {0} yuan")]
    BelowCommitted(String),
    #[error("'{0}' is not a subsidy programme of any rule set")]
    UnknownProgramme(String),
    #[error("the amount must be above zero")]
    NotPositive,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl SubsidyError {
    /// The stable code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::NothingToApply => "nothing_to_apply",
            Self::WindowClosed(_) => "apply_window_closed",
            Self::AlreadyApplied(_) => "already_applied",
            Self::Empty(_) => "no_reason",
            Self::WrongStep { .. } => "wrong_step",
            Self::AboveEntitlement { .. } => "above_entitlement",
            Self::DifferenceUnexplained => "difference_unexplained",
            Self::SameReviewer(_) => "same_reviewer",
            Self::DocumentsMissing(_) => "documents_missing",
            Self::UnknownDocument(..) => "unknown_document",
            Self::TooManyDocuments(_) => "too_many_documents",
            Self::UnknownFund(..) => "unknown_fund",
            Self::NoBudget(..) => "no_budget",
            Self::BudgetExceeded { .. } => "budget_exceeded",
            Self::AboveApproval { .. } => "above_approval",
            Self::VoucherUsed(_) => "voucher_used",
            Self::AlreadyReversed(_) => "already_reversed",
            Self::BelowCommitted(_) => "below_committed",
            Self::UnknownProgramme(_) => "unknown_programme",
            Self::NotPositive => "not_positive",
            Self::Storage(_) => "internal",
        }
    }
}

impl From<diesel::result::Error> for SubsidyError {
    fn from(e: diesel::result::Error) -> Self {
        SubsidyError::Storage(e.into())
    }
}

pub(crate) fn yuan(cents: i64) -> String {
    crate::domain::format_cents(cents)
}

/// A reason that must be given: trimmed, not empty.
pub(crate) fn given<'a>(text: &'a str, what: &'static str) -> Result<&'a str, SubsidyError> {
    let t = text.trim();
    if t.is_empty() {
        Err(SubsidyError::Empty(what))
    } else {
        Ok(t)
    }
}

/// The last day to apply for an entitlement (or to submit a returned application again).
pub fn apply_until(from: NaiveDateTime, settings: &SubsidySettings) -> NaiveDate {
    from.date()
        .checked_add_days(Days::new(u64::from(settings.apply_window_days)))
        .unwrap_or(NaiveDate::MAX)
}

fn audit_step(
    conn: &mut Conn,
    actor: &str,
    at: NaiveDateTime,
    id: i64,
    action: &str,
    values: serde_json::Value,
) -> Result<(), StorageError> {
    audit::record(
        conn,
        NewAuditEntry::new(actor, at, "subsidy_applications", id.to_string(), action)
            .values(None, Some(values.to_string())),
    )?;
    Ok(())
}

/// A company's application for one of its entitlements.
pub struct Applying<'a> {
    pub company: &'a str,
    pub entitlement_id: i64,
    pub statement: &'a str,
    pub actor: &'a str,
}

/// Applies (or, after a return, submits again); refuses late, empty and
/// second applications and other companies' entitlements (not found).
pub fn apply(
    conn: &mut Conn,
    now: NaiveDateTime,
    settings: &SubsidySettings,
    a: &Applying<'_>,
) -> Result<SubsidyApplication, SubsidyError> {
    let statement = given(a.statement, "the statement")?;
    conn.transaction(|conn| {
        let e = subsidies::get(conn, a.entitlement_id)?
            .filter(|e| e.company_code == a.company)
            .ok_or(SubsidyError::NotFound)?;
        if e.amount_cents == 0 {
            return Err(SubsidyError::NothingToApply);
        }
        let new = NewApplication {
            entitlement_id: e.id,
            company_code: a.company,
            statement,
            requested_cents: e.amount_cents,
            submitted_by: a.actor,
            submitted_at: now,
        };
        let id = match subsidies::application_of(conn, e.id)? {
            Some(old) if old.status == SubsidyStatus::Rejected => {
                let returned = old.returned_at.unwrap_or(old.submitted_at);
                let until = apply_until(returned, settings).max(apply_until(e.opened_at, settings));
                if now.date() > until {
                    return Err(SubsidyError::WindowClosed(until));
                }
                let locked = subsidies::application_locked(conn, old.id)?;
                if locked.as_ref().map(|l| l.status) != Some(SubsidyStatus::Rejected) {
                    return Err(SubsidyError::AlreadyApplied(old.id));
                }
                subsidies::resubmit(conn, old.id, &new)?;
                old.id
            }
            Some(old) => return Err(SubsidyError::AlreadyApplied(old.id)),
            None => {
                let until = apply_until(e.opened_at, settings);
                if now.date() > until {
                    return Err(SubsidyError::WindowClosed(until));
                }
                subsidies::insert_application(conn, &new)?
            }
        };
        audit_step(
            conn,
            a.actor,
            now,
            id,
            "subsidy_applied",
            serde_json::json!({ "entitlement": e.id, "requested_cents": e.amount_cents, "statement": statement }),
        )?;
        subsidies::application(conn, id)?.ok_or(SubsidyError::NotFound)
    })
}

/// Which review step an official takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// 初审, by the district.
    Review,
    /// 复核, by the city, against a budget line.
    Approve,
}

/// An official's decision at one step.
pub struct Ruling<'a> {
    pub id: i64,
    pub step: Step,
    pub actor: &'a str,
    /// false: returned to the company.
    pub pass: bool,
    pub reason: &'a str,
    /// None: the entitlement in full.
    pub amount_cents: Option<i64>,
    pub difference_reason: Option<&'a str>,
    /// Approval: the fund source and budget year (None: the year of today).
    pub fund_source: Option<&'a str>,
    pub budget_year: Option<i32>,
}

/// Reviews, approves or returns an application.
pub fn rule(
    conn: &mut Conn,
    now: NaiveDateTime,
    settings: &SubsidySettings,
    r: &Ruling<'_>,
) -> Result<SubsidyApplication, SubsidyError> {
    let reason = given(r.reason, "the reason")?;
    conn.transaction(|conn| {
        let a = subsidies::application_locked(conn, r.id)?.ok_or(SubsidyError::NotFound)?;
        let (needed, label) = match r.step {
            Step::Review => (SubsidyStatus::Submitted, "submitted"),
            Step::Approve => (SubsidyStatus::Reviewed, "reviewed"),
        };
        if a.status != needed {
            return Err(SubsidyError::WrongStep {
                id: a.id,
                status: a.status,
                needed: label,
            });
        }
        if r.step == Step::Approve && a.reviewed_by.as_deref() == Some(r.actor) {
            return Err(SubsidyError::SameReviewer(r.actor.to_string()));
        }
        let e = subsidies::get(conn, a.entitlement_id)?.ok_or(SubsidyError::NotFound)?;
        if !r.pass {
            subsidies::set_returned(conn, a.id, r.actor, now, reason)?;
            audit_step(conn, r.actor, now, a.id, "subsidy_returned", serde_json::json!({ "step": r.step, "reason": reason }))?;
            super::notifications::subsidy_step(conn, now, &e, a.id, "已退回", &format!("退回理由：{reason}\n请补正后在期限内重新提交。"))?;
            return subsidies::application(conn, a.id)?.ok_or(SubsidyError::NotFound);
        }
        let cents = r.amount_cents.unwrap_or(e.amount_cents);
        if cents <= 0 {
            return Err(SubsidyError::NotPositive);
        }
        if cents > e.amount_cents {
            return Err(SubsidyError::AboveEntitlement {
                asked: yuan(cents),
                entitled: yuan(e.amount_cents),
            });
        }
        let difference = match r.difference_reason.map(str::trim).filter(|d| !d.is_empty()) {
            None if cents < e.amount_cents => return Err(SubsidyError::DifferenceUnexplained),
            d => d,
        };
        let review = Review {
            by: r.actor,
            at: now,
            reason,
            cents,
            difference_reason: difference,
        };
        match r.step {
            Step::Review => {
                let held = subsidies::documents_of(conn, a.id)?;
                let missing = settings.missing_documents(&e.programme, &held);
                if !missing.is_empty() {
                    return Err(SubsidyError::DocumentsMissing(missing));
                }
                subsidies::set_reviewed(conn, a.id, &review)?;
                super::notifications::subsidy_step(conn, now, &e, a.id, "已通过初审", &format!("初审金额：{} 元\n初审意见：{reason}", yuan(cents)))?;
            }
            Step::Approve => {
                let fund = r.fund_source.map(str::trim).unwrap_or_default();
                if !settings.knows_fund(fund) {
                    return Err(SubsidyError::UnknownFund(fund.to_string(), settings.fund_sources.join("、")));
                }
                let line = Line {
                    programme: e.programme.clone(),
                    year: r.budget_year.unwrap_or_else(|| now.date().year()),
                    fund_source: fund.to_string(),
                };
                let budget = payments::budget_locked(conn, &line)?
                    .ok_or_else(|| SubsidyError::NoBudget(line.programme.clone(), line.year, line.fund_source.clone()))?;
                let committed = payments::committed(conn, Some(&line))?.get(&line).copied().unwrap_or(0);
                if committed + cents > budget.amount_cents {
                    return Err(SubsidyError::BudgetExceeded {
                        programme: line.programme,
                        year: line.year,
                        fund: line.fund_source,
                        available: yuan(budget.amount_cents - committed),
                        asked: yuan(cents),
                    });
                }
                subsidies::set_approved(conn, a.id, &review, line.year, &line.fund_source)?;
                super::notifications::subsidy_step(conn, now, &e, a.id, "已通过复核", &format!("核定金额：{} 元（{} {} 年度）\n复核意见：{reason}", yuan(cents), line.fund_source, line.year))?;
            }
        }
        let action = match r.step {
            Step::Review => "subsidy_reviewed",
            Step::Approve => "subsidy_approved",
        };
        audit_step(
            conn,
            r.actor,
            now,
            a.id,
            action,
            serde_json::json!({ "reason": reason, "amount_cents": cents, "difference_reason": difference, "fund_source": r.fund_source, "budget_year": r.budget_year }),
        )?;
        subsidies::application(conn, a.id)?.ok_or(SubsidyError::NotFound)
    })
}
