//! A company's profile, results, explanation and credit file. Officials see
//! every company; a company user only its own — any other code answers 404.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::CompanyPath;
use super::ratings::parse_period;
use super::ApiError;
use crate::clock::Clock;
use crate::rules::RuleBook;
use crate::scoring::ResultRow;
use crate::service::companies::{self, CreditFile};
use crate::service::read_cache::ReadCache;
use crate::storage::{records, Database};

/// The company with its published results, from the read cache (the
/// busiest read of a company's own users).
async fn history(
    code: String,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
) -> Result<(records::Company, Vec<ResultRow>), ApiError> {
    super::cached(&cache, &db, move |cache, from| cache.history(from, &code))
        .await?
        .ok_or(ApiError::NotFound)
}

/// Runs `f` on the blocking pool (the access guard has checked the caller may see `code`).
async fn with_company<T: Send + 'static>(
    code: String,
    db: web::Data<Database>,
    f: impl FnOnce(&Database, &str) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let db = db.get_ref().clone();
    crate::http::block(move || f(&db, &code)).await?
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
    cache: web::Data<ReadCache>,
) -> Result<HttpResponse, ApiError> {
    let (company, mut results) = history(path.into_inner(), db, cache).await?;
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
    cache: web::Data<ReadCache>,
) -> Result<HttpResponse, ApiError> {
    let from = query.from.as_deref().map(parse_period).transpose()?;
    let to = query.to.as_deref().map(parse_period).transpose()?;
    let (_, mut rows) = history(path.into_inner(), db, cache).await?;
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
/// and rule that counted (the method's explanation tree), and `contested`:
/// the records it counted that are under appeal or repair now.
#[utoipa::path(get, path = "/companies/{code}/explanation", params(CompanyPath, PeriodQuery),
    responses((status = 200, body = Object)))]
pub async fn explanation(
    path: web::Path<String>,
    query: web::Query<PeriodQuery>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
) -> Result<HttpResponse, ApiError> {
    let period = query.period.as_deref().map(parse_period).transpose()?;
    let book = book.get_ref().clone();
    let explanation = with_company(path.into_inner(), db, move |db, code| {
        let mut conn = db.get()?;
        let explanation =
            companies::explanation(&mut conn, code, period)?.ok_or(ApiError::NotFound)?;
        Ok(crate::service::contested::mark(
            &mut conn,
            &book,
            explanation,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(explanation))
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
        companies::credit_file(&mut *db.get()?, &book, code, today)?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
