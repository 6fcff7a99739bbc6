//! Web sign-in: a password for an HttpOnly, SameSite=Strict session cookie.
//! Failed attempts are throttled per user name.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::auth::{self, Caller, SESSION_COOKIE};
use super::ApiError;
use crate::storage::{users, Database};

const MAX_FAILURES: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(15 * 60);
const SESSION_HOURS: u64 = 8;

/// Failed sign-ins per user name: after five, the name is locked for 15 minutes.
#[derive(Default)]
pub struct LoginThrottle(Mutex<HashMap<String, (u32, Option<Instant>)>>);

impl LoginThrottle {
    fn locked(&self, name: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(name)
            .and_then(|(_, until)| *until)
            .is_some_and(|t| Instant::now() < t)
    }

    fn failed(&self, name: &str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(name.to_string()).or_insert((0, None));
        if entry.1.is_some_and(|t| Instant::now() >= t) {
            *entry = (0, None);
        }
        entry.0 += 1;
        if entry.0 >= MAX_FAILURES {
            entry.1 = Some(Instant::now() + LOCKOUT);
        }
    }

    fn succeeded(&self, name: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    name: String,
    password: String,
}

pub async fn sign_in(
    body: web::Json<SignIn>,
    db: web::Data<Database>,
    throttle: web::Data<LoginThrottle>,
) -> Result<HttpResponse, ApiError> {
    let SignIn { name, password } = body.into_inner();
    if throttle.locked(&name) {
        return Err(ApiError::TooManyAttempts);
    }
    let db = db.get_ref().clone();
    let who = name.clone();
    // argon2 is deliberately slow: off the worker thread.
    let signed_in = web::block(
        move || -> Result<Option<(users::User, String, chrono::NaiveDateTime)>, ApiError> {
            let mut conn = db.get()?;
            let Some(user) = users::active_by_name(&mut conn, &who)? else {
                return Ok(None);
            };
            let Some(hash) = user.password_hash.clone() else {
                return Ok(None);
            };
            if !auth::verify_password(&password, &hash) {
                return Ok(None);
            }
            let token = users::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
            let now = chrono::Local::now().naive_local();
            let expires = now + chrono::Duration::hours(i64::try_from(SESSION_HOURS).unwrap_or(8));
            users::start_session(&mut conn, user.id, &token, now, expires)?;
            Ok(Some((user, token, expires)))
        },
    )
    .await??;
    let Some((user, token, expires)) = signed_in else {
        throttle.failed(&name);
        return Err(ApiError::Unauthenticated);
    };
    throttle.succeeded(&name);
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(actix_web::cookie::time::Duration::hours(
            i64::try_from(SESSION_HOURS).unwrap_or(8),
        ))
        .finish();
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .json(serde_json::json!({ "user": user.name, "role": user.role, "company_code": user.company_code, "expires_at": expires })))
}

pub async fn sign_out(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user()?;
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let db = db.get_ref().clone();
        web::block(move || {
            let mut conn = db.get()?;
            users::end_session(&mut conn, &token, chrono::Local::now().naive_local())
        })
        .await??;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}
