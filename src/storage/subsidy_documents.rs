//! The documents (申报材料) an application carries: stored whole with
//! their digest, listed without their content, read back one at a time.
//! Which documents a programme asks for is `service::subsidies`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema_subsidies::subsidy_documents as docs;
use super::{Conn, StorageError};

/// A document without its content.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = docs)]
pub struct Document {
    pub id: i64,
    pub application_id: i64,
    /// Which of the programme's documents it is (e.g. 接管合同).
    pub document: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub uploaded_at: NaiveDateTime,
}

pub struct NewDocument<'a> {
    pub application_id: i64,
    pub document: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
    pub uploaded_at: NaiveDateTime,
}

pub fn add_document(conn: &mut Conn, new: &NewDocument<'_>) -> Result<Document, StorageError> {
    let size = i64::try_from(new.content.len())
        .map_err(|_| StorageError::Corrupt("a document larger than i64".into()))?;
    let id: i64 = diesel::insert_into(docs::table)
        .values((
            docs::application_id.eq(new.application_id),
            docs::document.eq(new.document),
            docs::file_name.eq(new.file_name),
            docs::content_type.eq(new.content_type),
            docs::sha256.eq(crate::rules::sha256_hex(new.content)),
            docs::size_bytes.eq(size),
            docs::content.eq(new.content),
            docs::uploaded_by.eq(new.uploaded_by),
            docs::uploaded_at.eq(new.uploaded_at),
        ))
        .returning(docs::id)
        .get_result(conn)?;
    Ok(docs::table
        .find(id)
        .select(Document::as_select())
        .first(conn)?)
}

/// An application's documents (without content), in upload order.
pub fn documents_of(conn: &mut Conn, application_id: i64) -> Result<Vec<Document>, StorageError> {
    Ok(docs::table
        .filter(docs::application_id.eq(application_id))
        .order(docs::id)
        .select(Document::as_select())
        .load(conn)?)
}

/// One document's content type and bytes.
pub fn document_content(
    conn: &mut Conn,
    application_id: i64,
    document_id: i64,
) -> Result<Option<(String, Vec<u8>)>, StorageError> {
    Ok(docs::table
        .filter(docs::application_id.eq(application_id))
        .filter(docs::id.eq(document_id))
        .select((docs::content_type, docs::content))
        .first(conn)
        .optional()?)
}

/// The documents (without content) of many applications, in upload order.
pub fn documents_of_many(
    conn: &mut Conn,
    application_ids: &[i64],
) -> Result<Vec<Document>, StorageError> {
    let mut out = Vec::new();
    for chunk in application_ids.chunks(500) {
        out.extend(
            docs::table
                .filter(docs::application_id.eq_any(chunk))
                .order(docs::id)
                .select(Document::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
