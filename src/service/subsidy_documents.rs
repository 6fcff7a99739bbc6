//! A company adds a document (申报材料) to its own application — one of the
//! programme's documents, while the application is submitted or returned,
//! up to `subsidy.document_max_files` — and the addition is audited with
//! the file's digest. The API's raw upload and the page's form both come
//! here, so they refuse the same things the same way.

use chrono::NaiveDateTime;

use super::subsidies::{SubsidyError, SubsidySettings};
use crate::domain::SubsidyStatus;
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::subsidies::{self, Document, NewDocument};
use crate::storage::Conn;

/// A checked file (its type read from its content) for an application.
pub struct Adding<'a> {
    pub application_id: i64,
    /// The caller's company: another company's application is not found.
    pub company: &'a str,
    /// Which of the programme's documents this is.
    pub document: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
    pub actor: &'a str,
}

/// Stores the document, or says why not.
pub fn add(
    conn: &mut Conn,
    now: NaiveDateTime,
    settings: &SubsidySettings,
    a: &Adding<'_>,
) -> Result<Document, SubsidyError> {
    let document = a.document.trim();
    conn.transaction(|conn| {
        let app = subsidies::application_locked(conn, a.application_id)?
            .filter(|app| app.company_code == a.company)
            .ok_or(SubsidyError::NotFound)?;
        let e = subsidies::get(conn, app.entitlement_id)?.ok_or(SubsidyError::NotFound)?;
        let required = settings.documents_for(&e.programme);
        if !required.iter().any(|d| d == document) {
            return Err(SubsidyError::UnknownDocument(
                document.to_string(),
                required.join("、"),
            ));
        }
        if !matches!(
            app.status,
            SubsidyStatus::Submitted | SubsidyStatus::Rejected
        ) {
            return Err(SubsidyError::WrongStep {
                id: app.id,
                status: app.status,
                needed: "submitted or returned",
            });
        }
        let held = subsidies::documents_of(conn, app.id)?.len();
        if held >= usize::try_from(settings.document_max_files).unwrap_or(usize::MAX) {
            return Err(SubsidyError::TooManyDocuments(settings.document_max_files));
        }
        let stored = subsidies::add_document(
            conn,
            &NewDocument {
                application_id: app.id,
                document,
                file_name: a.file_name,
                content_type: a.content_type,
                content: a.content,
                uploaded_by: a.actor,
                uploaded_at: now,
            },
        )?;
        let values = serde_json::json!({
            "document_id": stored.id,
            "document": document,
            "file_name": a.file_name,
            "content_type": a.content_type,
            "size_bytes": stored.size_bytes,
            "sha256": crate::rules::sha256_hex(a.content),
        });
        audit::record(
            conn,
            NewAuditEntry::new(
                a.actor,
                now,
                "subsidy_applications",
                app.id.to_string(),
                "subsidy_document",
            )
            .values(None, Some(values.to_string())),
        )?;
        Ok(stored)
    })
}
