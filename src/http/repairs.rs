//! Credit repair (信用修复) over HTTP: a company applies for repair of its
//! own bad record and uploads evidence; anyone holding the query code
//! follows the application; admins approve or reject.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::{EvidencePath, QueryCodePath, RepairPath};
use super::{decision_reason, ApiError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::RepairStatus;
use crate::rules::RuleBook;
use crate::service::appeals::Rerun;
use crate::service::repairs::{self as service, ApplyError, DecideError, RepairView};
use crate::storage::repairs::{self, Evidence, RepairApplication};
use crate::storage::Database;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRepair {
    /// One of your company's bad conduct records.
    record_id: String,
    /// The company's public credit commitment (信用承诺).
    commitment: String,
}

#[utoipa::path(post, path = "/repairs", request_body = NewRepair,
    responses((status = 201, description = "The application, pending, with its query code", body = RepairView)))]
pub async fn apply(
    body: web::Json<NewRepair>,
    caller: Caller,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let company = caller.company().ok_or(ApiError::Forbidden)?.to_string();
    let body = body.into_inner();
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let book = book.get_ref().clone();
    let repair_settings = settings.repair.clone();
    let clock = clock.get_ref().clone();
    let today = clock.today();
    let application = crate::http::block(move || {
        service::apply(
            &db,
            &clock,
            &book,
            &repair_settings,
            service::Application {
                company: &company,
                record_id: &body.record_id,
                commitment: &body.commitment,
                actor: &actor,
            },
        )
    })
    .await?
    .map_err(|e| match e {
        ApplyError::NoSuchRecord => ApiError::NotFound,
        ApplyError::NoCommitment => ApiError::bad_request("no_commitment", e.to_string()),
        ApplyError::Revoked | ApplyError::Repaired | ApplyError::Pending(_) => {
            ApiError::Conflict(e.to_string())
        }
        ApplyError::NotRepairable(_) => ApiError::Unprocessable {
            code: "not_repairable",
            message: e.to_string(),
            details: serde_json::Value::Null,
        },
        ApplyError::NotYet { eligible_from, .. } => ApiError::Unprocessable {
            code: "repair_not_yet",
            message: e.to_string(),
            details: serde_json::json!({ "eligible_from": eligible_from }),
        },
        ApplyError::Storage(s) => s.into(),
    })?;
    Ok(HttpResponse::Created().json(service::view(application, today)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only applications in this state.
    status: Option<RepairStatus>,
}

/// Applications, newest first.
#[derive(Serialize, ToSchema)]
pub struct RepairList {
    repairs: Vec<RepairView>,
}

#[utoipa::path(get, path = "/repairs", params(ListQuery), responses((status = 200, body = RepairList)))]
pub async fn list(
    query: web::Query<ListQuery>,
    caller: Caller,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let company = caller.company().map(str::to_string);
    let status = query.into_inner().status;
    let db = db.get_ref().clone();
    let list = crate::http::block(move || {
        let mut conn = db.get()?;
        repairs::list(&mut conn, company.as_deref(), status)
    })
    .await??;
    let today = clock.today();
    let repairs = list.into_iter().map(|a| service::view(a, today)).collect();
    Ok(HttpResponse::Ok().json(RepairList { repairs }))
}

#[utoipa::path(get, path = "/repairs/by-code/{code}", params(QueryCodePath),
    responses((status = 200, description = "The application the query code names", body = RepairView)))]
pub async fn by_code(
    path: web::Path<String>,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let code = crate::service::reports::normalise(&path.into_inner());
    let db = db.get_ref().clone();
    let found = crate::http::block(move || {
        let mut conn = db.get()?;
        repairs::by_query_code(&mut conn, &code)
    })
    .await??
    .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(service::view(found, clock.today())))
}

/// The application, when the caller may see it: officials, and the
/// company it belongs to (others: not found).
async fn visible(caller: &Caller, db: &Database, id: i64) -> Result<RepairApplication, ApiError> {
    let db = db.clone();
    let found = crate::http::block(move || {
        let mut conn = db.get()?;
        repairs::get(&mut conn, id)
    })
    .await??
    .ok_or(ApiError::NotFound)?;
    match caller.company() {
        Some(own) if own != found.company_code => Err(ApiError::NotFound),
        _ => Ok(found),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the company keeps it.
    file_name: String,
}

/// Why an evidence file is not stored.
enum Refused {
    /// The application was decided.
    Decided,
    /// It carries the most files allowed.
    Full(u32),
}

#[utoipa::path(post, path = "/repairs/{id}/evidence", params(RepairPath, UploadQuery),
    request_body(content(
        (Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg")),
        description = "One evidence file; its type is read from its content"),
    responses((status = 201, description = "The stored file, without its content", body = Evidence)))]
pub async fn upload_evidence(
    path: web::Path<i64>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let own = caller.company().ok_or(ApiError::Forbidden)?.to_string();
    let application = visible(&caller, db.get_ref(), id).await?;
    if application.company_code != own {
        return Err(ApiError::NotFound);
    }
    if application.status != RepairStatus::Pending {
        return Err(ApiError::Conflict(format!(
            "repair application {id} was decided already: evidence can only be added while it is pending"
        )));
    }
    let file_name = super::upload::file_name(&query.into_inner().file_name)?;
    let (content, content_type) =
        super::upload::read(payload, settings.repair.evidence_max_mib, "evidence").await?;
    let max_files = settings.repair.evidence_max_files;
    let now = clock.now();
    let db = db.get_ref().clone();
    let stored = crate::http::block(move || {
        let mut conn = db.get()?;
        conn.transaction(|conn| {
            // Decided meanwhile: its evidence is closed.
            let still_pending = repairs::get_locked(conn, id)?
                .is_some_and(|a| a.status == RepairStatus::Pending);
            if !still_pending {
                return Ok(Err(Refused::Decided));
            }
            let held = repairs::evidence_of(conn, id)?;
            if held.len() >= usize::try_from(max_files).unwrap_or(usize::MAX) {
                return Ok(Err(Refused::Full(max_files)));
            }
            let sha256 = crate::rules::sha256_hex(&content);
            repairs::add_evidence(
                conn,
                &repairs::NewEvidence {
                    application_id: id,
                    file_name: &file_name,
                    content_type,
                    sha256: &sha256,
                    content: &content,
                    uploaded_at: now,
                },
            )
            .map(Ok)
        })
    })
    .await??
    .map_err(|refused| match refused {
        Refused::Decided => ApiError::Conflict(format!(
            "repair application {id} was decided already: evidence can only be added while it is pending"
        )),
        Refused::Full(max) => ApiError::Conflict(format!(
            "an application carries at most {max} evidence files"
        )),
    })?;
    Ok(HttpResponse::Created().json(stored))
}

/// An application's evidence files, without their content.
#[derive(Serialize, ToSchema)]
pub struct EvidenceList {
    files: Vec<Evidence>,
}

#[utoipa::path(get, path = "/repairs/{id}/evidence", params(RepairPath),
    responses((status = 200, body = EvidenceList)))]
pub async fn list_evidence(
    path: web::Path<i64>,
    caller: Caller,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    visible(&caller, db.get_ref(), id).await?;
    let db = db.get_ref().clone();
    let files = crate::http::block(move || {
        let mut conn = db.get()?;
        repairs::evidence_of(&mut conn, id)
    })
    .await??;
    Ok(HttpResponse::Ok().json(EvidenceList { files }))
}

#[utoipa::path(get, path = "/repairs/{id}/evidence/{file}", params(EvidencePath),
    responses((status = 200, description = "The file as uploaded",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg")))))]
pub async fn evidence_file(
    path: web::Path<(i64, i64)>,
    caller: Caller,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let (id, file) = path.into_inner();
    visible(&caller, db.get_ref(), id).await?;
    let db = db.get_ref().clone();
    let (content_type, bytes) = crate::http::block(move || {
        let mut conn = db.get()?;
        repairs::evidence_content(&mut conn, id, file)
    })
    .await??
    .ok_or(ApiError::NotFound)?;
    Ok(super::upload::attachment(content_type, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairRuling {
    /// true: the record is marked repaired and the published quarters that
    /// counted it are re-run as drafts.
    approve: bool,
    reason: String,
    /// Approval: the day the repair takes effect (default: the first day of
    /// the latest published quarter, not before the record's own day).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    repaired_from: Option<chrono::NaiveDate>,
}

/// The decided application and the draft re-runs it caused.
#[derive(Serialize, ToSchema)]
pub struct RepairDecided {
    repair: RepairApplication,
    reruns: Vec<Rerun>,
}

#[utoipa::path(post, path = "/repairs/{id}/decision", params(RepairPath), request_body = RepairRuling,
    responses((status = 200, body = RepairDecided)))]
pub async fn decide(
    path: web::Path<i64>,
    body: web::Json<RepairRuling>,
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
    let (repair, reruns) = crate::http::block(move || {
        let decision = service::Decision {
            id,
            approve: body.approve,
            repaired_from: body.repaired_from,
            reason: body.reason.trim(),
            actor: &actor,
        };
        service::decide(&db, &clock, &book, &notice, decision)
    })
    .await?
    .map_err(|e| match e {
        DecideError::NotFound(_) => ApiError::NotFound,
        DecideError::Decided(_) => ApiError::Conflict(e.to_string()),
        DecideError::BadDay { .. } => ApiError::Unprocessable {
            code: "bad_repair_day",
            message: e.to_string(),
            details: serde_json::Value::Null,
        },
        DecideError::Storage(s) => s.into(),
        DecideError::Rating(r) => ApiError::Internal(r.to_string()),
    })?;
    Ok(HttpResponse::Ok().json(RepairDecided { repair, reruns }))
}
