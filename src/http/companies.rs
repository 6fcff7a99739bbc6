//! A company's profile, results, explanation and credit file. Officials see
//! every company; a company user only its own — any other code answers 404.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ratings::parse_period;
use super::ApiError;
use crate::clock::Clock;
use crate::domain::Period;
use crate::rules::RuleBook;
use crate::scoring::{conduct_active_at, ResultRow};
use crate::storage::{records, runs, Database};

fn history(db: &Database, code: &str) -> Result<(records::Company, Vec<ResultRow>), ApiError> {
    let mut conn = db.get()?;
    let company = records::company(&mut conn, code)
        .map_err(crate::storage::StorageError::from)?
        .ok_or(ApiError::NotFound)?;
    let results = runs::published_history(&mut conn, code)?;
    Ok((company, results))
}

/// Runs `f` on the blocking pool (the access guard has checked the caller may see `code`).
async fn with_company<T: Send + 'static>(
    code: String,
    db: web::Data<Database>,
    f: impl FnOnce(&Database, &str) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let db = db.get_ref().clone();
    web::block(move || f(&db, &code)).await?
}

pub async fn profile(
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let (company, results) = with_company(path.into_inner(), db, history).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "company": company, "latest_result": results.last() })))
}

#[derive(Debug, Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
}

pub async fn results(
    path: web::Path<String>,
    query: web::Query<Range>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let from = query.from.as_deref().map(parse_period).transpose()?;
    let to = query.to.as_deref().map(parse_period).transpose()?;
    let (_, mut rows) = with_company(path.into_inner(), db, history).await?;
    rows.retain(|r| from.is_none_or(|f| r.period >= f) && to.is_none_or(|t| r.period <= t));
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": rows })))
}

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
}

pub async fn explanation(
    path: web::Path<String>,
    query: web::Query<PeriodQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let period = query.period.as_deref().map(parse_period).transpose()?;
    let explanation = with_company(path.into_inner(), db, move |db, code| {
        let (_, results) = history(db, code)?;
        // The named quarter, else the latest published one.
        let period = period
            .or_else(|| results.last().map(|r| r.period))
            .ok_or(ApiError::NotFound)?;
        let mut conn = db.get()?;
        let run = runs::published_run(&mut conn, period)?.ok_or(ApiError::NotFound)?;
        runs::explanation(&mut conn, run.id, code)?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(HttpResponse::Ok().json(explanation))
}

#[derive(Serialize)]
struct FileRecord {
    record_id: String,
    code: String,
    kind: Option<crate::rules::ConductKind>,
    description: Option<String>,
    points: Option<f64>,
    occurred_on: NaiveDate,
    community_code: Option<String>,
    note: Option<String>,
    /// active, expired, revoked, or unknown_code (not in the rule set in force).
    status: &'static str,
    expires_on: Option<NaiveDate>,
}

/// Every conduct record with its status on the last day of the quarter the
/// rule set in force today applies to, the results history, and the latest
/// credit score and level (信用档案).
pub async fn credit_file(
    path: web::Path<String>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let book = book.get_ref().clone();
    let today = clock.today();
    let body = with_company(path.into_inner(), db, move |db, code| {
        let (company, results) = history(db, code)?;
        let mut conn = db.get()?;
        let records =
            records::conduct_of(&mut conn, code).map_err(crate::storage::StorageError::from)?;
        let quarter = Period::containing(today);
        let rules = book.for_period(quarter).map(|s| &s.rules);
        let e = quarter.end();
        let file: Vec<FileRecord> = records
            .into_iter()
            .map(|(r, revoked_at)| {
                let entry = rules.and_then(|rs| rs.conduct.iter().find(|c| c.code == r.code));
                let expires_on = entry
                    .map(|c| crate::scoring::active_through(r.occurred_on, c.validity_months))
                    .and_then(|last| last.succ_opt());
                let status = match (revoked_at, entry) {
                    (Some(_), _) => "revoked",
                    (None, None) => "unknown_code",
                    (None, Some(c)) if conduct_active_at(r.occurred_on, e, c.validity_months) => {
                        "active"
                    }
                    (None, Some(_)) if r.occurred_on > e => "future",
                    (None, Some(_)) => "expired",
                };
                FileRecord {
                    kind: entry.map(|c| c.kind),
                    description: entry.and_then(|c| c.description.clone()),
                    points: entry.map(|c| c.points),
                    record_id: r.record_id,
                    code: r.code,
                    occurred_on: r.occurred_on,
                    community_code: r.community_code,
                    note: r.note,
                    status,
                    expires_on,
                }
            })
            .collect();
        let latest = results.last();
        Ok(serde_json::json!({
            "company": company,
            "as_of": e,
            "records": file,
            "results": results,
            "credit_score": latest.map(|r| r.credit_score),
            "credit_level": latest.map(|r| r.credit_level.clone()),
        }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
