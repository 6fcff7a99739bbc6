//! `/subsidies` (奖补): a company follows its entitlements and applications
//! (what each still needs, why one was returned, what was paid); officials
//! see the review queue with overdue flags, the payments and the budget
//! ledger, set budgets and download the disbursement sheet. Each
//! entitlement and application has its own page where the steps are taken
//! (`entitlement`, `application`, `documents`, `payments`); the rules are
//! the service's, shared with the API (`/api/v1/subsidies/…`).

mod application;
mod documents;
mod entitlement;
mod messages;
mod payments;
mod review;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::viewer::{Gate, Viewer};
use super::{page_with_status, PageError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::{format_cents, labels, SubsidyStatus};
use crate::rules::RuleBook;
use crate::service::disbursement::{self, LedgerLine};
use crate::service::subsidies::{self as service, ApplicationView};
use crate::storage::payments::Payment;
use crate::storage::subsidies::{self, Entitlement, EntitlementChange};
use crate::storage::{Database, StorageError};

pub use application::show as application;
pub use documents::upload;
pub use entitlement::{apply, resubmit, show as entitlement};
pub use payments::{pay, reverse, set_budget};
pub use review::rule;

/// What a page's handlers need to read and decide.
#[derive(Clone, Copy)]
pub(super) struct Env<'a> {
    pub db: &'a Database,
    pub settings: &'a Settings,
    pub clock: &'a Clock,
}

impl<'a> Env<'a> {
    pub fn of(
        db: &'a web::Data<Database>,
        settings: &'a web::Data<Settings>,
        clock: &'a web::Data<Clock>,
    ) -> Env<'a> {
        Env {
            db: db.get_ref(),
            settings: settings.get_ref(),
            clock: clock.get_ref(),
        }
    }
}

/// What a page says above itself, with its status and what the user had
/// typed (kept in the forms after a refusal).
pub(super) struct Said<T> {
    pub message: String,
    pub status: StatusCode,
    pub typed: Option<T>,
}

impl<T> Said<T> {
    /// After a redirect: what was done, by its key in the address.
    pub fn done(key: Option<&str>) -> Said<T> {
        Said {
            message: done_message(key).to_string(),
            status: StatusCode::OK,
            typed: None,
        }
    }

    pub fn refused((message, status): (String, StatusCode), typed: T) -> Said<T> {
        Said {
            message,
            status,
            typed: Some(typed),
        }
    }
}

/// `?done=…` after a step, so that a reload does not take it again.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The list page's address: a step just taken, the state shown, the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
    status: Option<SubsidyStatus>,
    page: Option<u32>,
}

/// Applications on one page of the list.
const PER_PAGE: i64 = 50;

/// The sentence for a step just taken (unknown keys: none).
fn done_message(key: Option<&str>) -> &'static str {
    match key {
        Some("applied") => "申报已提交。请上传所需材料；材料齐全后由区级初审。",
        Some("resubmitted") => "申报已重新提交，等待区级初审。",
        Some("uploaded") => "材料已上传。",
        Some("reviewed") => "初审已通过，等待市级复核。",
        Some("approved") => "复核已通过：金额已计入预算，可以拨付。",
        Some("returned") => "申报已退回企业，企业会收到退回理由。",
        Some("paid") => "拨付已记录。",
        Some("reversed") => "拨付已冲销，记录保留备查。",
        Some("budget") => "预算已保存。",
        _ => "",
    }
}

/// A quarter as officials write it (2026年第3季度), or as stored if it does not read.
fn period_label(period: &str) -> String {
    period
        .parse()
        .map_or_else(|_| period.to_string(), labels::period)
}

/// One change of an entitlement at a later publication.
pub struct ChangeRow {
    pub at: String,
    pub before: String,
    pub after: String,
    pub actor: String,
    pub cause: String,
}

fn change_rows(changes: &[EntitlementChange]) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|c| ChangeRow {
            at: c.changed_at.format("%Y-%m-%d %H:%M").to_string(),
            before: c.before_cents.map(format_cents).unwrap_or_default(),
            after: format_cents(c.after_cents),
            actor: c.actor.clone(),
            cause: c.cause.clone(),
        })
        .collect()
}

pub struct EntitlementRow {
    pub id: i64,
    pub period: String,
    pub programme: String,
    pub households: i64,
    pub amount: String,
    pub apply_until: String,
    pub application_id: Option<i64>,
    /// No application yet and the window still open.
    pub can_apply: bool,
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
    /// A re-publication lowered the entitlement below the approval.
    pub lowered: bool,
}

/// The budget form's fields (kept after a refusal).
#[derive(Debug, Default, Deserialize)]
pub struct BudgetFields {
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub fund_source: String,
    #[serde(default)]
    pub amount: String,
}

#[derive(Template)]
#[template(path = "subsidies.html")]
struct SubsidiesPage {
    viewer: Viewer,
    message: String,
    refused: bool,
    /// The message confirms a budget: shown beside the budget form, where
    /// the redirect scrolls to.
    budget_saved: bool,
    entitlements: Vec<EntitlementRow>,
    applications: Vec<ApplicationRow>,
    payments: Vec<Payment>,
    ledger: Vec<LedgerLine>,
    window_days: u32,
    review_days: u32,
    /// The state shown ("" for all), the page and how many there are.
    status: &'static str,
    page: u32,
    pages: u32,
    /// How many applications the filter selects.
    matching: i64,
    /// The budget form (admins): the rule sets' programmes and the fund sources.
    programmes: Vec<String>,
    fund_sources: Vec<String>,
    budget: BudgetFields,
}

fn application_row(v: ApplicationView) -> ApplicationRow {
    let a = v.application;
    ApplicationRow {
        id: a.id,
        company_code: a.company_code,
        period: period_label(&v.entitlement.period),
        programme: v.entitlement.programme,
        entitled: format_cents(v.entitlement.amount_cents),
        approved: a.approved_cents.map(format_cents).unwrap_or_default(),
        paid: format_cents(v.paid_cents),
        status: labels::subsidy_status(a.status),
        step_by: [a.reviewed_by, a.approved_by]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / "),
        missing: v.missing_documents.join("、"),
        returned: a.return_reason.unwrap_or_default(),
        overdue: v.overdue,
        lowered: v.entitlement_below_approval,
    }
}

/// The list page for `viewer`, with what was said and typed.
async fn render(
    viewer: Viewer,
    env: &Env<'_>,
    book: &RuleBook,
    query: &ListQuery,
    said: Said<BudgetFields>,
) -> Result<HttpResponse, PageError> {
    let company = viewer.company.clone();
    let official = viewer.official;
    let s = env.settings.subsidy.clone();
    let today = env.clock.today();
    let db = env.db.clone();
    let (status, page) = (query.status, query.page.unwrap_or(1).max(1));
    let (entitlements, applications, matching, payments, ledger) = crate::http::block(move || {
        let mut conn = db.get()?;
        let matching = subsidies::count_applications(&mut conn, company.as_deref(), status)?;
        let window = (i64::from(page - 1) * PER_PAGE, PER_PAGE);
        let shown =
            subsidies::applications_window(&mut conn, company.as_deref(), status, Some(window))?;
        let views = service::views(&mut conn, shown, &s, today)?;
        let entitlements = if official {
            Vec::new()
        } else {
            let list: Vec<Entitlement> = subsidies::list(&mut conn, company.as_deref(), None)?
                .into_iter()
                .filter(|e| e.amount_cents > 0)
                .collect();
            let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
            let applied = subsidies::application_ids(&mut conn, &ids)?;
            list.into_iter()
                .map(|e| {
                    let until = service::apply_until(e.opened_at, &s);
                    let application_id = applied.get(&e.id).copied();
                    EntitlementRow {
                        id: e.id,
                        period: period_label(&e.period),
                        apply_until: until.to_string(),
                        application_id,
                        can_apply: application_id.is_none() && today <= until,
                        programme: e.programme,
                        households: e.households,
                        amount: format_cents(e.amount_cents),
                    }
                })
                .collect()
        };
        let payments = crate::storage::payments::list(&mut conn, company.as_deref())?;
        let ledger = if official {
            disbursement::ledger(&mut conn)?
        } else {
            Vec::new()
        };
        Ok::<_, StorageError>((entitlements, views, matching, payments, ledger))
    })
    .await??;
    let budget = said.typed.unwrap_or_else(|| BudgetFields {
        year: today.year().to_string(),
        ..BudgetFields::default()
    });
    page_with_status(
        &SubsidiesPage {
            refused: said.status != StatusCode::OK,
            budget_saved: query.done.as_deref() == Some("budget"),
            message: said.message,
            entitlements,
            applications: applications.into_iter().map(application_row).collect(),
            payments,
            ledger,
            window_days: env.settings.subsidy.apply_window_days,
            review_days: env.settings.subsidy.review_days,
            status: status.map_or("", |s| s.as_str()),
            page,
            pages: u32::try_from(((matching + PER_PAGE - 1) / PER_PAGE).max(1)).unwrap_or(u32::MAX),
            matching,
            programmes: book.subsidy_programmes(),
            fund_sources: env.settings.subsidy.fund_sources.clone(),
            budget,
            viewer,
        },
        said.status,
    )
}

/// `GET /subsidies`.
pub async fn show(
    req: HttpRequest,
    query: web::Query<ListQuery>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
    book: web::Data<RuleBook>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let said = Said::done(query.done.as_deref());
    render(
        viewer,
        &Env::of(&db, &settings, &clock),
        &book,
        &query,
        said,
    )
    .await
}

/// Cents as yuan, for the template.
pub fn yuan(cents: &i64) -> String {
    format_cents(*cents)
}
