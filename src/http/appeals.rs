//! Appeals over HTTP: companies file and follow their own; admins decide.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::AppealPath;
use super::{decision_reason, ApiError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::{AppealStatus, RecordKind};
use crate::rules::RuleBook;
use crate::service::appeals::{self as service, AppealView, DecideError, FileError, Rerun};
use crate::storage::appeals::{self, Appeal, AppealError};
use crate::storage::Database;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppeal {
    record_kind: RecordKind,
    record_id: String,
    reason: String,
}

#[utoipa::path(post, path = "/appeals", request_body = NewAppeal,
    responses((status = 201, description = "The appeal, pending", body = AppealView)))]
pub async fn file(
    body: web::Json<NewAppeal>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let company = caller.company().ok_or(ApiError::Forbidden)?.to_string();
    let body = body.into_inner();
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let appeal_settings = settings.appeals.clone();
    let clock = clock.get_ref().clone();
    let today = clock.today();
    let appeal = crate::http::block(move || {
        service::file(
            &db,
            &clock,
            &appeal_settings,
            service::Filing {
                company: &company,
                kind: body.record_kind,
                record_id: &body.record_id,
                reason: &body.reason,
                actor: &actor,
            },
        )
    })
    .await?
    .map_err(|e| match e {
        FileError::NoSuchRecord => ApiError::NotFound,
        FileError::NoReason => ApiError::bad_request("no_reason", e.to_string()),
        FileError::Revoked | FileError::Appeal(AppealError::Duplicate(_)) => {
            ApiError::Conflict(e.to_string())
        }
        FileError::WindowClosed(..) => ApiError::Unprocessable {
            code: "appeal_window_closed",
            message: e.to_string(),
            details: serde_json::Value::Null,
        },
        FileError::Appeal(other) => ApiError::Internal(other.to_string()),
        FileError::Storage(s) => s.into(),
    })?;
    Ok(HttpResponse::Created().json(service::view(appeal, &settings.appeals, today)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only appeals in this state.
    status: Option<AppealStatus>,
}

/// Appeals, newest first.
#[derive(Serialize, ToSchema)]
pub struct AppealList {
    appeals: Vec<AppealView>,
}

#[utoipa::path(get, path = "/appeals", params(ListQuery), responses((status = 200, body = AppealList)))]
pub async fn list(
    query: web::Query<ListQuery>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let company = caller.company().map(str::to_string);
    let status = query.into_inner().status;
    let db = db.get_ref().clone();
    let list = crate::http::block(move || {
        let mut conn = db.get()?;
        appeals::list(&mut conn, company.as_deref(), status)
    })
    .await??;
    let today = clock.today();
    let views: Vec<_> = list
        .into_iter()
        .map(|a| service::view(a, &settings.appeals, today))
        .collect();
    Ok(HttpResponse::Ok().json(AppealList { appeals: views }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ruling {
    /// true: the record is revoked and its quarters re-run as drafts.
    uphold: bool,
    reason: String,
}

/// The decided appeal and the draft re-runs it caused.
#[derive(Serialize, ToSchema)]
pub struct Decided {
    appeal: Appeal,
    reruns: Vec<Rerun>,
}

#[utoipa::path(post, path = "/appeals/{id}/decision", params(AppealPath), request_body = Ruling,
    responses((status = 200, body = Decided)))]
pub async fn decide(
    path: web::Path<i64>,
    body: web::Json<Ruling>,
    caller: Caller,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    decision_reason(&body.reason)?;
    let id = path.into_inner();
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let book = book.get_ref().clone();
    let notice = settings.notice.clone();
    let clock = clock.get_ref().clone();
    let (appeal, reruns) = crate::http::block(move || {
        let ruling = service::Ruling {
            id,
            uphold: body.uphold,
            reason: body.reason.trim(),
            actor: &actor,
        };
        service::decide(&db, &clock, &book, &notice, ruling)
    })
    .await?
    .map_err(|e| match e {
        DecideError::Appeal(AppealError::NotFound(_)) => ApiError::NotFound,
        DecideError::Appeal(AppealError::Decided(_)) => ApiError::Conflict(e.to_string()),
        DecideError::Storage(s) => s.into(),
        other => ApiError::Internal(other.to_string()),
    })?;
    Ok(HttpResponse::Ok().json(Decided { appeal, reruns }))
}
