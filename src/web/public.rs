//! The public pages: the quarter's red and black lists as a printable
//! notice (公示), the latest on `/` and any published quarter on
//! `/periods/{P}`. Only published runs are ever shown here.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::viewer::Viewer;
use super::{page, PageError};
use crate::domain::labels;
use crate::domain::{ListPlacement, Period};
use crate::http::ApiError;
use crate::storage::runs::{self, Run};
use crate::storage::{Conn, Database, StorageError};

/// One company on a list, as the notice prints it.
pub struct NoticeRow {
    pub rank: u32,
    pub name: String,
    pub code: String,
    pub district: String,
    pub total: String,
    pub grade: String,
}

/// One quarter's published lists.
pub struct Notice {
    pub period: Period,
    pub period_label: String,
    pub published_on: String,
    pub rule_name: String,
    pub rule_version: String,
    pub rated: usize,
    pub red: Vec<NoticeRow>,
    pub black: Vec<NoticeRow>,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    viewer: Viewer,
    notice: Option<Notice>,
    /// (YYYYQn, label) of every published quarter, latest first.
    quarters: Vec<(Period, String)>,
}

fn notice(conn: &mut Conn, run: &Run) -> Result<Notice, StorageError> {
    let period = run.period()?;
    let rows = runs::results(conn, run)?;
    let on = |which: ListPlacement| -> Vec<NoticeRow> {
        rows.iter()
            .filter(|r| r.list == which)
            .map(|r| NoticeRow {
                rank: r.rank,
                name: r.company_name.clone(),
                code: r.company_code.clone(),
                district: r.district.clone(),
                total: r.total.to_string(),
                grade: r.grade.clone(),
            })
            .collect()
    };
    Ok(Notice {
        period,
        period_label: labels::period(period),
        published_on: run
            .published_at
            .map(|t| t.date().to_string())
            .unwrap_or_default(),
        rule_name: run.rule_name.clone(),
        rule_version: run.rule_version.clone(),
        rated: rows.len(),
        red: on(ListPlacement::Red),
        black: on(ListPlacement::Black),
    })
}

/// The notice of `wanted` (the latest when None) and every published quarter.
fn notice_page(
    db: &Database,
    viewer: Viewer,
    wanted: Option<Period>,
) -> Result<NoticePage, ApiError> {
    let mut conn = db.get()?;
    let published = runs::published(&mut conn)?;
    let mut quarters = Vec::new();
    for run in &published {
        let p = run.period()?;
        quarters.push((p, labels::period(p)));
    }
    let run = match wanted {
        None => published.first(),
        Some(p) => {
            let code = p.to_string();
            Some(
                published
                    .iter()
                    .find(|r| r.period == code)
                    .ok_or(ApiError::NotFound)?,
            )
        }
    };
    let notice = run.map(|r| notice(&mut conn, r)).transpose()?;
    Ok(NoticePage {
        viewer,
        notice,
        quarters,
    })
}

/// `/`: the latest published quarter's red and black lists.
pub async fn home(req: HttpRequest, db: web::Data<Database>) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::of(&req).await?;
    let db = db.get_ref().clone();
    let body = web::block(move || notice_page(&db, viewer, None)).await??;
    page(&body)
}

/// `/periods/{P}`: an earlier quarter's notice (404 when it was never published).
pub async fn period(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, PageError> {
    let period: Period = path.parse().map_err(|_| ApiError::NotFound)?;
    let viewer = Viewer::of(&req).await?;
    let db = db.get_ref().clone();
    let body = web::block(move || notice_page(&db, viewer, Some(period))).await??;
    page(&body)
}
