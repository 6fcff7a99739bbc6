//! Pages for people, in Simplified Chinese, served by the same application
//! as the API: the same services, the same storage, the same access guard.
//! Templates are checked at compile time (askama); styles and the little
//! script there is are compiled into the binary and served from this origin.

mod appeals;
mod audit;
mod charts;
mod company;
mod dashboard;
mod imports;
mod method;
mod public;
mod rankings;
mod report;
mod runs;
mod session;
mod subsidies;
pub mod viewer;
mod whatif;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use askama::Template;

use crate::http::ApiError;

/// Mounts the pages and their static files.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home))
        .route("/periods/{period}", web::get().to(public::period))
        .route("/methodology", web::get().to(method::methodology))
        .route("/companies/{code}", web::get().to(company::show))
        .route("/companies/{code}/report", web::get().to(report::show))
        .route("/companies/{code}/report", web::post().to(report::issue))
        .route("/verify", web::get().to(report::verify_form))
        .route("/verify/{code}", web::get().to(report::verify_code))
        .route("/appeals", web::get().to(appeals::show))
        .route("/appeals", web::post().to(appeals::file))
        .route("/appeals/{id}/decision", web::post().to(appeals::decide))
        .route("/subsidies", web::get().to(subsidies::show))
        .route("/subsidies/budgets", web::post().to(subsidies::set_budget))
        .route(
            "/subsidies/entitlements/{id}",
            web::get().to(subsidies::entitlement),
        )
        .route(
            "/subsidies/entitlements/{id}/application",
            web::post().to(subsidies::apply),
        )
        .route(
            "/subsidies/applications/{id}",
            web::get().to(subsidies::application),
        )
        .route(
            "/subsidies/applications/{id}/documents",
            web::post().to(subsidies::upload),
        )
        .route(
            "/subsidies/applications/{id}/resubmission",
            web::post().to(subsidies::resubmit),
        )
        .route(
            "/subsidies/applications/{id}/payments",
            web::post().to(subsidies::pay),
        )
        .route(
            "/subsidies/applications/{id}/{step}",
            web::post().to(subsidies::rule),
        )
        .route(
            "/subsidies/payments/{id}/reversal",
            web::post().to(subsidies::reverse),
        )
        .route("/audit", web::get().to(audit::show))
        .route("/dashboard", web::get().to(dashboard::show))
        .route("/what-if", web::get().to(whatif::show))
        .route("/what-if", web::post().to(whatif::run))
        .route("/imports", web::get().to(imports::show))
        .route("/runs", web::get().to(runs::list))
        .route("/runs", web::post().to(runs::start))
        .route("/runs/{id}", web::get().to(runs::show))
        .route("/runs/{id}/publish", web::post().to(runs::publish))
        .route("/runs/{id}/notice", web::post().to(runs::announce))
        .route("/rankings", web::get().to(rankings::show))
        .route(
            "/rankings/export.{format}",
            web::get().to(rankings::download),
        )
        .route("/login", web::get().to(session::show))
        .route("/login", web::post().to(session::submit))
        .route("/logout", web::post().to(session::logout))
        .route("/static/site.css", web::get().to(stylesheet))
        .route("/static/site.js", web::get().to(script));
}

/// Any path nothing else answers: the page in Chinese, 404.
pub async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::Api(ApiError::NotFound))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("static/site.css"))
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("static/site.js"))
}

/// A page that could not be shown: the API's error, answered as a page in
/// Chinese with the same status (and the same silence about internals), or
/// a visitor who must sign in first, sent to `/login`.
#[derive(Debug)]
pub enum PageError {
    Api(ApiError),
    SignIn,
}

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError::Api(e.into())
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Api(e) => e.fmt(f),
            PageError::SignIn => f.write_str("sign in first"),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    viewer: viewer::Viewer,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Api(e) => e.status_code(),
            PageError::SignIn => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let PageError::Api(error) = self else {
            return see_other("/login").finish();
        };
        let status = self.status_code();
        let (title, message) = match status.as_u16() {
            400 => ("请求有误", "页面地址或提交的内容不正确。"),
            401 => ("请先登录", "此页面需要登录后查看。"),
            403 => (
                "无权访问",
                "您的账户无权进行此操作，或表单已过期、来自其他网站。请返回后重试。",
            ),
            404 => ("页面不存在", "没有找到您要查看的内容。"),
            503 => ("暂时无法访问", "数据库暂时没有响应，请稍后再试。"),
            _ => ("系统出错", "系统出现错误，已记录，请稍后再试。"),
        };
        if status.is_server_error() {
            tracing::error!(%error, "page failed");
        }
        let body = ErrorPage {
            viewer: viewer::Viewer::anonymous(),
            title,
            message,
        }
        .render()
        .unwrap_or_else(|_| message.to_string());
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

/// A form whose only field is the viewer's CSRF token (a button that acts).
#[derive(Debug, serde::Deserialize)]
pub struct TokenForm {
    pub csrf_token: String,
}

/// 303 to `to`: where a form post leads, so a reload does not post again.
fn see_other(to: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header((actix_web::http::header::LOCATION, to.to_string()));
    r
}

/// A rendered page, or the error page of a template that failed.
fn page(t: &impl Template) -> Result<HttpResponse, PageError> {
    page_with_status(t, StatusCode::OK)
}

fn page_with_status(t: &impl Template, status: StatusCode) -> Result<HttpResponse, PageError> {
    let body = t
        .render()
        .map_err(|e| PageError::Api(ApiError::Internal(format!("template: {e}"))))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}
