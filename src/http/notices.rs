//! The public notice (公示) and notifications over HTTP: the lists of a
//! quarter in notice (anyone), a company's own pending results (the company
//! and officials), the notification outbox (officials; a company its own)
//! and a user's contact address.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::params::{CompanyPath, PeriodPath};
use super::ratings::{parse_period, PublicRow};
use super::ApiError;
use crate::clock::Clock;
use crate::domain::{ListPlacement, Period};
use crate::service::notice::{self, PendingResult};
use crate::storage::notifications::{self, Notification};
use crate::storage::{users, Database};

/// A quarter's lists in public notice (公示中): not in effect until published.
#[derive(Serialize, ToSchema)]
pub struct NoticeLists<'a> {
    period: Period,
    run_id: i64,
    #[schema(value_type = String, format = Date)]
    notice_from: Option<chrono::NaiveDate>,
    /// The last day of the notice (for the company whose notice ends last).
    #[schema(value_type = String, format = Date)]
    notice_until: Option<chrono::NaiveDate>,
    red_list: Vec<PublicRow<'a>>,
    black_list: Vec<PublicRow<'a>>,
}

#[utoipa::path(get, path = "/periods/{period}/notice", params(PeriodPath),
    responses((status = 200, body = NoticeLists)))]
pub async fn period_notice(
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&path.into_inner())?;
    let db = db.get_ref().clone();
    let (run, rows) = crate::http::block(move || notice::in_notice_for(&mut *db.get()?, period))
        .await??
        .ok_or(ApiError::NotFound)?;
    let on = |l: ListPlacement| -> Vec<PublicRow<'_>> {
        rows.iter()
            .filter(|r| r.list == l)
            .map(PublicRow::from)
            .collect()
    };
    Ok(HttpResponse::Ok().json(NoticeLists {
        period,
        run_id: run.id,
        notice_from: run.notice_from,
        notice_until: run.notice_until,
        red_list: on(ListPlacement::Red),
        black_list: on(ListPlacement::Black),
    }))
}

/// A company's results in notice.
#[derive(Serialize, ToSchema)]
pub struct Pending {
    pending: Vec<PendingResult>,
}

#[utoipa::path(get, path = "/companies/{code}/notice", params(CompanyPath),
    responses((status = 200, body = Pending)))]
pub async fn company_notice(
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let db = db.get_ref().clone();
    let pending = crate::http::block(move || notice::pending_for(&mut *db.get()?, &code)).await??;
    Ok(HttpResponse::Ok().json(Pending { pending }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only this company's (officials); a company sees its own regardless.
    company: Option<String>,
}

/// Notifications, newest first (at most 500).
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    notifications: Vec<Notification>,
}

#[utoipa::path(get, path = "/notifications", params(NotificationQuery),
    responses((status = 200, body = NotificationList)))]
pub async fn list(
    query: web::Query<NotificationQuery>,
    caller: Caller,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let company = match caller.company() {
        Some(own) => Some(own.to_string()),
        None => query.into_inner().company,
    };
    let db = db.get_ref().clone();
    let found =
        crate::http::block(move || notifications::list(&mut *db.get()?, company.as_deref(), 500))
            .await??;
    Ok(HttpResponse::Ok().json(NotificationList {
        notifications: found,
    }))
}

/// The signed-in user's contact address for notifications.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactAddress {
    /// An email address; null removes it.
    #[schema(example = "office@example.com")]
    email: Option<String>,
}

#[utoipa::path(put, path = "/account/email", request_body = ContactAddress,
    responses((status = 200, description = "The address kept", body = ContactAddress)))]
pub async fn set_email(
    body: web::Json<ContactAddress>,
    caller: Caller,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let Caller::User { name, .. } = &caller else {
        return Err(ApiError::Unauthenticated);
    };
    let email = match body.into_inner().email {
        Some(text) => Some(
            text.trim()
                .parse::<lettre::Address>()
                .map_err(|e| {
                    ApiError::bad_request(
                        "bad_email",
                        format!("'{text}' is not an email address: {e}"),
                    )
                })?
                .to_string(),
        ),
        None => None,
    };
    let (name, actor) = (name.clone(), caller.actor());
    let db = db.get_ref().clone();
    let now = clock.now();
    let kept = email.clone();
    crate::http::block(move || {
        users::set_email(&mut *db.get()?, &name, kept.as_deref(), &actor, now)
    })
    .await?
    .map_err(|e| match e {
        users::UserError::NotFound(_) => ApiError::Unauthenticated,
        users::UserError::Storage(s) => s.into(),
        other => ApiError::Internal(other.to_string()),
    })?;
    Ok(HttpResponse::Ok().json(ContactAddress { email }))
}
