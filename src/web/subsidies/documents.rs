//! A company adds a document to its application from the page: an HTML
//! form sent as `multipart/form-data`, read field by field with every part
//! bounded — the file by `subsidy.document_max_mib` and checked by its
//! content like the API's upload, the text fields by a few hundred bytes,
//! the number of parts by the form's own — so no request can make the
//! server hold more than one document's worth. The document is stored by
//! `service::subsidy_documents`, the API's path too.

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::application::{self, Prefill};
use super::{messages, Env, Said};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::http::ApiError;
use crate::service::subsidy_documents::{self, Adding};
use crate::storage::Database;
use crate::web::viewer::{Gate, Viewer};
use crate::web::PageError;

/// The form has three parts; a few more are tolerated (a browser's extras), no more.
const MAX_PARTS: usize = 8;
/// A text part (the token, the document's name) is short.
const MAX_TEXT: usize = 1024;

/// What the form sent.
#[derive(Default)]
struct Upload {
    csrf_token: String,
    document: String,
    file_name: String,
    file: Option<(Vec<u8>, &'static str)>,
}

/// The form is malformed (not the user's doing in a browser): 400.
fn malformed(what: &str) -> PageError {
    PageError::Api(ApiError::bad_request("bad_form", what.to_string()))
}

async fn text(mut field: Field) -> Result<String, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| malformed(&format!("the form broke off: {e}")))?;
        if bytes.len() + chunk.len() > MAX_TEXT {
            return Err(malformed("a text field of the form is too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| malformed("a text field of the form is not UTF-8"))
}

/// No file was chosen.
fn choose() -> (String, StatusCode) {
    ("请选择要上传的文件。".into(), StatusCode::BAD_REQUEST)
}

/// Reads the form; a file the reader refuses is a sentence for the page.
async fn read(
    mut form: Multipart,
    max_mib: u64,
) -> Result<(Upload, Option<(String, StatusCode)>), PageError> {
    let mut upload = Upload::default();
    let mut refused = None;
    let mut parts = 0;
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| malformed(&format!("not a form upload: {e}")))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(malformed("the form has too many parts"));
        }
        match field.name().unwrap_or_default() {
            "csrf_token" => upload.csrf_token = text(field).await?,
            "document" => upload.document = text(field).await?,
            "file" if upload.file.is_none() => {
                upload.file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_string();
                match crate::http::upload::read(field, max_mib, "a document").await {
                    Ok(file) => upload.file = Some(file),
                    Err(e) => {
                        // Read no further: the rest of a refused file is
                        // not worth the wait (the token comes first).
                        refused = Some(messages::upload_refusal(e)?);
                        break;
                    }
                }
            }
            _ => return Err(malformed("the form has a part it does not know")),
        }
    }
    Ok((upload, refused))
}

/// `POST /subsidies/applications/{id}/documents`.
pub async fn upload(
    req: HttpRequest,
    path: web::Path<i64>,
    form: Multipart,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::SignedIn).await?;
    let company = viewer.company.clone().ok_or(ApiError::Forbidden)?;
    let id = path.into_inner();
    let env = Env::of(&db, &settings, &clock);
    let (upload, refused) = read(form, settings.subsidy.document_max_mib).await?;
    viewer.check_form(&req, &upload.csrf_token)?;
    let checked = match (upload.file, refused) {
        _ if upload.file_name.trim().is_empty() => Err(choose()),
        (_, Some(said)) => Err(said),
        (Some((content, content_type)), None) => {
            match crate::http::upload::file_name(&upload.file_name) {
                Ok(name) => Ok((content, content_type, name)),
                Err(e) => Err(messages::upload_refusal(e)?),
            }
        }
        (None, None) => Err(choose()),
    };
    let (content, content_type, file_name) = match checked {
        Ok(c) => c,
        Err(said) => {
            let said = Said::refused(said, Prefill::default());
            return application::render(viewer, &env, id, said).await;
        }
    };
    let actor = viewer.caller.actor();
    let now = clock.now();
    let s = settings.subsidy.clone();
    let db2 = db.get_ref().clone();
    let document = upload.document;
    let result = crate::http::block(move || {
        subsidy_documents::add(
            &mut *db2.get()?,
            now,
            &s,
            &Adding {
                application_id: id,
                company: &company,
                document: &document,
                file_name: &file_name,
                content_type,
                content: &content,
                actor: &actor,
            },
        )
    })
    .await?;
    application::finish(
        viewer,
        &env,
        id,
        "uploaded",
        result.map(|_| ()),
        Prefill::default(),
    )
    .await
}
