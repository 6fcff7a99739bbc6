//! Subsidies (奖补) over HTTP, up to approval: entitlements, a company's
//! application and its documents, the district review and the city
//! approval. Companies see only their own; officials read everything;
//! admins take the steps. Payments and the ledger: `http::payments`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::{EntitlementPath, SubsidyApplicationPath, SubsidyDocumentPath};
use super::ApiError;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::SubsidyStatus;
use crate::service::subsidies::{self as service, ApplicationView, Step, SubsidyError};
use crate::storage::subsidies::{self, Document, Entitlement, EntitlementChange};
use crate::storage::Database;

impl From<SubsidyError> for ApiError {
    fn from(e: SubsidyError) -> Self {
        let code = e.code();
        match e {
            SubsidyError::NotFound => ApiError::NotFound,
            SubsidyError::Storage(s) => s.into(),
            SubsidyError::Empty(_) | SubsidyError::NotPositive => ApiError::BadRequest {
                code,
                message: e.to_string(),
            },
            SubsidyError::AlreadyApplied(_)
            | SubsidyError::WrongStep { .. }
            | SubsidyError::SameReviewer(_)
            | SubsidyError::VoucherUsed(_)
            | SubsidyError::AlreadyReversed(_)
            | SubsidyError::TooManyDocuments(_) => ApiError::Blocked {
                code,
                message: e.to_string(),
            },
            other => ApiError::Unprocessable {
                code,
                message: other.to_string(),
                details: serde_json::Value::Null,
            },
        }
    }
}

/// An amount in yuan (at most two decimals) from a request, as cents.
pub(super) fn cents(field: &str, yuan: &str) -> Result<i64, ApiError> {
    crate::domain::parse_cents(yuan)
        .map_err(|m| ApiError::bad_request("bad_amount", format!("{field}: {m}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntitlementQuery {
    /// Only this quarter (YYYYQn).
    period: Option<String>,
}

/// An entitlement with the last day to apply and its application, if any.
#[derive(Serialize, ToSchema)]
pub struct EntitlementView {
    #[serde(flatten)]
    entitlement: Entitlement,
    #[schema(value_type = String, format = Date)]
    apply_until: chrono::NaiveDate,
    application_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EntitlementList {
    entitlements: Vec<EntitlementView>,
}

#[utoipa::path(get, path = "/subsidies/entitlements", params(EntitlementQuery),
    responses((status = 200, body = EntitlementList)))]
pub async fn entitlements(
    query: web::Query<EntitlementQuery>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let period = match query.into_inner().period {
        Some(p) => Some(super::ratings::parse_period(&p)?.to_string()),
        None => None,
    };
    let company = caller.company().map(str::to_string);
    let db = db.get_ref().clone();
    let window = settings.subsidy.clone();
    let list = crate::http::block(move || {
        let mut conn = db.get()?;
        let list = subsidies::list(&mut conn, company.as_deref(), period.as_deref())?;
        let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
        let applied = subsidies::application_ids(&mut conn, &ids)?;
        Ok::<_, crate::storage::StorageError>(
            list.into_iter()
                .map(|e| EntitlementView {
                    apply_until: service::apply_until(e.opened_at, &window),
                    application_id: applied.get(&e.id).copied(),
                    entitlement: e,
                })
                .collect::<Vec<_>>(),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(EntitlementList { entitlements: list }))
}

/// An entitlement, how it was computed and every amount it has had.
#[derive(Serialize, ToSchema)]
pub struct EntitlementDetail {
    entitlement: Entitlement,
    /// The run's explanation of the amount: the communities and households
    /// (with their base condition), the rate, a budget scaling.
    #[schema(value_type = Object)]
    explanation: serde_json::Value,
    changes: Vec<EntitlementChange>,
}

#[utoipa::path(get, path = "/subsidies/entitlements/{id}", params(EntitlementPath),
    responses((status = 200, body = EntitlementDetail)))]
pub async fn entitlement(
    path: web::Path<i64>,
    caller: Caller,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let db = db.get_ref().clone();
    let (e, changes) = crate::http::block(move || {
        let mut conn = db.get()?;
        let Some(e) = subsidies::get(&mut conn, id)? else {
            return Ok(None);
        };
        let changes = subsidies::changes_of(&mut conn, id)?;
        Ok::<_, crate::storage::StorageError>(Some((e, changes)))
    })
    .await??
    .ok_or(ApiError::NotFound)?;
    if caller.company().is_some_and(|c| c != e.company_code) {
        return Err(ApiError::NotFound);
    }
    let explanation = serde_json::from_str(&e.detail)
        .map_err(|err| ApiError::Internal(format!("entitlement {id} detail: {err}")))?;
    Ok(HttpResponse::Ok().json(EntitlementDetail {
        entitlement: e,
        explanation,
        changes,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubsidyApplication {
    /// One of your company's entitlements.
    entitlement_id: i64,
    /// The company's statement (申报说明).
    statement: String,
}

/// The application (or, after a return, submitted again).
#[utoipa::path(post, path = "/subsidies/applications", request_body = NewSubsidyApplication,
    responses((status = 201, body = ApplicationView)))]
pub async fn apply(
    body: web::Json<NewSubsidyApplication>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let company = caller.company().ok_or(ApiError::Forbidden)?.to_string();
    let body = body.into_inner();
    let actor = caller.actor();
    let db = db.get_ref().clone();
    let s = settings.subsidy.clone();
    let (now, today) = (clock.now(), clock.today());
    let view = crate::http::block(move || {
        let mut conn = db.get()?;
        let a = service::apply(
            &mut conn,
            now,
            &s,
            &service::Applying {
                company: &company,
                entitlement_id: body.entitlement_id,
                statement: &body.statement,
                actor: &actor,
            },
        )?;
        Ok::<_, SubsidyError>(service::view(&mut conn, a, &s, today)?)
    })
    .await??;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// Only applications in this state.
    status: Option<SubsidyStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    applications: Vec<ApplicationView>,
}

/// Applications, newest first (a company: its own), with what each still
/// needs, what was paid and whether its review is overdue.
fn list_views(
    db: &Database,
    company: Option<&str>,
    status: Option<SubsidyStatus>,
    settings: &service::SubsidySettings,
    today: chrono::NaiveDate,
) -> Result<Vec<ApplicationView>, crate::storage::StorageError> {
    let mut conn = db.get()?;
    let pairs = subsidies::applications(&mut conn, company, status)?;
    service::views(&mut conn, pairs, settings, today)
}

#[utoipa::path(get, path = "/subsidies/applications", params(ApplicationQuery),
    responses((status = 200, body = ApplicationList)))]
pub async fn applications(
    query: web::Query<ApplicationQuery>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let company = caller.company().map(str::to_string);
    let status = query.into_inner().status;
    let db = db.get_ref().clone();
    let s = settings.subsidy.clone();
    let today = clock.today();
    let applications =
        crate::http::block(move || list_views(&db, company.as_deref(), status, &s, today))
            .await??;
    Ok(HttpResponse::Ok().json(ApplicationList { applications }))
}

/// The application when the caller may see it (others: not found).
pub async fn visible(
    caller: &Caller,
    db: &Database,
    settings: &Settings,
    today: chrono::NaiveDate,
    id: i64,
) -> Result<ApplicationView, ApiError> {
    let db = db.clone();
    let s = settings.subsidy.clone();
    let view = crate::http::block(move || {
        let mut conn = db.get()?;
        subsidies::application(&mut conn, id)?
            .map(|a| service::view(&mut conn, a, &s, today))
            .transpose()
    })
    .await??
    .ok_or(ApiError::NotFound)?;
    if caller
        .company()
        .is_some_and(|c| c != view.application.company_code)
    {
        return Err(ApiError::NotFound);
    }
    Ok(view)
}

#[utoipa::path(get, path = "/subsidies/applications/{id}", params(SubsidyApplicationPath),
    responses((status = 200, body = ApplicationView)))]
pub async fn application(
    path: web::Path<i64>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let view = visible(&caller, &db, &settings, clock.today(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Which of the programme's documents this is (e.g. 接管合同).
    document: String,
    /// The file's name, as the company keeps it.
    file_name: String,
}

#[utoipa::path(post, path = "/subsidies/applications/{id}/documents", params(SubsidyApplicationPath, DocumentQuery),
    request_body(content(
        (Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg")),
        description = "One document; its type is read from its content"),
    responses((status = 201, description = "The stored document, without its content", body = Document)))]
pub async fn upload(
    path: web::Path<i64>,
    query: web::Query<DocumentQuery>,
    payload: web::Payload,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let company = caller.company().ok_or(ApiError::Forbidden)?.to_string();
    let view = visible(&caller, &db, &settings, clock.today(), id).await?;
    let query = query.into_inner();
    let file_name = super::upload::file_name(&query.file_name)?;
    let document = query.document.trim().to_string();
    if !view.required_documents.contains(&document) {
        return Err(
            SubsidyError::UnknownDocument(document, view.required_documents.join("、")).into(),
        );
    }
    let s = settings.subsidy.clone();
    let (content, content_type) =
        super::upload::read(payload, s.document_max_mib, "a document").await?;
    let actor = caller.actor();
    let now = clock.now();
    let db = db.get_ref().clone();
    let stored = crate::http::block(move || {
        crate::service::subsidy_documents::add(
            &mut *db.get()?,
            now,
            &s,
            &crate::service::subsidy_documents::Adding {
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
    .await??;
    Ok(HttpResponse::Created().json(stored))
}

#[utoipa::path(get, path = "/subsidies/applications/{id}/documents/{doc}", params(SubsidyDocumentPath),
    responses((status = 200, description = "The document as uploaded",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg")))))]
pub async fn document(
    path: web::Path<(i64, i64)>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let (id, doc) = path.into_inner();
    visible(&caller, &db, &settings, clock.today(), id).await?;
    let db = db.get_ref().clone();
    let (content_type, bytes) =
        crate::http::block(move || subsidies::document_content(&mut *db.get()?, id, doc))
            .await??
            .ok_or(ApiError::NotFound)?;
    Ok(super::upload::attachment(content_type, bytes))
}

/// An official's decision at the district review (初审) or the city approval (复核).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubsidyRuling {
    /// false: returned to the company (退回) with the reason.
    pass: bool,
    reason: String,
    /// Yuan, at most two decimals; absent: the entitlement in full. Never above it.
    #[serde(default)]
    amount: Option<String>,
    /// Needed when the amount is below the entitlement.
    #[serde(default)]
    difference_reason: Option<String>,
    /// Approval: the fund source (资金来源) its budget line is in.
    #[serde(default)]
    fund_source: Option<String>,
    /// Approval: the budget year (default: this year).
    #[serde(default)]
    budget_year: Option<i32>,
}

async fn rule(
    step: Step,
    id: i64,
    body: SubsidyRuling,
    caller: &Caller,
    db: &Database,
    settings: &Settings,
    clock: &Clock,
) -> Result<HttpResponse, ApiError> {
    let amount_cents = body
        .amount
        .as_deref()
        .map(|a| cents("amount", a))
        .transpose()?;
    let actor = caller.actor();
    let s = settings.subsidy.clone();
    let (now, today) = (clock.now(), clock.today());
    let db = db.clone();
    let view = crate::http::block(move || {
        let mut conn = db.get()?;
        let a = service::rule(
            &mut conn,
            now,
            &s,
            &service::Ruling {
                id,
                step,
                actor: &actor,
                pass: body.pass,
                reason: &body.reason,
                amount_cents,
                difference_reason: body.difference_reason.as_deref(),
                fund_source: body.fund_source.as_deref(),
                budget_year: body.budget_year,
            },
        )?;
        Ok::<_, SubsidyError>(service::view(&mut conn, a, &s, today)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(post, path = "/subsidies/applications/{id}/review", params(SubsidyApplicationPath),
    request_body = SubsidyRuling, responses((status = 200, body = ApplicationView)))]
pub async fn review(
    path: web::Path<i64>,
    body: web::Json<SubsidyRuling>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    rule(
        Step::Review,
        path.into_inner(),
        body.into_inner(),
        &caller,
        &db,
        &settings,
        &clock,
    )
    .await
}

#[utoipa::path(post, path = "/subsidies/applications/{id}/approval", params(SubsidyApplicationPath),
    request_body = SubsidyRuling, responses((status = 200, body = ApplicationView)))]
pub async fn approve(
    path: web::Path<i64>,
    body: web::Json<SubsidyRuling>,
    caller: Caller,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    rule(
        Step::Approve,
        path.into_inner(),
        body.into_inner(),
        &caller,
        &db,
        &settings,
        &clock,
    )
    .await
}
