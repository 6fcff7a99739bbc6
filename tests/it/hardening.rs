//! Hostile and careless requests: cross-site forms, password guessing in
//! parallel, malformed queries and bodies, oversized bodies, double-clicked
//! decisions. Each gets a clear JSON error and leaves the service answering.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app::{
    attempt, json_body, run_async, setup, Api, ADMIN, ADMIN2, COMPANY, OWN, PASSWORD,
};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_cross_site_cookie_post_is_refused => super::a_cross_site_cookie_post_is_refused;
    thirty_parallel_wrong_passwords_get_five_checks => super::thirty_parallel_wrong_passwords_get_five_checks;
    malformed_requests_answer_in_the_json_error_format => super::malformed_requests_answer_in_the_json_error_format;
    a_double_clicked_decision_is_decided_once => super::a_double_clicked_decision_is_decided_once;
}

/// Signs `pat` (admin) in: the session cookie and its CSRF token.
async fn sign_in(api: &Api) -> (String, String) {
    let res = attempt(api, "pat", PASSWORD).await;
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body: Value = res.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_string())
}

fn a_cross_site_cookie_post_is_refused(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let (cookie, csrf) = sign_in(&api).await;
        let publish = format!("{}/runs/{}/publish", api.base, api.draft_run);
        let host = api
            .base
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        // What a page on another site can make the official's browser send.
        let forged = [
            vec![("origin", "https://evil.example".to_string())],
            vec![("sec-fetch-site", "cross-site".to_string())],
            vec![("content-type", "text/plain".to_string())],
            vec![
                ("origin", "https://evil.example".to_string()),
                ("x-csrf-token", csrf.clone()),
            ],
            vec![("x-csrf-token", "0".repeat(64))],
        ];
        for headers in forged {
            let mut req = api.client.post(&publish).header("cookie", &cookie);
            for (k, v) in &headers {
                req = req.header(*k, v);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), 403, "{headers:?}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "csrf_failed", "{headers:?}");
        }
        let (_, runs) = api.get("/runs?period=2026Q1", Some(ADMIN)).await;
        assert_eq!(runs["runs"][0]["status"], "draft", "nothing was published");
        // The same request from the service's own page goes through.
        let res = api
            .client
            .post(&publish)
            .header("cookie", &cookie)
            .header("origin", format!("http://{host}"))
            .header("sec-fetch-site", "same-origin")
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body(r#"{"at_once":"测试：立即发布"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{:?}", res.text().await);
        // Bearer tokens are not sent by browsers on their own: no token needed.
        let (status, _) = api
            .call(
                Method::POST,
                "/runs",
                Some(ADMIN2),
                json_body(serde_json::json!({ "period": "2026Q1" })),
            )
            .await;
        assert_eq!(status.as_u16(), 201);
        // Every answer carries the security headers; signed-in ones are not cached.
        let res = api
            .client
            .get(format!("{}/runs", api.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("referrer-policy"));
        assert!(h["cache-control"].to_str().unwrap().contains("no-store"));
        let public = reqwest::get(format!("{}/periods/2025Q3/red-list", api.base))
            .await
            .unwrap();
        assert!(!public.headers().contains_key("cache-control"));
        assert!(public.headers().contains_key("content-security-policy"));
    });
}

fn thirty_parallel_wrong_passwords_get_five_checks(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let attempts: Vec<_> = (0..30)
            .map(|i| {
                let request = api
                    .client
                    .post(format!("{}/session", api.base))
                    .json(&serde_json::json!({ "name": "lou", "password": format!("guess {i}") }));
                actix_web::rt::spawn(async move { request.send().await.unwrap().status().as_u16() })
            })
            .collect();
        let mut statuses = Vec::new();
        for attempt in attempts {
            statuses.push(attempt.await.unwrap());
        }
        let checked = statuses.iter().filter(|s| **s == 401).count();
        let refused = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((checked, refused), (5, 25), "{statuses:?}");
        // The audit log holds each checked attempt, the last as the lock-out.
        let (_, audit) = api.get("/audit?entity=sessions", Some(ADMIN)).await;
        let entries = audit["entries"].as_array().unwrap();
        let lou: Vec<&str> = entries
            .iter()
            .filter(|e| e["entity_key"] == "lou")
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(lou.len(), 5, "{lou:?}");
        assert_eq!(lou.iter().filter(|a| **a == "sign_in_locked").count(), 1);
        // The right password now waits too; another name does not.
        assert_eq!(attempt(&api, "lou", PASSWORD).await.status().as_u16(), 429);
        assert_eq!(attempt(&api, "pat", PASSWORD).await.status().as_u16(), 200);
    });
}

/// (method, path, body, status, error code)
type Malformed<'a> = (Method, &'a str, Option<(&'a str, Vec<u8>)>, u16, &'a str);

fn malformed_requests_answer_in_the_json_error_format(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| {
            s.server.body_limit_kib = 64;
            s.server.upload_limit_mib = 1;
        })
        .await;
        let big_json = serde_json::to_vec(
            &serde_json::json!({ "period": "2025Q4", "rules": "x".repeat(100_000) }),
        )
        .unwrap();
        let big_csv = vec![b'a'; 2 * 1024 * 1024];
        let cases: Vec<Malformed<'_>> = vec![
            (
                Method::GET,
                "/periods/2025Q3/rankings?page=abc",
                None,
                400,
                "bad_query",
            ),
            (
                Method::GET,
                "/periods/2025Q3/rankings?per_page=-1",
                None,
                400,
                "bad_query",
            ),
            (Method::GET, "/runs/abc/diff", None, 400, "bad_path"),
            (
                Method::POST,
                "/runs",
                Some(("application/json", b"{not json".to_vec())),
                400,
                "bad_json",
            ),
            (
                Method::POST,
                "/runs",
                Some(("text/plain", b"{}".to_vec())),
                415,
                "unsupported_media_type",
            ),
            (
                Method::POST,
                "/what-if",
                Some(("application/json", big_json)),
                413,
                "payload_too_large",
            ),
            (
                Method::POST,
                "/rule-sets/validate",
                Some(("application/toml", vec![b'#'; 100_000])),
                413,
                "payload_too_large",
            ),
            (
                Method::POST,
                "/imports/surveys",
                Some(("text/csv", big_csv)),
                413,
                "payload_too_large",
            ),
            (
                Method::POST,
                "/imports/surveys",
                Some(("text/plain", b"a,b\n".to_vec())),
                415,
                "unsupported_media_type",
            ),
            (Method::PUT, "/runs", None, 405, "method_not_allowed"),
            (Method::GET, "/no/such/path", None, 404, "not_found"),
        ];
        for (method, path, body, status, code) in cases {
            let (got, json) = api.call(method.clone(), path, Some(ADMIN), body).await;
            assert_eq!(
                (got.as_u16(), json["error"].as_str()),
                (status, Some(code)),
                "{method} {path}: {json}"
            );
        }
        // A page number near u32::MAX is an empty page, not page 1 again.
        let (status, page) = api
            .get(
                "/periods/2025Q3/rankings?page=4294967295&per_page=500",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["rows"].as_array().unwrap().len(), 0);
        let (status, _) = api.get("/periods/2025Q3/rankings", None).await;
        assert_eq!(status, StatusCode::OK, "still answering");
    });
}

fn a_double_clicked_decision_is_decided_once(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.runs.four_eyes = true).await;
        let appeal = serde_json::json!({ "record_kind": "complaint", "record_id": "T000000813", "reason": "重复受理" });
        let (status, filed) = api
            .call(Method::POST, "/appeals", Some(COMPANY), json_body(appeal))
            .await;
        assert_eq!(status.as_u16(), 201, "{filed}");
        let id = filed["id"].as_i64().unwrap();
        let path = format!("/appeals/{id}/decision");
        let uphold = api.call(
            Method::POST,
            &path,
            Some(ADMIN),
            json_body(serde_json::json!({ "uphold": true, "reason": "重复受理属实" })),
        );
        let reject = api.call(
            Method::POST,
            &path,
            Some(ADMIN2),
            json_body(serde_json::json!({ "uphold": false, "reason": "证据不足" })),
        );
        let ((s1, b1), (s2, b2)) = futures_util::future::join(uphold, reject).await;
        let mut statuses = [s1.as_u16(), s2.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{b1} {b2}");
        let (_, list) = api.get("/appeals", Some(ADMIN)).await;
        let stored = list["appeals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone();
        let (_, file) = api
            .get(&format!("/companies/{OWN}/credit-file"), Some(ADMIN))
            .await;
        let (_, audit) = api.get("/audit?entity=complaints", Some(ADMIN)).await;
        let revoked = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity_key"] == "T000000813" && e["action"] == "revoke_by_appeal");
        // The record is revoked exactly when the stored decision upholds it.
        assert_eq!(revoked, stored["status"] == "upheld", "{stored} {file}");
        if stored["status"] == "upheld" {
            let reruns: Vec<i64> =
                serde_json::from_str(stored["rerun_runs"].as_str().unwrap()).unwrap();
            assert!(!reruns.is_empty());
            // Four-eyes: the deciding admin started the re-run and may not publish it.
            let decider = if stored["decided_by"] == "user:ada" {
                ADMIN
            } else {
                ADMIN2
            };
            let (status, body) = api
                .call(
                    Method::POST,
                    &format!("/runs/{}/publish", reruns[0]),
                    Some(decider),
                    None,
                )
                .await;
            assert_eq!(
                (status.as_u16(), body["error"].as_str()),
                (400, Some("four_eyes")),
                "{body}"
            );
        }
    });
}

on_both_backends! {
    behind_tls_the_cookie_is_secure_and_host_bound => super::behind_tls_the_cookie_is_secure_and_host_bound;
}

fn behind_tls_the_cookie_is_secure_and_host_bound(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.server.secure_cookies = true).await;
        let res = attempt(&api, "pat", PASSWORD).await;
        assert_eq!(res.status().as_u16(), 200);
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("__Host-propcredit_session="), "{cookie}");
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(res.headers().contains_key("strict-transport-security"));
        // The plain name is not accepted in its place.
        let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
        let res = api
            .client
            .get(format!("{}/runs", api.base))
            .header("cookie", format!("propcredit_session={value}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401);
    });
}

on_both_backends! {
    behind_a_proxy_the_client_address_is_throttled_not_the_proxy => super::behind_a_proxy_the_client_address_is_throttled_not_the_proxy;
}

fn behind_a_proxy_the_client_address_is_throttled_not_the_proxy(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.server.behind_proxy = true).await;
        let from = |address: &'static str, name: String| {
            let request = api
                .client
                .post(format!("{}/session", api.base))
                .header("x-forwarded-for", address)
                .json(&serde_json::json!({ "name": name, "password": "guess" }));
            actix_web::rt::spawn(async move { request.send().await.unwrap().status().as_u16() })
        };
        // One client tries thirty names: its address is locked ...
        let guesses: Vec<_> = (0..30)
            .map(|i| from("203.0.113.7", format!("user{i}")))
            .collect();
        for g in guesses {
            assert_eq!(g.await.unwrap(), 401);
        }
        assert_eq!(from("203.0.113.7", "pat".into()).await.unwrap(), 429);
        // ... while another client behind the same proxy still signs in.
        let res = api
            .client
            .post(format!("{}/session", api.base))
            .header("x-forwarded-for", "198.51.100.20")
            .json(&serde_json::json!({ "name": "pat", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    });
}
