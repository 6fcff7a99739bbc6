//! `/subsidies/applications/{id}`: one application as the company and the
//! officials follow it — its steps with who took them and why, the
//! documents held and missing, the payments — with the form for the step
//! the viewer may take: the company adds documents and submits a returned
//! application again; an admin reviews (初审), approves (复核) or returns it,
//! records payments and reverses them. Every step is the service's, shared
//! with the API; a refusal is shown on the page, with the input kept.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::messages;
use super::{change_rows, period_label, ChangeRow, DoneQuery, Env, Said};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::{format_cents, SubsidyStatus};
use crate::service::subsidies::{self as service, ApplicationView};
use crate::storage::Database;
use crate::web::viewer::{Gate, Viewer};
use crate::web::{page_with_status, see_other, PageError};

/// One step of the application's history.
pub struct StepRow {
    pub label: &'static str,
    pub by: String,
    pub at: String,
    pub amount: String,
    pub text: String,
}

pub struct DocumentRow {
    pub id: i64,
    pub document: String,
    pub file_name: String,
    pub size: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

pub struct PaymentRow {
    pub id: i64,
    pub paid_on: String,
    pub amount: String,
    pub fund_source: String,
    pub budget_year: i32,
    pub voucher: String,
    pub recorded_by: String,
    /// Who reversed it, when and why; empty while it counts.
    pub reversed: String,
}

/// What the forms show: the defaults, or what the official typed before a refusal.
#[derive(Debug, Default, Deserialize)]
pub struct Prefill {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub difference_reason: String,
    #[serde(default)]
    pub fund_source: String,
    #[serde(default)]
    pub budget_year: String,
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub voucher: String,
    #[serde(default)]
    pub statement: String,
}

#[derive(Template)]
#[template(path = "subsidy_application.html")]
struct ApplicationPage {
    viewer: Viewer,
    message: String,
    refused: bool,
    id: i64,
    entitlement_id: i64,
    company_code: String,
    period: String,
    programme: String,
    status: &'static str,
    overdue: bool,
    review_due: String,
    resubmit_until: String,
    entitled: String,
    approved: String,
    paid: String,
    unpaid: String,
    budget_line: String,
    /// Why the amount is below the entitlement, when it is.
    difference_reason: String,
    /// A re-publication lowered the entitlement below the approval: what it
    /// is now, and what was paid above it (to recover), if anything.
    lowered: String,
    steps: Vec<StepRow>,
    /// Each required document and whether the application holds it.
    required: Vec<(String, bool)>,
    documents: Vec<DocumentRow>,
    payments: Vec<PaymentRow>,
    changes: Vec<ChangeRow>,
    can_upload: bool,
    can_resubmit: bool,
    /// "review" or "approval": the step form an admin sees.
    step_form: &'static str,
    /// Why the admin sees no approval form (they reviewed it themselves).
    step_note: String,
    can_pay: bool,
    fund_sources: Vec<String>,
    max_mib: u64,
    prefill: Prefill,
}

fn at(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn steps(v: &ApplicationView) -> Vec<StepRow> {
    let a = &v.application;
    let mut rows = vec![StepRow {
        label: "提交申报",
        by: a.submitted_by.clone(),
        at: at(a.submitted_at),
        amount: format_cents(a.requested_cents),
        text: a.statement.clone(),
    }];
    if let (Some(by), Some(t)) = (&a.reviewed_by, a.reviewed_at) {
        rows.push(StepRow {
            label: "区级初审通过",
            by: by.clone(),
            at: at(t),
            amount: a.reviewed_cents.map(format_cents).unwrap_or_default(),
            text: a.review_reason.clone().unwrap_or_default(),
        });
    }
    if let (Some(by), Some(t)) = (&a.approved_by, a.approved_at) {
        rows.push(StepRow {
            label: "市级复核通过",
            by: by.clone(),
            at: at(t),
            amount: a.approved_cents.map(format_cents).unwrap_or_default(),
            text: a.approve_reason.clone().unwrap_or_default(),
        });
    }
    if let (Some(by), Some(t)) = (&a.returned_by, a.returned_at) {
        rows.push(StepRow {
            label: "退回企业",
            by: by.clone(),
            at: at(t),
            amount: String::new(),
            text: a.return_reason.clone().unwrap_or_default(),
        });
    }
    rows.sort_by(|x, y| x.at.cmp(&y.at));
    rows
}

fn payment_row(p: &crate::storage::payments::Payment) -> PaymentRow {
    PaymentRow {
        id: p.id,
        paid_on: p.paid_on.to_string(),
        amount: format_cents(p.amount_cents),
        fund_source: p.fund_source.clone(),
        budget_year: p.budget_year,
        voucher: p.voucher.clone(),
        recorded_by: p.recorded_by.clone(),
        reversed: match (&p.reversed_by, p.reversed_at, &p.reverse_reason) {
            (Some(by), Some(t), reason) => format!(
                "{by} 于 {} 冲销：{}",
                at(t),
                reason.as_deref().unwrap_or_default()
            ),
            _ => String::new(),
        },
    }
}

/// The page of application `id` for `viewer` (another company's: 404).
pub(super) async fn render(
    viewer: Viewer,
    env: &Env<'_>,
    id: i64,
    said: Said<Prefill>,
) -> Result<HttpResponse, PageError> {
    let Env {
        db,
        settings,
        clock,
    } = *env;
    let Said {
        message,
        status,
        typed: prefill,
    } = said;
    let today = clock.today();
    let v =
        crate::http::visible_subsidy_application(&viewer.caller, db, settings, today, id).await?;
    let a = &v.application;
    let own = viewer.company.as_deref() == Some(a.company_code.as_str());
    let open = matches!(a.status, SubsidyStatus::Submitted | SubsidyStatus::Rejected);
    let unpaid = v.payable_cents;
    let (step_form, step_note) = match a.status {
        SubsidyStatus::Submitted if viewer.admin => ("review", String::new()),
        SubsidyStatus::Reviewed
            if viewer.admin && a.reviewed_by.as_deref() == Some(&viewer.caller.actor()) =>
        {
            (
                "",
                "您办理了这份申报的初审；复核须由另一名工作人员办理。".to_string(),
            )
        }
        SubsidyStatus::Reviewed if viewer.admin => ("approval", String::new()),
        _ => ("", String::new()),
    };
    let prefill = prefill.unwrap_or_else(|| Prefill {
        amount: format_cents(match a.status {
            SubsidyStatus::Reviewed => a.reviewed_cents.unwrap_or(v.entitlement.amount_cents),
            SubsidyStatus::Approved => unpaid.unwrap_or_default(),
            _ => v.entitlement.amount_cents,
        }),
        budget_year: today.year().to_string(),
        paid_on: today.to_string(),
        statement: a.statement.clone(),
        ..Prefill::default()
    });
    let page = ApplicationPage {
        refused: status != StatusCode::OK,
        message,
        id: a.id,
        entitlement_id: v.entitlement.id,
        company_code: a.company_code.clone(),
        period: period_label(&v.entitlement.period),
        programme: v.entitlement.programme.clone(),
        status: crate::domain::labels::subsidy_status(a.status),
        overdue: v.overdue,
        review_due: v.review_due.map(|d| d.to_string()).unwrap_or_default(),
        resubmit_until: v.resubmit_until.map(|d| d.to_string()).unwrap_or_default(),
        entitled: format_cents(v.entitlement.amount_cents),
        approved: a.approved_cents.map(format_cents).unwrap_or_default(),
        paid: format_cents(v.paid_cents),
        unpaid: unpaid.map(format_cents).unwrap_or_default(),
        budget_line: match (&a.fund_source, a.budget_year) {
            (Some(f), Some(y)) => format!("{f} {y} 年度"),
            _ => String::new(),
        },
        difference_reason: a.difference_reason.clone().unwrap_or_default(),
        lowered: if v.entitlement_below_approval {
            let over = v.paid_cents - v.entitlement.amount_cents;
            format!(
                "核定后重新发布的结果将应补金额调减为 {} 元，低于核定金额：拨付以 {} 元为限{}。",
                format_cents(v.entitlement.amount_cents),
                format_cents(v.entitlement.amount_cents),
                if over > 0 {
                    format!("；已拨付超出 {} 元，应予追回", format_cents(over))
                } else {
                    String::new()
                }
            )
        } else {
            String::new()
        },
        steps: steps(&v),
        required: v
            .required_documents
            .iter()
            .map(|d| (d.clone(), !v.missing_documents.contains(d)))
            .collect(),
        documents: v
            .documents
            .iter()
            .map(|d| DocumentRow {
                id: d.id,
                document: d.document.clone(),
                file_name: d.file_name.clone(),
                size: format!("{} KiB", (d.size_bytes + 1023) / 1024),
                uploaded_by: d.uploaded_by.clone(),
                uploaded_at: at(d.uploaded_at),
            })
            .collect(),
        payments: v.payments.iter().map(payment_row).collect(),
        changes: change_rows(&v.changes),
        can_upload: own && open,
        can_resubmit: own
            && a.status == SubsidyStatus::Rejected
            && v.resubmit_until.is_some_and(|d| today <= d),
        step_form,
        step_note,
        can_pay: viewer.admin
            && a.status == SubsidyStatus::Approved
            && unpaid.is_some_and(|u| u > 0),
        fund_sources: settings.subsidy.fund_sources.clone(),
        max_mib: settings.subsidy.document_max_mib,
        prefill,
        viewer,
    };
    page_with_status(&page, status)
}

/// `GET /subsidies/applications/{id}`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<i64>,
    query: web::Query<DoneQuery>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let said = Said::done(query.into_inner().done.as_deref());
    let env = Env::of(&db, &settings, &clock);
    render(viewer, &env, path.into_inner(), said).await
}

/// After a step: to the application's page with what was done, or the
/// page again with the refusal and what was typed.
pub(super) async fn finish(
    viewer: Viewer,
    env: &Env<'_>,
    id: i64,
    done: &str,
    result: Result<(), service::SubsidyError>,
    typed: Prefill,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/subsidies/applications/{id}?done={done}")).finish()),
        Err(e) => render(viewer, env, id, Said::refused(messages::refusal(e)?, typed)).await,
    }
}
