//! In the browser: the officials' pages (company pages, rankings).

use fantoccini::Locator;

use super::{open, sign_in, sign_out};
use crate::app::run_async;
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    an_official_and_a_company_open_the_company_page => super::an_official_and_a_company_open_the_company_page;
}

fn an_official_and_a_company_open_the_company_page(t: TestDb) {
    use crate::app::{OTHER, OWN};
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "pat").await;
        // Officials land on their dashboard.
        assert_eq!(b.text("h1").await, "工作台");
        assert!(b.text("#moves-title + p").await.contains("2025年第3季度"));
        b.screenshot("dashboard").await;
        b.client
            .goto(&format!("{root}/companies/{OWN}"))
            .await
            .unwrap();
        assert_eq!(b.text("#card-title").await, "2025年第4季度评价结果");
        let charts = b.client.find_all(Locator::Css("svg.chart")).await.unwrap();
        assert_eq!(charts.len(), 2);
        b.screenshot("company").await;
        sign_out(&b).await;
        // The company itself: its own page, and 404 for another's.
        sign_in(&b, &root, "kim").await;
        b.client
            .goto(&format!("{root}/companies/{OWN}"))
            .await
            .unwrap();
        assert!(
            !b.text(".raise").await.is_empty(),
            "what would raise the score"
        );
        b.client
            .goto(&format!("{root}/companies/{OTHER}"))
            .await
            .unwrap();
        assert_eq!(b.text("h1").await, "页面不存在");
        // On a phone the pages read without sideways scrolling; tables scroll in their boxes.
        b.client.set_window_size(390, 844).await.unwrap();
        for path in [
            format!("/companies/{OWN}"),
            "/appeals".to_string(),
            "/methodology".to_string(),
        ] {
            b.client.goto(&format!("{root}{path}")).await.unwrap();
            let fits: serde_json::Value = b
                .client
                .execute(
                    "return document.documentElement.scrollWidth <= window.innerWidth + 1",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                fits,
                serde_json::Value::Bool(true),
                "{path} is wider than a phone"
            );
        }
        b.client
            .goto(&format!("{root}/companies/{OWN}"))
            .await
            .unwrap();
        b.screenshot("company-phone").await;
        b.close().await;
    });
}

on_both_backends! {
    an_official_filters_the_rankings => super::an_official_filters_the_rankings;
}

fn an_official_filters_the_rankings(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "lou").await;
        b.click(Locator::LinkText("排名")).await;
        assert_eq!(b.text("h1").await, "2025年第4季度信用评价排名");
        let all = b
            .client
            .find_all(Locator::Css("table.rankings tbody tr"))
            .await
            .unwrap()
            .len();
        // Only grade A, through the form.
        let grade = b
            .client
            .find(Locator::Css("select[name=grade]"))
            .await
            .unwrap();
        grade.select_by_value("A").await.unwrap();
        b.click(Locator::Css("form.filters button")).await;
        let rows = b
            .client
            .find_all(Locator::Css("table.rankings tbody tr"))
            .await
            .unwrap();
        assert!(
            !rows.is_empty() && rows.len() < all,
            "{} of {all}",
            rows.len()
        );
        for r in rows {
            let cells = r.find_all(Locator::Css("td")).await.unwrap();
            assert_eq!(cells[10].text().await.unwrap(), "A");
        }
        let url = b.client.current_url().await.unwrap();
        assert!(url.query().unwrap_or_default().contains("grade=A"), "{url}");
        b.screenshot("rankings").await;
        b.close().await;
    });
}

on_both_backends! {
    an_admin_starts_compares_and_publishes_a_run => super::an_admin_starts_compares_and_publishes_a_run;
}

fn an_admin_starts_compares_and_publishes_a_run(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "pat").await;
        b.click(Locator::LinkText("评分运行")).await;
        let period = b
            .client
            .find(Locator::Css("input[name=period]"))
            .await
            .unwrap();
        period.clear().await.unwrap();
        period.send_keys("2025Q4").await.unwrap();
        b.click(Locator::Css(r#"form[action="/runs"] button"#))
            .await;
        assert!(b.text("h1").await.contains("2025年第4季度（草稿）"));
        // Same data, same rules: nothing changes against the published run.
        assert_eq!(b.text("h3").await, "等级变化（0 家）");
        b.screenshot("run").await;
        // Announced first: the run is in public notice until its end.
        b.click(Locator::Css("form.announce button")).await;
        let message = b.text(".alert").await;
        assert!(message.contains("已开始公示"), "{message}");
        assert!(b.text("h1").await.contains("（公示中）"));
        assert!(b.text(".readiness").await.contains("公示期至"));
        b.screenshot("run-in-notice").await;
        // Published before the end, with a reason for the audit log.
        b.client
            .find(Locator::Css("input[name=at_once]"))
            .await
            .unwrap()
            .send_keys("区政府要求提前发布")
            .await
            .unwrap();
        b.click(Locator::Css("form.at-once button")).await;
        let message = b.text(".alert").await;
        assert!(message.ends_with("已发布。"), "{message}");
        assert!(b.text("h1").await.contains("（已发布）"));
        // The publication is in the audit log.
        b.click(Locator::LinkText("审计日志")).await;
        let log = b.text("table.audit tbody").await;
        assert!(
            log.contains("user:pat") && log.contains("run_published"),
            "{log}"
        );
        b.screenshot("audit").await;
        b.close().await;
    });
}

on_both_backends! {
    an_inspector_uploads_a_bad_file_and_sees_every_bad_row => super::an_inspector_uploads_a_bad_file_and_sees_every_bad_row;
}

fn an_inspector_uploads_a_bad_file_and_sees_every_bad_row(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("surveys-bad.csv");
        let good = dir.path().join("surveys-good.csv");
        let header = "response_id,community_code,surveyed_on,respondent,overall\n";
        std::fs::write(
            &bad,
            format!("{header}S900001,C000001,2026-02-10,H00001,6\nS900002,C000001,2026-02-31,H00002,4\nS900003,NOPE,2026-02-10,H00003,5\n"),
        )
        .unwrap();
        std::fs::write(
            &good,
            format!("{header}S900001,C000001,2026-02-10,H00001,5\n"),
        )
        .unwrap();
        sign_in(&b, &root, "lou").await;
        b.click(Locator::LinkText("数据导入")).await;
        // Inspectors import field data only.
        let kinds = b.text("select#kind").await;
        assert!(
            kinds.contains("满意度测评") && !kinds.contains("企业\n"),
            "{kinds}"
        );
        b.choose(Locator::Css("select#kind"), "surveys").await;
        let file = b.client.find(Locator::Id("file")).await.unwrap();
        file.send_keys(bad.to_str().unwrap()).await.unwrap();
        b.client
            .find(Locator::Css("form[data-import] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let rows = b
            .client
            .wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(Locator::Css("table.row-errors tbody"))
            .await
            .unwrap()
            .find_all(Locator::Css("tr"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 3, "every bad row is listed");
        assert!(b
            .text("#import-result .alert")
            .await
            .contains("数据没有任何改动"));
        b.screenshot("import-errors").await;
        let file = b.client.find(Locator::Id("file")).await.unwrap();
        file.clear().await.unwrap();
        file.send_keys(good.to_str().unwrap()).await.unwrap();
        b.client
            .find(Locator::Css("form[data-import] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let done = b.text("#import-result .done").await;
        assert!(done.starts_with("导入完成：新增 1 行"), "{done}");
        b.close().await;
    });
}

on_both_backends! {
    an_admin_previews_a_rule_change => super::an_admin_previews_a_rule_change;
}

fn an_admin_previews_a_rule_change(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "pat").await;
        b.click(Locator::LinkText("规则预演")).await;
        let draft: String = b
            .client
            .execute("return document.getElementById('rules').value", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            draft.contains("[weights."),
            "the rule file in force is the starting draft"
        );
        // A broken draft is refused with its problems.
        b.client
            .execute(
                "document.getElementById('rules').value = arguments[0]",
                vec![serde_json::json!("name = \"broken\"")],
            )
            .await
            .unwrap();
        b.click(Locator::Css(r#"form[action="/what-if"] button"#))
            .await;
        assert!(b.text(".alert p").await.starts_with("草稿有"));
        // Satisfaction weighs more, fee collection less.
        let changed = crate::app::EXAMPLE_RULES
            .replacen("satisfaction = 0.35", "satisfaction = 0.45", 1)
            .replacen("fee_collection = 0.15", "fee_collection = 0.05", 1);
        b.client
            .execute(
                "document.getElementById('rules').value = arguments[0]",
                vec![serde_json::json!(changed)],
            )
            .await
            .unwrap();
        b.click(Locator::Css(r#"form[action="/what-if"] button"#))
            .await;
        let title = b.text("#impact-title").await;
        assert!(title.ends_with("预演结果"), "{title}");
        let ranks = b.text(".impact h3:nth-of-type(4)").await;
        assert!(
            ranks.starts_with("排名变化（") && !ranks.contains("（0 家）"),
            "{ranks}"
        );
        b.client
            .execute(
                "document.getElementById('impact-title').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        b.screenshot("what-if").await;
        b.close().await;
    });
}
