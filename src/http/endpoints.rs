//! Every endpoint in one table: the routes are mounted from it, each behind
//! the access guard of its declared [`Access`], and the OpenAPI document takes
//! each operation's summary and access rule from it; the operations' types
//! come from the handlers' `#[utoipa::path]`. A test proves that the table
//! and the document name the same operations, and the role × endpoint test
//! calls every operation as every role and compares with `x-access`.

use actix_web::{web, Route};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

use super::{
    appeals, audit, companies, imports, notices, payments, ratings, repairs, rule_sets, runs,
    session, subsidies,
};

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Admins and inspectors; a company only for its own code (others: 404).
    OwnCompany,
    /// Admins and inspectors.
    Official,
    /// Admins only.
    Admin,
    /// Admins; inspectors for field data (surveys, complaints, fees, inspections, conduct).
    Importer,
    /// Company users only (their own records).
    Company,
    /// Any signed-in user (a company sees only its own items).
    SignedIn,
    /// Anyone with a name and password.
    SignIn,
}

pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub route: fn() -> Route,
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint { method: "get", path: "/periods/{period}/rankings", summary: "The published ranking table of a quarter (officials: every column of the result row; others: code, name, district, total, grade, list, rank)", access: Access::Public, route: || web::get().to(ratings::rankings) },
    Endpoint { method: "get", path: "/periods/{period}/red-list", summary: "The published red list (红榜)", access: Access::Public, route: || web::get().to(ratings::red_list) },
    Endpoint { method: "get", path: "/periods/{period}/black-list", summary: "The published black list (黑榜)", access: Access::Public, route: || web::get().to(ratings::black_list) },
    Endpoint { method: "get", path: "/companies/{code}", summary: "A company's profile and latest published result", access: Access::OwnCompany, route: || web::get().to(companies::profile) },
    Endpoint { method: "get", path: "/periods/{period}/notice", summary: "The red and black lists of a quarter in public notice (公示中; not in effect until published)", access: Access::Public, route: || web::get().to(notices::period_notice) },
    Endpoint { method: "get", path: "/companies/{code}/notice", summary: "A company's results in public notice, beside the published ones, with the last day it may object", access: Access::OwnCompany, route: || web::get().to(notices::company_notice) },
    Endpoint { method: "get", path: "/companies/{code}/results", summary: "A company's published results, by quarter", access: Access::OwnCompany, route: || web::get().to(companies::results) },
    Endpoint { method: "get", path: "/companies/{code}/explanation", summary: "How a company's published numbers came about (latest quarter by default)", access: Access::OwnCompany, route: || web::get().to(companies::explanation) },
    Endpoint { method: "get", path: "/companies/{code}/credit-file", summary: "A company's credit file (信用档案): conduct records with status and expiry, results, credit score and level", access: Access::OwnCompany, route: || web::get().to(companies::credit_file) },
    Endpoint { method: "post", path: "/imports/{kind}", summary: "Import a file (CSV, XLSX) or a JSON array of one kind of data, all or nothing; 422 lists every bad row", access: Access::Importer, route: || web::post().to(imports::upload) },
    Endpoint { method: "get", path: "/runs", summary: "Rating runs, newest first", access: Access::Official, route: || web::get().to(runs::list) },
    Endpoint { method: "post", path: "/runs", summary: "Rate a quarter as a draft run (rule set: by SHA-256, else the one in force)", access: Access::Admin, route: || web::post().to(runs::start) },
    Endpoint { method: "post", path: "/runs/{id}/publish", summary: "Publish a draft run at the end of its public notice with no appeal pending, or at once with a reason (at_once); with runs.four_eyes, not by whoever started it", access: Access::Admin, route: || web::post().to(runs::publish) },
    Endpoint { method: "post", path: "/runs/{id}/notice", summary: "Start the public notice (公示) of a draft run (and of the rest of its chain): every company's notice runs notice.days days from today", access: Access::Admin, route: || web::post().to(runs::announce) },
    Endpoint { method: "get", path: "/runs/{id}/diff", summary: "Grade changes, list entries and exits, rank moves and subsidy changes against another run (default: the quarter's published run)", access: Access::Official, route: || web::get().to(runs::diff) },
    Endpoint { method: "get", path: "/rule-sets", summary: "The rule sets of the rules directory", access: Access::Official, route: || web::get().to(rule_sets::list) },
    Endpoint { method: "post", path: "/rule-sets/validate", summary: "Validate a rule file (TOML in, every problem out)", access: Access::Official, route: || web::post().to(rule_sets::validate) },
    Endpoint { method: "get", path: "/rule-sets/{sha}", summary: "One rule set: its file and its parsed form", access: Access::Official, route: || web::get().to(rule_sets::get) },
    Endpoint { method: "post", path: "/what-if", summary: "Rate a quarter with a draft rule set, never stored, with the diff against the published run", access: Access::Admin, route: || web::post().to(rule_sets::what_if) },
    Endpoint { method: "get", path: "/appeals", summary: "Appeals (a company: its own)", access: Access::SignedIn, route: || web::get().to(appeals::list) },
    Endpoint { method: "post", path: "/appeals", summary: "Appeal against one of your company's records (异议申诉)", access: Access::Company, route: || web::post().to(appeals::file) },
    Endpoint { method: "post", path: "/appeals/{id}/decision", summary: "Uphold or reject an appeal; upheld revokes the record and re-runs the quarters it touched", access: Access::Admin, route: || web::post().to(appeals::decide) },
    Endpoint { method: "get", path: "/repairs", summary: "Credit repair applications (信用修复; a company: its own)", access: Access::SignedIn, route: || web::get().to(repairs::list) },
    Endpoint { method: "post", path: "/repairs", summary: "Apply for credit repair of one of your company's bad records, with a credit commitment (信用承诺); 422 says from when it may be repaired", access: Access::Company, route: || web::post().to(repairs::apply) },
    Endpoint { method: "get", path: "/repairs/by-code/{code}", summary: "Follow a repair application by its query code", access: Access::Public, route: || web::get().to(repairs::by_code) },
    Endpoint { method: "post", path: "/repairs/{id}/evidence", summary: "Add an evidence file (PDF, PNG or JPEG, size-limited) to your pending application", access: Access::Company, route: || web::post().to(repairs::upload_evidence) },
    Endpoint { method: "get", path: "/repairs/{id}/evidence", summary: "An application's evidence files (officials; a company: its own)", access: Access::SignedIn, route: || web::get().to(repairs::list_evidence) },
    Endpoint { method: "get", path: "/repairs/{id}/evidence/{file}", summary: "One evidence file as uploaded", access: Access::SignedIn, route: || web::get().to(repairs::evidence_file) },
    Endpoint { method: "post", path: "/repairs/{id}/decision", summary: "Approve (the record is repaired from a confirmed day; published quarters that counted it are re-run as drafts) or reject a repair application", access: Access::Admin, route: || web::post().to(repairs::decide) },
    Endpoint { method: "get", path: "/subsidies/entitlements", summary: "Subsidy entitlements (应补金额) recorded at publication, with the last day to apply (a company: its own)", access: Access::SignedIn, route: || web::get().to(subsidies::entitlements) },
    Endpoint { method: "get", path: "/subsidies/entitlements/{id}", summary: "One entitlement: the communities and households behind it and every change a later publication made, with who caused it", access: Access::SignedIn, route: || web::get().to(subsidies::entitlement) },
    Endpoint { method: "get", path: "/subsidies/applications", summary: "Subsidy applications (申报) with missing documents, overdue reviews and payments (a company: its own)", access: Access::SignedIn, route: || web::get().to(subsidies::applications) },
    Endpoint { method: "post", path: "/subsidies/applications", summary: "Apply for one of your company's entitlements within subsidy.apply_window_days of publication (or submit a returned application again)", access: Access::Company, route: || web::post().to(subsidies::apply) },
    Endpoint { method: "get", path: "/subsidies/applications/{id}", summary: "One application: its steps, documents, payments and the entitlement's changes", access: Access::SignedIn, route: || web::get().to(subsidies::application) },
    Endpoint { method: "post", path: "/subsidies/applications/{id}/documents", summary: "Add one of the programme's documents (PDF, PNG or JPEG, size-limited) to your submitted or returned application", access: Access::Company, route: || web::post().to(subsidies::upload) },
    Endpoint { method: "get", path: "/subsidies/applications/{id}/documents/{doc}", summary: "One document as uploaded", access: Access::SignedIn, route: || web::get().to(subsidies::document) },
    Endpoint { method: "post", path: "/subsidies/applications/{id}/review", summary: "District review (初审): pass with an amount not above the entitlement (a lower one with its reason), or return to the company", access: Access::Admin, route: || web::post().to(subsidies::review) },
    Endpoint { method: "post", path: "/subsidies/applications/{id}/approval", summary: "City approval (复核), by another official than the reviewer: commits the amount to a budget line (refused if it would overdraw it), or returns to the company", access: Access::Admin, route: || web::post().to(subsidies::approve) },
    Endpoint { method: "post", path: "/subsidies/applications/{id}/payments", summary: "Record a payment (拨付) of an approved application: date, amount, voucher; never above the approval or the budget", access: Access::Admin, route: || web::post().to(payments::pay) },
    Endpoint { method: "get", path: "/subsidies/payments", summary: "Payments, newest first, reversed ones included (a company: its own)", access: Access::SignedIn, route: || web::get().to(payments::list) },
    Endpoint { method: "post", path: "/subsidies/payments/{id}/reversal", summary: "Reverse a payment with a reason: it is kept, audited and no longer counts", access: Access::Admin, route: || web::post().to(payments::reverse) },
    Endpoint { method: "put", path: "/subsidies/budgets", summary: "Set the budget of a programme, year and fund source (not below what is committed on it)", access: Access::Admin, route: || web::put().to(payments::set_budget) },
    Endpoint { method: "get", path: "/subsidies/ledger", summary: "The budget ledger: per programme, year and fund source, budget, committed, paid, unpaid and remaining", access: Access::Official, route: || web::get().to(payments::ledger) },
    Endpoint { method: "get", path: "/subsidies/disbursements.xlsx", summary: "The disbursement sheet (奖补资金拨付表) for the finance office, with the ledger", access: Access::Official, route: || web::get().to(payments::sheet) },
    Endpoint { method: "get", path: "/notifications", summary: "Notifications to companies and their delivery (a company: its own)", access: Access::SignedIn, route: || web::get().to(notices::list) },
    Endpoint { method: "put", path: "/account/email", summary: "Set your contact address: notifications to your company go to it", access: Access::SignedIn, route: || web::put().to(notices::set_email) },
    Endpoint { method: "get", path: "/audit", summary: "The audit log", access: Access::Admin, route: || web::get().to(audit::list) },
    Endpoint { method: "post", path: "/session", summary: "Sign in with name and password: sets an HttpOnly session cookie; five failures lock the name for 15 minutes (429)", access: Access::SignIn, route: || web::post().to(session::sign_in) },
    Endpoint { method: "delete", path: "/session", summary: "Sign out: ends the session of the cookie", access: Access::SignedIn, route: || web::delete().to(session::sign_out) },
    Endpoint { method: "get", path: "/openapi.json", summary: "This document", access: Access::Public, route: || web::get().to(openapi_json) },
];

/// Mounts every endpoint of the table, each behind the access guard of its
/// declared [`Access`]; one resource per path, whose other methods answer
/// 405 in the JSON error format.
pub fn mount(scope: actix_web::Scope) -> actix_web::Scope {
    let mut paths: Vec<&str> = Vec::new();
    for e in ENDPOINTS {
        if !paths.contains(&e.path) {
            paths.push(e.path);
        }
    }
    paths.into_iter().fold(scope, |s, path| {
        let resource = ENDPOINTS
            .iter()
            .filter(|e| e.path == path)
            .fold(web::resource(path), |r, e| {
                let access = e.access;
                r.route(
                    (e.route)().wrap(actix_web::middleware::from_fn(move |req, next| {
                        super::guard::guard(access, req, next)
                    })),
                )
            })
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(super::ApiError::MethodNotAllowed)
            }));
        s.service(resource)
    })
}

/// This document: the API's contract, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
async fn openapi_json() -> web::Json<Value> {
    web::Json(openapi())
}

/// The operations and their bodies, from each handler's `#[utoipa::path]`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "propcredit",
        description = "Credit rating of property-management companies (红色物业信用评价). \
            Roles: admin (housing bureau), inspector, company (bound to one company), anonymous. \
            x-access on each operation says who may call it; the server enforces exactly that."
    ),
    servers((url = "/api/v1")),
    paths(
        ratings::rankings, ratings::red_list, ratings::black_list,
        companies::profile, companies::results, companies::explanation, companies::credit_file,
        imports::upload,
        runs::list, runs::start, runs::publish, runs::announce, runs::diff,
        notices::period_notice, notices::company_notice, notices::list, notices::set_email,
        rule_sets::list, rule_sets::validate, rule_sets::get, rule_sets::what_if,
        appeals::list, appeals::file, appeals::decide,
        repairs::list, repairs::apply, repairs::by_code, repairs::upload_evidence,
        repairs::list_evidence, repairs::evidence_file, repairs::decide,
        subsidies::entitlements, subsidies::entitlement, subsidies::applications, subsidies::apply,
        subsidies::application, subsidies::upload, subsidies::document, subsidies::review,
        subsidies::approve, payments::pay, payments::list, payments::reverse, payments::set_budget,
        payments::ledger, payments::sheet,
        audit::list,
        session::sign_in, session::sign_out,
        openapi_json,
    ),
    components(schemas(super::error::Body, crate::report::ranking::Sort))
)]
struct ApiDoc;

/// The errors an operation may answer, besides `default`: what its access
/// rule, its parameters and its body make possible.
fn error_statuses(e: &Endpoint, op: &Value) -> Vec<(&'static str, &'static str)> {
    let signed_in = !matches!(e.access, Access::Public | Access::SignIn);
    let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty());
    let has_body = op.get("requestBody").is_some();
    let changing = e.method != "get";
    let mut statuses = vec![(
        "503",
        "The database is away or busy; try again (Retry-After)",
    )];
    if has_params || has_body {
        statuses.push(("400", "A parameter or the body is malformed"));
    }
    if signed_in {
        statuses.push(("401", "No valid token or session"));
    }
    if signed_in || changing {
        statuses.push((
            "403",
            "The role may not call this, or a cross-site request (csrf_failed)",
        ));
    }
    if e.path.contains('{') {
        statuses.push(("404", "No such resource (or not the caller's own)"));
    }
    if has_body {
        statuses.push(("413", "The body is larger than the limit"));
        statuses.push(("415", "The body's media type is not one of those listed"));
    }
    if changing {
        statuses.push(("409", "The resource is not in a state that allows this"));
        statuses.push((
            "422",
            "Well-formed, but the data or rules do not allow it (details list why)",
        ));
    }
    if e.access == Access::SignIn {
        statuses.push(("429", "Too many failed sign-ins for this name or address"));
    }
    statuses
}

/// The OpenAPI 3.1 document of `/api/v1`: the operations from the handlers,
/// with each one's summary and access rule (`x-access`, the rule the access
/// guard enforces) from [`ENDPOINTS`], and every error in the JSON format.
pub fn openapi() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| {
        json!({ "openapi": "3.1.0", "info": { "title": "propcredit", "version": "error", "description": e.to_string() }, "paths": {} })
    });
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    doc["components"]["securitySchemes"] =
        json!({ "bearer": { "type": "http", "scheme": "bearer" } });
    let error =
        json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } });
    for e in ENDPOINTS {
        let op = &mut doc["paths"][e.path][e.method];
        if !op.is_object() {
            continue; // the test below makes this impossible to ship
        }
        op["summary"] = json!(e.summary);
        op["operationId"] = json!(operation_id(e));
        op["x-access"] = json!(e.access);
        op["tags"] = json!([e.path.split('/').nth(1).unwrap_or("api")]);
        if !matches!(e.access, Access::Public | Access::SignIn) {
            op["security"] = json!([{ "bearer": [] }]);
        }
        for (status, description) in error_statuses(e, op) {
            if op["responses"].get(status).is_none() {
                op["responses"][status] = json!({ "description": description, "content": error });
            }
        }
        op["responses"]["default"] =
            json!({ "description": "Any other error, in the same format", "content": error });
    }
    doc
}

fn operation_id(e: &Endpoint) -> String {
    format!(
        "{}_{}",
        e.method,
        e.path
            .trim_start_matches('/')
            .replace(['/', '{', '}', '-', '.'], "_")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_stable() {
        insta::assert_json_snapshot!("openapi", openapi());
    }

    #[test]
    fn the_table_and_the_document_name_the_same_operations() {
        let doc = ApiDoc::openapi();
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in &doc.paths.paths {
            let item = serde_json::to_value(item).unwrap();
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some() {
                    documented.push((method.to_string(), path.clone()));
                }
            }
        }
        let mut table: Vec<(String, String)> = ENDPOINTS
            .iter()
            .map(|e| (e.method.to_string(), e.path.to_string()))
            .collect();
        documented.sort();
        table.sort();
        assert_eq!(documented, table);
    }

    #[test]
    fn every_operation_has_a_typed_success_and_json_errors() {
        let doc = openapi();
        for e in ENDPOINTS {
            let op = &doc["paths"][e.path][e.method];
            let responses = op["responses"].as_object().unwrap();
            let success: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
            assert_eq!(success.len(), 1, "{} {}: {success:?}", e.method, e.path);
            for (status, r) in responses {
                if !status.starts_with('2') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{} {} {status}",
                        e.method,
                        e.path
                    );
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert!(p["schema"].is_object(), "{} {}: {p}", e.method, e.path);
            }
        }
        let period = &doc["paths"]["/periods/{period}/rankings"]["get"]["parameters"][0];
        assert_eq!(period["schema"]["pattern"], r"^\d{4}Q[1-4]$");
        // Every reference resolves.
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{name} is not defined"
            );
        }
        let delete = &doc["paths"]["/session"]["delete"]["responses"];
        assert!(delete.get("204").is_some() && delete["204"].get("content").is_none());
        assert!(doc["paths"]["/runs"]["post"]["responses"]
            .get("201")
            .is_some());
        assert!(doc["paths"]["/appeals"]["post"]["responses"]
            .get("201")
            .is_some());
    }
}
