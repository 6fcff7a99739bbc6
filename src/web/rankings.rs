//! `/rankings`: a quarter's full ranking for officials — filter by district,
//! grade, list and name, sort, page — and download exactly the rows the
//! filters select (all pages, in the shown order) as CSV or XLSX. Rows are
//! selected by the same code as the API's rankings.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::viewer::{Gate, Viewer};
use super::{page, PageError};
use crate::domain::labels;
use crate::domain::{ListPlacement, Period};
use crate::http::ratings::{filter_of, RankingQuery};
use crate::http::ApiError;
use crate::report::export;
use crate::report::ranking::{self, Sort, Table};
use crate::rules::RuleBook;
use crate::scoring::ResultRow;
use crate::service::read_cache::{ReadCache, Source};
use crate::storage::runs::Run;
use crate::storage::{Database, StorageError};

const PER_PAGE: u32 = 50;

/// The page's query: every field as written in the address bar.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PageQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<String>,
}

impl PageQuery {
    /// Empty fields (an unselected "全部") mean no filter.
    fn cleaned(mut self) -> Self {
        for f in [
            &mut self.period,
            &mut self.district,
            &mut self.grade,
            &mut self.list,
            &mut self.q,
            &mut self.sort,
            &mut self.page,
        ] {
            if f.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *f = None;
            }
        }
        self
    }

    fn ranking(&self) -> RankingQuery {
        RankingQuery {
            district: self.district.clone(),
            grade: self.grade.clone(),
            list: self.list.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            ..RankingQuery::default()
        }
    }

    /// This query with another page (or none), as a query string.
    fn with_page(&self, page: Option<u32>) -> String {
        let q = PageQuery {
            page: page.map(|p| p.to_string()),
            ..self.clone()
        };
        serde_urlencoded::to_string(&q).unwrap_or_default()
    }
}

pub struct Row {
    pub rank: u32,
    pub code: String,
    pub name: String,
    pub district: String,
    pub district_rank: u32,
    pub total: String,
    pub dims: Vec<String>,
    pub grade: String,
    pub list: &'static str,
    pub decision: &'static str,
    pub credit: String,
    pub subsidy: String,
}

#[derive(Template)]
#[template(path = "rankings.html")]
pub struct RankingsPage {
    pub viewer: Viewer,
    pub period: String,
    pub period_label: String,
    pub status: &'static str,
    pub periods: Vec<(String, String)>,
    pub districts: Vec<String>,
    pub grades: Vec<String>,
    pub query: PageQuery,
    pub sorts: Vec<(&'static str, &'static str)>,
    pub lists: Vec<(&'static str, &'static str)>,
    pub matching: usize,
    pub page: u32,
    pub pages: u32,
    pub rows: Vec<Row>,
    pub prev: String,
    pub next: String,
    pub download: String,
}

fn row(r: &ResultRow) -> Row {
    let dim =
        |v: Option<crate::scoring::Fixed2>| v.map_or_else(|| "—".to_string(), |f| f.to_string());
    Row {
        rank: r.rank,
        code: r.company_code.clone(),
        name: r.company_name.clone(),
        district: r.district.clone(),
        district_rank: r.district_rank,
        total: r.total.to_string(),
        dims: vec![
            dim(r.satisfaction),
            dim(r.complaint_rate),
            dim(r.timely_resolution),
            dim(r.fee_collection),
            dim(r.inspection),
        ],
        grade: r.grade.clone(),
        list: labels::list(r.list),
        decision: labels::decision(r.decision),
        credit: format!("{}（{}）", r.credit_score, r.credit_level),
        subsidy: r.subsidy.to_string(),
    }
}

/// The run and table the query asks for: the named quarter (default: the
/// latest published one), its published run.
fn load(
    db: &Database,
    cache: &ReadCache,
    period: Option<&str>,
) -> Result<(Vec<Run>, Run, std::sync::Arc<Table>), ApiError> {
    let from = Source::Database(db);
    let mut published: Vec<Run> = cache.published(from)?.values().cloned().collect();
    published.sort_by(|a, b| b.period.cmp(&a.period));
    let period: Period = match period {
        Some(p) => p
            .parse()
            .map_err(|e: String| ApiError::bad_request("bad_period", e))?,
        None => published.first().ok_or(ApiError::NotFound)?.period()?,
    };
    let (run, table) = cache
        .table_of(from, period, None)?
        .ok_or(ApiError::NotFound)?;
    Ok((published, run, table))
}

/// `GET /rankings`.
pub async fn show(
    req: HttpRequest,
    query: web::Query<PageQuery>,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Official).await?;
    let query = query.into_inner().cleaned();
    let filter = filter_of(&query.ranking())?;
    let page_no: u32 =
        match &query.page {
            None => 1,
            Some(p) => p.parse::<u32>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                ApiError::bad_request("bad_query", "page must be a number from 1")
            })?,
        };
    let db = db.get_ref().clone();
    let cache = cache.into_inner();
    let wanted = query.period.clone();
    let (published, run, table) =
        crate::http::block(move || load(&db, &cache, wanted.as_deref())).await??;
    let selected = ranking::select(&table, &filter);
    let matching = selected.len();
    let pages = u32::try_from(matching.div_ceil(PER_PAGE as usize).max(1)).unwrap_or(u32::MAX);
    let rows = ranking::page_of(&selected, page_no, PER_PAGE);
    let mut grades: Vec<String> = Vec::new();
    for r in &table.rows {
        if !grades.contains(&r.grade) {
            grades.push(r.grade.clone());
        }
    }
    grades.sort();
    let period: Period = run
        .period
        .parse()
        .map_err(|e: String| StorageError::Corrupt(e))?;
    page(&RankingsPage {
        viewer,
        period: run.period.clone(),
        period_label: labels::period(period),
        status: labels::run_status(run.status),
        periods: published
            .iter()
            .filter_map(|r| {
                r.period
                    .parse::<Period>()
                    .ok()
                    .map(|p| (r.period.clone(), labels::period(p)))
            })
            .collect(),
        districts: table.districts().into_iter().map(str::to_string).collect(),
        grades,
        sorts: [Sort::Rank, Sort::RankDescending, Sort::Name, Sort::District]
            .into_iter()
            .map(|s| {
                let label = match s {
                    Sort::Rank => "按排名",
                    Sort::RankDescending => "按排名（倒序）",
                    Sort::Name => "按企业名称",
                    Sort::District => "按区县",
                };
                (s.as_str(), label)
            })
            .collect(),
        lists: [
            ListPlacement::Red,
            ListPlacement::Black,
            ListPlacement::None,
        ]
        .into_iter()
        .map(|l| {
            (
                l.as_str(),
                if l == ListPlacement::None {
                    "未列入红黑榜"
                } else {
                    labels::list(l)
                },
            )
        })
        .collect(),
        matching,
        page: page_no,
        pages,
        rows: rows.into_iter().map(row).collect(),
        prev: if page_no > 1 {
            query.with_page(Some(page_no - 1))
        } else {
            String::new()
        },
        next: if page_no < pages {
            query.with_page(Some(page_no + 1))
        } else {
            String::new()
        },
        download: query.with_page(None),
        query,
    })
}

/// `GET /rankings/export.{csv,xlsx}`: every row the filters select, in order.
pub async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    db: web::Data<Database>,
    cache: web::Data<ReadCache>,
    book: web::Data<RuleBook>,
) -> Result<HttpResponse, PageError> {
    Viewer::admit(&req, Gate::Official).await?;
    let format = path.into_inner();
    let query = query.into_inner().cleaned();
    let filter = filter_of(&query.ranking())?;
    let db = db.get_ref().clone();
    let cache = cache.into_inner();
    let wanted = query.period.clone();
    let book = book.get_ref().clone();
    let (run, table, contested) = crate::http::block(move || -> Result<_, ApiError> {
        let (_, run, table) = load(&db, &cache, wanted.as_deref())?;
        let contested =
            crate::service::contested::in_quarter(&mut *db.get()?, &book, run.period()?, None)?;
        Ok((run, table, contested))
    })
    .await??;
    let rows: Vec<ResultRow> = ranking::select(&table, &filter)
        .into_iter()
        .cloned()
        .collect();
    let (bytes, content_type) = match format.as_str() {
        "csv" => (
            export::csv(&rows).map_err(|e| ApiError::Internal(e.to_string()))?,
            "text/csv; charset=utf-8",
        ),
        "xlsx" => (
            export::xlsx(&run, &rows, &contested).map_err(|e| ApiError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(PageError::Api(ApiError::NotFound)),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"rankings-{}.{format}\"", run.period),
        ))
        .body(bytes))
}
