//! A company's profile, results, explanation and credit file. Officials see
//! every company; a company user only its own — any other code answers 404.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::CompanyPath;
use super::ratings::parse_period;
use super::ApiError;
use crate::clock::Clock;
use crate::domain::Period;
use crate::rules::RuleBook;
use crate::scoring::{conduct_active_at, Fixed2, ResultRow};
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

/// A company and its latest published result.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    company: records::Company,
    latest_result: Option<ResultRow>,
}

/// A company's published results, oldest quarter first.
#[derive(Serialize, ToSchema)]
pub struct Results {
    results: Vec<ResultRow>,
}

#[utoipa::path(get, path = "/companies/{code}", params(CompanyPath),
    responses((status = 200, body = Profile)))]
pub async fn profile(
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let (company, mut results) = with_company(path.into_inner(), db, history).await?;
    Ok(HttpResponse::Ok().json(Profile {
        company,
        latest_result: results.pop(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Range {
    /// The first quarter, YYYYQn.
    #[param(pattern = r"^\d{4}Q[1-4]$")]
    from: Option<String>,
    /// The last quarter, YYYYQn.
    #[param(pattern = r"^\d{4}Q[1-4]$")]
    to: Option<String>,
}

#[utoipa::path(get, path = "/companies/{code}/results", params(CompanyPath, Range),
    responses((status = 200, body = Results)))]
pub async fn results(
    path: web::Path<String>,
    query: web::Query<Range>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let from = query.from.as_deref().map(parse_period).transpose()?;
    let to = query.to.as_deref().map(parse_period).transpose()?;
    let (_, mut rows) = with_company(path.into_inner(), db, history).await?;
    rows.retain(|r| from.is_none_or(|f| r.period >= f) && to.is_none_or(|t| r.period <= t));
    Ok(HttpResponse::Ok().json(Results { results: rows }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The quarter, YYYYQn (default: the latest published one).
    #[param(pattern = r"^\d{4}Q[1-4]$")]
    period: Option<String>,
}

/// How a company's numbers came about: every indicator, community, record
/// and rule that counted (the method's explanation tree).
#[utoipa::path(get, path = "/companies/{code}/explanation", params(CompanyPath, PeriodQuery),
    responses((status = 200, body = Object)))]
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

#[derive(Serialize, ToSchema)]
struct FileRecord {
    record_id: String,
    code: String,
    /// good or bad, as the rule set in force says.
    #[schema(value_type = Option<String>)]
    kind: Option<crate::rules::ConductKind>,
    description: Option<String>,
    points: Option<f64>,
    occurred_on: NaiveDate,
    community_code: Option<String>,
    note: Option<String>,
    /// active, expired, revoked, or unknown_code (not in the rule set in force).
    #[schema(value_type = FileRecordStatus)]
    status: &'static str,
    expires_on: Option<NaiveDate>,
}

/// A record's standing in the credit file (documented; the handler writes the text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum FileRecordStatus {
    Active,
    Expired,
    Revoked,
    Future,
    UnknownCode,
}

/// A company's credit file (信用档案).
#[derive(Serialize, ToSchema)]
pub struct CreditFile {
    company: records::Company,
    /// The day the statuses are taken on: the end of this quarter.
    as_of: NaiveDate,
    records: Vec<FileRecord>,
    results: Vec<ResultRow>,
    credit_score: Option<Fixed2>,
    credit_level: Option<String>,
}

/// Every conduct record with its status on the last day of the quarter the
/// rule set in force today applies to, the results history, and the latest
/// credit score and level (信用档案).
#[utoipa::path(get, path = "/companies/{code}/credit-file", params(CompanyPath),
    responses((status = 200, body = CreditFile)))]
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
        Ok(CreditFile {
            credit_score: latest.map(|r| r.credit_score),
            credit_level: latest.map(|r| r.credit_level.clone()),
            company,
            as_of: e,
            records: file,
            results,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
