//! In the browser: a company follows its subsidy application and an
//! official reads the review queue, the payments and the ledger.

use fantoccini::Locator;

use super::{open, sign_in, sign_out};
use crate::app::{run_async, OWN};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_company_follows_its_subsidy_and_an_official_reads_the_ledger => super::a_company_follows_its_subsidy_and_an_official_reads_the_ledger;
}

/// OWN applies for its first entitlement; it is reviewed, approved, paid in
/// two instalments and one of them reversed — through the services.
fn one_paid_application(t: &TestDb) {
    use propcredit::service::disbursement;
    let mut conn = t.db.get().unwrap();
    let now = crate::helpers::SYSTEM.now();
    let e = propcredit::storage::subsidies::list(&mut conn, Some(OWN), None)
        .unwrap()
        .into_iter()
        .find(|e| e.amount_cents > 0)
        .unwrap();
    let id = crate::subsidies::through_the_steps(&mut conn, now, OWN, e.id, &e.programme, true);
    let half = e.amount_cents / 2;
    let mut paid = Vec::new();
    for (amount, voucher) in [(half, "V-1"), (e.amount_cents - half, "V-2")] {
        let paying = disbursement::Paying {
            application_id: id,
            paid_on: now.date(),
            amount_cents: amount,
            voucher,
            actor: "user:ada",
        };
        paid.push(disbursement::pay(&mut conn, now, &paying).unwrap());
    }
    disbursement::reverse(&mut conn, now, paid[1].id, "账号有误", "user:ada").unwrap();
}

fn a_company_follows_its_subsidy_and_an_official_reads_the_ledger(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        one_paid_application(&t);
        sign_in(&b, &root, "kim").await;
        b.click(Locator::LinkText("奖补资金")).await;
        let mine = b.text("table.subsidy-applications").await;
        assert!(mine.contains("已核定") && !mine.contains("逾期"), "{mine}");
        assert!(b.text("main").await.contains("已冲销：账号有误"));
        b.screenshot("subsidies-company").await;
        sign_out(&b).await;
        sign_in(&b, &root, "pat").await;
        b.click(Locator::LinkText("奖补资金")).await;
        let ledger = b.text("table.ledger").await;
        assert!(
            ledger.contains("100000.00") && ledger.contains("市级财政"),
            "{ledger}"
        );
        b.screenshot("subsidies-official").await;
        b.close().await;
    });
}

on_both_backends! {
    a_quarters_subsidy_goes_from_application_to_payment_through_the_forms => super::a_quarters_subsidy_goes_from_application_to_payment_through_the_forms;
}

/// The whole procedure on the pages, by three people: the company applies
/// and uploads its form, one admin reviews, another sets the budget,
/// approves, pays (a payment above the approval refused with the input
/// kept) and reverses a payment.
fn a_quarters_subsidy_goes_from_application_to_payment_through_the_forms(t: TestDb) {
    {
        let mut conn = t.db.get().unwrap();
        let hash = propcredit::service::accounts::hash_password(crate::app::PASSWORD).unwrap();
        crate::helpers::add_user(&mut conn, "sam", "admin", None, Some(hash), "pc_sam");
    }
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let form_pdf = dir.path().join("奖补申报表.pdf");
        std::fs::write(&form_pdf, crate::subsidies::PDF).unwrap();
        let not_pdf = dir.path().join("申报表.txt");
        std::fs::write(&not_pdf, "not a pdf").unwrap();

        // The company applies for its first entitlement and uploads the form.
        sign_in(&b, &root, "kim").await;
        b.click(Locator::LinkText("奖补资金")).await;
        b.click(Locator::LinkText("去申报")).await;
        assert!(b.text("table.entitlement-parts").await.contains("户数"));
        b.type_into(Locator::Id("statement"), "本企业接管老旧小区，申请奖补")
            .await;
        b.screenshot("subsidy-entitlement").await;
        b.click(Locator::Css("form[action$='/application'] button"))
            .await;
        assert!(b.text(".done").await.starts_with("申报已提交"));
        assert!(b.text("ul.required-documents").await.contains("缺少"));
        let application = b.client.current_url().await.unwrap();
        let application = application.path().to_string();
        b.client
            .find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(not_pdf.to_str().unwrap())
            .await
            .unwrap();
        b.click(Locator::Css("form[enctype] button")).await;
        assert!(b.text(".alert").await.contains("PDF、PNG 或 JPEG"));
        // A file over the limit (10 MiB) is refused on the page, as it comes.
        let mut big = crate::subsidies::PDF.to_vec();
        big.resize(12 << 20, b' ');
        let big_pdf = dir.path().join("扫描件.pdf");
        std::fs::write(&big_pdf, big).unwrap();
        b.client
            .find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(big_pdf.to_str().unwrap())
            .await
            .unwrap();
        b.click(Locator::Css("form[enctype] button")).await;
        assert!(b.text(".alert").await.contains("文件超过 10 MiB"));
        b.client
            .find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(form_pdf.to_str().unwrap())
            .await
            .unwrap();
        b.click(Locator::Css("form[enctype] button")).await;
        assert_eq!(b.text(".done").await, "材料已上传。");
        assert!(b
            .text("table.subsidy-documents")
            .await
            .contains("奖补申报表.pdf"));
        b.screenshot("subsidy-application-company").await;
        sign_out(&b).await;

        // District review by pat, who then may not approve.
        sign_in(&b, &root, "pat").await;
        b.client
            .goto(&format!("{root}{application}"))
            .await
            .unwrap();
        b.type_into(Locator::Id("reason"), "材料齐全，户数属实")
            .await;
        b.screenshot("subsidy-review").await;
        b.click(Locator::Css(r#"button[value="pass"]"#)).await;
        assert!(b.text(".done").await.starts_with("初审已通过"));
        assert!(b.text("main").await.contains("复核须由另一名工作人员办理"));
        sign_out(&b).await;

        // City approval by sam, against a budget sam sets first.
        sign_in(&b, &root, "sam").await;
        b.client.goto(&format!("{root}/subsidies")).await.unwrap();
        b.type_into(Locator::Id("budget_amount"), "100000").await;
        b.click(Locator::Css("form.budget-form button")).await;
        assert_eq!(b.text(".done").await, "预算已保存。");
        assert!(b.text("table.ledger").await.contains("100000.00"));
        b.screenshot("subsidy-budget").await;
        b.client
            .goto(&format!("{root}{application}"))
            .await
            .unwrap();
        b.type_into(Locator::Id("reason"), "同意").await;
        b.click(Locator::Css(r#"button[value="pass"]"#)).await;
        assert!(b.text(".done").await.starts_with("复核已通过"));

        // A payment above the approval is refused; what was typed stays.
        let amount = b.client.find(Locator::Id("pay_amount")).await.unwrap();
        amount.clear().await.unwrap();
        amount.send_keys("99999999").await.unwrap();
        b.type_into(Locator::Id("voucher"), "PZ-2026-0001").await;
        b.click(Locator::Css("form[action$='/payments'] button"))
            .await;
        assert!(b.text(".alert").await.contains("高于核定金额尚未拨付"));
        let kept = b.client.find(Locator::Id("voucher")).await.unwrap();
        assert_eq!(
            kept.prop("value").await.unwrap().as_deref(),
            Some("PZ-2026-0001")
        );
        let amount = b.client.find(Locator::Id("pay_amount")).await.unwrap();
        amount.clear().await.unwrap();
        amount.send_keys("100.00").await.unwrap();
        b.click(Locator::Css("form[action$='/payments'] button"))
            .await;
        assert_eq!(b.text(".done").await, "拨付已记录。");
        b.type_into(
            Locator::Css("form[action$='/reversal'] input[name=reason]"),
            "账号有误",
        )
        .await;
        b.click(Locator::Css("form[action$='/reversal'] button"))
            .await;
        assert!(b.text(".done").await.starts_with("拨付已冲销"));
        let payments = b.text("table.subsidy-payments").await;
        assert!(
            payments.contains("已冲销") && payments.contains("账号有误"),
            "{payments}"
        );
        b.screenshot("subsidy-paid").await;
        b.close().await;
    });
}
