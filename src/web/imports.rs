//! `/imports`: officials upload a data file and see what it did — or every
//! bad row as a table, with nothing changed. The page's script sends the
//! file to the API's `POST /api/v1/imports/{kind}` with the session's CSRF
//! token, so there is one importer and one set of checks; the page lists
//! the kinds the viewer may import and the latest import batches.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::viewer::{Gate, Viewer};
use super::{page, PageError};
use crate::domain::{labels, ImportKind};
use crate::http::auth::Caller;
use crate::http::ApiError;
use crate::storage::{batches, Database, StorageError};

/// Batches shown on the page.
const RECENT: i64 = 50;

pub struct BatchRow {
    pub id: i64,
    pub file: String,
    pub kind: &'static str,
    pub added: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub actor: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    viewer: Viewer,
    kinds: Vec<(&'static str, &'static str)>,
    batches: Vec<BatchRow>,
}

/// `GET /imports`.
pub async fn show(req: HttpRequest, db: web::Data<Database>) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Official).await?;
    // The kinds the API lets this viewer import, by the same rule.
    let Caller::User { role, .. } = &viewer.caller else {
        return Err(ApiError::Unauthenticated.into());
    };
    let kinds: Vec<ImportKind> = ImportKind::ALL
        .into_iter()
        .filter(|k| role.may_import(*k))
        .collect();
    if kinds.is_empty() {
        return Err(ApiError::Forbidden.into());
    }
    let db = db.get_ref().clone();
    let recent = crate::http::block(move || -> Result<_, ApiError> {
        Ok(batches::recent(&mut *db.get()?, RECENT).map_err(StorageError::from)?)
    })
    .await??;
    page(&ImportsPage {
        viewer,
        kinds: kinds
            .into_iter()
            .map(|k| (k.as_str(), labels::import_kind(k)))
            .collect(),
        batches: recent
            .into_iter()
            .map(|b| BatchRow {
                id: b.id,
                file: b.file_name,
                kind: labels::import_kind(b.kind),
                added: b.rows_added,
                updated: b.rows_updated,
                unchanged: b.rows_unchanged,
                actor: b.actor,
                at: b.imported_at.format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect(),
    })
}
