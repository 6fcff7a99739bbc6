//! Credit repair (信用修复) over HTTP, with the app's clock moved instead of
//! waiting: a company applies for repair of its own bad record once the
//! rule file lets it, with a commitment and evidence checked by type and
//! size; anyone with the query code follows it; an admin approves, the
//! record stops counting from the confirmed day and the published quarter
//! that counted it is re-run as a draft with its diff. Every refusal is
//! answered with its own error.

use reqwest::Method;
use serde_json::{json, Value};

use crate::app::{
    json_body, rules_with_repair, run_async, setup_with_rules, Api, ADMIN, COMPANY, INSPECTOR,
    OTHER, OWN,
};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_company_repairs_a_record_and_the_published_quarter_is_rerun => super::a_company_repairs_a_record_and_the_published_quarter_is_rerun;
}

pub(crate) async fn import_conduct(api: &Api, rows: &str) {
    let csv = format!("record_id,company_code,code,occurred_on,community_code,note\n{rows}");
    let (status, body) = api
        .call(
            Method::POST,
            "/imports/conduct",
            Some(ADMIN),
            Some(("text/csv", csv.into_bytes())),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
}

fn apply_body(record: &str, commitment: &str) -> Option<(&'static str, Vec<u8>)> {
    json_body(json!({ "record_id": record, "commitment": commitment }))
}

/// The penalty of OWN in 2025Q4's published ranking.
async fn own_penalty(api: &Api) -> f64 {
    let (status, ranking) = api
        .get("/periods/2025Q4/rankings?per_page=500", Some(ADMIN))
        .await;
    assert_eq!(status.as_u16(), 200, "{ranking}");
    ranking["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["company_code"] == OWN)
        .map(|r| r["penalty"].as_f64().unwrap())
        .unwrap()
}

fn a_company_repairs_a_record_and_the_published_quarter_is_rerun(t: TestDb) {
    run_async(async {
        let (_dir, book) = rules_with_repair();
        let api = setup_with_rules(&t, book, |s| {
            s.repair.evidence_max_mib = 1;
            s.repair.evidence_max_files = 2;
        })
        .await;
        // OWN's fire-drill lapse of August 2025, counted when 2025Q4 is
        // rated and published again; a fresh one of this month; and one of
        // another company.
        let today = chrono::Local::now().date_naive();
        let fresh = today - chrono::Days::new(5);
        import_conduct(
            &api,
            &format!(
                "R9000001,{OWN},BAD-NO-DRILL,2025-08-15,,\nR9000002,{OWN},BAD-NO-DRILL,{fresh},,\n\
                 R9000003,918245RK2A20Y55BBG,BAD-NO-DRILL,2025-08-15,,\n"
            ),
        )
        .await;
        let (status, run) = api
            .call(
                Method::POST,
                "/runs",
                Some(ADMIN),
                json_body(json!({ "period": "2025Q4" })),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{run}");
        let run_id = run["run_id"].as_i64().unwrap();
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/runs/{run_id}/publish"),
                Some(ADMIN),
                json_body(json!({ "at_once": "测试：直接发布 2025Q4" })),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        let counted = own_penalty(&api).await;
        assert!(counted >= 10.0, "{counted}");

        // Refusals, each with its own answer.
        let (status, body) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000003", "整改完毕"),
            )
            .await;
        assert_eq!(status.as_u16(), 404, "another company's record: {body}");
        let (status, body) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000001", "  "),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("no_commitment"))
        );
        let (status, body) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000002", "整改完毕"),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (422, Some("repair_not_yet")),
            "{body}"
        );
        let eligible = (fresh.checked_add_months(chrono::Months::new(3)).unwrap()).to_string();
        assert_eq!(
            body["details"]["eligible_from"].as_str(),
            Some(eligible.as_str())
        );
        import_conduct(
            &api,
            &format!("R9000004,{OWN},BAD-MAINT-FUND,2026-01-05,,\n"),
        )
        .await;
        let (status, body) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000004", "整改完毕"),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (422, Some("not_repairable"))
        );
        let (status, _) = api
            .call(
                Method::POST,
                "/repairs",
                Some(ADMIN),
                apply_body("R9000001", "整改完毕"),
            )
            .await;
        assert_eq!(status.as_u16(), 403, "only the company applies");

        // The application, followed by its query code without signing in.
        let (status, filed) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000001", "本企业已完成消防演练并承诺依法依规开展"),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{filed}");
        assert_eq!(filed["status"], "pending");
        assert_eq!(filed["overdue"], false);
        let id = filed["id"].as_i64().unwrap();
        let code = filed["query_code"].as_str().unwrap().to_string();
        let (status, followed) = api.get(&format!("/repairs/by-code/{code}"), None).await;
        assert_eq!((status.as_u16(), followed["id"].as_i64()), (200, Some(id)));
        let (status, _) = api.get("/repairs/by-code/2222-3333-4444", None).await;
        assert_eq!(status.as_u16(), 404);
        let (status, body) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000001", "再次申请"),
            )
            .await;
        assert_eq!(
            status.as_u16(),
            409,
            "one pending application per record: {body}"
        );

        // The credit file and the company's page never show it as settled.
        let record = |file: &Value, id: &str| {
            file["records"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["record_id"] == id)
                .cloned()
                .unwrap()
        };
        let credit_file = format!("/companies/{OWN}/credit-file");
        let (_, file) = api.get(&credit_file, Some(COMPANY)).await;
        assert_eq!(
            record(&file, "R9000001")["contested"],
            "under_repair",
            "{file}"
        );
        assert_eq!(record(&file, "R9000001")["severity"], "minor");
        assert_eq!(record(&file, "R9000001")["repairable_from"], "2025-11-15");
        assert_eq!(record(&file, "R9000002")["contested"], Value::Null);
        let appeal =
            json!({ "record_kind": "conduct", "record_id": "R9000004", "reason": "不属实" });
        let (status, body) = api
            .call(Method::POST, "/appeals", Some(COMPANY), json_body(appeal))
            .await;
        assert_eq!(status.as_u16(), 201, "{body}");
        let (_, file) = api.get(&credit_file, Some(COMPANY)).await;
        assert_eq!(record(&file, "R9000004")["contested"], "under_appeal");
        assert_eq!(
            record(&file, "R9000002")["repairable_from"],
            eligible.as_str()
        );
        let page = api
            .visit(&format!("/companies/{OWN}"), Some(COMPANY))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("修复中"),
            "the page marks the record under repair"
        );
        assert!(page.contains("异议中"), "and the record under appeal");

        // Evidence: a PDF is kept; other types and large files are refused.
        let evidence = |name: &str, bytes: Vec<u8>, token: &'static str| {
            let path = format!("/repairs/{id}/evidence?file_name={name}");
            let api = &api;
            async move {
                api.call(
                    Method::POST,
                    &path,
                    Some(token),
                    Some(("application/octet-stream", bytes)),
                )
                .await
            }
        };
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
        let (status, stored) = evidence("drill.pdf", pdf.clone(), COMPANY).await;
        assert_eq!(status.as_u16(), 201, "{stored}");
        assert_eq!(stored["content_type"], "application/pdf");
        let (status, _) = evidence("drill.exe", b"MZ\x90\x00".to_vec(), COMPANY).await;
        assert_eq!(status.as_u16(), 415);
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(1_100_000, b'x');
        let (status, _) = evidence("big.pdf", big, COMPANY).await;
        assert_eq!(status.as_u16(), 413);
        let (status, _) = evidence("drill.pdf", pdf.clone(), INSPECTOR).await;
        assert_eq!(status.as_u16(), 403);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let (status, stored) = evidence("photo.png", png.clone(), COMPANY).await;
        assert_eq!(
            (status.as_u16(), stored["content_type"].as_str()),
            (201, Some("image/png"))
        );
        let (status, body) = evidence("third.png", png.clone(), COMPANY).await;
        assert_eq!(status.as_u16(), 409, "at most two files here: {body}");
        let (status, files) = api
            .get(&format!("/repairs/{id}/evidence"), Some(ADMIN))
            .await;
        assert_eq!(status.as_u16(), 200);
        assert_eq!(files["files"].as_array().unwrap().len(), 2, "{files}");
        let file = files["files"][0]["id"].as_i64().unwrap();
        let res = api
            .client
            .get(format!("{}/repairs/{id}/evidence/{file}", api.base))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

        // Ten working days to decide: two weeks and a day later it is overdue.
        api.advance_days(15);
        let (_, list) = api.get("/repairs?status=pending", Some(ADMIN)).await;
        assert_eq!(list["repairs"][0]["overdue"], true, "{list}");
        let (_, own) = api.get("/repairs", Some(COMPANY)).await;
        assert_eq!(own["repairs"].as_array().unwrap().len(), 1);

        // The decision: admins only, with a reason.
        let decide = |body: Value, token: &'static str| {
            let path = format!("/repairs/{id}/decision");
            let api = &api;
            async move {
                api.call(Method::POST, &path, Some(token), json_body(body))
                    .await
            }
        };
        let (status, _) = decide(json!({ "approve": true, "reason": "已整改" }), INSPECTOR).await;
        assert_eq!(status.as_u16(), 403);
        let (status, body) = decide(json!({ "approve": true, "reason": " " }), ADMIN).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("no_reason"))
        );
        let (status, body) = decide(
            json!({ "approve": true, "reason": "已整改", "repaired_from": "2025-01-01" }),
            ADMIN,
        )
        .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (422, Some("bad_repair_day"))
        );
        let (status, decided) = decide(
            json!({ "approve": true, "reason": "已整改并公开承诺" }),
            ADMIN,
        )
        .await;
        assert_eq!(status.as_u16(), 200, "{decided}");
        // By default from the first day of the latest published quarter.
        assert_eq!(decided["repair"]["repaired_from"], "2025-10-01");
        assert_eq!(decided["repair"]["status"], "approved");
        let reruns = decided["reruns"].as_array().unwrap();
        assert_eq!(
            reruns.len(),
            1,
            "only 2025Q4 ends after the repair: {decided}"
        );
        assert_eq!(reruns[0]["period"], "2025Q4");
        assert_eq!(reruns[0]["against_run"].as_i64(), Some(run_id));
        let draft = reruns[0]["run_id"].as_i64().unwrap();
        let (_, diff) = api.get(&format!("/runs/{draft}/diff"), Some(ADMIN)).await;
        assert!(
            diff.to_string().contains(OWN),
            "OWN's result changes: {diff}"
        );
        let (status, _) = decide(json!({ "approve": false, "reason": "again" }), ADMIN).await;
        assert_eq!(status.as_u16(), 409, "decided already");
        let (status, _) = evidence("late.pdf", pdf.clone(), COMPANY).await;
        assert_eq!(status.as_u16(), 409, "no evidence after the decision");
        let (status, body) = api
            .call(
                Method::POST,
                "/repairs",
                Some(COMPANY),
                apply_body("R9000001", "整改完毕"),
            )
            .await;
        assert_eq!(status.as_u16(), 409, "repaired already: {body}");

        let (_, file) = api.get(&credit_file, Some(COMPANY)).await;
        let repaired = record(&file, "R9000001");
        assert_eq!(
            (
                &repaired["status"],
                &repaired["repaired_from"],
                &repaired["contested"]
            ),
            (&json!("repaired"), &json!("2025-10-01"), &Value::Null),
            "{repaired}"
        );

        // The re-run is in public notice: the company sees its pending
        // result beside the published one, and the other company nothing.
        let (status, pending) = api
            .get(&format!("/companies/{OWN}/notice"), Some(COMPANY))
            .await;
        assert_eq!(status.as_u16(), 200, "{pending}");
        let pending = &pending["pending"][0];
        assert_eq!(
            (&pending["period"], pending["run_id"].as_i64()),
            (&json!("2025Q4"), Some(draft)),
            "{pending}"
        );
        assert_ne!(pending["result"], pending["published"], "{pending}");
        let (status, _) = api
            .get(&format!("/companies/{OTHER}/notice"), Some(COMPANY))
            .await;
        assert_eq!(status.as_u16(), 404, "another company's notice");
        // It is published at the end of the notice.
        api.advance_days(7);
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/runs/{draft}/publish"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        assert_eq!(own_penalty(&api).await, counted - 10.0);
        // The audit log has the application, the decision and the repair.
        let (_, audit) = api.get("/audit?entity=conduct_records", Some(ADMIN)).await;
        assert!(audit.to_string().contains("repaired"), "{audit}");
    });
}
