//! In the browser: the officials' pages (company pages, rankings).

use fantoccini::Locator;

use super::{backend_of, sign_in, sign_out, Browser};
use crate::app::{run_async, setup};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    an_official_and_a_company_open_the_company_page => super::an_official_and_a_company_open_the_company_page;
}

fn an_official_and_a_company_open_the_company_page(t: TestDb) {
    use crate::app::{OTHER, OWN};
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        sign_in(&b, &root, "pat").await;
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
        b.close().await;
    });
}

on_both_backends! {
    an_official_filters_the_rankings => super::an_official_filters_the_rankings;
}

fn an_official_filters_the_rankings(t: TestDb) {
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
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
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
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
        b.click(Locator::Css("form.publish button")).await;
        let message = b.text(".alert").await;
        assert!(message.ends_with("已发布。"), "{message}");
        assert!(b.text("h1").await.contains("（已发布）"));
        b.close().await;
    });
}
