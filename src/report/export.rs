//! Exports of a run's result rows (scoring.md §9): CSV exactly as specified,
//! JSON, and an XLSX ready for public notice (公示).

use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, XlsxError};
use serde::Serialize;

use crate::domain::{labels, ListPlacement};
use crate::scoring::{Fixed2, ResultRow};
use crate::service::contested::ContestedRecord;
use crate::storage::runs::Run;

/// The §9 columns, in order.
pub const COLUMNS: [&str; 23] = [
    "period",
    "company_code",
    "company_name",
    "district",
    "communities",
    "households",
    "satisfaction",
    "complaint_rate",
    "timely_resolution",
    "fee_collection",
    "inspection",
    "base",
    "bonus",
    "penalty",
    "total",
    "grade",
    "list",
    "rank",
    "district_rank",
    "decision",
    "credit_score",
    "credit_level",
    "subsidy",
];

/// Headers for the public notice, column for column.
pub const CHINESE_COLUMNS: [&str; 23] = [
    "考核周期",
    "统一社会信用代码",
    "企业名称",
    "所属区县",
    "在管小区数",
    "在管户数",
    "居民满意度",
    "投诉率得分",
    "投诉及时办结",
    "物业费收缴",
    "检查考评",
    "基础分",
    "加分",
    "扣分",
    "总分",
    "等级",
    "红黑榜",
    "排名",
    "区内排名",
    "市场决定",
    "信用分",
    "信用等级",
    "奖补金额（元）",
];

fn cells(r: &ResultRow) -> [String; 23] {
    let opt = |v: Option<Fixed2>| v.map(|f| f.to_string()).unwrap_or_default();
    [
        r.period.to_string(),
        r.company_code.clone(),
        r.company_name.clone(),
        r.district.clone(),
        r.communities.to_string(),
        r.households.to_string(),
        opt(r.satisfaction),
        opt(r.complaint_rate),
        opt(r.timely_resolution),
        opt(r.fee_collection),
        opt(r.inspection),
        r.base.to_string(),
        r.bonus.to_string(),
        r.penalty.to_string(),
        r.total.to_string(),
        r.grade.clone(),
        r.list.as_str().into(),
        r.rank.to_string(),
        r.district_rank.to_string(),
        r.decision.as_str().into(),
        r.credit_score.to_string(),
        r.credit_level.clone(),
        r.subsidy.to_string(),
    ]
}

/// The columns that hold free text from imported files: `company_name` and
/// `district` (codes are checked on import, grades and levels come from the
/// rule file, and list and decision are this service's own words).
const TEXT_COLUMNS: [usize; 2] = [2, 3];

/// A text cell as a spreadsheet must not run it: one that starts like a
/// formula (`=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, which Excel
/// shows as plain text (OWASP's CSV-injection advice).
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// UTF-8 without BOM, LF line ends, fields quoted only when they must be.
/// Text cells are [`neutralise`]d; numbers stay numbers.
pub fn csv(rows: &[ResultRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for r in rows {
        let mut cells = cells(r);
        for i in TEXT_COLUMNS {
            if let Some(cell) = cells.get_mut(i) {
                if let std::borrow::Cow::Owned(safe) = neutralise(cell) {
                    *cell = safe;
                }
            }
        }
        w.write_record(cells)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[derive(Serialize)]
struct JsonExport<'a> {
    run: Option<&'a Run>,
    rows: &'a [ResultRow],
    /// Records the quarter counted that are under appeal or repair now.
    contested: &'a [ContestedRecord],
}

pub fn json(
    run: Option<&Run>,
    rows: &[ResultRow],
    contested: &[ContestedRecord],
) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec_pretty(&JsonExport {
        run,
        rows,
        contested,
    })
}

/// The second sheet: the records counted that are not settled, so that the
/// notice never presents them as if they were.
fn contested_sheet(
    book: &mut Workbook,
    header: &Format,
    contested: &[ContestedRecord],
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name("异议与修复中的记录")?;
    for (col, h) in ["统一社会信用代码", "记录类别", "记录编号", "状态"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, u16::try_from(col).unwrap_or(0), *h, header)?;
    }
    for (i, c) in contested.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_string(row, 0, &c.company_code)?;
        sheet.write_string(row, 1, c.kind_label())?;
        sheet.write_string(row, 2, &c.record_id)?;
        sheet.write_string(row, 3, c.label())?;
    }
    if contested.is_empty() {
        sheet.write_string(1, 0, "无：本季度计入的记录均无待处理的申诉或信用修复申请。")?;
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(2, 16)?;
    Ok(())
}

/// An XLSX for public notice: a title row naming the rule set and run, Chinese
/// headers, a frozen header row, grade and list colours. Every cell is written
/// as text or number, never as a formula.
pub fn xlsx(
    run: &Run,
    rows: &[ResultRow],
    contested: &[ContestedRecord],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("{} 信用评价结果", run.period))?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let red = Format::new().set_background_color(Color::RGB(0xF8CBAD));
    let black = Format::new()
        .set_background_color(Color::RGB(0x595959))
        .set_font_color(Color::White);
    let grade_colours = [
        Color::RGB(0xC6EFCE),
        Color::RGB(0xDDEBF7),
        Color::RGB(0xFFF2CC),
        Color::RGB(0xFFC7CE),
    ];
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} 物业服务企业信用评价结果公示 — 规则 {} {} (sha256 {}) — 评价批次 run {}（{}）",
            run.period,
            run.rule_name,
            run.rule_version,
            &run.rule_sha256.get(..12).unwrap_or_default(),
            run.id,
            labels::run_status(run.status)
        ) + &if contested.is_empty() {
            String::new()
        } else {
            format!(
                " — {} 条计入的记录异议中或修复中，见“异议与修复中的记录”",
                contested.len()
            )
        },
        &title,
    )?;
    for (col, h) in CHINESE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(1, u16::try_from(col).unwrap_or(0), *h, &header)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    let numeric: [bool; 23] = std::array::from_fn(|i| matches!(i, 4..=14 | 17 | 18 | 20 | 22));
    let mut grades: Vec<String> = rows.iter().map(|r| r.grade.clone()).collect();
    grades.sort();
    grades.dedup();
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let mut shown = cells(r);
        // The notice speaks Chinese: 红榜/黑榜, 清退/警示/优先推荐 (the CSV keeps the codes).
        shown[16] = labels::list(r.list).to_string();
        shown[19] = labels::decision(r.decision).to_string();
        for (col, text) in shown.iter().enumerate() {
            let c = u16::try_from(col).unwrap_or(0);
            let format = match col {
                15 => grades.iter().position(|g| *g == r.grade).map(|g| {
                    Format::new()
                        .set_background_color(grade_colours[g.min(grade_colours.len() - 1)])
                }),
                16 if r.list == ListPlacement::Red => Some(red.clone()),
                16 if r.list == ListPlacement::Black => Some(black.clone()),
                _ => None,
            };
            let number = if numeric[col] {
                text.parse::<f64>().ok()
            } else {
                None
            };
            match (number, format) {
                (Some(n), Some(f)) => {
                    sheet.write_number_with_format(row, c, n, &f.set_num_format("0.00"))?
                }
                (Some(n), None) if matches!(col, 4 | 5 | 17 | 18) => {
                    sheet.write_number(row, c, n)?
                }
                (Some(n), None) => sheet.write_number_with_format(
                    row,
                    c,
                    n,
                    &Format::new().set_num_format("0.00"),
                )?,
                // write_string never interprets "=…" as a formula.
                (None, Some(f)) => sheet.write_string_with_format(row, c, text, &f)?,
                (None, None) => sheet.write_string(row, c, text)?,
            };
        }
    }
    sheet.set_column_width(1, 22)?;
    sheet.set_column_width(2, 30)?;
    sheet.autofilter(1, 0, u32::try_from(rows.len() + 1).unwrap_or(u32::MAX), 22)?;
    contested_sheet(&mut book, &header, contested)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_in_text_are_neutralised() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(lead).starts_with('\''), "{lead:?}");
        }
        assert_eq!(neutralise("武汉甲物业"), "武汉甲物业");
        assert_eq!(neutralise(""), "");
    }
}
