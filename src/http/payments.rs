//! Disbursement (拨付) over HTTP: payments against an approved application,
//! reversals, budgets, the ledger and the finance office's XLSX sheet.
//! Admins pay and set budgets; officials read; a company sees its own
//! payments only.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::params::{PaymentPath, SubsidyApplicationPath};
use super::subsidies::cents;
use super::ApiError;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::rules::RuleBook;
use crate::service::disbursement::{self as service, LedgerLine};
use crate::service::subsidies::SubsidyError;
use crate::storage::payments::{self, Budget, Line, Payment};
use crate::storage::Database;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// The day the money went out.
    #[schema(value_type = String, format = Date)]
    paid_on: chrono::NaiveDate,
    /// Yuan, at most two decimals.
    amount: String,
    /// The finance office's voucher number (凭证号), used once.
    voucher: String,
}

#[utoipa::path(post, path = "/subsidies/applications/{id}/payments", params(SubsidyApplicationPath),
    request_body = NewPayment, responses((status = 201, body = Payment)))]
pub async fn pay(
    path: web::Path<i64>,
    body: web::Json<NewPayment>,
    caller: Caller,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let amount_cents = cents("amount", &body.amount)?;
    let id = path.into_inner();
    let actor = caller.actor();
    let now = clock.now();
    let db = db.get_ref().clone();
    let payment = crate::http::block(move || {
        service::pay(
            &mut *db.get()?,
            now,
            &service::Paying {
                application_id: id,
                paid_on: body.paid_on,
                amount_cents,
                voucher: &body.voucher,
                actor: &actor,
            },
        )
    })
    .await??;
    Ok(HttpResponse::Created().json(payment))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reversal {
    reason: String,
}

#[utoipa::path(post, path = "/subsidies/payments/{id}/reversal", params(PaymentPath),
    request_body = Reversal, responses((status = 200, body = Payment)))]
pub async fn reverse(
    path: web::Path<i64>,
    body: web::Json<Reversal>,
    caller: Caller,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let actor = caller.actor();
    let now = clock.now();
    let db = db.get_ref().clone();
    let payment = crate::http::block(move || {
        service::reverse(&mut *db.get()?, now, id, &body.reason, &actor)
    })
    .await??;
    Ok(HttpResponse::Ok().json(payment))
}

#[derive(Serialize, ToSchema)]
pub struct PaymentList {
    payments: Vec<Payment>,
}

#[utoipa::path(get, path = "/subsidies/payments", responses((status = 200, body = PaymentList)))]
pub async fn list(caller: Caller, db: web::Data<Database>) -> Result<HttpResponse, ApiError> {
    let company = caller.company().map(str::to_string);
    let db = db.get_ref().clone();
    let payments =
        crate::http::block(move || payments::list(&mut *db.get()?, company.as_deref())).await??;
    Ok(HttpResponse::Ok().json(PaymentList { payments }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    /// A subsidy programme of a rule set.
    programme: String,
    year: i32,
    /// One of `subsidy.fund_sources`.
    fund_source: String,
    /// Yuan, at most two decimals; not below what is committed on the line.
    amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct Ledger {
    lines: Vec<LedgerLine>,
    budgets: Vec<Budget>,
}

#[utoipa::path(put, path = "/subsidies/budgets", request_body = BudgetLine,
    responses((status = 200, body = Ledger)))]
pub async fn set_budget(
    body: web::Json<BudgetLine>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let amount_cents = cents("amount", &body.amount)?;
    let line = Line {
        programme: body.programme.trim().to_string(),
        year: body.year,
        fund_source: body.fund_source.trim().to_string(),
    };
    let actor = caller.actor();
    let now = clock.now();
    let s = settings.subsidy.clone();
    let book = book.get_ref().clone();
    let db = db.get_ref().clone();
    let ledger = crate::http::block(move || {
        let mut conn = db.get()?;
        service::set_budget(&mut conn, now, &s, &book, &line, amount_cents, &actor)?;
        Ok::<_, SubsidyError>(Ledger {
            lines: service::ledger(&mut conn)?,
            budgets: payments::budgets(&mut conn)?,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(ledger))
}

#[utoipa::path(get, path = "/subsidies/ledger", responses((status = 200, body = Ledger)))]
pub async fn ledger(db: web::Data<Database>) -> Result<HttpResponse, ApiError> {
    let db = db.get_ref().clone();
    let ledger = crate::http::block(move || {
        let mut conn = db.get()?;
        Ok::<_, crate::storage::StorageError>(Ledger {
            lines: service::ledger(&mut conn)?,
            budgets: payments::budgets(&mut conn)?,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(ledger))
}

#[utoipa::path(get, path = "/subsidies/disbursements.xlsx",
    responses((status = 200, description = "The disbursement sheet (奖补资金拨付表) and the ledger",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub async fn sheet(db: web::Data<Database>) -> Result<HttpResponse, ApiError> {
    let db = db.get_ref().clone();
    let bytes = crate::http::block(move || {
        let mut conn = db.get()?;
        let rows = service::sheet_rows(&mut conn)?;
        let ledger = service::ledger(&mut conn)?;
        service::sheet(&rows, &ledger).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"disbursements.xlsx\"",
        ))
        .body(bytes))
}
