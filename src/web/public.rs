//! The public pages: the quarter's red and black lists as a printable
//! notice (公示), the latest on `/` and any published quarter on
//! `/periods/{P}`. Only published runs, and drafts in their public notice
//! (marked 公示中, not yet in effect), are ever shown here.

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
    /// A draft in public notice: its notice, e.g. `2026-04-05 至 2026-04-11`;
    /// empty for a published run.
    pub in_notice: String,
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
    /// A quarter in notice first (公示中), then the published one.
    notices: Vec<Notice>,
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
        in_notice: match (run.in_notice(), run.notice_from, run.notice_until) {
            (true, Some(from), Some(until)) => format!("{from} 至 {until}"),
            _ => String::new(),
        },
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
    let in_notice = crate::storage::notices::in_notice(&mut conn)?;
    let pending = match wanted {
        // The latest quarter in notice, unless an older one than what is published.
        None => in_notice.last().filter(|r| {
            published
                .first()
                .is_none_or(|p| r.period.as_str() >= p.period.as_str())
        }),
        Some(p) => in_notice.iter().find(|r| r.period == p.to_string()),
    };
    let run = match wanted {
        None => published.first(),
        Some(p) => {
            let code = p.to_string();
            let found = published.iter().find(|r| r.period == code);
            if found.is_none() && pending.is_none() {
                return Err(ApiError::NotFound);
            }
            found
        }
    };
    let mut notices = Vec::new();
    for r in pending.into_iter().chain(run) {
        notices.push(notice(&mut conn, r)?);
    }
    Ok(NoticePage {
        viewer,
        notices,
        quarters,
    })
}

/// `/`: the latest published quarter's red and black lists.
pub async fn home(req: HttpRequest, db: web::Data<Database>) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::of(&req).await?;
    let db = db.get_ref().clone();
    let body = crate::http::block(move || notice_page(&db, viewer, None)).await??;
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
    let body = crate::http::block(move || notice_page(&db, viewer, Some(period))).await??;
    page(&body)
}
