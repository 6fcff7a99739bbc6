//! The printable credit report (信用报告) and its public verification.
//! `GET /companies/{code}/report` shows the report of the latest published
//! result (or the button that issues it); `POST` issues it; anyone can check
//! a printed code at `/verify/{code}` (or type it at `/verify`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::viewer::{Gate, Viewer};
use super::{page, page_with_status, see_other, PageError, TokenForm};
use crate::clock::Clock;
use crate::domain::labels;
use crate::domain::ListPlacement;
use crate::http::ApiError;
use crate::service::reports::{self, IssuedReport, Verified};
use crate::storage::Database;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    viewer: Viewer,
    code: String,
    report: Option<ReportView>,
}

struct ReportView {
    report_no: String,
    verify_code: String,
    verify_url: String,
    issued_on: String,
    company_name: String,
    period_label: String,
    total: String,
    grade: String,
    list: &'static str,
    rank: u32,
    decision: &'static str,
    credit: String,
}

fn view(r: IssuedReport, base: &str) -> ReportView {
    let row = r.result;
    ReportView {
        verify_url: format!("{base}/verify/{}", r.report.verify_code),
        report_no: reports::report_no(&r.report, row.period),
        verify_code: r.report.verify_code,
        issued_on: r.report.issued_at.date().to_string(),
        company_name: r.company_name,
        period_label: labels::period(row.period),
        total: row.total.to_string(),
        grade: row.grade,
        list: match row.list {
            ListPlacement::None => "未列入红黑榜",
            other => labels::list(other),
        },
        rank: row.rank,
        decision: labels::decision(row.decision),
        credit: format!("{}（{}）", row.credit_score, row.credit_level),
    }
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `GET /companies/{code}/report`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    let viewer = Viewer::admit(&req, Gate::Company(&code)).await?;
    let db = db.get_ref().clone();
    let lookup = code.clone();
    let (exists, report) = crate::http::block(move || -> Result<_, ApiError> {
        let mut conn = db.get()?;
        let exists = crate::storage::records::company(&mut conn, &lookup)
            .map_err(crate::storage::StorageError::from)?
            .is_some();
        Ok((exists, reports::current(&mut conn, &lookup)?))
    })
    .await??;
    if !exists {
        return Err(PageError::Api(ApiError::NotFound));
    }
    let base = base_url(&req);
    page(&ReportPage {
        viewer,
        code,
        report: report.map(|r| view(r, &base)),
    })
}

/// `POST /companies/{code}/report`: issue the report (once per published run).
pub async fn issue(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<TokenForm>,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    let viewer = Viewer::admit(&req, Gate::Company(&code)).await?;
    viewer.check_form(&req, &form.csrf_token)?;
    let db = db.get_ref().clone();
    let clock = clock.get_ref().clone();
    let actor = viewer.caller.actor();
    let company = code.clone();
    crate::http::block(move || reports::issue(&mut *db.get()?, &clock, &company, &actor))
        .await??
        .ok_or(ApiError::NotFound)?;
    Ok(see_other(&format!("/companies/{code}/report")).finish())
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    viewer: Viewer,
    code: String,
    asked: bool,
    found: Option<VerifiedView>,
}

struct VerifiedView {
    report_no: String,
    company_name: String,
    company_code: String,
    period_label: String,
    total: String,
    grade: String,
    issued_on: String,
}

impl From<Verified> for VerifiedView {
    fn from(v: Verified) -> Self {
        VerifiedView {
            report_no: v.report_no,
            company_name: v.company_name,
            company_code: v.company_code,
            period_label: labels::period(v.period),
            total: v.total,
            grade: v.grade,
            issued_on: v.issued_on.to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    code: Option<String>,
}

async fn verify_page(
    req: &HttpRequest,
    db: &Database,
    code: Option<String>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::of(req).await?;
    let code = code
        .map(|c| reports::normalise(&c))
        .filter(|c| !c.is_empty());
    let found = match code.clone() {
        None => None,
        Some(c) => {
            let db = db.clone();
            crate::http::block(move || reports::verify(&mut *db.get()?, &c)).await??
        }
    };
    let status = if code.is_some() && found.is_none() {
        actix_web::http::StatusCode::NOT_FOUND
    } else {
        actix_web::http::StatusCode::OK
    };
    page_with_status(
        &VerifyPage {
            viewer,
            asked: code.is_some(),
            code: code.unwrap_or_default(),
            found: found.map(VerifiedView::from),
        },
        status,
    )
}

/// `GET /verify[?code=…]`.
pub async fn verify_form(
    req: HttpRequest,
    query: web::Query<VerifyQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, PageError> {
    verify_page(&req, &db, query.into_inner().code).await
}

/// `GET /verify/{code}`: the address printed on the report.
pub async fn verify_code(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Database>,
) -> Result<HttpResponse, PageError> {
    verify_page(&req, &db, Some(path.into_inner())).await
}
