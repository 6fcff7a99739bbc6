//! Signing in and out with a form: the login page posts name, password and
//! a hidden CSRF field; the same Authenticator as the API's `POST /session`
//! checks the password (throttle, audit) and starts the session.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::viewer::Viewer;
use super::{page_with_status, see_other, PageError, TokenForm};
use crate::domain::Role;
use crate::http::auth::Caller;
use crate::http::csrf;
use crate::http::session::Authenticator;
use crate::http::ApiError;

/// Where a signed-in user lands: officials on their dashboard, a company on
/// its own page.
fn landing(role: &Role) -> String {
    match role {
        Role::Admin | Role::Inspector => "/dashboard".to_string(),
        Role::Company { company_code } => format!("/companies/{company_code}"),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    viewer: Viewer,
    form_token: String,
    name: String,
    message: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf_token: String,
}

/// The login form with a fresh token, and the cookie that must come back with it.
fn login_form(
    name: String,
    message: &'static str,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, PageError> {
    let token = csrf::new_login_token()?;
    let cookie = Cookie::build(csrf::LOGIN_COOKIE, token.clone())
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login")
        .max_age(actix_web::cookie::time::Duration::hours(1))
        .finish();
    let mut response = page_with_status(
        &LoginPage {
            viewer: Viewer::anonymous(),
            form_token: token,
            name,
            message,
        },
        status,
    )?;
    response
        .add_cookie(&cookie)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(response)
}

/// `GET /login`.
pub async fn show(req: HttpRequest) -> Result<HttpResponse, PageError> {
    if let Caller::User { role, .. } = Viewer::of(&req).await?.caller {
        return Ok(see_other(&landing(&role)).finish());
    }
    login_form(String::new(), "", actix_web::http::StatusCode::OK)
}

/// `POST /login`: the form's token, then the password.
pub async fn submit(
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let LoginForm {
        name,
        password,
        csrf_token,
    } = form.into_inner();
    csrf::check_login_form(&req, &csrf_token)?;
    let auth = Authenticator::of(&req)?;
    match auth.sign_in(&req, name.clone(), password).await {
        Ok(session) => {
            let mut used = Cookie::build(csrf::LOGIN_COOKIE, "")
                .path("/login")
                .finish();
            used.make_removal();
            let role = session.user.role()?;
            Ok(see_other(&landing(&role))
                .cookie(auth.cookie(&session.token))
                .cookie(used)
                .finish())
        }
        Err(ApiError::Unauthenticated) => login_form(
            name,
            "用户名或密码不正确。",
            actix_web::http::StatusCode::UNAUTHORIZED,
        ),
        Err(ApiError::TooManyAttempts) => login_form(
            name,
            "登录失败次数过多，请 15 分钟后再试。",
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`: the session's token in the form, then the session ends.
pub async fn logout(
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::of(&req).await?;
    let Some(session) = viewer.session.as_deref() else {
        return Ok(see_other("/").finish());
    };
    csrf::check_form(&req, session, &form.csrf_token)?;
    let gone = Authenticator::of(&req)?.end(&req).await?;
    Ok(see_other("/").cookie(gone).finish())
}
