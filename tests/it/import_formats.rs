//! The file formats officials hand in: Chinese headers, byte-order marks
//! and GBK in CSV, typed cells in XLSX, and JSON arrays — all through the
//! same checks.

use propcredit::domain::ImportKind;
use propcredit::import::{self, Table};
use propcredit::storage::records::StoredRecord;

use crate::helpers::{default_rules, TestDb};
use crate::import::{import_csv, import_file, options, rejected, seed, K1, K2};
use crate::on_both_backends;

on_both_backends! {
    headers_in_chinese_bom_and_gbk => super::headers_in_chinese_bom_and_gbk;
    xlsx_first_sheet_with_typed_cells => super::xlsx_first_sheet_with_typed_cells;
    json_arrays_go_through_the_same_checks => super::json_arrays_go_through_the_same_checks;
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
