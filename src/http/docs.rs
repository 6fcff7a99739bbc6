//! The API's docs page: served from this origin, needing nothing from the
//! internet. Its script reads the OpenAPI document and lists every
//! operation with its access rule and parameters.

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
