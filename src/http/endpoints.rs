//! Every endpoint in one table: the routes are mounted from it and the
//! OpenAPI document is generated from it, so the two cannot drift apart.
//! `access` states who may call an endpoint; the role × endpoint test reads
//! it back from the served document.

use actix_web::{web, Route};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{appeals, audit, companies, imports, ratings, rule_sets, runs, session};

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
    /// Query parameters, documented.
    pub query: &'static [&'static str],
    /// The request body's media types, when there is one.
    pub body: &'static [&'static str],
    pub route: fn() -> Route,
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint { method: "get", path: "/periods/{period}/rankings", summary: "The published ranking table of a quarter (officials: every column of the result row; others: code, name, district, total, grade, list, rank)", access: Access::Public, query: &["district", "grade", "list", "q", "page", "per_page", "sort", "run_id"], body: &[], route: || web::get().to(ratings::rankings) },
    Endpoint { method: "get", path: "/periods/{period}/red-list", summary: "The published red list (红榜)", access: Access::Public, query: &[], body: &[], route: || web::get().to(ratings::red_list) },
    Endpoint { method: "get", path: "/periods/{period}/black-list", summary: "The published black list (黑榜)", access: Access::Public, query: &[], body: &[], route: || web::get().to(ratings::black_list) },
    Endpoint { method: "get", path: "/companies/{code}", summary: "A company's profile and latest published result", access: Access::OwnCompany, query: &[], body: &[], route: || web::get().to(companies::profile) },
    Endpoint { method: "get", path: "/companies/{code}/results", summary: "A company's published results, by quarter", access: Access::OwnCompany, query: &["from", "to"], body: &[], route: || web::get().to(companies::results) },
    Endpoint { method: "get", path: "/companies/{code}/explanation", summary: "How a company's published numbers came about (latest quarter by default)", access: Access::OwnCompany, query: &["period"], body: &[], route: || web::get().to(companies::explanation) },
    Endpoint { method: "get", path: "/companies/{code}/credit-file", summary: "A company's credit file (信用档案): conduct records with status and expiry, results, credit score and level", access: Access::OwnCompany, query: &[], body: &[], route: || web::get().to(companies::credit_file) },
    Endpoint { method: "post", path: "/imports/{kind}", summary: "Import a file (CSV, XLSX) or a JSON array of one kind of data, all or nothing; 422 lists every bad row", access: Access::Importer, query: &[], body: &["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/json"], route: || web::post().to(imports::upload) },
    Endpoint { method: "get", path: "/runs", summary: "Rating runs, newest first", access: Access::Official, query: &["period"], body: &[], route: || web::get().to(runs::list) },
    Endpoint { method: "post", path: "/runs", summary: "Rate a quarter as a draft run (rule set: by SHA-256, else the one in force)", access: Access::Admin, query: &[], body: &["application/json"], route: || web::post().to(runs::start) },
    Endpoint { method: "post", path: "/runs/{id}/publish", summary: "Publish a draft run (with runs.four_eyes, not by whoever started it)", access: Access::Admin, query: &[], body: &[], route: || web::post().to(runs::publish) },
    Endpoint { method: "get", path: "/runs/{id}/diff", summary: "Grade changes, list entries and exits, rank moves and subsidy changes against another run (default: the quarter's published run)", access: Access::Official, query: &["against"], body: &[], route: || web::get().to(runs::diff) },
    Endpoint { method: "get", path: "/rule-sets", summary: "The rule sets of the rules directory", access: Access::Official, query: &[], body: &[], route: || web::get().to(rule_sets::list) },
    Endpoint { method: "post", path: "/rule-sets/validate", summary: "Validate a rule file (TOML in, every problem out)", access: Access::Official, query: &[], body: &["application/toml"], route: || web::post().to(rule_sets::validate) },
    Endpoint { method: "get", path: "/rule-sets/{sha}", summary: "One rule set: its file and its parsed form", access: Access::Official, query: &[], body: &[], route: || web::get().to(rule_sets::get) },
    Endpoint { method: "post", path: "/what-if", summary: "Rate a quarter with a draft rule set, never stored, with the diff against the published run", access: Access::Admin, query: &[], body: &["application/json"], route: || web::post().to(rule_sets::what_if) },
    Endpoint { method: "get", path: "/appeals", summary: "Appeals (a company: its own)", access: Access::SignedIn, query: &["status"], body: &[], route: || web::get().to(appeals::list) },
    Endpoint { method: "post", path: "/appeals", summary: "Appeal against one of your company's records (异议申诉)", access: Access::Company, query: &[], body: &["application/json"], route: || web::post().to(appeals::file) },
    Endpoint { method: "post", path: "/appeals/{id}/decision", summary: "Uphold or reject an appeal; upheld revokes the record and re-runs the quarters it touched", access: Access::Admin, query: &[], body: &["application/json"], route: || web::post().to(appeals::decide) },
    Endpoint { method: "get", path: "/audit", summary: "The audit log", access: Access::Admin, query: &["entity", "actor", "from", "to"], body: &[], route: || web::get().to(audit::list) },
    Endpoint { method: "post", path: "/session", summary: "Sign in with name and password: sets an HttpOnly session cookie; five failures lock the name for 15 minutes (429)", access: Access::SignIn, query: &[], body: &["application/json"], route: || web::post().to(session::sign_in) },
    Endpoint { method: "delete", path: "/session", summary: "Sign out: ends the session of the cookie", access: Access::SignedIn, query: &[], body: &[], route: || web::delete().to(session::sign_out) },
    Endpoint { method: "get", path: "/openapi.json", summary: "This document", access: Access::Public, query: &[], body: &[], route: || web::get().to(openapi_json) },
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

async fn openapi_json() -> web::Json<Value> {
    web::Json(openapi())
}

/// The OpenAPI 3 document of `/api/v1`, generated from [`ENDPOINTS`].
pub fn openapi() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for e in ENDPOINTS {
        let mut parameters: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        parameters.extend(e.query.iter().map(|name| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" } })));
        let mut op = json!({
            "summary": e.summary,
            "operationId": format!("{}_{}", e.method, e.path.trim_start_matches('/').replace(['/', '{', '}', '-'], "_")),
            "parameters": parameters,
            "x-access": e.access,
            "responses": {
                "200": { "description": "OK", "content": { "application/json": {} } },
                "default": { "description": "An error: {\"error\": stable_snake_case_code, \"message\": …}", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        if !matches!(e.access, Access::Public | Access::SignIn) {
            op["security"] = json!([{ "bearer": [] }]);
        }
        if !e.body.is_empty() {
            let content: Map<String, Value> = e
                .body
                .iter()
                .map(|t| ((*t).to_string(), json!({})))
                .collect();
            op["requestBody"] = json!({ "required": true, "content": content });
        }
        let entry = paths.entry(e.path.to_string()).or_insert_with(|| json!({}));
        entry[e.method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "propcredit",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Credit rating of property-management companies (红色物业信用评价). Roles: admin (housing bureau), inspector, company (bound to one company), anonymous. x-access on each operation says who may call it."
        },
        "servers": [{ "url": "/api/v1" }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": { "type": "object", "required": ["error", "message"], "properties": { "error": { "type": "string" }, "message": { "type": "string" }, "details": {} } } }
        }
    })
}

/// A docs page that needs nothing from the internet: it reads the document
/// and lists every operation with its access rule and parameters.
pub async fn docs_page() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_HTML)
}

/// The docs page's script, served from this origin so the page's content
/// security policy allows no inline script.
pub async fn docs_script() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(DOCS_JS)
}

const DOCS_HTML: &str = r##"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>propcredit API</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem} .op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.6rem .8rem}
.m{display:inline-block;min-width:3.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0a6} .post{color:#c60} code{background:#f4f4f4;padding:0 .2rem} .acc{float:right;color:#555;font-size:.9rem}
.params{color:#555;font-size:.9rem;margin-top:.3rem}
</style></head><body>
<h1>propcredit API <small id="v"></small></h1>
<p>JSON under <code>/api/v1</code>. Send <code>Authorization: Bearer &lt;token&gt;</code>; errors are
<code>{"error": code, "message": …}</code>. Machine-readable: <a href="/api/v1/openapi.json">openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script src="/api/docs.js"></script></body></html>"##;

const DOCS_JS: &str = r#"fetch('/api/v1/openapi.json').then(r => r.json()).then(doc => {
  document.getElementById('v').textContent = 'v' + doc.info.version;
  const ops = document.getElementById('ops'); ops.textContent = '';
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const div = document.createElement('div'); div.className = 'op';
    const params = (op.parameters || []).map(p => p.name + (p.in === 'path' ? ' (path)' : '')).join(', ');
    div.innerHTML = '<span class="acc"></span><span class="m ' + method + '"></span> <code></code><div></div><div class="params"></div>';
    div.querySelector('.acc').textContent = 'access: ' + op['x-access'];
    div.querySelector('.m').textContent = method;
    div.querySelector('code').textContent = path;
    div.children[3].textContent = op.summary;
    div.querySelector('.params').textContent = params ? 'parameters: ' + params : '';
    ops.appendChild(div);
  }
});
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_is_stable() {
        insta::assert_json_snapshot!("openapi", super::openapi());
    }
}
