//! `/runs`: the rating runs — history, starting a draft run, what a run
//! changes against the published one, and publishing (with four eyes when
//! configured). Officials read; admins act. The rating, comparison and
//! publishing are the services the API and the scheduler use.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::viewer::{Gate, Viewer};
use super::{page_with_status, see_other, PageError, TokenForm};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::labels;
use crate::domain::{ListPlacement, Period, RunStatus};
use crate::http::ApiError;
use crate::report::diff::{compare_runs, CompareError, RunDiff};
use crate::rules::RuleBook;
use crate::service::notice::{self, NoticeError, Readiness};
use crate::service::publishing::{self, PublishingError};
use crate::service::rating::{self, RunRequest};
use crate::storage::runs::{self, PublishError, Run};
use crate::storage::Database;

pub struct RunRow {
    pub id: i64,
    pub period: String,
    pub status: &'static str,
    pub rules: String,
    pub started: String,
    pub published: String,
    /// A cascade's draft: the chain it is published with, or empty.
    pub chain: String,
    /// Its public notice (公示期), or empty.
    pub notice: String,
}

fn run_row(r: &Run) -> RunRow {
    RunRow {
        id: r.id,
        period: r
            .period
            .parse::<Period>()
            .map_or_else(|_| r.period.clone(), labels::period),
        status: if r.in_notice() {
            "公示中"
        } else {
            labels::run_status(r.status)
        },
        rules: format!("{} {}", r.rule_name, r.rule_version),
        started: format!(
            "{} · {}",
            r.started_at.format("%Y-%m-%d %H:%M"),
            r.started_by
        ),
        published: match (&r.published_at, &r.published_by) {
            (Some(at), Some(by)) => format!("{} · {by}", at.format("%Y-%m-%d %H:%M")),
            _ => String::new(),
        },
        chain: r.chain_of.map_or_else(String::new, |head| {
            format!("级联重算链（首个运行 {head}）：链中各草稿一并发布，或都不发布")
        }),
        notice: match (r.notice_from, r.notice_until, r.replaces) {
            (Some(from), Some(until), None) => format!("公示期 {from} 至 {until}"),
            (Some(from), Some(until), Some(old)) => {
                format!(
                    "公示期 {from} 至 {until}（替代公示中的运行 {old}；结果有变化的企业重新公示）"
                )
            }
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "runs.html")]
struct RunsPage {
    viewer: Viewer,
    runs: Vec<RunRow>,
    rule_sets: Vec<(String, String)>,
    default_period: String,
    message: String,
}

/// One line of a diff table: company, before, after.
pub struct ChangeRow {
    pub code: String,
    pub name: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage {
    viewer: Viewer,
    run: RunRow,
    draft: bool,
    four_eyes: bool,
    /// The bureau has a notice period and this draft is not in notice yet.
    can_announce: bool,
    /// Publishable now without a reason.
    ready: bool,
    /// Where the notice stands, or empty.
    readiness: String,
    against: Option<RunRow>,
    nothing_to_compare: String,
    diff: DiffView,
    message: String,
}

/// What changed between two sets of results, as the pages show it.
pub struct DiffView {
    pub grades: Vec<ChangeRow>,
    pub lists: Vec<ChangeRow>,
    pub ranks: Vec<ChangeRow>,
    pub subsidies: Vec<ChangeRow>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub subsidy_delta: String,
}

pub fn diff_view(diff: &RunDiff) -> DiffView {
    DiffView {
        grades: rows(&diff.grade_changes, String::clone),
        lists: rows(&diff.list_changes, |l| list_label(*l)),
        ranks: rows(&diff.rank_moves, u32::to_string),
        subsidies: rows(&diff.subsidy_changes, |f| f.to_string()),
        added: diff.added.clone(),
        removed: diff.removed.clone(),
        subsidy_delta: diff.subsidy_delta.to_string(),
    }
}

fn list_label(l: ListPlacement) -> String {
    match l {
        ListPlacement::None => "未上榜".into(),
        other => labels::list(other).into(),
    }
}

fn rows<T>(
    changes: &[crate::report::diff::Change<T>],
    show: impl Fn(&T) -> String,
) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|c| ChangeRow {
            code: c.company_code.clone(),
            name: c.company_name.clone(),
            before: show(&c.before),
            after: show(&c.after),
        })
        .collect()
}

/// `GET /runs`.
pub async fn list(
    req: HttpRequest,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Official).await?;
    list_page(viewer, &db, &book, &clock, String::new(), StatusCode::OK).await
}

async fn list_page(
    viewer: Viewer,
    db: &Database,
    book: &RuleBook,
    clock: &Clock,
    message: String,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let db = db.clone();
    let all = crate::http::block(move || runs::list(&mut *db.get()?, None)).await??;
    page_with_status(
        &RunsPage {
            viewer,
            runs: all.iter().map(run_row).collect(),
            rule_sets: book
                .sets
                .iter()
                .map(|s| {
                    (
                        s.sha256.clone(),
                        format!(
                            "{} {}（自 {} 起）",
                            s.rules.name, s.rules.version, s.rules.effective_from
                        ),
                    )
                })
                .collect(),
            default_period: Period::containing(clock.today()).prev().to_string(),
            message,
        },
        status,
    )
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    period: String,
    rule_sha256: String,
    csrf_token: String,
}

/// `POST /runs`: an admin starts a draft run.
pub async fn start(
    req: HttpRequest,
    form: web::Form<StartForm>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let Ok(period) = form.period.trim().parse::<Period>() else {
        let message = format!("“{}”不是季度，请按 2026Q1 的格式填写。", form.period);
        return list_page(
            viewer,
            &db,
            &book,
            &clock,
            message,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let explicit = book
        .sets
        .iter()
        .find(|s| s.sha256 == form.rule_sha256)
        .cloned();
    let rule_set = match rating::rules_for(&book, period, explicit) {
        Ok(set) => set,
        Err(_) => {
            let message = format!("没有适用于{}的评价规则。", labels::period(period));
            return list_page(
                viewer,
                &db,
                &book,
                &clock,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = viewer.caller.actor();
    let db2 = db.get_ref().clone();
    let clock2 = clock.get_ref().clone();
    let started = std::time::Instant::now();
    let summary = crate::http::block(move || {
        let request = RunRequest {
            period,
            rule_set: &rule_set,
            actor: &actor,
            publish: false,
        };
        rating::rate_period(&db2, &clock2, request)
    })
    .await?;
    if let Some(m) = req.app_data::<web::Data<crate::metrics::Metrics>>() {
        m.run("page", summary.is_ok(), started.elapsed());
    }
    let summary = summary.map_err(|e| match e {
        rating::RatingError::Storage(s) => ApiError::from(s),
        other => ApiError::Internal(other.to_string()),
    })?;
    Ok(see_other(&format!("/runs/{}", summary.run_id)).finish())
}

/// `GET /runs/{id}`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<i64>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Official).await?;
    let context = PageContext::new(&db, &book, &settings, &clock);
    run_page(
        viewer,
        context,
        path.into_inner(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// What a run page reads besides the run.
#[derive(Clone)]
struct PageContext {
    db: Database,
    book: RuleBook,
    settings: Settings,
    clock: Clock,
}

impl PageContext {
    fn new(
        db: &web::Data<Database>,
        book: &web::Data<RuleBook>,
        settings: &web::Data<Settings>,
        clock: &web::Data<Clock>,
    ) -> Self {
        PageContext {
            db: db.get_ref().clone(),
            book: book.get_ref().clone(),
            settings: settings.get_ref().clone(),
            clock: clock.get_ref().clone(),
        }
    }
}

/// Where a draft's notice stands, as the run page says it.
fn readiness_text(r: &Readiness) -> String {
    match r {
        Readiness::Ready => "公示期已满，且无待处理的申诉：可以发布。".into(),
        Readiness::NotAnnounced { run } => format!("运行 {run} 尚未公示。"),
        Readiness::Running { until, .. } => {
            format!(
                "公示期至 {until}（含）；期满且无待处理的申诉后发布（到期由调度程序自动发布）。"
            )
        }
        Readiness::Held { appeals, .. } => format!(
            "公示期已满，但有公示期内提出的申诉待处理（{}）：处理后方可发布。",
            appeals
                .iter()
                .map(|a| format!("申诉 {a}"))
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

async fn run_page(
    viewer: Viewer,
    context: PageContext,
    id: i64,
    message: String,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let PageContext {
        db,
        book,
        settings,
        clock,
    } = context;
    let notice_days = settings.notice.days;
    let (run, compared, readiness) = crate::http::block(move || -> Result<_, ApiError> {
        let mut conn = db.get()?;
        let run = runs::get(&mut conn, id)?.ok_or(ApiError::NotFound)?;
        let compared = match compare_runs(&mut conn, id, None) {
            Ok((_, base, diff)) if base.id != id => Ok((base, diff)),
            Ok(_) => Err("这是本季度已发布的运行。".to_string()),
            Err(CompareError::NothingToCompare(p)) => {
                Err(format!("{p} 还没有已发布的运行，无可对比。"))
            }
            Err(CompareError::NoRun(_)) => return Err(ApiError::NotFound),
            Err(CompareError::Storage(s)) => return Err(s.into()),
        };
        let readiness = if run.status == RunStatus::Draft && notice_days > 0 {
            Some(notice::readiness(
                &mut conn,
                &book,
                &run,
                clock.now().date(),
            )?)
        } else {
            None
        };
        Ok((run, compared, readiness))
    })
    .await??;
    let (against, diff, nothing) = match compared {
        Ok((base, diff)) => (Some(run_row(&base)), diff, String::new()),
        Err(why) => (None, RunDiff::default(), why),
    };
    page_with_status(
        &RunPage {
            viewer,
            draft: run.status == RunStatus::Draft,
            four_eyes: settings.runs.four_eyes,
            can_announce: notice_days > 0 && run.status == RunStatus::Draft && !run.in_notice(),
            ready: notice_days == 0 || readiness == Some(Readiness::Ready),
            readiness: readiness
                .as_ref()
                .filter(|_| run.in_notice() || run.chain_of.is_some())
                .map(readiness_text)
                .unwrap_or_default(),
            run: run_row(&run),
            against,
            nothing_to_compare: nothing,
            diff: diff_view(&diff),
            message,
        },
        status,
    )
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    csrf_token: String,
    /// Publish before the end of the notice, for this reason.
    #[serde(default)]
    at_once: String,
}

/// `POST /runs/{id}/publish`: at the end of the notice, or at once with a reason.
pub async fn publish(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<PublishForm>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    viewer.check_form(&req, &form.csrf_token)?;
    let id = path.into_inner();
    let actor = viewer.caller.actor();
    let context = PageContext::new(&db, &book, &settings, &clock);
    let at_once = Some(form.at_once.trim().to_string()).filter(|r| !r.is_empty());
    let c = context.clone();
    let result = crate::http::block(move || {
        let publication = publishing::Publication {
            run_id: id,
            actor: &actor,
            four_eyes: c.settings.runs.four_eyes,
            at_once: at_once.as_deref(),
        };
        publishing::publish(
            &mut *c.db.get()?,
            &c.clock,
            &c.book,
            &c.settings.notice,
            publication,
        )
    })
    .await?;
    let (message, status) = match result {
        Ok(run) => (
            format!("{} 的运行 {} 已发布。", run.period, run.id),
            StatusCode::OK,
        ),
        Err(PublishingError::FourEyes) => (
            "按四眼原则，运行须由发起人以外的另一位管理员发布。".to_string(),
            StatusCode::FORBIDDEN,
        ),
        Err(PublishingError::Publish(PublishError::NotFound(_))) => {
            return Err(PageError::Api(ApiError::NotFound))
        }
        Err(PublishingError::Publish(PublishError::NotDraft { .. })) => {
            ("只有草稿运行可以发布。".to_string(), StatusCode::CONFLICT)
        }
        Err(PublishingError::NotAnnounced { .. }) => (
            "此运行尚未公示：请先开始公示，或填写理由后立即发布。".to_string(),
            StatusCode::CONFLICT,
        ),
        Err(PublishingError::NoticeRunning { until, .. }) => (
            format!("公示期至 {until}，尚未期满：期满后发布，或填写理由后立即发布。"),
            StatusCode::CONFLICT,
        ),
        Err(PublishingError::AppealsPending { appeals, .. }) => (
            readiness_text(&Readiness::Held { run: id, appeals }),
            StatusCode::CONFLICT,
        ),
        Err(PublishingError::EmptyReason) => {
            ("立即发布须填写理由。".to_string(), StatusCode::BAD_REQUEST)
        }
        Err(PublishingError::Publish(PublishError::Storage(s))) => {
            return Err(PageError::Api(s.into()))
        }
    };
    run_page(viewer, context, id, message, status).await
}

/// `POST /runs/{id}/notice`: starts the public notice of a draft.
pub async fn announce(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<TokenForm>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    viewer.check_form(&req, &form.csrf_token)?;
    let id = path.into_inner();
    let actor = viewer.caller.actor();
    let context = PageContext::new(&db, &book, &settings, &clock);
    let c = context.clone();
    let result = crate::http::block(move || {
        notice::start(
            &mut *c.db.get()?,
            &c.clock,
            &c.settings.notice,
            id,
            &actor,
            c.settings.runs.four_eyes,
        )
    })
    .await?;
    let (message, status) = match result {
        Ok(run) => (
            format!("运行 {} 已开始公示（{}）。", run.id, run_row(&run).notice),
            StatusCode::OK,
        ),
        Err(NoticeError::NotFound(_)) => return Err(PageError::Api(ApiError::NotFound)),
        Err(NoticeError::FourEyes) => (
            "按四眼原则，运行须由发起人以外的另一位管理员公示。".to_string(),
            StatusCode::FORBIDDEN,
        ),
        Err(NoticeError::Storage(s)) => return Err(PageError::Api(s.into())),
        Err(other) => (other.to_string(), StatusCode::CONFLICT),
    };
    run_page(viewer, context, id, message, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cascade's draft says that it is published with its chain.
    #[test]
    fn a_chained_draft_names_its_chain() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
            .and_then(|d| d.and_hms_opt(2, 0, 0))
            .expect("a time");
        let mut run = Run {
            id: 12,
            period: "2025Q4".into(),
            status: crate::domain::RunStatus::Draft,
            rule_name: "example".into(),
            rule_version: "1".into(),
            rule_sha256: String::new(),
            rule_text: String::new(),
            input_digest: String::new(),
            started_at: at,
            finished_at: at,
            duration_ms: 0,
            started_by: "pat".into(),
            published_at: None,
            published_by: None,
            warnings: "[]".into(),
            chain_of: None,
            notice_from: None,
            notice_until: None,
            replaces: None,
        };
        assert_eq!(run_row(&run).chain, "");
        run.chain_of = Some(11);
        let chain = run_row(&run).chain;
        assert!(
            chain.contains("运行 11") && chain.contains("一并发布"),
            "{chain}"
        );
    }
}
