//! Published rankings and the red and black lists.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::PeriodPath;
use super::ApiError;
use crate::domain::{ListPlacement, Period, RunStatus};
use crate::scoring::{Fixed2, ResultRow};
use crate::storage::runs::{self, Run};
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// Only this registered district (its own ranks stay in `district_rank`).
    district: Option<String>,
    /// Only this grade, as the rule set names it.
    grade: Option<String>,
    /// Only this list.
    #[param(value_type = Option<ListPlacement>)]
    list: Option<String>,
    /// Part of a company's name or code.
    q: Option<String>,
    /// From 1.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// From 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
    /// rank (default), -rank, name or district.
    #[param(value_type = Option<RankingSort>)]
    sort: Option<String>,
    /// Admins: a draft run of the quarter instead of the published one.
    run_id: Option<i64>,
}

/// How a ranking page is ordered (documented; the handler reads the text).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum RankingSort {
    Rank,
    #[schema(rename = "-rank")]
    RankDescending,
    Name,
    District,
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

/// A run's result rows, with the positions of each district's rows (the
/// filter officials use most), built once when the table is cached.
pub struct Table {
    pub rows: Vec<ResultRow>,
    by_district: HashMap<String, Vec<usize>>,
}

impl Table {
    fn new(rows: Vec<ResultRow>) -> Self {
        let mut by_district: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            by_district.entry(r.district.clone()).or_default().push(i);
        }
        Self { rows, by_district }
    }

    /// The rows of one district (in rank order), or all.
    fn district(&self, district: Option<&str>) -> Vec<&ResultRow> {
        match district {
            None => self.rows.iter().collect(),
            Some(d) => self
                .by_district
                .get(d)
                .map(|ix| ix.iter().filter_map(|&i| self.rows.get(i)).collect())
                .unwrap_or_default(),
        }
    }
}

/// Result tables of runs, by run id. A run's rows never change once stored,
/// so a cached table is always right; only "which run is published" is asked
/// of the database on each request.
#[derive(Default)]
pub struct RunCache {
    tables: Mutex<Vec<(i64, Arc<Table>)>>,
}

/// Tables kept: one per quarter a bureau typically browses, plus drafts.
const CACHED_RUNS: usize = 16;

impl RunCache {
    fn get(&self, run_id: i64) -> Option<Arc<Table>> {
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables
            .iter()
            .find(|(id, _)| *id == run_id)
            .map(|(_, t)| t.clone())
    }

    fn put(&self, run_id: i64, table: Arc<Table>) {
        let mut tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables.retain(|(id, _)| *id != run_id);
        if tables.len() >= CACHED_RUNS {
            tables.remove(0);
        }
        tables.push((run_id, table));
    }
}

/// The run a period's table comes from: its published run, or (admins) a named run.
fn table_of(
    db: &Database,
    cache: &RunCache,
    period: Period,
    run_id: Option<i64>,
) -> Result<(Run, Arc<Table>), ApiError> {
    let mut conn = db.get()?;
    let run = match run_id {
        Some(id) => runs::get(&mut conn, id)?.filter(|r| r.period == period.to_string()),
        None => runs::published_run(&mut conn, period)?,
    }
    .ok_or(ApiError::NotFound)?;
    if let Some(table) = cache.get(run.id) {
        return Ok((run, table));
    }
    let table = Arc::new(Table::new(runs::results(&mut conn, &run)?));
    cache.put(run.id, table.clone());
    Ok((run, table))
}

#[utoipa::path(get, path = "/periods/{period}/rankings",
    params(PeriodPath, RankingQuery),
    responses((status = 200, body = RankingPage)))]
pub async fn rankings(
    path: web::Path<String>,
    query: web::Query<RankingQuery>,
    caller: Caller,
    db: web::Data<Database>,
    cache: web::Data<RunCache>,
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
    let list = q
        .list
        .as_deref()
        .map(|l| {
            l.parse::<ListPlacement>()
                .map_err(|_| ApiError::bad_request("bad_query", "list must be red, black or none"))
        })
        .transpose()?;
    let db = db.get_ref().clone();
    let run_id = q.run_id;
    let cache = cache.into_inner();
    let (run, table) = web::block(move || table_of(&db, &cache, period, run_id)).await??;
    let mut rows: Vec<&ResultRow> = table.district(q.district.as_deref());
    rows.retain(|r| {
        q.grade.as_deref().is_none_or(|g| r.grade == g)
            && list.is_none_or(|l| r.list == l)
            && q.q
                .as_deref()
                .is_none_or(|text| r.company_name.contains(text) || r.company_code.contains(text))
    });
    match q.sort.as_deref().unwrap_or("rank") {
        "rank" => {}
        "-rank" => rows.reverse(),
        "name" => rows.sort_by(|a, b| {
            a.company_name
                .cmp(&b.company_name)
                .then(a.company_code.cmp(&b.company_code))
        }),
        "district" => rows.sort_by(|a, b| {
            a.district
                .cmp(&b.district)
                .then(a.district_rank.cmp(&b.district_rank))
        }),
        other => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("sort '{other}' is not one of rank, -rank, name, district"),
            ))
        }
    }
    let matching = rows.len();
    // Checked: a page number near u32::MAX must not wrap around to page 1.
    let skip = u64::from(page - 1).saturating_mul(u64::from(per_page));
    let start = usize::try_from(skip).unwrap_or(usize::MAX).min(matching);
    let end = start
        .saturating_add(usize::try_from(per_page).unwrap_or(0))
        .min(matching);
    let page_rows: Vec<&ResultRow> = rows[start..end].to_vec();
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
    cache: web::Data<RunCache>,
    which: ListPlacement,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&period)?;
    let db = db.get_ref().clone();
    let cache = cache.into_inner();
    let (run, rows) = web::block(move || table_of(&db, &cache, period, None)).await??;
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
    cache: web::Data<RunCache>,
) -> Result<HttpResponse, ApiError> {
    list_of(path.into_inner(), db, cache, ListPlacement::Red).await
}

#[utoipa::path(get, path = "/periods/{period}/black-list", params(PeriodPath),
    responses((status = 200, body = ListBody)))]
pub async fn black_list(
    path: web::Path<String>,
    db: web::Data<Database>,
    cache: web::Data<RunCache>,
) -> Result<HttpResponse, ApiError> {
    list_of(path.into_inner(), db, cache, ListPlacement::Black).await
}
