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
    use propcredit::service::{disbursement, subsidies as service};
    use propcredit::storage::{payments, subsidies};
    let mut conn = t.db.get().unwrap();
    let now = crate::helpers::SYSTEM.now();
    let s = service::SubsidySettings {
        apply_window_days: 30,
        review_days: 15,
        fund_sources: vec!["市级财政".into()],
        documents: vec!["奖补申报表".into()],
        programme_documents: Default::default(),
        document_max_mib: 1,
        document_max_files: 5,
    };
    let e = subsidies::list(&mut conn, Some(OWN), None)
        .unwrap()
        .into_iter()
        .find(|e| e.amount_cents > 0)
        .unwrap();
    let line = payments::Line {
        programme: e.programme.clone(),
        year: 2026,
        fund_source: "市级财政".into(),
    };
    payments::set_budget(&mut conn, &line, 10_000_000, "user:ada", now).unwrap();
    let applying = service::Applying {
        company: OWN,
        entitlement_id: e.id,
        statement: "申报",
        actor: "user:kim",
    };
    let a = service::apply(&mut conn, now, &s, &applying).unwrap();
    subsidies::add_document(
        &mut conn,
        &subsidies::NewDocument {
            application_id: a.id,
            document: "奖补申报表",
            file_name: "a.pdf",
            content_type: "application/pdf",
            content: b"%PDF-1.4\n%%EOF\n",
            uploaded_by: "user:kim",
            uploaded_at: now,
        },
    )
    .unwrap();
    for (step, actor) in [
        (service::Step::Review, "user:bo"),
        (service::Step::Approve, "user:ada"),
    ] {
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
        service::rule(&mut conn, now, &s, &ruling).unwrap();
    }
    let half = e.amount_cents / 2;
    let mut paid = Vec::new();
    for (amount, voucher) in [(half, "V-1"), (e.amount_cents - half, "V-2")] {
        let paying = disbursement::Paying {
            application_id: a.id,
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
