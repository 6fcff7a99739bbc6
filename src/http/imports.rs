//! Imports over HTTP: the CLI's validation and all-or-nothing rule, with the
//! bad rows in the answer (the first thousand, and how many in all). The
//! body is the file itself (CSV or XLSX) or a JSON array of objects, told
//! apart by Content-Type.
//!
//! The access guard has already admitted the caller before a byte of the body
//! is read. The body is streamed to a temporary file (never held in memory)
//! up to `server.upload_limit_mib`, then read by the same bounded readers as
//! the command line. At most `server.max_concurrent_imports` run at once.

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::auth::Caller;
use super::params::KindPath;
use super::{app_data, ApiError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::ImportKind;
use crate::import::{self, Format, ImportError, ImportOptions, ImportReport, Table};
use crate::rules::RuleBook;
use crate::storage::Database;

/// Bytes gathered before each write to the temporary file.
const SPOOL_CHUNK: usize = 1024 * 1024;

/// How many imports may run at once (app data).
#[derive(Debug)]
pub struct ImportSlots {
    max: u32,
    taken: Arc<AtomicU32>,
}

/// One taken slot, given back when dropped.
#[derive(Debug)]
pub struct Slot(Arc<AtomicU32>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl ImportSlots {
    pub fn new(max: u32) -> Self {
        Self {
            max: max.max(1),
            taken: Arc::default(),
        }
    }

    pub fn try_take(&self) -> Option<Slot> {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(self.taken.clone()))
    }
}

fn format_of(req: &HttpRequest) -> Result<Format, ApiError> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence {
        "application/json" => Ok(Format::Json),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Ok(Format::Xlsx),
        "text/csv" | "application/csv" => Ok(Format::Csv),
        _ => Err(ApiError::UnsupportedMediaType(
            "send text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/json".into(),
        )),
    }
}

/// Streams the body into a temporary file, refusing it past `limit` bytes.
async fn spool(
    mut payload: web::Payload,
    limit: usize,
    limit_mib: u64,
) -> Result<tempfile::NamedTempFile, ApiError> {
    let internal = |e: std::io::Error| ApiError::Internal(format!("cannot spool the upload: {e}"));
    let mut file = crate::http::block(tempfile::NamedTempFile::new)
        .await?
        .map_err(internal)?;
    let mut pending: Vec<u8> = Vec::with_capacity(SPOOL_CHUNK);
    let mut total: usize = 0;
    loop {
        let chunk = payload.next().await;
        let last = chunk.is_none();
        if let Some(chunk) = chunk {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request("bad_upload", format!("the upload broke off: {e}"))
            })?;
            total = total.saturating_add(chunk.len());
            if total > limit {
                return Err(ApiError::PayloadTooLarge(limit_mib));
            }
            pending.extend_from_slice(&chunk);
        }
        if pending.len() >= SPOOL_CHUNK || (last && !pending.is_empty()) {
            let bytes = std::mem::replace(&mut pending, Vec::with_capacity(SPOOL_CHUNK));
            file = crate::http::block(move || file.write_all(&bytes).map(|()| file))
                .await?
                .map_err(internal)?;
        }
        if last {
            return Ok(file);
        }
    }
}

/// The file's rows, all or nothing; 422 lists every bad row (the first
/// 1,000 of them) in `details`.
#[utoipa::path(post, path = "/imports/{kind}", params(KindPath),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<Object> = "application/json")),
        description = "One file of the kind: CSV (UTF-8 or GBK), XLSX, or a JSON array of rows"),
    responses((status = 200, description = "What the import did", body = ImportReport)))]
pub async fn upload(
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    caller: Caller,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let slots = app_data::<ImportSlots>(&req)?;
    let kind = path.parse::<ImportKind>().map_err(|_| {
        ApiError::bad_request(
            "unknown_kind",
            format!("'{path}' is not a kind of import file"),
        )
    })?;
    let format = format_of(&req)?;
    let _slot = slots.try_take().ok_or_else(|| {
        ApiError::Busy("other imports are running; send the file again in a minute".into())
    })?;
    let limit = settings.server.upload_limit_bytes();
    let spooled = spool(payload, limit, settings.server.upload_limit_mib).await?;
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let book = book.get_ref().clone();
    let clock = app_data::<Clock>(&req)?.get_ref().clone();
    let file = format!("upload:{}", kind.as_str());
    let result = crate::http::block(move || {
        let table = Table::open(spooled.path(), format).map_err(|message| ImportError::File {
            file: file.clone(),
            message,
        })?;
        let mut conn = db.get()?;
        let report = import::import_table(
            &mut conn,
            &book,
            kind,
            &file,
            table,
            &ImportOptions {
                actor: &actor,
                progress: None,
                clock: &clock,
                database: Some(&db),
            },
        );
        drop(spooled);
        report
    })
    .await?;
    let metrics = app_data::<crate::metrics::Metrics>(&req)?;
    match &result {
        Ok(r) => metrics.imported(
            kind.as_str(),
            r.rows_added,
            r.rows_updated,
            r.rows_unchanged,
        ),
        Err(ImportError::Rejected { .. } | ImportError::File { .. }) => {
            metrics.import_rejected(kind.as_str());
        }
        Err(ImportError::Storage(_)) => {}
    }
    match result {
        Ok(report) => Ok(HttpResponse::Ok().json(report)),
        Err(e @ ImportError::Rejected { .. }) => {
            let message = e.to_string();
            let ImportError::Rejected {
                errors, bad_rows, ..
            } = e
            else {
                return Err(ApiError::Internal(message));
            };
            Err(ApiError::Unprocessable {
                code: "import_rejected",
                message,
                details: serde_json::json!({
                    "bad_rows": bad_rows,
                    "listed": errors.len(),
                    "rows": errors,
                }),
            })
        }
        Err(ImportError::File { message, .. }) => Err(ApiError::bad_request(
            "bad_file",
            format!("the upload {message}"),
        )),
        Err(ImportError::Storage(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::ImportSlots;

    #[test]
    fn slots_are_taken_up_to_the_limit_and_given_back() {
        let slots = ImportSlots::new(2);
        let a = slots.try_take().unwrap();
        let b = slots.try_take().unwrap();
        assert!(slots.try_take().is_none(), "a third import waits its turn");
        drop(a);
        let c = slots.try_take();
        assert!(c.is_some());
        drop((b, c));
        assert!(ImportSlots::new(0).try_take().is_some(), "at least one");
    }
}
