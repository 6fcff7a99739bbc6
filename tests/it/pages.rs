//! The pages for people, over HTTP: what the public sees of published
//! quarters, in Chinese, and nothing of drafts.

use crate::app::{run_async, setup};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    the_home_page_is_the_latest_published_notice => super::the_home_page_is_the_latest_published_notice;
}

fn the_home_page_is_the_latest_published_notice(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        // 2025Q3 and 2025Q4 are published; 2026Q1 is only a draft.
        let (status, content_type, home) = api.page("/").await;
        assert_eq!(status, 200, "{home}");
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert!(
            home.contains("2025年第4季度物业服务企业信用评价红黑榜公示"),
            "{home}"
        );
        assert!(!home.contains("2026年第1季度"), "a draft is never public");
        assert!(home.contains("红榜（") && home.contains("黑榜（"));
        assert!(
            home.contains(r#"href="/periods/2025Q3""#),
            "earlier quarters are linked"
        );
        assert!(
            !home.contains(">red<") && !home.contains(">black<"),
            "no untranslated codes"
        );
        // The page lists exactly the companies the API's red list names.
        let (_, red) = api.get("/periods/2025Q4/red-list", None).await;
        for c in red["companies"].as_array().unwrap() {
            assert!(home.contains(c["company_code"].as_str().unwrap()), "{c}");
        }

        let (status, _, q3) = api.page("/periods/2025Q3").await;
        assert_eq!(status, 200);
        assert!(q3.contains("2025年第3季度物业服务企业信用评价红黑榜公示"));

        for missing in [
            "/periods/2026Q1",
            "/periods/2031Q1",
            "/periods/nonsense",
            "/no-such-page",
        ] {
            let (status, content_type, body) = api.page(missing).await;
            assert_eq!(status, 404, "{missing}");
            assert_eq!(content_type, "text/html; charset=utf-8", "{missing}");
            assert!(body.contains("页面不存在"), "{missing}: {body}");
        }
        let (status, content_type, css) = api.page("/static/site.css").await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "text/css; charset=utf-8")
        );
        assert!(css.contains("@media print"), "the notice prints");
    });
}

on_both_backends! {
    the_methodology_page_shows_the_rule_file_in_force => super::the_methodology_page_shows_the_rule_file_in_force;
}

/// Read the rule file on its own (not through the code that renders the
/// page) and find every weight on the page, in its row, as a percentage.
fn the_methodology_page_shows_the_rule_file_in_force(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let text = std::fs::read_to_string(crate::helpers::repo_path(
            "tests/data/small-city/rules.toml",
        ))
        .unwrap();
        let rules: toml::Value = toml::from_str(&text).unwrap();
        let (status, content_type, page) = api.page("/methodology").await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(content_type, "text/html; charset=utf-8");
        let sha = propcredit::rules::sha256_hex(text.as_bytes());
        assert!(
            page.contains(&sha),
            "the page names the file it was made from"
        );
        let order = [
            "satisfaction",
            "complaint_rate",
            "timely_resolution",
            "fee_collection",
            "inspection",
        ];
        let weights = rules["weights"].as_table().unwrap();
        assert!(!weights.is_empty());
        for (table, w) in weights {
            let label = match table.as_str() {
                "resettlement" => "安置房小区",
                "commercial" => "商品房小区",
                "quasi" => "准物业小区",
                "open" => "开放式小区",
                _ => "其他小区（默认）",
            };
            let cells: String = order
                .iter()
                .map(|k| {
                    let x = w[*k].as_float().unwrap() * 100.0;
                    format!(r#"<td class="num">{}%</td>"#, x.round())
                })
                .collect();
            let row = format!(r#"<tr><th scope="row">{label}</th>{cells}</tr>"#);
            assert!(page.contains(&row), "{table}: {row} not on the page");
        }
        for c in rules["conduct"].as_array().unwrap() {
            assert!(page.contains(c["code"].as_str().unwrap()), "{c}");
        }
        let name = rules["name"].as_str().unwrap();
        assert!(page.contains(&format!("评价规则 {name}")));
        // Another quarter's method; a quarter before any rule set has none.
        assert_eq!(api.page("/methodology?period=2025Q3").await.0, 200);
        assert_eq!(api.page("/methodology?period=1999Q1").await.0, 404);
        assert_eq!(api.page("/methodology?period=soon").await.0, 404);
    });
}
