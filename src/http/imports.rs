//! Imports over HTTP: the CLI's validation and all-or-nothing rule, with every
//! bad row in the answer. The body is the file itself (CSV or XLSX) or a JSON
//! array of objects, told apart by Content-Type.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::auth::Caller;
use super::ApiError;
use crate::configuration::Settings;
use crate::import::{self, Format, ImportError, ImportKind, ImportOptions, Table};
use crate::rules::RuleBook;
use crate::storage::users::Role;
use crate::storage::Database;

/// Inspectors bring in field data; master data (companies, communities,
/// contracts) is the bureau's own.
fn may_import(role: &Role, kind: ImportKind) -> bool {
    match role {
        Role::Admin => true,
        Role::Inspector => !matches!(
            kind,
            ImportKind::Companies | ImportKind::Communities | ImportKind::Contracts
        ),
        Role::Company { .. } => false,
    }
}

pub async fn upload(
    path: web::Path<String>,
    req: HttpRequest,
    mut payload: web::Payload,
    caller: Caller,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let role = caller.require_user()?;
    let kind = ImportKind::parse(&path).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_kind",
            format!("'{path}' is not a kind of import file"),
        )
    })?;
    if !may_import(role, kind) {
        return Err(ApiError::Forbidden);
    }
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = if content_type.starts_with("application/json") {
        Format::Json
    } else if content_type.contains("spreadsheetml") {
        Format::Xlsx
    } else if content_type.starts_with("text/csv") || content_type.starts_with("application/csv") {
        Format::Csv
    } else {
        return Err(ApiError::bad_request(
            "unsupported_media_type",
            "send text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/json",
        ));
    };
    let limit_mib = settings.server.upload_limit_mib;
    let limit = usize::try_from(limit_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("bad_upload", format!("the upload broke off: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit_mib));
        }
        body.extend_from_slice(&chunk);
    }
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let book = book.get_ref().clone();
    let file = format!("upload:{}", kind.as_str());
    let result = web::block(move || {
        let table = Table::from_bytes(body, format).map_err(|message| ImportError::File {
            file: file.clone(),
            message,
        })?;
        let mut conn = db.get()?;
        import::import_table(
            &mut conn,
            &book,
            kind,
            &file,
            table,
            &ImportOptions {
                actor: &actor,
                progress: None,
            },
        )
    })
    .await?;
    match result {
        Ok(report) => Ok(HttpResponse::Ok().json(report)),
        Err(ImportError::Rejected { file, errors }) => Err(ApiError::Unprocessable {
            code: "import_rejected",
            message: ImportError::Rejected {
                file,
                errors: errors.clone(),
            }
            .to_string(),
            details: serde_json::json!({ "rows": errors }),
        }),
        Err(ImportError::File { message, .. }) => Err(ApiError::bad_request(
            "bad_file",
            format!("the upload {message}"),
        )),
        Err(ImportError::Storage(e)) => Err(e.into()),
    }
}
