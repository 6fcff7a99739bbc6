//! Reading an uploaded file (repair evidence, subsidy documents): the body
//! streamed up to a size limit, its type read from its content (PDF, PNG or
//! JPEG), never from what the client claims.

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};

use super::ApiError;

/// The body (a request's, or a file field of a form's), when it is at most
/// `limit_mib` MiB and a PDF, PNG or JPEG file, with its content type;
/// `what` names it in the error.
pub async fn read<S, E>(
    payload: S,
    limit_mib: u64,
    what: &str,
) -> Result<(Vec<u8>, &'static str), ApiError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut payload = std::pin::pin!(payload);
    let limit = usize::try_from(limit_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
    let mut content = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("bad_upload", format!("the upload broke off: {e}"))
        })?;
        if content.len().saturating_add(chunk.len()) > limit {
            return Err(ApiError::PayloadTooLarge(limit_mib));
        }
        content.extend_from_slice(&chunk);
    }
    let content_type = crate::service::repairs::evidence_type(&content).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "{what} must be a PDF, PNG or JPEG file (read from its content)"
        ))
    })?;
    Ok((content, content_type))
}

/// A file name as given: trimmed, 1–200 characters.
pub fn file_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "bad_file_name",
            "give the file's name (at most 200 characters)",
        ));
    }
    Ok(name.to_string())
}

/// A stored file sent back as uploaded: as an attachment, its type not
/// sniffed (it was checked when it came in).
pub fn attachment(content_type: String, bytes: Vec<u8>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", "attachment"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes)
}
