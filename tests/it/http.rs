//! The real application on port 0 with a fresh database, called over HTTP.

use propcredit::configuration::{Overrides, Settings};
use propcredit::startup::Application;

use crate::helpers::{default_rules, Backend, TestDb};
use crate::on_both_backends;

/// Starts the application on a free port; returns its base URL.
async fn spawn_app(t: &TestDb) -> String {
    let overrides = Overrides {
        database_url: Some(t.url.clone()),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    let settings = Settings::load_from(None, &overrides, Vec::new()).unwrap();
    let app = Application::build_with(
        &settings,
        t.db.clone(),
        default_rules(),
        crate::helpers::SYSTEM.clone(),
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    base
}

on_both_backends! {
    health_answers_when_the_database_does => super::health_answers_when_the_database_does;
}

fn health_answers_when_the_database_does(t: TestDb) {
    actix_web::rt::System::new().block_on(async {
        let base = spawn_app(&t).await;
        let res = reqwest::get(format!("{base}/health")).await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["database"], "ok");
        let res = reqwest::get(format!("{base}/no/such/route")).await.unwrap();
        assert_eq!(res.status().as_u16(), 404);
    });
}

#[test]
fn health_is_503_with_a_stable_code_when_the_database_is_gone() {
    let Some(t) = TestDb::new(Backend::Postgres) else {
        return;
    };
    actix_web::rt::System::new().block_on(async {
        let base = spawn_app(&t).await;
        assert_eq!(
            reqwest::get(format!("{base}/health"))
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
        // Take the database away under the running service.
        let admin = std::env::var("PROPCREDIT_TEST_PG_URL").unwrap();
        let name = t.url.rsplit('/').next().unwrap().to_string();
        tokio::task::spawn_blocking(move || {
            use diesel::{Connection, RunQueryDsl};
            let mut conn = diesel::PgConnection::establish(&admin).unwrap();
            diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&mut conn)
                .unwrap();
        })
        .await
        .unwrap();
        let res = reqwest::get(format!("{base}/health")).await.unwrap();
        assert_eq!(res.status().as_u16(), 503);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "service_unavailable");
        let message = body["message"].as_str().unwrap();
        assert!(
            !message.contains("postgres") && !message.contains("FATAL"),
            "internal details leaked: {message}"
        );
    });
}
