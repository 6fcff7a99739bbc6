//! `/imports`: officials upload a data file and see what it did — or every
//! bad row as a table, with nothing changed. The page's script sends the
//! file to the API's `POST /api/v1/imports/{kind}` with the session's CSRF
//! token, so there is one importer and one set of checks; the page lists
//! the kinds the viewer may import and the latest import batches.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::viewer::{Gate, Viewer};
use super::{page, PageError};
use crate::domain::{ImportKind, Role};
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

fn kind_label(k: ImportKind) -> &'static str {
    match k {
        ImportKind::Companies => "企业",
        ImportKind::Communities => "小区",
        ImportKind::Contracts => "物业服务合同",
        ImportKind::Surveys => "满意度测评",
        ImportKind::Complaints => "投诉",
        ImportKind::Fees => "物业费收缴",
        ImportKind::Inspections => "检查考评",
        ImportKind::Conduct => "良好与不良行为",
    }
}

/// `GET /imports`.
pub async fn show(req: HttpRequest, db: web::Data<Database>) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Official).await?;
    // Who may import which kind is the API's rule (admins: all; inspectors:
    // field data); the page offers exactly those kinds.
    let kinds: Vec<ImportKind> = match &viewer.caller {
        Caller::User {
            role: Role::Admin, ..
        } => ImportKind::ALL.to_vec(),
        Caller::User {
            role: Role::Inspector,
            ..
        } => ImportKind::ALL
            .into_iter()
            .filter(|k| {
                !matches!(
                    k,
                    ImportKind::Companies | ImportKind::Communities | ImportKind::Contracts
                )
            })
            .collect(),
        _ => return Err(PageError::Api(ApiError::Forbidden)),
    };
    let db = db.get_ref().clone();
    let recent = web::block(move || -> Result<_, ApiError> {
        Ok(batches::recent(&mut *db.get()?, RECENT).map_err(StorageError::from)?)
    })
    .await??;
    page(&ImportsPage {
        viewer,
        kinds: kinds
            .into_iter()
            .map(|k| (k.as_str(), kind_label(k)))
            .collect(),
        batches: recent
            .into_iter()
            .map(|b| BatchRow {
                id: b.id,
                file: b.file_name,
                kind: kind_label(b.kind),
                added: b.rows_added,
                updated: b.rows_updated,
                unchanged: b.rows_unchanged,
                actor: b.actor,
                at: b.imported_at.format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect(),
    })
}
