//! `/dashboard`: where an official starts — the latest published quarter's
//! grade distribution and lists, what moved since the quarter before,
//! appeals waiting and overdue, and the last and next scheduled run.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::viewer::{Gate, Viewer};
use super::{charts, page, PageError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::labels;
use crate::domain::{AppealStatus, ListPlacement, Period};
use crate::http::ApiError;
use crate::report::diff::diff;
use crate::service::appeals as appeal_rules;
use crate::service::scheduler;
use crate::storage::{appeals, runs, Database};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    viewer: Viewer,
    period_label: String,
    rated: usize,
    grade_chart: String,
    red: usize,
    black: usize,
    exits: usize,
    previous_label: String,
    grade_changes: usize,
    entered_red: usize,
    entered_black: usize,
    left_lists: usize,
    pending: usize,
    overdue: usize,
    last_scheduled: String,
    next_scheduled: String,
}

struct Facts {
    latest: Option<(Period, Vec<crate::scoring::ResultRow>)>,
    previous: Option<(Period, Vec<crate::scoring::ResultRow>)>,
    appeals: Vec<appeals::Appeal>,
    all_runs: Vec<runs::Run>,
}

fn facts(db: &Database) -> Result<Facts, ApiError> {
    let mut conn = db.get()?;
    let published = runs::published(&mut conn)?;
    let mut quarters = Vec::new();
    for run in published.iter().take(2) {
        let p = run.period()?;
        quarters.push((p, runs::results(&mut conn, run)?));
    }
    let mut quarters = quarters.into_iter();
    Ok(Facts {
        latest: quarters.next(),
        previous: quarters.next(),
        appeals: appeals::list(&mut conn, None, Some(AppealStatus::Pending))?,
        all_runs: runs::list(&mut conn, None)?,
    })
}

/// `GET /dashboard`.
pub async fn show(
    req: HttpRequest,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Official).await?;
    let db = db.get_ref().clone();
    let f = crate::http::block(move || facts(&db)).await??;
    let today = clock.today();
    let (period_label, rows) = match &f.latest {
        Some((p, rows)) => (labels::period(*p), rows.as_slice()),
        None => ("尚无已发布季度".to_string(), &[][..]),
    };
    let mut grades: Vec<(String, usize)> = Vec::new();
    for r in rows {
        match grades.iter_mut().find(|(g, _)| *g == r.grade) {
            Some((_, n)) => *n += 1,
            None => grades.push((r.grade.clone(), 1)),
        }
    }
    grades.sort();
    let total = rows.len().max(1);
    let share = |n: usize| {
        100.0 * f64::from(u32::try_from(n).unwrap_or(u32::MAX))
            / f64::from(u32::try_from(total).unwrap_or(u32::MAX))
    };
    let grade_chart = charts::bars(
        "等级分布（占参评企业的百分比）",
        &grades
            .iter()
            .map(|(g, n)| (format!("{g} 级（{n} 家）"), Some(share(*n))))
            .collect::<Vec<_>>(),
    );
    let count = |l: ListPlacement| rows.iter().filter(|r| r.list == l).count();
    let (previous_label, moved) = match (&f.previous, &f.latest) {
        (Some((p, before)), Some((_, after))) => (labels::period(*p), Some(diff(before, after))),
        _ => (String::new(), None),
    };
    let entered = |l: ListPlacement| {
        moved.as_ref().map_or(0, |d| {
            d.list_changes.iter().filter(|c| c.after == l).count()
        })
    };
    let overdue = f
        .appeals
        .iter()
        .cloned()
        .map(|a| appeal_rules::view(a, &settings.appeals, today))
        .filter(|v| v.overdue)
        .count();
    let last_scheduled = f
        .all_runs
        .iter()
        .find(|r| r.started_by == "scheduler")
        .map_or_else(
            || "尚无自动运行".to_string(),
            |r| {
                format!(
                    "{}（{}，运行 {}）",
                    r.started_at.format("%Y-%m-%d %H:%M"),
                    r.period,
                    r.id
                )
            },
        );
    let next_scheduled = if !settings.scheduler.enabled {
        "自动运行未开启".to_string()
    } else {
        let schedule = scheduler::Schedule::parse(&settings.scheduler.cron)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let now = clock.now();
        let next =
            scheduler::next_scheduled(&schedule, now, settings.scheduler.catch_up_quarters, |p| {
                f.all_runs.iter().any(|r| r.period == p.to_string())
            });
        match next {
            Some((quarter, due)) if due <= now => format!(
                "{}：已到期，数据导入后的下一次检查时计算",
                labels::period(quarter)
            ),
            Some((quarter, due)) => format!(
                "{}：{} 起",
                labels::period(quarter),
                due.format("%Y-%m-%d %H:%M")
            ),
            None => String::new(),
        }
    };
    page(&DashboardPage {
        viewer,
        period_label,
        rated: rows.len(),
        grade_chart,
        red: count(ListPlacement::Red),
        black: count(ListPlacement::Black),
        exits: rows
            .iter()
            .filter(|r| r.decision == crate::domain::Decision::Exit)
            .count(),
        previous_label,
        grade_changes: moved.as_ref().map_or(0, |d| d.grade_changes.len()),
        entered_red: entered(ListPlacement::Red),
        entered_black: entered(ListPlacement::Black),
        left_lists: entered(ListPlacement::None),
        pending: f.appeals.len(),
        overdue,
        last_scheduled,
        next_scheduled,
    })
}
