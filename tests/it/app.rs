//! The test harness of the HTTP tests: the small city imported, 2025Q3–Q4
//! published and a 2026Q1 draft, users of every role, and the real
//! application on port 0 over a fresh database.

use propcredit::configuration::{Overrides, Settings};
use propcredit::domain::Period;
use propcredit::service::rating;
use propcredit::startup::Application;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

use crate::helpers::{example_rules, repo_path, TestDb};

pub const EXAMPLE_RULES: &str = include_str!("../data/small-city/rules.toml");

pub fn what_if_body(rules: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "period": "2025Q4", "rules": rules })).unwrap()
}

pub const OWN: &str = "913346UW3LKQ70JX54";
pub const OTHER: &str = "918245RK2A20Y55BBG";
pub const NOBODY: &str = "914995WBCDXJMWED85X";

pub struct Api {
    pub base: String,
    pub client: Client,
    pub draft_run: i64,
    /// Minutes the app's clock runs ahead of the machine's.
    minutes_ahead: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The app's clock (for services a test calls beside the app).
    pub clock: propcredit::clock::Clock,
}

/// Tokens are fixed strings so the table below can name them.
pub const ADMIN: &str = "pc_admin";
/// The password of the users "pat" (admin), "lou" (inspector) and "kim" (company OWN).
pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN2: &str = "pc_admin2";
pub const INSPECTOR: &str = "pc_inspector";
pub const COMPANY: &str = "pc_company";

/// The example rules with BAD-NO-DRILL (10 points, 12 months) repairable
/// three months after it occurred (信用修复); the other bad codes are not
/// repairable. The directory must outlive the book's use.
pub fn rules_with_repair() -> (tempfile::TempDir, propcredit::rules::RuleBook) {
    let from = "validity_months = 12\ndescription = \"未按规定开展消防应急演练\"";
    assert!(EXAMPLE_RULES.contains(from));
    let text = EXAMPLE_RULES.replacen(
        from,
        &format!("{from}\nseverity = \"minor\"\nrepairable_after_months = 3"),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.toml"), text).unwrap();
    let book = propcredit::rules::RuleBook::load_dir(dir.path()).unwrap();
    (dir, book)
}

/// The small city, 2025Q3–Q4 published and a 2026Q1 draft, four users, the app running.
pub async fn setup(t: &TestDb, configure: impl FnOnce(&mut Settings)) -> Api {
    setup_with_rules(t, example_rules(), configure).await
}

/// As [`setup`], rated and served with the rule sets of `book`.
pub async fn setup_with_rules(
    t: &TestDb,
    book: propcredit::rules::RuleBook,
    configure: impl FnOnce(&mut Settings),
) -> Api {
    let db = t.db.clone();
    let served = book.clone();
    let draft_run = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        for (kind, path) in
            propcredit::import::files_in_dir(&repo_path("tests/data/small-city/data")).unwrap()
        {
            let options = propcredit::import::ImportOptions {
                actor: "test",
                progress: None,
                clock: &crate::helpers::SYSTEM,
                database: None,
            };
            propcredit::import::import_path(&mut conn, &book, kind, &path, &options).unwrap();
        }
        for (name, role, company, token) in [
            ("ada", "admin", None, ADMIN),
            ("bo", "admin", None, ADMIN2),
            ("ina", "inspector", None, INSPECTOR),
            ("ko", "company", Some(OWN), COMPANY),
        ] {
            crate::helpers::add_user(&mut conn, name, role, company, None, token);
        }
        let hash = propcredit::service::accounts::hash_password(PASSWORD).unwrap();
        crate::helpers::add_user(
            &mut conn,
            "pat",
            "admin",
            None,
            Some(hash.clone()),
            "pc_pat",
        );
        crate::helpers::add_user(
            &mut conn,
            "lou",
            "inspector",
            None,
            Some(hash.clone()),
            "pc_lou",
        );
        // A company user who signs in with a password (the pages).
        crate::helpers::add_user(&mut conn, "kim", "company", Some(OWN), Some(hash), "pc_kim");
        drop(conn);
        let mut draft = 0;
        for (p, publish) in [("2025Q3", true), ("2025Q4", true), ("2026Q1", false)] {
            let period: Period = p.parse().unwrap();
            let rules = rating::rules_for(&book, period, None).unwrap();
            draft = rating::rate_period(
                &db,
                &crate::helpers::SYSTEM,
                rating::RunRequest {
                    period,
                    rule_set: &rules,
                    actor: "user:ada",
                    publish,
                },
            )
            .unwrap()
            .run_id;
        }
        draft
    })
    .await
    .unwrap();
    let overrides = Overrides {
        database_url: Some(t.url.clone()),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    let mut settings = Settings::load_from(None, &overrides, Vec::new()).unwrap();
    settings.scheduler.enabled = false;
    configure(&mut settings);
    let minutes_ahead = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let ahead = minutes_ahead.clone();
    let clock = propcredit::clock::Clock::from_fn(move || {
        let minutes = ahead.load(std::sync::atomic::Ordering::SeqCst);
        crate::helpers::SYSTEM.now() + chrono::Duration::minutes(minutes)
    });
    let app = Application::build_with(&settings, t.db.clone(), served, clock.clone()).unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    Api {
        base,
        client: Client::new(),
        draft_run,
        minutes_ahead,
        clock,
    }
}

impl Api {
    /// Moves the app's clock `days` further into the future.
    pub fn advance_days(&self, days: i64) {
        self.advance_minutes(days * 24 * 60);
    }

    /// Moves the app's clock `minutes` further into the future.
    pub fn advance_minutes(&self, minutes: i64) {
        self.minutes_ahead
            .fetch_add(minutes, std::sync::atomic::Ordering::SeqCst);
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    /// GET a page as `token`'s user (or anonymously), redirects not followed.
    pub async fn visit(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let root = self.base.trim_end_matches("/api/v1");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut req = client.get(format!("{root}{path}"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// A page (outside `/api/v1`): status, content type and body.
    pub async fn page(&self, path: &str) -> (u16, String, String) {
        let res = self.visit(path, None).await;
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, content_type, res.text().await.unwrap())
    }
}

/// One password sign-in attempt.
pub async fn attempt(api: &Api, name: &str, password: &str) -> reqwest::Response {
    api.client
        .post(format!("{}/session", api.base))
        .json(&serde_json::json!({ "name": name, "password": password }))
        .send()
        .await
        .unwrap()
}

pub fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", serde_json::to_vec(&v).unwrap()))
}

pub fn run_async(f: impl std::future::Future<Output = ()>) {
    actix_web::rt::System::new().block_on(f);
}

/// Cents as the yuan text the API takes ("1370.86").
pub fn yuan(cents: i64) -> String {
    propcredit::domain::format_cents(cents)
}
