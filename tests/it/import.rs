//! data.md: formats, every check, all-or-nothing files, idempotent re-import,
//! the audit log — on SQLite and PostgreSQL alike.

use std::path::Path;

use propcredit::domain::ImportKind;
use propcredit::import::{self, ImportError, ImportOptions, ImportReport, RowError, Table};
use propcredit::rules::RuleBook;
use propcredit::storage::records::{self, StoredRecord, SurveyResponse};
use propcredit::storage::{audit, batches};

use crate::helpers::{default_rules, example_rules, repo_path, TestDb};
use crate::on_both_backends;

const K1: &str = "918245RK2A20Y55BBG";
const K2: &str = "916171A427M6B0XBGX";
/// A valid code (check character right) that is never imported.
const K_UNKNOWN: &str = "914995WBCDXJMWED85";

fn options() -> ImportOptions<'static> {
    ImportOptions {
        actor: "test",
        progress: None,
        clock: &crate::helpers::SYSTEM,
    }
}

fn import_file(
    t: &TestDb,
    rules: &RuleBook,
    kind: ImportKind,
    path: &Path,
) -> Result<ImportReport, ImportError> {
    let mut conn = t.db.get().unwrap();
    import::import_path(&mut conn, rules, kind, path, &options())
}

/// Writes `content` as `<kind>.csv` in a temp dir and imports it.
fn import_csv(t: &TestDb, kind: ImportKind, content: &str) -> Result<ImportReport, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{}.csv", kind.as_str()));
    std::fs::write(&path, content).unwrap();
    import_file(t, &default_rules(), kind, &path)
}

fn rejected(result: Result<ImportReport, ImportError>) -> Vec<RowError> {
    match result {
        Err(ImportError::Rejected { errors, .. }) => errors,
        other => panic!("expected the file to be rejected, got {other:?}"),
    }
}

/// Everything a test can observe of the database, to compare before and after.
fn snapshot(t: &TestDb) -> String {
    let mut conn = t.db.get().unwrap();
    let counts = records::table_counts(&mut conn).unwrap();
    let batches = batches::list(&mut conn).unwrap();
    let mut survey_lookups: Vec<&str> = Vec::new();
    let ids: Vec<String> = (0..200).map(|i| format!("S{i:05}")).collect();
    survey_lookups.extend(ids.iter().map(String::as_str));
    let surveys = SurveyResponse::fetch_existing(&mut conn, &survey_lookups).unwrap();
    format!("{counts:?}\n{batches:?}\n{surveys:?}")
}

/// Two companies and three communities to refer to.
fn seed(t: &TestDb) {
    import_csv(
        t,
        ImportKind::Companies,
        &format!("company_code,name,district,registered_on\n{K1},甲物业,江汉区,2005-06-28\n{K2},乙物业,硚口区,2002-12-20\n"),
    )
    .unwrap();
    import_csv(
        t,
        ImportKind::Communities,
        "community_code,name,district,community_type,old_community,households,floor_area_m2\n\
         C1,幸福花园,江汉区,commercial,false,280,32340.9\nC2,阳光家园,硚口区,resettlement,是,2309,\n\
         C3,钢花新村,青山区,open,1,500,\n",
    )
    .unwrap();
}

on_both_backends! {
    small_city_imports_cleanly_and_twice_changes_nothing => super::small_city_imports_cleanly_and_twice_changes_nothing;
    every_check_rejects_its_bad_row_and_leaves_the_data => super::every_check_rejects_its_bad_row_and_leaves_the_data;
    every_bad_row_is_listed_not_just_the_first => super::every_bad_row_is_listed_not_just_the_first;
    the_list_of_problems_is_capped_but_every_bad_row_counted => super::the_list_of_problems_is_capped_but_every_bad_row_counted;
    a_bad_row_at_the_end_of_a_large_file_changes_nothing => super::a_bad_row_at_the_end_of_a_large_file_changes_nothing;
    an_updated_row_is_in_the_audit_log => super::an_updated_row_is_in_the_audit_log;
    headers_in_chinese_bom_and_gbk => super::headers_in_chinese_bom_and_gbk;
    xlsx_first_sheet_with_typed_cells => super::xlsx_first_sheet_with_typed_cells;
    json_arrays_go_through_the_same_checks => super::json_arrays_go_through_the_same_checks;
    header_problems_reject_the_file => super::header_problems_reject_the_file;
    a_header_without_rows_imports_nothing => super::a_header_without_rows_imports_nothing;
}

fn small_city_imports_cleanly_and_twice_changes_nothing(t: TestDb) {
    let rules = example_rules();
    let dir = repo_path("tests/data/small-city/data");
    let files = import::files_in_dir(&dir).unwrap();
    assert_eq!(files.len(), 8);
    for (kind, path) in &files {
        let report = import_file(&t, &rules, *kind, path).unwrap();
        let lines = std::fs::read_to_string(path).unwrap().lines().count() - 1;
        assert_eq!(report.rows_added, u64::try_from(lines).unwrap(), "{kind}");
        assert_eq!(report.rows_updated + report.rows_unchanged, 0);
        assert!(report.batch_id.is_some());
        assert_eq!(
            report.sha256,
            propcredit::rules::sha256_hex(&std::fs::read(path).unwrap())
        );
    }
    let before = snapshot(&t);
    for (kind, path) in &files {
        let report = import_file(&t, &rules, *kind, path).unwrap();
        assert_eq!((report.rows_added, report.rows_updated), (0, 0), "{kind}");
        assert!(report.rows_unchanged > 0);
        assert_eq!(
            report.batch_id, None,
            "an import that changes nothing writes no batch"
        );
    }
    assert_eq!(snapshot(&t), before);
    let mut conn = t.db.get().unwrap();
    let counts = records::table_counts(&mut conn).unwrap();
    assert!(counts.contains(&("survey_responses", 17557)), "{counts:?}");
    assert!(counts.contains(&("audit_log", 0)), "{counts:?}");
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

fn every_bad_row_is_listed_not_just_the_first(t: TestDb) {
    seed(&t);
    let content = "response_id,community_code,surveyed_on,respondent,overall\n\
                   S1,C1,2025-07-01,H1,9\nS2,C1,2025-07-01,H1,4\nS3,C404,2025-07-01,H1,4\nS4,C1,someday,H1,0\n";
    let err = import_csv(&t, ImportKind::Surveys, content).unwrap_err();
    assert!(err.to_string().contains("3 bad rows"), "{err}");
    let errors = rejected(Err(err));
    let cells: Vec<(u64, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        cells,
        vec![
            (2, "overall"),
            (4, "community_code"),
            (5, "surveyed_on"),
            (5, "overall")
        ]
    );
    assert_eq!(errors[0].value, "9");
}

/// A file of 5,000 bad rows lists the first 1,000 problems and counts every bad row.
fn the_list_of_problems_is_capped_but_every_bad_row_counted(t: TestDb) {
    seed(&t);
    let before = snapshot(&t);
    let mut content = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
    for i in 0..5_000 {
        content.push_str(&format!("X{i},C1,2025-07-01,H{i},9\n"));
    }
    let err = import_csv(&t, ImportKind::Surveys, &content).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("5000 bad rows"), "{message}");
    assert!(message.contains("the first 1000 problems"), "{message}");
    match err {
        ImportError::Rejected {
            errors, bad_rows, ..
        } => {
            assert_eq!(
                (errors.len(), bad_rows),
                (import::MAX_REPORTED_ERRORS, 5_000)
            );
            assert_eq!(errors.last().map(|e| e.row), Some(1_001));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&t), before);
}

fn a_bad_row_at_the_end_of_a_large_file_changes_nothing(t: TestDb) {
    seed(&t);
    let mut base = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
    for i in 0..200 {
        base.push_str(&format!("S{i:05},C1,2025-07-01,H{i},3\n"));
    }
    import_csv(&t, ImportKind::Surveys, &base).unwrap();
    let before = snapshot(&t);
    // 60,000 rows: several chunks are written before the bad last row is read.
    let mut big = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
    for i in 0..60_000 {
        let overall = if i < 200 { 5 } else { 4 };
        big.push_str(&format!("S{i:05},C2,2025-08-01,H{i},{overall}\n"));
    }
    big.push_str("S99999999,C1,2025-08-01,H1,7\n");
    let errors = rejected(import_csv(&t, ImportKind::Surveys, &big));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, 60_002);
    assert_eq!(
        snapshot(&t),
        before,
        "the 200 existing rows keep their values and nothing is added"
    );
}

fn an_updated_row_is_in_the_audit_log(t: TestDb) {
    seed(&t);
    let report = import_csv(
        &t,
        ImportKind::Companies,
        &format!("company_code,name,district,registered_on\n{K1},甲物业（更名）,江汉区,2005-06-28\n{K2},乙物业,硚口区,2002-12-20\n"),
    )
    .unwrap();
    assert_eq!(
        (
            report.rows_added,
            report.rows_updated,
            report.rows_unchanged
        ),
        (0, 1, 1)
    );
    let mut conn = t.db.get().unwrap();
    let entries = audit::for_entity(&mut conn, "companies", K1).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        ("test", "import_update")
    );
    let old: serde_json::Value = serde_json::from_str(e.old_values.as_deref().unwrap()).unwrap();
    let new: serde_json::Value = serde_json::from_str(e.new_values.as_deref().unwrap()).unwrap();
    assert_eq!(old["name"], "甲物业");
    assert_eq!(new["name"], "甲物业（更名）");
    assert_eq!(e.batch_id, report.batch_id);
    assert!(audit::for_entity(&mut conn, "companies", K2)
        .unwrap()
        .is_empty());
    // A nullable value cleared by a re-import is an update too.
    drop(conn);
    let cleared = import_csv(
        &t,
        ImportKind::Communities,
        "community_code,name,district,community_type,old_community,households,floor_area_m2\nC1,幸福花园,江汉区,commercial,false,280,\n",
    )
    .unwrap();
    assert_eq!(cleared.rows_updated, 1);
    let mut conn = t.db.get().unwrap();
    let entries = audit::for_entity(&mut conn, "communities", "C1").unwrap();
    assert!(
        entries[0]
            .new_values
            .as_deref()
            .unwrap()
            .contains("\"floor_area_m2\":null"),
        "{entries:?}"
    );
}

fn headers_in_chinese_bom_and_gbk(t: TestDb) {
    let text = format!("\u{feff}统一社会信用代码,企业名称,所属区县,注册日期\n{K1},武汉甲物业服务有限公司,江汉区,2005-06-28\n");
    import_csv(&t, ImportKind::Companies, &text).unwrap();
    // Excel on Chinese Windows saves GBK: the same file must read the same.
    let gbk_text = format!("统一社会信用代码,企业名称,所属区县,注册日期\n{K2},武汉乙物业服务有限公司,硚口区,2002-12-20\n");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&gbk_text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test file really is not UTF-8"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("companies.csv");
    std::fs::write(&path, &bytes).unwrap();
    let report = import_file(&t, &default_rules(), ImportKind::Companies, &path).unwrap();
    assert_eq!(report.rows_added, 1);
    let mut conn = t.db.get().unwrap();
    let rows = propcredit::storage::records::Company::fetch_existing(&mut conn, &[K1, K2]).unwrap();
    let mut names: Vec<&str> = rows.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["武汉乙物业服务有限公司", "武汉甲物业服务有限公司"]);
}

fn xlsx_first_sheet_with_typed_cells(t: TestDb) {
    seed(&t);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inspections.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    for (col, h) in [
        "检查编号",
        "小区编码",
        "检查日期",
        "检查得分",
        "整改期限",
        "整改完成日期",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string(0, u16::try_from(col).unwrap(), *h)
            .unwrap();
    }
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 8, 15).unwrap();
    sheet.write_string(1, 0, "I1").unwrap();
    sheet.write_string(1, 1, "C1").unwrap();
    sheet
        .write_datetime_with_format(1, 2, &day, &date_format)
        .unwrap();
    sheet.write_number(1, 3, 76.5).unwrap();
    sheet.write_string(1, 4, "2025-08-30").unwrap();
    sheet.write_string(2, 0, "I2").unwrap();
    sheet.write_string(2, 1, "C2").unwrap();
    sheet.write_string(2, 2, "2025-08-16").unwrap();
    sheet.write_number(2, 3, 100).unwrap();
    book.add_worksheet()
        .write_string(0, 0, "a second sheet is ignored")
        .unwrap();
    book.save(&path).unwrap();
    let report = import_file(&t, &default_rules(), ImportKind::Inspections, &path).unwrap();
    assert_eq!(report.rows_added, 2);
    let mut conn = t.db.get().unwrap();
    let rows =
        propcredit::storage::records::Inspection::fetch_existing(&mut conn, &["I1"]).unwrap();
    assert_eq!(rows[0].inspected_on.to_string(), "2025-08-15");
    assert_eq!(rows[0].score, 76.5);
    assert_eq!(
        rows[0].rectification_due.map(|d| d.to_string()).as_deref(),
        Some("2025-08-30")
    );
    drop(conn);

    // A bad cell is reported with the row number the spreadsheet shows.
    let bad = dir.path().join("bad.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in ["inspection_id", "community_code", "inspected_on", "score"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string(0, u16::try_from(col).unwrap(), *h)
            .unwrap();
    }
    for (row, score) in [(1u32, 80.0), (2, 180.0)] {
        sheet.write_string(row, 0, format!("J{row}")).unwrap();
        sheet.write_string(row, 1, "C1").unwrap();
        sheet.write_string(row, 2, "2025-08-01").unwrap();
        sheet.write_number(row, 3, score).unwrap();
    }
    book.save(&bad).unwrap();
    let errors = rejected(import_file(
        &t,
        &default_rules(),
        ImportKind::Inspections,
        &bad,
    ));
    assert_eq!(
        (
            errors[0].row,
            errors[0].column.as_str(),
            errors[0].value.as_str()
        ),
        (3, "score", "180")
    );
}

fn json_arrays_go_through_the_same_checks(t: TestDb) {
    seed(&t);
    let json = serde_json::json!([
        {"complaint_id": "T1", "community_code": "C1", "received_at": "2025-07-18T09:10:18", "category": "噪音扰民", "substantiated": true, "resolved_at": null},
        {"complaint_id": "T2", "community_code": "C2", "received_at": "2025-07-19 10:00:00", "category": "环境卫生", "substantiated": "否", "resolved_at": "2025-07-20 10:00:00"}
    ]);
    let table =
        Table::from_bytes(serde_json::to_vec(&json).unwrap(), import::Format::Json).unwrap();
    let mut conn = t.db.get().unwrap();
    let report = import::import_table(
        &mut conn,
        &default_rules(),
        ImportKind::Complaints,
        "request",
        table,
        &options(),
    )
    .unwrap();
    assert_eq!(report.rows_added, 2);
    let bad = serde_json::json!([{"complaint_id": "T3", "community_code": "C1", "received_at": "soon", "category": "x", "substantiated": 1}]);
    let table = Table::from_bytes(serde_json::to_vec(&bad).unwrap(), import::Format::Json).unwrap();
    let errors = rejected(import::import_table(
        &mut conn,
        &default_rules(),
        ImportKind::Complaints,
        "request",
        table,
        &options(),
    ));
    assert_eq!(
        (errors[0].row, errors[0].column.as_str()),
        (2, "received_at")
    );
}

fn header_problems_reject_the_file(t: TestDb) {
    seed(&t);
    let before = snapshot(&t);
    let cases = [
        ("response_id,community_code,surveyed_on,respondent,overall,colour\nS1,C1,2025-07-01,H1,4,red\n", "'colour' is not a column of surveys"),
        ("response_id,community_code,surveyed_on,overall\nS1,C1,2025-07-01,4\n", "required column 'respondent'"),
        ("response_id,community_code,surveyed_on,respondent,overall,overall\nS1,C1,2025-07-01,H1,4,4\n", "appears twice"),
    ];
    for (content, words) in cases {
        match import_csv(&t, ImportKind::Surveys, content) {
            Err(ImportError::File { message, .. }) => assert!(message.contains(words), "{message}"),
            other => panic!("expected a file error for {content:?}, got {other:?}"),
        }
    }
    // A row longer than the header is a row error, not a silently dropped cell.
    let errors = rejected(import_csv(
        &t,
        ImportKind::Surveys,
        "response_id,community_code,surveyed_on,respondent,overall\nS1,C1,2025-07-01,H1,4,extra\n",
    ));
    assert!(errors[0].reason.contains("6 cells"), "{errors:?}");
    assert_eq!(snapshot(&t), before);
}

fn a_header_without_rows_imports_nothing(t: TestDb) {
    let before = snapshot(&t);
    let report = import_csv(
        &t,
        ImportKind::Companies,
        "company_code,name,district,registered_on\n",
    )
    .unwrap();
    assert_eq!(report.rows(), 0);
    assert_eq!(snapshot(&t), before);
}
