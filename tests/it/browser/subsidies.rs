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
