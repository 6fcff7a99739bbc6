//! `/appeals` (异议申诉): a company files an appeal against one of its own
//! records and follows it; officials see the queue with overdue flags, and
//! an admin upholds or rejects each with a reason. The rules (window,
//! ownership, re-runs) are the appeals service's, shared with the API.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::viewer::{Gate, Viewer};
use super::{page_with_status, PageError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::labels;
use crate::domain::{RecordKind, Role};
use crate::http::auth::Caller;
use crate::http::ApiError;
use crate::rules::RuleBook;
use crate::service::appeals::{self as service, DecideError, FileError};
use crate::storage::appeals::{self, AppealError};
use crate::storage::Database;

pub struct AppealRow {
    pub id: i64,
    pub company_code: String,
    pub kind: &'static str,
    pub record_id: String,
    pub reason: String,
    pub filed_at: String,
    pub status: &'static str,
    pub pending: bool,
    pub overdue: bool,
    pub decision: String,
}

#[derive(Template)]
#[template(path = "appeals.html")]
struct AppealsPage {
    viewer: Viewer,
    rows: Vec<AppealRow>,
    can_file: bool,
    can_decide: bool,
    message: String,
    window_days: u32,
    review_days: u32,
}

/// The list page for `viewer`, with `message` above it.
async fn render(
    viewer: Viewer,
    db: &Database,
    settings: &Settings,
    clock: &Clock,
    message: String,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let company = viewer.company.clone();
    let db = db.clone();
    let list = crate::http::block(move || appeals::list(&mut *db.get()?, company.as_deref(), None))
        .await??;
    let today = clock.today();
    let rows = list
        .into_iter()
        .map(|a| service::view(a, &settings.appeals, today))
        .map(|v| AppealRow {
            id: v.appeal.id,
            company_code: v.appeal.company_code,
            kind: labels::record_kind(v.appeal.record_kind),
            record_id: v.appeal.record_id,
            reason: v.appeal.reason,
            filed_at: v.appeal.filed_at.format("%Y-%m-%d %H:%M").to_string(),
            status: labels::appeal_status(v.appeal.status),
            pending: v.appeal.status == crate::domain::AppealStatus::Pending,
            overdue: v.overdue,
            decision: v.appeal.decision_reason.unwrap_or_default(),
        })
        .collect();
    let (can_file, can_decide) = match &viewer.caller {
        Caller::User {
            role: Role::Company { .. },
            ..
        } => (true, false),
        Caller::User {
            role: Role::Admin, ..
        } => (false, true),
        _ => (false, false),
    };
    page_with_status(
        &AppealsPage {
            viewer,
            rows,
            can_file,
            can_decide,
            message,
            window_days: settings.appeals.window_days,
            review_days: settings.appeals.review_working_days,
        },
        status,
    )
}

/// `GET /appeals`.
pub async fn show(
    req: HttpRequest,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    render(
        viewer,
        &db,
        &settings,
        &clock,
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct FileForm {
    record_kind: RecordKind,
    record_id: String,
    reason: String,
    csrf_token: String,
}

/// `POST /appeals`: a company files an appeal.
pub async fn file(
    req: HttpRequest,
    form: web::Form<FileForm>,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let company = viewer.company.clone().ok_or(ApiError::Forbidden)?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let db2 = db.get_ref().clone();
    let clock2 = clock.get_ref().clone();
    let appeal_settings = settings.appeals.clone();
    let actor = viewer.caller.actor();
    let result = crate::http::block(move || {
        service::file(
            &db2,
            &clock2,
            &appeal_settings,
            service::Filing {
                company: &company,
                kind: form.record_kind,
                record_id: form.record_id.trim(),
                reason: &form.reason,
                actor: &actor,
            },
        )
    })
    .await?;
    let (message, status) = match result {
        Ok(a) => (
            format!("申诉已提交（编号 {}），等待住建部门处理。", a.id),
            StatusCode::OK,
        ),
        Err(FileError::NoSuchRecord) => (
            "没有找到本企业的这条记录，请核对记录类别和编号。".into(),
            StatusCode::NOT_FOUND,
        ),
        Err(FileError::NoReason) => ("请填写申诉理由。".into(), StatusCode::UNPROCESSABLE_ENTITY),
        Err(FileError::Revoked) => ("这条记录已被撤销，无需申诉。".into(), StatusCode::CONFLICT),
        Err(FileError::Appeal(AppealError::Duplicate(_))) => {
            ("这条记录已有申诉。".into(), StatusCode::CONFLICT)
        }
        Err(FileError::WindowClosed(closed, days)) => (
            format!("申诉期已于 {closed} 结束：记录导入后 {days} 天内可以申诉。"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(FileError::Appeal(other)) => {
            return Err(PageError::Api(ApiError::Internal(other.to_string())))
        }
        Err(FileError::Storage(e)) => return Err(PageError::Api(e.into())),
    };
    render(viewer, &db, &settings, &clock, message, status).await
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    /// "uphold" or "reject": the button pressed.
    outcome: String,
    reason: String,
    csrf_token: String,
}

/// `POST /appeals/{id}/decision`: an admin decides.
pub async fn decide(
    req: HttpRequest,
    path: web::Path<i64>,
    form: web::Form<DecideForm>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let form = form.into_inner();
    viewer.check_form(&req, &form.csrf_token)?;
    let uphold = match form.outcome.as_str() {
        "uphold" => true,
        "reject" => false,
        _ => {
            return Err(PageError::Api(ApiError::bad_request(
                "bad_form",
                "uphold or reject",
            )))
        }
    };
    if form.reason.trim().is_empty() {
        return render(
            viewer,
            &db,
            &settings,
            &clock,
            "请填写处理理由。".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let id = path.into_inner();
    let db2 = db.get_ref().clone();
    let clock2 = clock.get_ref().clone();
    let book = book.get_ref().clone();
    let notice = settings.notice.clone();
    let actor = viewer.caller.actor();
    let result = crate::http::block(move || {
        let ruling = service::Ruling {
            id,
            uphold,
            reason: form.reason.trim(),
            actor: &actor,
        };
        service::decide(&db2, &clock2, &book, &notice, ruling)
    })
    .await?;
    let (message, status) = match result {
        Ok((_, reruns)) if uphold => (
            format!(
                "申诉 {id} 已支持：记录已撤销，涉及的 {} 个已公布季度已重新计算为草稿，待发布。",
                reruns.len()
            ),
            StatusCode::OK,
        ),
        Ok(_) => (format!("申诉 {id} 已驳回。"), StatusCode::OK),
        Err(DecideError::Appeal(AppealError::NotFound(_))) => {
            return Err(PageError::Api(ApiError::NotFound))
        }
        Err(DecideError::Appeal(AppealError::Decided(_))) => {
            (format!("申诉 {id} 已处理过。"), StatusCode::CONFLICT)
        }
        Err(DecideError::Storage(e)) => return Err(PageError::Api(e.into())),
        Err(other) => return Err(PageError::Api(ApiError::Internal(other.to_string()))),
    };
    render(viewer, &db, &settings, &clock, message, status).await
}
