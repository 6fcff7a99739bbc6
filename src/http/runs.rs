//! Rating runs over HTTP: list, start, publish (with four-eyes when configured).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::RunPath;
use super::ratings::parse_period;
use super::ApiError;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::report::diff::{compare_runs, CompareError, RunDiff};
use crate::rules::RuleBook;
use crate::service::notice::{self, NoticeError};
use crate::service::publishing::{self, PublishingError};
use crate::service::rating::{self, RatingError, RunSummary};
use crate::storage::runs::{self, PublishError, Run};
use crate::storage::Database;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the runs of this quarter, YYYYQn.
    #[param(pattern = r"^\d{4}Q[1-4]$")]
    period: Option<String>,
}

/// Rating runs, newest first.
#[derive(Serialize, ToSchema)]
pub struct RunList {
    runs: Vec<Run>,
}

#[utoipa::path(get, path = "/runs", params(ListQuery), responses((status = 200, body = RunList)))]
pub async fn list(
    query: web::Query<ListQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let period = query.period.as_deref().map(parse_period).transpose()?;
    let db = db.get_ref().clone();
    let list = crate::http::block(move || {
        let mut conn = db.get()?;
        runs::list(&mut conn, period)
    })
    .await??;
    Ok(HttpResponse::Ok().json(RunList { runs: list }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    #[schema(pattern = r"^\d{4}Q[1-4]$", example = "2026Q1")]
    period: String,
    /// A rule set of the rules directory by its SHA-256; default: the one in force.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    rule_sha256: Option<String>,
}

fn rating_error(e: RatingError) -> ApiError {
    match e {
        RatingError::NoRules { .. } => ApiError::Unprocessable {
            code: "no_rule_set",
            message: e.to_string(),
            details: serde_json::Value::Null,
        },
        RatingError::Storage(s) => s.into(),
        other => ApiError::Internal(other.to_string()),
    }
}

#[utoipa::path(post, path = "/runs", request_body = StartRun,
    responses((status = 201, description = "The draft run", body = RunSummary)))]
pub async fn start(
    body: web::Json<StartRun>,
    caller: Caller,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
    metrics: web::Data<crate::metrics::Metrics>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&body.period)?;
    let explicit = match &body.rule_sha256 {
        None => None,
        Some(sha) => Some(
            book.sets
                .iter()
                .find(|s| &s.sha256 == sha)
                .cloned()
                .ok_or_else(|| ApiError::Unprocessable {
                    code: "unknown_rule_set",
                    message: format!("no rule set in the rules directory has the SHA-256 {sha}"),
                    details: serde_json::Value::Null,
                })?,
        ),
    };
    let rule_set = rating::rules_for(&book, period, explicit).map_err(rating_error)?;
    let db = db.get_ref().clone();
    let actor = caller.actor();
    let clock = clock.get_ref().clone();
    let started = std::time::Instant::now();
    let summary = crate::http::block(move || {
        rating::rate_period(
            &db,
            &clock,
            rating::RunRequest {
                period,
                rule_set: &rule_set,
                actor: &actor,
                publish: false,
            },
        )
    })
    .await?;
    metrics.run("api", summary.is_ok(), started.elapsed());
    let summary = summary.map_err(rating_error)?;
    Ok(HttpResponse::Created().json(summary))
}

/// How to publish: at the end of the public notice (no body), or at once
/// with a reason.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRun {
    /// Publish before the notice has ended (or without one), for this
    /// reason, kept in the audit log.
    #[schema(example = "区政府要求提前发布")]
    at_once: Option<String>,
}

/// The service's refusal as the API says it.
pub(crate) fn publishing_error(e: PublishingError) -> ApiError {
    let message = e.to_string();
    let blocked = |code| ApiError::Blocked {
        code,
        message: message.clone(),
    };
    match e {
        PublishingError::FourEyes => ApiError::bad_request("four_eyes", message),
        PublishingError::EmptyReason => ApiError::bad_request("empty_reason", message),
        PublishingError::NotAnnounced { .. } => blocked("not_announced"),
        PublishingError::NoticeRunning { .. } => blocked("notice_running"),
        PublishingError::AppealsPending { .. } => blocked("appeals_pending"),
        PublishingError::Publish(PublishError::NotFound(_)) => ApiError::NotFound,
        PublishingError::Publish(PublishError::NotDraft { .. }) => ApiError::Conflict(message),
        PublishingError::Publish(PublishError::Storage(s)) => s.into(),
    }
}

/// A JSON body that may be left out: empty means the default.
fn optional_body<T: Default + serde::de::DeserializeOwned>(
    body: &web::Bytes,
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("the JSON body: {e}")))
}

#[utoipa::path(post, path = "/runs/{id}/publish", params(RunPath), request_body(content = Option<PublishRun>, description = "Leave out to publish at the end of the notice"),
    responses((status = 200, description = "The published run", body = Run)))]
pub async fn publish(
    path: web::Path<i64>,
    body: web::Bytes,
    caller: Caller,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let request: PublishRun = optional_body(&body)?;
    let id = path.into_inner();
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let book = book.get_ref().clone();
    let settings = settings.get_ref().clone();
    let clock = clock.get_ref().clone();
    let run = crate::http::block(move || {
        let publication = publishing::Publication {
            run_id: id,
            actor: &actor,
            four_eyes: settings.runs.four_eyes,
            at_once: request.at_once.as_deref(),
        };
        publishing::publish(
            &mut *db.get()?,
            &clock,
            &book,
            &settings.notice,
            publication,
        )
        .map_err(publishing_error)
    })
    .await??;
    Ok(HttpResponse::Ok().json(run))
}

/// The service's refusal to announce, as the API says it.
pub(crate) fn notice_error(e: NoticeError) -> ApiError {
    let message = e.to_string();
    let blocked = |code| ApiError::Blocked {
        code,
        message: message.clone(),
    };
    match e {
        NoticeError::NotFound(_) => ApiError::NotFound,
        NoticeError::FourEyes => ApiError::bad_request("four_eyes", message),
        NoticeError::NoNoticePeriod => blocked("no_notice_period"),
        NoticeError::Announced(_) | NoticeError::OtherInNotice { .. } => blocked("in_notice"),
        NoticeError::NotDraft { .. } => ApiError::Conflict(message),
        NoticeError::Storage(s) => s.into(),
    }
}

/// Starts the public notice (公示) of a draft run, and of the rest of its chain.
#[utoipa::path(post, path = "/runs/{id}/notice", params(RunPath),
    responses((status = 200, description = "The run in notice", body = Run)))]
pub async fn announce(
    path: web::Path<i64>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let settings = settings.get_ref().clone();
    let clock = clock.get_ref().clone();
    let run = crate::http::block(move || {
        notice::start(
            &mut *db.get()?,
            &clock,
            &settings.notice,
            id,
            &actor,
            settings.runs.four_eyes,
        )
        .map_err(notice_error)
    })
    .await??;
    Ok(HttpResponse::Ok().json(run))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The run to compare with (default: the quarter's published run).
    against: Option<i64>,
}

/// What changes from one run to another.
#[derive(Serialize, ToSchema)]
pub struct DiffBody {
    run: i64,
    against: i64,
    diff: RunDiff,
}

/// What changes from run `against` (default: the period's published run) to run `id`.
#[utoipa::path(get, path = "/runs/{id}/diff", params(RunPath, DiffQuery),
    responses((status = 200, body = DiffBody)))]
pub async fn diff(
    path: web::Path<i64>,
    query: web::Query<DiffQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let against = query.against;
    let db = db.get_ref().clone();
    let body = crate::http::block(move || -> Result<DiffBody, ApiError> {
        let (run, base, diff) =
            compare_runs(&mut *db.get()?, id, against).map_err(|e| match e {
                CompareError::NoRun(_) => ApiError::NotFound,
                CompareError::NothingToCompare(_) => {
                    ApiError::bad_request("nothing_to_compare", format!("{e} with ?against="))
                }
                CompareError::Storage(s) => s.into(),
            })?;
        Ok(DiffBody {
            run: run.id,
            against: base.id,
            diff,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(body))
}
