//! Published rankings and the red and black lists.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::PeriodPath;
use super::ApiError;
use crate::domain::{ListPlacement, Period, RunStatus};
use crate::report::ranking::{self, Filter, Sort, Table};
use crate::scoring::{Fixed2, ResultRow};
use crate::service::read_cache::ReadCache;
use crate::storage::runs::Run;
use crate::storage::Database;

/// What anyone may see of a published result.
#[derive(Serialize, ToSchema)]
// In the document: no more than these fields, so a full row is never taken for one.
#[serde(deny_unknown_fields)]
pub struct PublicRow<'a> {
    pub company_code: &'a str,
    pub company_name: &'a str,
    pub district: &'a str,
    pub total: Fixed2,
    pub grade: &'a str,
    pub list: ListPlacement,
    pub rank: u32,
}

impl<'a> From<&'a ResultRow> for PublicRow<'a> {
    fn from(r: &'a ResultRow) -> Self {
        PublicRow {
            company_code: &r.company_code,
            company_name: &r.company_name,
            district: &r.district,
            total: r.total,
            grade: &r.grade,
            list: r.list,
            rank: r.rank,
        }
    }
}

pub fn parse_period(text: &str) -> Result<Period, ApiError> {
    text.parse()
        .map_err(|e: String| ApiError::bad_request("bad_period", e))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// Only this registered district (its own ranks stay in `district_rank`).
    pub district: Option<String>,
    /// Only this grade, as the rule set names it.
    pub grade: Option<String>,
    /// Only this list.
    #[param(value_type = Option<ListPlacement>)]
    pub list: Option<String>,
    /// Part of a company's name or code.
    pub q: Option<String>,
    /// From 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// From 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
    /// rank (default), -rank, name or district.
    #[param(value_type = Option<Sort>)]
    pub sort: Option<String>,
    /// Admins: a draft run of the quarter instead of the published one.
    pub run_id: Option<i64>,
}

/// One row of a ranking: every column for officials, the public columns
/// for everyone else.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum RankingRow<'a> {
    Full(&'a ResultRow),
    Public(PublicRow<'a>),
}

/// One page of a quarter's ranking.
#[derive(Serialize, ToSchema)]
pub struct RankingPage<'a> {
    period: Period,
    run_id: i64,
    status: RunStatus,
    /// Rows matching the filters, on every page together.
    matching: usize,
    page: u32,
    per_page: u32,
    rows: Vec<RankingRow<'a>>,
}

/// The companies on one of a quarter's lists.
#[derive(Serialize, ToSchema)]
pub struct ListBody<'a> {
    period: Period,
    run_id: i64,
    list: ListPlacement,
    companies: Vec<PublicRow<'a>>,
}

/// The run a period's table comes from: its published run, or (admins) a named run.
async fn table_of(
    db: &web::Data<Database>,
    cache: &web::Data<ReadCache>,
    period: Period,
    run_id: Option<i64>,
) -> Result<(Run, Arc<Table>), ApiError> {
    super::cached(cache, db, move |cache, from| {
        cache.table_of(from, period, run_id)
    })
    .await?
    .ok_or(ApiError::NotFound)
}

/// The filter a query asks for; a bad list or sort is a 400.
pub fn filter_of(q: &RankingQuery) -> Result<Filter, ApiError> {
    let list = q
        .list
        .as_deref()
        .map(|l| {
            l.parse::<ListPlacement>()
                .map_err(|_| ApiError::bad_request("bad_query", "list must be red, black or none"))
        })
        .transpose()?;
    let sort = match q.sort.as_deref() {
        None => Sort::Rank,
        Some(s) => s
            .parse::<Sort>()
            .map_err(|e| ApiError::bad_request("bad_query", e))?,
    };
    Ok(Filter {
        district: q.district.clone(),
        grade: q.grade.clone(),
        list,
        text: q.q.clone(),
        sort,
    })
}

#[utoipa::path(get, path = "/periods/{period}/rankings",
    params(PeriodPath, RankingQuery),
    responses((status = 200, body = RankingPage)))]
pub async fn rankings(
    path: web::Path<String>,
    query: web::Query<RankingQuery>,
    caller: Caller,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&path)?;
    let q = query.into_inner();
    if q.run_id.is_some() {
        caller.require_admin()?;
    }
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=500).contains(&per_page) {
        return Err(ApiError::bad_request(
            "bad_query",
            "per_page must be from 1 to 500",
        ));
    }
    let page = q.page.unwrap_or(1).max(1);
    let filter = filter_of(&q)?;
    let (run, table) = table_of(&db, &cache, period, q.run_id).await?;
    let (matching, page_rows) = ranking::select_page(&table, &filter, page, per_page);
    let official = caller.is_official();
    let rows = page_rows
        .into_iter()
        .map(|r| {
            if official {
                RankingRow::Full(r)
            } else {
                RankingRow::Public(PublicRow::from(r))
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(RankingPage {
        period,
        run_id: run.id,
        status: run.status,
        matching,
        page,
        per_page,
        rows,
    }))
}

async fn list_of(
    period: String,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
    which: ListPlacement,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&period)?;
    let (run, rows) = table_of(&db, &cache, period, None).await?;
    let listed: Vec<PublicRow<'_>> = rows
        .rows
        .iter()
        .filter(|r| r.list == which)
        .map(PublicRow::from)
        .collect();
    Ok(HttpResponse::Ok().json(ListBody {
        period,
        run_id: run.id,
        list: which,
        companies: listed,
    }))
}

#[utoipa::path(get, path = "/periods/{period}/red-list", params(PeriodPath),
    responses((status = 200, body = ListBody)))]
pub async fn red_list(
    path: web::Path<String>,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
) -> Result<HttpResponse, ApiError> {
    list_of(path.into_inner(), db, cache, ListPlacement::Red).await
}

#[utoipa::path(get, path = "/periods/{period}/black-list", params(PeriodPath),
    responses((status = 200, body = ListBody)))]
pub async fn black_list(
    path: web::Path<String>,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
) -> Result<HttpResponse, ApiError> {
    list_of(path.into_inner(), db, cache, ListPlacement::Black).await
}
