//! An admin's decision on the pages: the district review (初审) or the city
//! approval (复核) of an application — pass with an amount and, below the
//! entitlement, the reason; or return it to the company with the reason.
//! The rules (two different people, never above the entitlement, never
//! past the budget) are `service::subsidies::rule`'s.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::application::{finish, render, Prefill};
use super::{messages, Env, Said};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::http::ApiError;
use crate::service::subsidies::{self as service, Step};
use crate::storage::Database;
use crate::web::viewer::{Gate, Viewer};
use crate::web::PageError;

#[derive(Debug, Deserialize)]
pub struct RulingForm {
    /// "pass" or "return": the button pressed.
    outcome: String,
    csrf_token: String,
    #[serde(flatten)]
    fields: Prefill,
}

/// `POST /subsidies/applications/{id}/review` and `…/approval`: an admin's decision.
pub async fn rule(
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    form: web::Form<RulingForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let (id, step) = path.into_inner();
    let step = match step.as_str() {
        "review" => Step::Review,
        "approval" => Step::Approve,
        _ => return Err(PageError::Api(ApiError::NotFound)),
    };
    let pass = match form.outcome.as_str() {
        "pass" => true,
        "return" => false,
        _ => {
            return Err(PageError::Api(ApiError::bad_request(
                "bad_form",
                "pass or return",
            )))
        }
    };
    let f = form.fields;
    let env = Env::of(&db, &settings, &clock);
    let parsed = messages::amount(&f.amount).and_then(|cents| {
        let year = match f.budget_year.trim() {
            "" => None,
            y => Some(
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| messages::bad_field("预算年度", "请填写四位数的年份。"))?,
            ),
        };
        Ok((cents, year))
    });
    let (cents, year) = match parsed {
        Ok(p) => p,
        Err(said) => return render(viewer, &env, id, Said::refused(said, f)).await,
    };
    let actor = viewer.caller.actor();
    let s = settings.subsidy.clone();
    let now = clock.now();
    let db2 = db.get_ref().clone();
    let (reason, difference, fund) = (
        f.reason.clone(),
        f.difference_reason.clone(),
        f.fund_source.clone(),
    );
    let result = crate::http::block(move || {
        service::rule(
            &mut *db2.get()?,
            now,
            &s,
            &service::Ruling {
                id,
                step,
                actor: &actor,
                pass,
                reason: &reason,
                amount_cents: if pass { cents } else { None },
                difference_reason: Some(difference.as_str()),
                fund_source: Some(fund.as_str()).filter(|_| step == Step::Approve),
                budget_year: year,
            },
        )
    })
    .await?;
    let done = match (pass, step) {
        (false, _) => "returned",
        (true, Step::Review) => "reviewed",
        (true, Step::Approve) => "approved",
    };
    finish(viewer, &env, id, done, result.map(|_| ()), f).await
}
