//! In the browser: what a company does for itself (its credit report).

use fantoccini::Locator;

use super::{backend_of, sign_in, Browser};
use crate::app::{run_async, setup};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_company_prints_its_credit_report_and_anyone_verifies_it => super::a_company_prints_its_credit_report_and_anyone_verifies_it;
}

fn a_company_prints_its_credit_report_and_anyone_verifies_it(t: TestDb) {
    use crate::app::OWN;
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        sign_in(&b, &root, "kim").await;
        b.client
            .find(Locator::LinkText("本企业"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.client
            .find(Locator::LinkText("信用报告（可打印、可查验）"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.client
            .find(Locator::Css(r#"form[action$="/report"] button"#))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let number = b.text(".meta .code").await;
        assert!(number.starts_with("XY-2025Q4-"), "{number}");
        let code = b.text(".verify-code").await;
        let total = b.text("table.facts tr:nth-child(4) td").await;
        b.screenshot("credit-report").await;
        // Printing again shows the same report.
        b.client.refresh().await.unwrap();
        assert_eq!(b.text(".verify-code").await, code);
        b.client
            .find(Locator::Css("form.inline button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Anyone, signed in or not, checks the code (typed in lower case).
        b.client.goto(&format!("{root}/verify")).await.unwrap();
        b.client
            .find(Locator::Id("code"))
            .await
            .unwrap()
            .send_keys(&code.to_lowercase())
            .await
            .unwrap();
        b.client
            .find(Locator::Css("form.stacked button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(b.text(".verified h2").await, "验证码真实有效");
        let shown = b.text(".verified table").await;
        assert!(
            shown.contains(OWN) && shown.contains(&total) && shown.contains(&number),
            "{shown}"
        );
        b.screenshot("verify").await;
        b.client
            .goto(&format!("{root}/verify/AAAA-BBBB-CCCC-DDDD"))
            .await
            .unwrap();
        assert!(b.text(".alert").await.starts_with("未找到验证码"));
        b.close().await;
    });
}
