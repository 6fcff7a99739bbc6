//! `/subsidies/entitlements/{id}`: an entitlement (应补金额) as computed at
//! publication — the communities and households behind it, with their base
//! condition and rate, a budget scaling — every change a later publication
//! made, and for the company the form to apply for it (申报) while the
//! window is open. A returned application is submitted again from its own
//! page; both come to `service::subsidies::apply`.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::application::{self, Prefill};
use super::{change_rows, messages, period_label, ChangeRow, Env, Said};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::format_cents;
use crate::http::ApiError;
use crate::scoring::explain::SubsidyLine;
use crate::service::subsidies as service;
use crate::storage::subsidies::{self, Entitlement, EntitlementChange};
use crate::storage::{Database, StorageError};
use crate::web::viewer::{Gate, Viewer};
use crate::web::{page_with_status, see_other, PageError};

/// One community's households in the amount.
pub struct PartRow {
    pub community: String,
    pub base_condition: &'static str,
    pub households: u32,
    pub rate: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "subsidy_entitlement.html")]
struct EntitlementPage {
    viewer: Viewer,
    message: String,
    refused: bool,
    id: i64,
    company_code: String,
    period: String,
    programme: String,
    run_id: i64,
    amount: String,
    communities: i32,
    households: i64,
    opened_at: String,
    apply_until: String,
    parts: Vec<PartRow>,
    per_company: String,
    /// "scaled from X yuan by factor F", when a budget cap scaled it.
    scaled: String,
    changes: Vec<ChangeRow>,
    application_id: Option<i64>,
    can_apply: bool,
    window_closed: bool,
    documents: Vec<String>,
    statement: String,
}

fn yuan(amount: f64) -> String {
    format!("{amount:.2}")
}

async fn render(
    viewer: Viewer,
    env: &Env<'_>,
    id: i64,
    said: Said<String>,
) -> Result<HttpResponse, PageError> {
    let db = env.db.clone();
    let (e, changes, application_id) = crate::http::block(move || {
        let mut conn = db.get()?;
        let Some(e) = subsidies::get(&mut conn, id)? else {
            return Ok(None);
        };
        let changes: Vec<EntitlementChange> = subsidies::changes_of(&mut conn, id)?;
        let applied = subsidies::application_ids(&mut conn, &[id])?;
        Ok::<_, StorageError>(Some((e, changes, applied.get(&id).copied())))
    })
    .await??
    .ok_or(ApiError::NotFound)?;
    if viewer.caller.company().is_some_and(|c| c != e.company_code) {
        return Err(ApiError::NotFound.into());
    }
    let Entitlement { detail, .. } = &e;
    let line: SubsidyLine = serde_json::from_str(detail)
        .map_err(|err| ApiError::Internal(format!("entitlement {id} detail: {err}")))?;
    let until = service::apply_until(e.opened_at, &env.settings.subsidy);
    let today = env.clock.today();
    let own = viewer.company.as_deref() == Some(e.company_code.as_str());
    let page = EntitlementPage {
        refused: said.status != actix_web::http::StatusCode::OK,
        message: said.message,
        id: e.id,
        company_code: e.company_code.clone(),
        period: period_label(&e.period),
        programme: e.programme.clone(),
        run_id: e.run_id,
        amount: format_cents(e.amount_cents),
        communities: e.communities,
        households: e.households,
        opened_at: e.opened_at.format("%Y-%m-%d %H:%M").to_string(),
        apply_until: until.to_string(),
        parts: line
            .per_household
            .iter()
            .map(|p| PartRow {
                community: p.community_code.clone(),
                base_condition: p.base_condition.map_or("", |b| b.chinese()),
                households: p.households,
                rate: yuan(p.rate),
                amount: yuan(p.amount),
            })
            .collect(),
        per_company: line.per_company.map(yuan).unwrap_or_default(),
        scaled: match (line.before_budget, line.budget_factor) {
            (Some(before), Some(f)) => {
                format!("预算封顶：由 {} 元按系数 {f:.4} 缩减", yuan(before))
            }
            _ => String::new(),
        },
        changes: change_rows(&changes),
        application_id,
        can_apply: own && application_id.is_none() && e.amount_cents > 0 && today <= until,
        window_closed: own && application_id.is_none() && today > until,
        documents: env.settings.subsidy.documents_for(&e.programme).to_vec(),
        statement: said.typed.unwrap_or_default(),
        viewer,
    };
    page_with_status(&page, said.status)
}

/// `GET /subsidies/entitlements/{id}`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<i64>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let env = Env::of(&db, &settings, &clock);
    render(viewer, &env, path.into_inner(), Said::done(None)).await
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    csrf_token: String,
    statement: String,
}

/// Applies for entitlement `entitlement` as the viewer's company.
async fn applying(
    viewer: &Viewer,
    env: &Env<'_>,
    entitlement: i64,
    statement: String,
) -> Result<Result<i64, service::SubsidyError>, PageError> {
    let company = viewer.company.clone().ok_or(ApiError::Forbidden)?;
    let actor = viewer.caller.actor();
    let s = env.settings.subsidy.clone();
    let now = env.clock.now();
    let db = env.db.clone();
    Ok(crate::http::block(move || {
        service::apply(
            &mut *db.get()?,
            now,
            &s,
            &service::Applying {
                company: &company,
                entitlement_id: entitlement,
                statement: &statement,
                actor: &actor,
            },
        )
        .map(|a| a.id)
    })
    .await?)
}

/// `POST /subsidies/entitlements/{id}/application`: a company applies.
pub async fn apply(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<ApplyForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let env = Env::of(&db, &settings, &clock);
    let id = path.into_inner();
    match applying(&viewer, &env, id, form.statement.clone()).await? {
        Ok(application) => Ok(see_other(&format!(
            "/subsidies/applications/{application}?done=applied"
        ))
        .finish()),
        Err(e) => {
            let said = Said::refused(messages::refusal(e)?, form.statement);
            render(viewer, &env, id, said).await
        }
    }
}

/// `POST /subsidies/applications/{id}/resubmission`: a company submits its
/// returned application again (after adding what was missing).
pub async fn resubmit(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<ApplyForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let env = Env::of(&db, &settings, &clock);
    let id = path.into_inner();
    let view =
        crate::http::visible_subsidy_application(&viewer.caller, &db, &settings, clock.today(), id)
            .await?;
    let result = applying(&viewer, &env, view.entitlement.id, form.statement.clone()).await?;
    let typed = Prefill {
        statement: form.statement,
        ..Prefill::default()
    };
    application::finish(viewer, &env, id, "resubmitted", result.map(|_| ()), typed).await
}
