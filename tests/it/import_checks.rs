//! Every check of the import format, one bad file each: the bad row is
//! reported with its row, column and reason, and the data stays as it was.

use propcredit::domain::ImportKind;

use crate::helpers::TestDb;
use crate::import::{import_csv, rejected, seed, snapshot, K1, K_UNKNOWN};
use crate::on_both_backends;

on_both_backends! {
    every_check_rejects_its_bad_row_and_leaves_the_data => super::every_check_rejects_its_bad_row_and_leaves_the_data;
}

/// (kind, file content, row, column, words of the reason)
fn bad_files() -> Vec<(ImportKind, String, u64, &'static str, &'static str)> {
    use ImportKind::*;
    let company = "company_code,name,district,registered_on\n";
    let community =
        "community_code,name,district,community_type,old_community,households,floor_area_m2\n";
    let contract = "community_code,company_code,start_date,end_date\n";
    let survey = "response_id,community_code,surveyed_on,respondent,overall\n";
    let complaint = "complaint_id,community_code,received_at,category,substantiated,resolved_at\n";
    let fee = "community_code,period,billed,collected\n";
    let inspection =
        "inspection_id,community_code,inspected_on,score,rectification_due,rectified_on\n";
    let conduct = "record_id,company_code,code,occurred_on,community_code,note\n";
    vec![
        (
            Companies,
            format!("{company}918245RK2A20Y55BBA,X,江汉区,2005-06-28\n"),
            2,
            "company_code",
            "check character",
        ),
        (
            Companies,
            format!("{company}918245RK2A,X,江汉区,2005-06-28\n"),
            2,
            "company_code",
            "18 characters",
        ),
        (
            Companies,
            format!("{company}918245RK2A20Y55BBI,X,江汉区,2005-06-28\n"),
            2,
            "company_code",
            "not allowed",
        ),
        (
            Companies,
            format!("{company}{K1},X,江汉区,2005/06/28\n"),
            2,
            "registered_on",
            "YYYY-MM-DD",
        ),
        (
            Companies,
            format!("{company}{K1},,江汉区,2005-06-28\n"),
            2,
            "name",
            "required",
        ),
        (
            Communities,
            format!("{community}C9,X,江汉区,villa,false,10,\n"),
            2,
            "community_type",
            "not a community type",
        ),
        (
            Communities,
            format!("{community}C9,X,江汉区,open,false,0,\n"),
            2,
            "households",
            ">= 1",
        ),
        (
            Communities,
            format!("{community}C9,X,江汉区,open,false,12.5,\n"),
            2,
            "households",
            ">= 1",
        ),
        (
            Communities,
            format!("{community}C9,X,江汉区,open,maybe,10,\n"),
            2,
            "old_community",
            "yes/no",
        ),
        (
            Communities,
            format!("{community}C9,X,江汉区,open,no,10,-5\n"),
            2,
            "floor_area_m2",
            ">= 0",
        ),
        (
            Contracts,
            format!("{contract}C1,{K1},2020-01-01,2019-12-31\n"),
            2,
            "end_date",
            "before the start",
        ),
        (
            Contracts,
            format!("{contract}C404,{K1},2020-01-01,\n"),
            2,
            "community_code",
            "no community",
        ),
        (
            Contracts,
            format!("{contract}C1,{K_UNKNOWN},2020-01-01,\n"),
            2,
            "company_code",
            "no company",
        ),
        (
            Surveys,
            format!("{survey}S1,C1,2025-07-01,H1,6\n"),
            2,
            "overall",
            "1 to 5",
        ),
        (
            Surveys,
            format!("{survey}S1,C1,2025-07-01,H1,0\n"),
            2,
            "overall",
            "1 to 5",
        ),
        (
            Surveys,
            format!("{survey}S1,C1,2025-07-01,H1,4.5\n"),
            2,
            "overall",
            "1 to 5",
        ),
        (
            Surveys,
            format!("{survey}S1,C1,2025-13-01,H1,4\n"),
            2,
            "surveyed_on",
            "YYYY-MM-DD",
        ),
        (
            Surveys,
            format!("{survey}S1,C1,2025-07-01,H1,4\nS1,C2,2025-07-02,H2,5\n"),
            3,
            "response_id",
            "already appears on row 2",
        ),
        (
            Complaints,
            format!("{complaint}T1,C1,2025-07-18 09:00:00,噪音,是,2025-07-18 08:00:00\n"),
            2,
            "resolved_at",
            "before it was received",
        ),
        (
            Complaints,
            format!("{complaint}T1,C1,2025-07-18,噪音,是,\n"),
            2,
            "received_at",
            "HH:MM:SS",
        ),
        (
            Complaints,
            format!("{complaint}T1,C1,2025-07-18 09:00:00,噪音,perhaps,\n"),
            2,
            "substantiated",
            "yes/no",
        ),
        (Fees, format!("{fee}C1,2025Q3,-1,0\n"), 2, "billed", ">= 0"),
        (
            Fees,
            format!("{fee}C1,2025Q3,10,1.234\n"),
            2,
            "collected",
            "two decimals",
        ),
        (
            Fees,
            format!("{fee}C1,2025Q5,10,5\n"),
            2,
            "period",
            "YYYYQn",
        ),
        (
            Fees,
            format!("{fee}C1,2025Q3,10,5\nC1,2025Q3,11,5\n"),
            3,
            "community_code + period",
            "already appears",
        ),
        (
            Inspections,
            format!("{inspection}I1,C1,2025-08-01,101,,\n"),
            2,
            "score",
            "0 to 100",
        ),
        (
            Inspections,
            format!("{inspection}I1,C1,2025-08-01,good,,\n"),
            2,
            "score",
            "0 to 100",
        ),
        (
            Inspections,
            format!("{inspection}I1,C1,2025-08-01,80,2025-08-32,\n"),
            2,
            "rectification_due",
            "YYYY-MM-DD",
        ),
        (
            Conduct,
            format!("{conduct}R1,{K1},BAD-NOTHING,2025-08-01,,\n"),
            2,
            "code",
            "not a conduct code",
        ),
        (
            Conduct,
            format!("{conduct}R1,{K1},BAD-ABANDON,2025-08-01,C404,\n"),
            2,
            "community_code",
            "no community",
        ),
        (
            Conduct,
            format!("{conduct}R1,{K_UNKNOWN},BAD-ABANDON,2025-08-01,,\n"),
            2,
            "company_code",
            "no company",
        ),
    ]
}

fn every_check_rejects_its_bad_row_and_leaves_the_data(t: TestDb) {
    seed(&t);
    let before = snapshot(&t);
    for (kind, content, row, column, words) in bad_files() {
        let errors = rejected(import_csv(&t, kind, &content));
        assert!(
            errors
                .iter()
                .any(|e| e.row == row && e.column == column && e.reason.contains(words)),
            "{kind} {content:?}: expected row {row} column {column} '{words}', got {errors:#?}"
        );
        assert_eq!(
            snapshot(&t),
            before,
            "{kind} {content:?} changed the database"
        );
    }
}
