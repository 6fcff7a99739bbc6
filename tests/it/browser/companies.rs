//! In the browser: what a company does for itself (its credit report).

use fantoccini::Locator;

use super::{open, sign_in, sign_out};
use crate::app::run_async;
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_company_prints_its_credit_report_and_anyone_verifies_it => super::a_company_prints_its_credit_report_and_anyone_verifies_it;
}

fn a_company_prints_its_credit_report_and_anyone_verifies_it(t: TestDb) {
    use crate::app::OWN;
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "kim").await;
        b.click(Locator::LinkText("本企业")).await;
        b.click(Locator::LinkText("信用报告（可打印、可查验）"))
            .await;
        b.click(Locator::Css(r#"form[action$="/report"] button"#))
            .await;
        let number = b.text(".meta .code").await;
        assert!(number.starts_with("XY-2025Q4-"), "{number}");
        let code = b.text(".verify-code").await;
        let total = b.text("table.facts tr:nth-child(4) td").await;
        b.screenshot("credit-report").await;
        // Printing again shows the same report.
        b.client.refresh().await.unwrap();
        assert_eq!(b.text(".verify-code").await, code);
        sign_out(&b).await;
        // Anyone, signed in or not, checks the code (typed in lower case).
        b.client.goto(&format!("{root}/verify")).await.unwrap();
        b.type_into(Locator::Id("code"), &code.to_lowercase()).await;
        b.click(Locator::Css("form.stacked button")).await;
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

on_both_backends! {
    a_company_appeals_and_an_admin_upholds_it => super::a_company_appeals_and_an_admin_upholds_it;
}

fn a_company_appeals_and_an_admin_upholds_it(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "kim").await;
        b.click(Locator::LinkText("异议申诉")).await;
        // A substantiated 2025Q4 complaint in a community the company manages.
        b.choose(Locator::Css("select#record_kind"), "complaint")
            .await;
        b.type_into(Locator::Id("record_id"), "T000000813").await;
        b.type_into(Locator::Id("reason"), "住户已撤诉，投诉不属实")
            .await;
        b.click(Locator::Css(r#"form[action="/appeals"] button"#))
            .await;
        let message = b.text(".alert").await;
        assert!(message.starts_with("申诉已提交"), "{message}");
        assert_eq!(b.text("table.appeals td.status").await, "待处理");
        sign_out(&b).await;
        // The admin decides it.
        sign_in(&b, &root, "pat").await;
        b.client.goto(&format!("{root}/appeals")).await.unwrap();
        let form = b.client.find(Locator::Css("form.decide")).await.unwrap();
        form.find(Locator::Css("input[name=reason]"))
            .await
            .unwrap()
            .send_keys("核实属实，予以支持")
            .await
            .unwrap();
        b.screenshot("appeals").await;
        b.click_element(
            form.find(Locator::Css(r#"button[value="uphold"]"#))
                .await
                .unwrap(),
        )
        .await;
        let message = b.text(".alert").await;
        assert!(
            message.contains("已支持") && message.contains("重新计算为草稿"),
            "{message}"
        );
        assert_eq!(b.text("table.appeals td.status").await, "已支持");
        b.close().await;
    });
}

on_both_backends! {
    a_record_under_appeal_is_marked_in_the_credit_file => super::a_record_under_appeal_is_marked_in_the_credit_file;
}

/// A conduct record under appeal is never shown as settled: the company's
/// credit file marks it 异议中 until the appeal is decided.
fn a_record_under_appeal_is_marked_in_the_credit_file(t: TestDb) {
    use crate::app::OWN;
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        sign_in(&b, &root, "kim").await;
        b.click(Locator::LinkText("异议申诉")).await;
        b.choose(Locator::Css("select#record_kind"), "conduct")
            .await;
        b.type_into(Locator::Id("record_id"), "R0000018").await;
        b.type_into(Locator::Id("reason"), "已按规定公示收费项目")
            .await;
        b.click(Locator::Css(r#"form[action="/appeals"] button"#))
            .await;
        let message = b.text(".alert").await;
        assert!(message.starts_with("申诉已提交"), "{message}");
        b.client
            .goto(&format!("{root}/companies/{OWN}"))
            .await
            .unwrap();
        let mark = b.text(".contested").await;
        assert_eq!(mark, "异议中");
        b.client
            .execute(
                "document.querySelector('.contested').scrollIntoView({block: 'center'})",
                vec![],
            )
            .await
            .unwrap();
        b.screenshot("credit-file-contested").await;
        b.close().await;
    });
}
