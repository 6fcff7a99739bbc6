//! The admins' money forms on the subsidy pages: a payment (拨付) against
//! an approved application, its reversal with a reason (kept, not
//! deleted), and a budget line. The checks — never above the approval,
//! never past the budget, a voucher used once — are `service::disbursement`'s.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::application::{self, Prefill};
use super::{messages, render, BudgetFields, Env, ListQuery, Said};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::rules::RuleBook;
use crate::service::disbursement as service;
use crate::storage::payments::Line;
use crate::storage::Database;
use crate::web::viewer::{Gate, Viewer};
use crate::web::{see_other, PageError};

#[derive(Debug, Deserialize)]
pub struct PayForm {
    csrf_token: String,
    #[serde(flatten)]
    fields: Prefill,
}

/// `POST /subsidies/applications/{id}/payments`.
pub async fn pay(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<PayForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let id = path.into_inner();
    let env = Env::of(&db, &settings, &clock);
    let f = form.fields;
    let parsed = messages::date(&f.paid_on).and_then(|day| {
        let cents = messages::amount(&f.amount)?
            .ok_or_else(|| messages::bad_field("金额", "请填写拨付金额。"))?;
        Ok((day, cents))
    });
    let (paid_on, amount_cents) = match parsed {
        Ok(p) => p,
        Err(said) => return application::render(viewer, &env, id, Said::refused(said, f)).await,
    };
    let actor = viewer.caller.actor();
    let now = clock.now();
    let db2 = db.get_ref().clone();
    let voucher = f.voucher.clone();
    let result = crate::http::block(move || {
        service::pay(
            &mut *db2.get()?,
            now,
            &service::Paying {
                application_id: id,
                paid_on,
                amount_cents,
                voucher: &voucher,
                actor: &actor,
            },
        )
    })
    .await?;
    application::finish(viewer, &env, id, "paid", result.map(|_| ()), f).await
}

#[derive(Debug, Deserialize)]
pub struct ReverseForm {
    csrf_token: String,
    /// The page the form is on, shown again after a refusal.
    application_id: i64,
    reason: String,
}

/// `POST /subsidies/payments/{id}/reversal`.
pub async fn reverse(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<ReverseForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let payment = path.into_inner();
    let env = Env::of(&db, &settings, &clock);
    let actor = viewer.caller.actor();
    let now = clock.now();
    let db2 = db.get_ref().clone();
    let reason = form.reason.clone();
    let result = crate::http::block(move || {
        service::reverse(&mut *db2.get()?, now, payment, &reason, &actor)
    })
    .await?;
    let (id, result) = match result {
        Ok(p) => (p.application_id, Ok(())),
        Err(e) => (form.application_id, Err(e)),
    };
    application::finish(viewer, &env, id, "reversed", result, Prefill::default()).await
}

#[derive(Debug, Deserialize)]
pub struct BudgetForm {
    csrf_token: String,
    #[serde(flatten)]
    fields: BudgetFields,
}

/// `POST /subsidies/budgets`: an admin sets a budget line.
pub async fn set_budget(
    req: HttpRequest,
    form: web::Form<BudgetForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
    book: web::Data<RuleBook>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let env = Env::of(&db, &settings, &clock);
    let f = form.fields;
    let parsed = messages::amount(&f.amount).and_then(|cents| {
        let cents = cents.ok_or_else(|| messages::bad_field("预算金额", "请填写金额。"))?;
        let year = f
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| messages::bad_field("年度", "请填写四位数的年份。"))?;
        Ok((cents, year))
    });
    let (cents, year) = match parsed {
        Ok(p) => p,
        Err(said) => {
            return render(
                viewer,
                &env,
                &book,
                &ListQuery::default(),
                Said::refused(said, f),
            )
            .await
        }
    };
    let line = Line {
        programme: f.programme.trim().to_string(),
        year,
        fund_source: f.fund_source.trim().to_string(),
    };
    let actor = viewer.caller.actor();
    let now = clock.now();
    let s = settings.subsidy.clone();
    let rules = book.get_ref().clone();
    let db2 = db.get_ref().clone();
    let result = crate::http::block(move || {
        service::set_budget(&mut *db2.get()?, now, &s, &rules, &line, cents, &actor)
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other("/subsidies?done=budget#budget-title").finish()),
        Err(e) => {
            let said = Said::refused(messages::refusal(e)?, f);
            render(viewer, &env, &book, &ListQuery::default(), said).await
        }
    }
}
