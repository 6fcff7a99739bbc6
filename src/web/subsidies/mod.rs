//! `/subsidies` (奖补): a company follows its entitlements and applications
//! (what each still needs, why one was returned, what was paid); officials
//! see the review queue with overdue flags, the payments and the budget
//! ledger, and download the disbursement sheet. The steps themselves are
//! the API's (`/api/v1/subsidies/…`), which the service rules are shared with.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::viewer::{Gate, Viewer};
use super::{page_with_status, PageError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::{format_cents, labels, SubsidyStatus};
use crate::service::disbursement::{self, LedgerLine};
use crate::service::subsidies::{self as service, ApplicationView};
use crate::storage::payments::{self, Payment};
use crate::storage::subsidies::{self, Entitlement};
use crate::storage::{Database, StorageError};

pub struct EntitlementRow {
    pub id: i64,
    pub period: String,
    pub programme: String,
    pub households: i64,
    pub amount: String,
    pub apply_until: String,
}

pub struct ApplicationRow {
    pub id: i64,
    pub company_code: String,
    pub period: String,
    pub programme: String,
    pub entitled: String,
    pub approved: String,
    pub paid: String,
    pub status: &'static str,
    pub step_by: String,
    pub missing: String,
    pub returned: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "subsidies.html")]
struct SubsidiesPage {
    viewer: Viewer,
    entitlements: Vec<EntitlementRow>,
    applications: Vec<ApplicationRow>,
    payments: Vec<Payment>,
    ledger: Vec<LedgerLine>,
    window_days: u32,
    review_days: u32,
}

fn status_label(s: SubsidyStatus) -> &'static str {
    match s {
        SubsidyStatus::Submitted => "待初审",
        SubsidyStatus::Reviewed => "待复核",
        SubsidyStatus::Approved => "已核定",
        SubsidyStatus::Rejected => "已退回",
    }
}

fn application_row(v: ApplicationView) -> ApplicationRow {
    let a = v.application;
    ApplicationRow {
        id: a.id,
        company_code: a.company_code,
        period: v
            .entitlement
            .period
            .parse()
            .map_or_else(|_| v.entitlement.period.clone(), labels::period),
        programme: v.entitlement.programme,
        entitled: format_cents(v.entitlement.amount_cents),
        approved: a.approved_cents.map(format_cents).unwrap_or_default(),
        paid: format_cents(v.paid_cents),
        status: status_label(a.status),
        step_by: [a.reviewed_by, a.approved_by]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / "),
        missing: v.missing_documents.join("、"),
        returned: a.return_reason.unwrap_or_default(),
        overdue: v.overdue,
    }
}

fn entitlement_row(e: Entitlement, settings: &service::SubsidySettings) -> EntitlementRow {
    EntitlementRow {
        id: e.id,
        period: e
            .period
            .parse()
            .map_or_else(|_| e.period.clone(), labels::period),
        apply_until: service::apply_until(e.opened_at, settings).to_string(),
        programme: e.programme,
        households: e.households,
        amount: format_cents(e.amount_cents),
    }
}

/// `GET /subsidies`.
pub async fn show(
    req: HttpRequest,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let company = viewer.company.clone();
    let official = viewer.official;
    let s = settings.subsidy.clone();
    let today = clock.today();
    let db = db.get_ref().clone();
    let (entitlements, applications, payments, ledger) = crate::http::block(move || {
        let views = crate::http::subsidies_views(&db, company.as_deref(), None, &s, today)?;
        let mut conn = db.get()?;
        let entitlements = if official {
            Vec::new()
        } else {
            subsidies::list(&mut conn, company.as_deref(), None)?
                .into_iter()
                .filter(|e| e.amount_cents > 0)
                .map(|e| entitlement_row(e, &s))
                .collect()
        };
        let payments = payments::list(&mut conn, company.as_deref())?;
        let ledger = if official {
            disbursement::ledger(&mut conn)?
        } else {
            Vec::new()
        };
        Ok::<_, StorageError>((entitlements, views, payments, ledger))
    })
    .await??;
    page_with_status(
        &SubsidiesPage {
            viewer,
            entitlements,
            applications: applications.into_iter().map(application_row).collect(),
            payments,
            ledger,
            window_days: settings.subsidy.apply_window_days,
            review_days: settings.subsidy.review_days,
        },
        actix_web::http::StatusCode::OK,
    )
}

/// Cents as yuan, for the template.
pub fn yuan(cents: &i64) -> String {
    format_cents(*cents)
}
