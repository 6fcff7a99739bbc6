//! Subsidies from computation to payment over HTTP, on both databases:
//! entitlements recorded at publication; a company applies with its
//! documents; one admin reviews (初审), another approves (复核) against a
//! budget; two instalments are paid, one reversed and paid again; the
//! ledger reconciles with the payments and the XLSX sheet totals them; a
//! re-publication that changes an entitlement records who caused it. Every
//! refusal answers with its own code.

use calamine::{Data, DataType, Reader, Xlsx};
use reqwest::Method;
use serde_json::{json, Value};

use crate::app::{json_body, run_async, setup, Api, ADMIN, ADMIN2, COMPANY, INSPECTOR, OWN};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_quarters_subsidies_are_followed_from_computation_to_payment => super::a_quarters_subsidies_are_followed_from_computation_to_payment;
}

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

async fn post(api: &Api, path: &str, token: &str, body: Value) -> (u16, Value) {
    let (s, v) = api
        .call(Method::POST, path, Some(token), json_body(body))
        .await;
    (s.as_u16(), v)
}

/// Asserts a refusal's status and stable code.
#[track_caller]
fn refused((status, body): (u16, Value), want: u16, code: &str) {
    assert_eq!(
        (status, body["error"].as_str()),
        (want, Some(code)),
        "{body}"
    );
}

async fn upload(api: &Api, id: i64, document: &str, bytes: &[u8]) -> (u16, Value) {
    let path =
        format!("/subsidies/applications/{id}/documents?document={document}&file_name=a.pdf");
    let (s, v) = api
        .call(
            Method::POST,
            &path,
            Some(COMPANY),
            Some(("application/octet-stream", bytes.to_vec())),
        )
        .await;
    (s.as_u16(), v)
}

fn cents(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not cents: {v}"))
}

fn a_quarters_subsidies_are_followed_from_computation_to_payment(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| {
            s.subsidy.programme_documents.insert(
                "old-community-takeover".into(),
                vec!["奖补申报表".into(), "接管合同".into()],
            );
        })
        .await;
        // Publishing 2025Q3 and 2025Q4 recorded the entitlements; a company
        // sees only its own, and its 2025Q4 amounts add up to its §9 subsidy.
        let (_, own) = api.get("/subsidies/entitlements", Some(COMPANY)).await;
        let own = own["entitlements"].as_array().unwrap().clone();
        assert!(own.iter().all(|e| e["company_code"] == OWN), "{own:?}");
        let q4: i64 = own
            .iter()
            .filter(|e| e["period"] == "2025Q4")
            .map(|e| cents(&e["amount_cents"]))
            .sum();
        assert_eq!(
            q4, 137_086,
            "OWN's 2025Q4 subsidy is 1370.86 (expected/2025Q4.csv)"
        );
        let (_, all) = api
            .get("/subsidies/entitlements?period=2025Q4", Some(INSPECTOR))
            .await;
        let all = all["entitlements"].as_array().unwrap().clone();
        assert!(
            all.len() > own.len() / 2 + 1,
            "officials see every company's"
        );
        let theirs = all.iter().find(|e| e["company_code"] != OWN).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (status, _) = api
            .get(&format!("/subsidies/entitlements/{theirs}"), Some(COMPANY))
            .await;
        assert_eq!(
            status.as_u16(),
            404,
            "another company's entitlement is not found"
        );

        let takeover = own
            .iter()
            .find(|e| e["period"] == "2025Q4" && e["programme"] == "old-community-takeover")
            .expect("OWN takes over old communities in 2025Q4");
        let ent = takeover["id"].as_i64().unwrap();
        let entitled = cents(&takeover["amount_cents"]);
        let (_, detail) = api
            .get(&format!("/subsidies/entitlements/{ent}"), Some(COMPANY))
            .await;
        assert_eq!(
            detail["changes"][0]["before_cents"],
            Value::Null,
            "{detail}"
        );
        assert_eq!(cents(&detail["changes"][0]["after_cents"]), entitled);
        assert!(!detail["explanation"]["per_household"]
            .as_array()
            .unwrap()
            .is_empty());

        // Applying: not for another company, not empty, once.
        refused(
            post(
                &api,
                "/subsidies/applications",
                COMPANY,
                json!({ "entitlement_id": theirs, "statement": "x" }),
            )
            .await,
            404,
            "not_found",
        );
        refused(
            post(
                &api,
                "/subsidies/applications",
                COMPANY,
                json!({ "entitlement_id": ent, "statement": " " }),
            )
            .await,
            400,
            "no_reason",
        );
        refused(
            post(
                &api,
                "/subsidies/applications",
                ADMIN,
                json!({ "entitlement_id": ent, "statement": "x" }),
            )
            .await,
            403,
            "forbidden",
        );
        let (status, applied) = post(
            &api,
            "/subsidies/applications",
            COMPANY,
            json!({ "entitlement_id": ent, "statement": "接管老旧小区 3 个" }),
        )
        .await;
        assert_eq!(status, 201, "{applied}");
        let id = applied["application"]["id"].as_i64().unwrap();
        assert_eq!(
            applied["missing_documents"],
            json!(["奖补申报表", "接管合同"])
        );
        refused(
            post(
                &api,
                "/subsidies/applications",
                COMPANY,
                json!({ "entitlement_id": ent, "statement": "again" }),
            )
            .await,
            409,
            "already_applied",
        );

        // The district review needs the documents; they are checked by type and name.
        let review = format!("/subsidies/applications/{id}/review");
        refused(
            post(
                &api,
                &review,
                ADMIN,
                json!({ "pass": true, "reason": "材料齐全" }),
            )
            .await,
            422,
            "documents_missing",
        );
        assert_eq!(
            upload(&api, id, "接管合同", b"plain text, not a contract")
                .await
                .0,
            415
        );
        refused(
            upload(&api, id, "营业执照", PDF).await,
            422,
            "unknown_document",
        );
        for doc in ["奖补申报表", "接管合同"] {
            let (status, stored) = upload(&api, id, doc, PDF).await;
            assert_eq!(status, 201, "{stored}");
        }
        refused(
            post(
                &api,
                &review,
                ADMIN,
                json!({ "pass": true, "reason": "x", "amount": crate::app::yuan(entitled + 1) }),
            )
            .await,
            422,
            "above_entitlement",
        );
        refused(
            post(
                &api,
                &review,
                ADMIN,
                json!({ "pass": true, "reason": "x", "amount": crate::app::yuan(entitled - 1000) }),
            )
            .await,
            422,
            "difference_unexplained",
        );
        refused(
            post(
                &api,
                &review,
                COMPANY,
                json!({ "pass": true, "reason": "x" }),
            )
            .await,
            403,
            "forbidden",
        );
        refused(
            post(
                &api,
                &review,
                INSPECTOR,
                json!({ "pass": true, "reason": "x" }),
            )
            .await,
            403,
            "forbidden",
        );
        let approved_cents = entitled - 1000;
        let (status, reviewed) = post(
            &api,
            &review,
            ADMIN,
            json!({
                "pass": true, "reason": "材料齐全", "amount": crate::app::yuan(approved_cents),
                "difference_reason": "一个小区的户数核减"
            }),
        )
        .await;
        assert_eq!(
            (status, reviewed["application"]["status"].as_str()),
            (200, Some("reviewed")),
            "{reviewed}"
        );

        // The city approval: another person, against a budget that holds it.
        let approval = format!("/subsidies/applications/{id}/approval");
        let approve = json!({ "pass": true, "reason": "同意", "amount": crate::app::yuan(approved_cents),
            "difference_reason": "同初审", "fund_source": "市级财政", "budget_year": 2026 });
        refused(
            post(&api, &approval, ADMIN, approve.clone()).await,
            409,
            "same_reviewer",
        );
        refused(
            post(&api, &approval, ADMIN2, approve.clone()).await,
            422,
            "no_budget",
        );
        let budget = |amount: &str| json!({ "programme": "old-community-takeover", "year": 2026, "fund_source": "市级财政", "amount": amount });
        let (status, _) = api
            .call(
                Method::PUT,
                "/subsidies/budgets",
                Some(ADMIN),
                json_body(budget("5.00")),
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        refused(
            post(&api, &approval, ADMIN2, approve.clone()).await,
            422,
            "budget_exceeded",
        );
        let (status, _) = api
            .call(
                Method::PUT,
                "/subsidies/budgets",
                Some(ADMIN),
                json_body(budget("100000.00")),
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let mut bad_fund = approve.clone();
        bad_fund["fund_source"] = json!("省级财政");
        refused(
            post(&api, &approval, ADMIN2, bad_fund).await,
            422,
            "unknown_fund",
        );
        let (status, approved) = post(&api, &approval, ADMIN2, approve.clone()).await;
        assert_eq!(
            (status, approved["application"]["status"].as_str()),
            (200, Some("approved")),
            "{approved}"
        );
        refused(
            post(&api, &approval, ADMIN2, approve).await,
            409,
            "wrong_step",
        );
        let (status, low) = api
            .call(
                Method::PUT,
                "/subsidies/budgets",
                Some(ADMIN),
                json_body(budget("1.00")),
            )
            .await;
        refused((status.as_u16(), low), 422, "below_committed");

        // Two instalments; never above the approval; a voucher once; a reversal kept.
        let pay = format!("/subsidies/applications/{id}/payments");
        let first = approved_cents / 2;
        let second = approved_cents - first;
        let payment = |amount: i64, voucher: &str| json!({ "paid_on": "2026-03-02", "amount": crate::app::yuan(amount), "voucher": voucher });
        refused(
            post(&api, &pay, COMPANY, payment(first, "V-1")).await,
            403,
            "forbidden",
        );
        let (status, p1) = post(&api, &pay, ADMIN, payment(first, "V-1")).await;
        assert_eq!(status, 201, "{p1}");
        refused(
            post(&api, &pay, ADMIN, payment(second + 1, "V-2")).await,
            422,
            "above_approval",
        );
        refused(
            post(&api, &pay, ADMIN, payment(second, "V-1")).await,
            409,
            "voucher_used",
        );
        let (status, p2) = post(&api, &pay, ADMIN, payment(second, "V-2")).await;
        assert_eq!(status, 201, "{p2}");
        let p2_id = p2["id"].as_i64().unwrap();
        refused(
            post(&api, &pay, ADMIN, payment(1, "V-3")).await,
            422,
            "above_approval",
        );
        let reversal = format!("/subsidies/payments/{p2_id}/reversal");
        refused(
            post(&api, &reversal, ADMIN, json!({ "reason": "" })).await,
            400,
            "no_reason",
        );
        let (status, reversed) =
            post(&api, &reversal, ADMIN, json!({ "reason": "账号有误" })).await;
        assert_eq!(
            (status, reversed["reverse_reason"].as_str()),
            (200, Some("账号有误")),
            "{reversed}"
        );
        refused(
            post(&api, &reversal, ADMIN, json!({ "reason": "again" })).await,
            409,
            "already_reversed",
        );
        let (status, _) = post(&api, &pay, ADMIN, payment(second, "V-4")).await;
        assert_eq!(status, 201);

        // The company follows it; the ledger reconciles with the payments.
        let (_, mine) = api
            .get(&format!("/subsidies/applications/{id}"), Some(COMPANY))
            .await;
        assert_eq!(cents(&mine["paid_cents"]), approved_cents, "{mine}");
        assert_eq!(
            mine["payments"].as_array().unwrap().len(),
            3,
            "the reversed payment is kept"
        );
        let (_, payments) = api.get("/subsidies/payments", Some(INSPECTOR)).await;
        let live: i64 = payments["payments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["reversed_at"].is_null())
            .map(|p| cents(&p["amount_cents"]))
            .sum();
        let (status, ledger) = api.get("/subsidies/ledger", Some(INSPECTOR)).await;
        assert_eq!(status.as_u16(), 200);
        let line = &ledger["lines"][0];
        assert_eq!(
            (
                cents(&line["budget_cents"]),
                cents(&line["committed_cents"]),
                cents(&line["paid_cents"]),
                cents(&line["unpaid_cents"]),
                cents(&line["remaining_cents"])
            ),
            (
                10_000_000,
                approved_cents,
                live,
                0,
                10_000_000 - approved_cents
            ),
            "{ledger}"
        );
        assert_eq!(live, approved_cents);
        assert_eq!(
            api.get("/subsidies/ledger", Some(COMPANY)).await.0.as_u16(),
            403
        );

        // The finance office's sheet: every payment, the reversed one marked, the total.
        let res = api
            .client
            .get(format!("{}/subsidies/disbursements.xlsx", api.base))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let bytes = res.bytes().await.unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let sheet = book.worksheet_range("奖补资金拨付表").unwrap();
        assert_eq!(sheet.get((1, 2)), Some(&Data::String("凭证号".into())));
        assert!(matches!(sheet.get((3, 14)), Some(Data::String(s)) if s.starts_with("已冲销")));
        let total = sheet
            .get((5, 10))
            .and_then(|d| d.as_f64())
            .expect("the total");
        // The sheet's numbers are yuan: compared as the cents they print as.
        assert_eq!(format!("{total:.2}"), crate::app::yuan(approved_cents));
        let summary = book.worksheet_range("预算执行情况").unwrap();
        assert_eq!(
            summary
                .get((1, 5))
                .and_then(|d| d.as_f64())
                .map(|y| format!("{y:.2}")),
            Some(crate::app::yuan(live))
        );

        // The pages: the company follows its own; officials see the queue,
        // the payments and the ledger.
        let page = api.visit("/subsidies", Some(COMPANY)).await;
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("本企业的申报")
                && html.contains("已核定")
                && html.contains("已冲销：账号有误"),
            "{html}"
        );
        assert!(!html.contains("预算执行"), "the ledger is the officials'");
        let html = api
            .visit("/subsidies", Some(INSPECTOR))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("申报审核队列")
                && html.contains("预算执行")
                && html.contains("100000.00"),
            "{html}"
        );
        assert_eq!(
            api.visit("/subsidies", None).await.status().as_u16(),
            303,
            "sign in first"
        );

        // A return: the company is told why and submits again.
        let second_ent = own
            .iter()
            .find(|e| e["id"] != json!(ent) && cents(&e["amount_cents"]) > 0)
            .expect("another entitlement")["id"]
            .as_i64()
            .unwrap();
        let (status, other) = post(
            &api,
            "/subsidies/applications",
            COMPANY,
            json!({ "entitlement_id": second_ent, "statement": "申报" }),
        )
        .await;
        assert_eq!(status, 201, "{other}");
        let other_id = other["application"]["id"].as_i64().unwrap();
        let (status, returned) = post(
            &api,
            &format!("/subsidies/applications/{other_id}/review"),
            ADMIN,
            json!({ "pass": false, "reason": "申报表未盖章" }),
        )
        .await;
        assert_eq!(
            (
                status,
                returned["application"]["status"].as_str(),
                returned["application"]["return_reason"].as_str()
            ),
            (200, Some("rejected"), Some("申报表未盖章")),
            "{returned}"
        );
        let (status, again) = post(
            &api,
            "/subsidies/applications",
            COMPANY,
            json!({ "entitlement_id": second_ent, "statement": "已盖章" }),
        )
        .await;
        assert_eq!(
            (status, again["application"]["status"].as_str()),
            (201, Some("submitted")),
            "{again}"
        );
        let (_, notes) = api.get("/notifications", Some(COMPANY)).await;
        assert!(
            notes["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["event"] == "subsidy"
                    && n["body"].as_str().unwrap().contains("申报表未盖章")),
            "{notes}"
        );

        // Another company: its application is not OWN's to see, and once
        // the window closed (30 days after publication) it may not apply.
        let (_, every) = api.get("/subsidies/entitlements", Some(INSPECTOR)).await;
        let every = every["entitlements"].as_array().unwrap().clone();
        let of = |code: &Value| -> Vec<i64> {
            every
                .iter()
                .filter(|e| &e["company_code"] == code && cents(&e["amount_cents"]) > 0)
                .map(|e| e["id"].as_i64().unwrap())
                .collect()
        };
        let x = every
            .iter()
            .map(|e| e["company_code"].clone())
            .find(|c| c != OWN && of(c).len() >= 2)
            .expect("a company entitled twice");
        let db = t.db.clone();
        let code = x.as_str().unwrap().to_string();
        tokio::task::spawn_blocking(move || {
            crate::helpers::add_user(
                &mut db.get().unwrap(),
                "xu",
                "company",
                Some(&code),
                None,
                "pc_other_company",
            );
        })
        .await
        .unwrap();
        let (status, theirs_app) = post(
            &api,
            "/subsidies/applications",
            "pc_other_company",
            json!({ "entitlement_id": of(&x)[0], "statement": "申报" }),
        )
        .await;
        assert_eq!(status, 201, "{theirs_app}");
        let theirs_id = theirs_app["application"]["id"].as_i64().unwrap();
        assert_eq!(
            api.get(
                &format!("/subsidies/applications/{theirs_id}"),
                Some(COMPANY)
            )
            .await
            .0
            .as_u16(),
            404
        );
        refused(
            upload(&api, theirs_id, "奖补申报表", PDF).await,
            404,
            "not_found",
        );
        api.advance_days(31);
        refused(
            post(
                &api,
                "/subsidies/applications",
                "pc_other_company",
                json!({ "entitlement_id": of(&x)[1], "statement": "迟了" }),
            )
            .await,
            422,
            "apply_window_closed",
        );
        let (_, queue) = api
            .get("/subsidies/applications?status=submitted", Some(ADMIN))
            .await;
        assert_eq!(
            queue["applications"][0]["overdue"],
            json!(true),
            "the review waited 31 days: {queue}"
        );
    });
}

on_both_backends! {
    a_republication_that_changes_an_entitlement_records_who_caused_it => super::a_republication_that_changes_an_entitlement_records_who_caused_it;
}

fn a_republication_that_changes_an_entitlement_records_who_caused_it(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let takeover = own_takeover(&api).await;
        let ent = takeover["id"].as_i64().unwrap();
        let (_, detail) = api
            .get(&format!("/subsidies/entitlements/{ent}"), Some(COMPANY))
            .await;
        let community = detail["explanation"]["per_household"][0]["community_code"]
            .as_str()
            .unwrap()
            .to_string();
        // The bureau corrects the community's households (in Chinese headers,
        // with its base condition 差), and the quarter is rated and published again.
        let data = std::fs::read_to_string(crate::helpers::repo_path(
            "tests/data/small-city/data/communities.csv",
        ))
        .unwrap();
        let row = data
            .lines()
            .find(|l| l.starts_with(&format!("{community},")))
            .unwrap();
        let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
        let households: i64 = cells[5].parse().unwrap();
        cells[5] = (households + 100).to_string();
        let csv = format!(
            "小区编码,小区名称,所属区县,小区类型,是否老旧小区,户数,建筑面积,基础条件\n{},差\n",
            cells.join(",")
        );
        let (status, imported) = api
            .call(
                Method::POST,
                "/imports/communities",
                Some(ADMIN),
                Some(("text/csv", csv.into_bytes())),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{imported}");
        let (_, audit) = api.get("/audit?entity=communities", Some(ADMIN)).await;
        let entry = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entity_key"] == json!(community))
            .expect("the change is audited");
        assert!(
            entry["new_values"]
                .as_str()
                .unwrap()
                .contains(r#""base_condition":"poor""#),
            "{entry}"
        );
        let (status, run) = post(&api, "/runs", ADMIN, json!({ "period": "2025Q4" })).await;
        assert_eq!(status, 201, "{run}");
        let run_id = run["run_id"].as_i64().expect("the run's id");
        let (status, published) = post(
            &api,
            &format!("/runs/{run_id}/publish"),
            ADMIN2,
            json!({ "at_once": "户数更正" }),
        )
        .await;
        assert_eq!(status, 200, "{published}");
        let (_, after) = api
            .get(&format!("/subsidies/entitlements/{ent}"), Some(COMPANY))
            .await;
        let changes = after["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 2, "{after}");
        assert_eq!(
            cents(&changes[1]["before_cents"]),
            cents(&takeover["amount_cents"])
        );
        assert_ne!(
            cents(&changes[1]["after_cents"]),
            cents(&takeover["amount_cents"])
        );
        assert_eq!(
            cents(&changes[1]["after_cents"]),
            cents(&after["entitlement"]["amount_cents"])
        );
        assert_eq!(
            (changes[1]["actor"].as_str(), changes[1]["run_id"].as_i64()),
            (Some("user:bo"), Some(run_id)),
            "{after}"
        );
        assert!(
            changes[1]["cause"].as_str().unwrap().contains("user:ada"),
            "{after}"
        );
    });
}

/// OWN's 2025Q4 entitlement from the old-community takeover programme.
pub(crate) async fn own_takeover(api: &Api) -> Value {
    let (_, own) = api
        .get("/subsidies/entitlements?period=2025Q4", Some(COMPANY))
        .await;
    own["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["programme"] == "old-community-takeover")
        .expect("OWN's takeover entitlement")
        .clone()
}

/// What the access table (api_access) calls the subsidy operations on.
pub(crate) struct Prepared {
    /// An entitlement of OWN's without an application.
    pub free: i64,
    /// OWN's submitted application with one document, and that document.
    pub own_app: i64,
    pub own_doc: i64,
    pub own_entitlement: i64,
    /// Another company's application, reviewed by ADMIN2 (bo), with a budget.
    pub reviewed: i64,
    /// A payment of a third, approved application.
    pub payment: i64,
    pub programme: String,
}

pub(crate) async fn prepare(api: &Api, t: &TestDb) -> Prepared {
    let (_, own) = api.get("/subsidies/entitlements", Some(COMPANY)).await;
    let own: Vec<i64> = own["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| cents(&e["amount_cents"]) > 0)
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(own.len() >= 2, "OWN is entitled twice");
    let (status, app) = post(
        api,
        "/subsidies/applications",
        COMPANY,
        json!({ "entitlement_id": own[1], "statement": "申报" }),
    )
    .await;
    assert_eq!(status, 201, "{app}");
    let own_app = app["application"]["id"].as_i64().unwrap();
    let (status, doc) = upload(api, own_app, "奖补申报表", PDF).await;
    assert_eq!(status, 201, "{doc}");
    let (_, every) = api.get("/subsidies/entitlements", Some(INSPECTOR)).await;
    let others: Vec<(i64, String, String)> = every["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["company_code"] != OWN && cents(&e["amount_cents"]) > 0)
        .map(|e| {
            (
                e["id"].as_i64().unwrap(),
                e["company_code"].as_str().unwrap().to_string(),
                e["programme"].as_str().unwrap().to_string(),
            )
        })
        .take(2)
        .collect();
    assert_eq!(others.len(), 2);
    let db = t.db.clone();
    let now = api.clock.now();
    let (reviewed, payment) = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let [(ent, company, programme), (ent2, company2, programme2)] = &others[..] else {
            unreachable!("two entitlements")
        };
        let reviewed = through_the_steps(&mut conn, now, company, *ent, programme, false);
        let approved = through_the_steps(&mut conn, now, company2, *ent2, programme2, true);
        let paid = propcredit::service::disbursement::pay(
            &mut conn,
            now,
            &propcredit::service::disbursement::Paying {
                application_id: approved,
                paid_on: now.date(),
                amount_cents: 100,
                voucher: "P-1",
                actor: "user:ada",
            },
        )
        .unwrap();
        (reviewed, paid.id)
    })
    .await
    .unwrap();
    Prepared {
        free: own[0],
        own_app,
        own_doc: doc["id"].as_i64().unwrap(),
        own_entitlement: own[1],
        reviewed,
        payment,
        programme: others_programme(api).await,
    }
}

/// The settings the services are called with beside the app.
pub(crate) fn settings() -> propcredit::service::subsidies::SubsidySettings {
    propcredit::service::subsidies::SubsidySettings {
        apply_window_days: 30,
        review_days: 15,
        fund_sources: vec!["市级财政".into()],
        documents: vec!["奖补申报表".into()],
        programme_documents: Default::default(),
        document_max_mib: 1,
        document_max_files: 5,
    }
}

/// Through the services: a budget of 100000.00 for `programme` in 2026 from 市级财政,
/// `company`'s application for `entitlement` with its document, reviewed by
/// bo and, when `approve`, approved in full by ada. The application's id.
pub(crate) fn through_the_steps(
    conn: &mut propcredit::storage::Conn,
    now: chrono::NaiveDateTime,
    company: &str,
    entitlement: i64,
    programme: &str,
    approve: bool,
) -> i64 {
    use propcredit::service::subsidies as service;
    use propcredit::storage::{payments, subsidies};
    let s = settings();
    let line = payments::Line {
        programme: programme.to_string(),
        year: 2026,
        fund_source: "市级财政".into(),
    };
    payments::set_budget(conn, &line, 10_000_000, "user:ada", now).unwrap();
    let applying = service::Applying {
        company,
        entitlement_id: entitlement,
        statement: "申报",
        actor: "user:x",
    };
    let a = service::apply(conn, now, &s, &applying).unwrap();
    let document = subsidies::NewDocument {
        application_id: a.id,
        document: "奖补申报表",
        file_name: "a.pdf",
        content_type: "application/pdf",
        content: PDF,
        uploaded_by: "user:x",
        uploaded_at: now,
    };
    subsidies::add_document(conn, &document).unwrap();
    let steps: &[(service::Step, &str)] = if approve {
        &[
            (service::Step::Review, "user:bo"),
            (service::Step::Approve, "user:ada"),
        ]
    } else {
        &[(service::Step::Review, "user:bo")]
    };
    for &(step, actor) in steps {
        let ruling = service::Ruling {
            id: a.id,
            step,
            actor,
            pass: true,
            reason: "同意",
            amount_cents: None,
            difference_reason: None,
            fund_source: Some("市级财政"),
            budget_year: Some(2026),
        };
        service::rule(conn, now, &s, &ruling).unwrap();
    }
    a.id
}

async fn others_programme(api: &Api) -> String {
    let (_, ledger) = api.get("/subsidies/ledger", Some(ADMIN)).await;
    ledger["budgets"][0]["programme"]
        .as_str()
        .unwrap()
        .to_string()
}
