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
