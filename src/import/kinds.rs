//! The eight kinds of data.md: their columns (English and Chinese headers)
//! and how one row becomes a record, with every check of data.md.

use std::collections::{HashMap, HashSet};

use super::RowError;
use crate::domain::{self, CommunityType, CompanyCode, ImportKind, Period};
use crate::rules::RuleBook;
use crate::storage::records::*;

impl ImportKind {
    pub fn columns(self) -> &'static [Column] {
        match self {
            Self::Companies => &COMPANIES,
            Self::Communities => &COMMUNITIES,
            Self::Contracts => &CONTRACTS,
            Self::Surveys => &SURVEYS,
            Self::Complaints => &COMPLAINTS,
            Self::Fees => &FEES,
            Self::Inspections => &INSPECTIONS,
            Self::Conduct => &CONDUCT,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub chinese: &'static str,
    pub optional: bool,
}

const fn req(name: &'static str, chinese: &'static str) -> Column {
    Column {
        name,
        chinese,
        optional: false,
    }
}
const fn opt(name: &'static str, chinese: &'static str) -> Column {
    Column {
        name,
        chinese,
        optional: true,
    }
}

const COMPANIES: [Column; 4] = [
    req("company_code", "统一社会信用代码"),
    req("name", "企业名称"),
    req("district", "所属区县"),
    req("registered_on", "注册日期"),
];
const COMMUNITIES: [Column; 7] = [
    req("community_code", "小区编码"),
    req("name", "小区名称"),
    req("district", "所属区县"),
    req("community_type", "小区类型"),
    req("old_community", "是否老旧小区"),
    req("households", "户数"),
    opt("floor_area_m2", "建筑面积"),
];
const CONTRACTS: [Column; 4] = [
    req("community_code", "小区编码"),
    req("company_code", "统一社会信用代码"),
    req("start_date", "起始日期"),
    opt("end_date", "终止日期"),
];
const SURVEYS: [Column; 5] = [
    req("response_id", "问卷编号"),
    req("community_code", "小区编码"),
    req("surveyed_on", "测评日期"),
    req("respondent", "受访户"),
    req("overall", "总体评分"),
];
const COMPLAINTS: [Column; 6] = [
    req("complaint_id", "投诉编号"),
    req("community_code", "小区编码"),
    req("received_at", "受理时间"),
    req("category", "投诉类别"),
    req("substantiated", "是否属实"),
    opt("resolved_at", "办结时间"),
];
const FEES: [Column; 4] = [
    req("community_code", "小区编码"),
    req("period", "考核周期"),
    req("billed", "应收金额"),
    req("collected", "实收金额"),
];
const INSPECTIONS: [Column; 6] = [
    req("inspection_id", "检查编号"),
    req("community_code", "小区编码"),
    req("inspected_on", "检查日期"),
    req("score", "检查得分"),
    opt("rectification_due", "整改期限"),
    opt("rectified_on", "整改完成日期"),
];
const CONDUCT: [Column; 6] = [
    req("record_id", "记录编号"),
    req("company_code", "统一社会信用代码"),
    req("code", "行为代码"),
    req("occurred_on", "发生日期"),
    opt("community_code", "小区编码"),
    opt("note", "说明"),
];

/// Maps the file's header to the kind's columns: `positions[i]` is where
/// column i sits in a row, if the file has it.
pub fn map_header(kind: ImportKind, header: &[String]) -> Result<Vec<Option<usize>>, String> {
    let columns = kind.columns();
    let mut positions: Vec<Option<usize>> = vec![None; columns.len()];
    let mut problems = Vec::new();
    for (pos, raw) in header.iter().enumerate() {
        let h = raw.trim().trim_start_matches('\u{feff}');
        if h.is_empty() {
            problems.push(format!("column {} has an empty header", pos + 1));
            continue;
        }
        match columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(h) || c.chinese == h)
        {
            Some(i) => match positions.get_mut(i) {
                Some(Some(_)) => problems.push(format!("column '{h}' appears twice")),
                Some(slot) => *slot = Some(pos),
                None => {}
            },
            None => problems.push(format!("'{h}' is not a column of {kind} files")),
        }
    }
    for (c, p) in columns.iter().zip(&positions) {
        if p.is_none() && !c.optional {
            problems.push(format!(
                "the required column '{}' [{}] is missing",
                c.name, c.chinese
            ));
        }
    }
    if problems.is_empty() {
        Ok(positions)
    } else {
        let expected: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "{} [{}]{}",
                    c.name,
                    c.chinese,
                    if c.optional { " (optional)" } else { "" }
                )
            })
            .collect();
        Err(format!(
            "header: {}; the columns of {kind} are: {}",
            problems.join("; "),
            expected.join(", ")
        ))
    }
}

/// What a row may refer to, and the keys seen so far in this file.
pub struct Context<'a> {
    pub company_codes: HashSet<String>,
    pub community_codes: HashSet<String>,
    pub rules: &'a RuleBook,
    /// key → the row it first appeared on.
    pub keys_seen: HashMap<Box<str>, u64>,
}

/// The cells of one row, addressed by the kind's columns; collects the row's errors.
pub struct Cells<'r> {
    pub row: u64,
    cells: &'r [String],
    positions: &'r [Option<usize>],
    columns: &'static [Column],
    pub errors: Vec<RowError>,
}

impl<'r> Cells<'r> {
    pub fn new(
        kind: ImportKind,
        row: u64,
        cells: &'r [String],
        positions: &'r [Option<usize>],
    ) -> Self {
        Self {
            row,
            cells,
            positions,
            columns: kind.columns(),
            errors: Vec::new(),
        }
    }

    fn column(&self, i: usize) -> &'static str {
        self.columns.get(i).map(|c| c.name).unwrap_or("?")
    }

    fn raw(&self, i: usize) -> &'r str {
        let cells: &'r [String] = self.cells;
        self.positions
            .get(i)
            .copied()
            .flatten()
            .and_then(|p| cells.get(p))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn error(&mut self, i: usize, reason: impl Into<String>) {
        let e = RowError {
            row: self.row,
            column: self.column(i).into(),
            value: self.raw(i).into(),
            reason: reason.into(),
        };
        self.errors.push(e);
    }

    /// An optional cell: None when empty, else parsed.
    fn optional<T>(
        &mut self,
        i: usize,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let v = self.raw(i);
        if v.is_empty() {
            return None;
        }
        match parse(v) {
            Ok(t) => Some(t),
            Err(reason) => {
                self.error(i, reason);
                None
            }
        }
    }

    /// A required cell: an error when empty or unparseable.
    fn required<T>(
        &mut self,
        i: usize,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.raw(i).is_empty() {
            self.error(i, "is required and empty");
            return None;
        }
        self.optional(i, parse)
    }

    fn text(&mut self, i: usize) -> Option<String> {
        self.required(i, |s| Ok(s.to_string()))
    }

    fn date(&mut self, i: usize) -> Option<chrono::NaiveDate> {
        self.required(i, domain::parse_date)
    }

    fn company(&mut self, i: usize, ctx: &Context<'_>) -> Option<String> {
        let code = self.required(i, |s| CompanyCode::parse(s).map(|c| c.as_str().to_string()))?;
        if ctx.company_codes.contains(&code) {
            Some(code)
        } else {
            self.error(
                i,
                "no company with this code exists (import companies first)",
            );
            None
        }
    }

    fn community(&mut self, i: usize, ctx: &Context<'_>) -> Option<String> {
        let code = self.text(i)?;
        self.known_community(i, code, ctx)
    }

    fn known_community(&mut self, i: usize, code: String, ctx: &Context<'_>) -> Option<String> {
        if ctx.community_codes.contains(&code) {
            Some(code)
        } else {
            self.error(
                i,
                "no community with this code exists (import communities first)",
            );
            None
        }
    }
}

/// A record kind the importer can read from a row.
/// Work that depends on a kind's record type: [`ImportKind::with_record`]
/// is the one place a kind becomes its type.
pub trait WithRecord {
    type Output;
    fn run<R: FromRow>(self) -> Self::Output;
}

impl ImportKind {
    pub fn with_record<W: WithRecord>(self, work: W) -> W::Output {
        match self {
            Self::Companies => work.run::<Company>(),
            Self::Communities => work.run::<Community>(),
            Self::Contracts => work.run::<Contract>(),
            Self::Surveys => work.run::<SurveyResponse>(),
            Self::Complaints => work.run::<Complaint>(),
            Self::Fees => work.run::<FeeRow>(),
            Self::Inspections => work.run::<Inspection>(),
            Self::Conduct => work.run::<ConductRecord>(),
        }
    }
}

pub trait FromRow: StoredRecord + Sized {
    const KIND: ImportKind;
    /// The record if every cell is valid; errors are left in `cells`.
    fn from_row(cells: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self>;
    /// Codes this row makes known to later rows and files (companies, communities).
    fn register(&self, _ctx: &mut Context<'_>) {}
}

fn integer_in(s: &str, lo: i64, hi: i64, what: &str) -> Result<i64, String> {
    let v: i64 = s.parse().map_err(|_| format!("is not {what}"))?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("is not {what}"))
    }
}

/// All fields present, or None: `all!(a, b)` → Some((a, b)).
macro_rules! all {
    ($($x:ident),+) => { (|| Some(($($x?,)+)))() };
}

impl FromRow for Company {
    const KIND: ImportKind = ImportKind::Companies;
    fn from_row(c: &mut Cells<'_>, _ctx: &Context<'_>) -> Option<Self> {
        let code = c.required(0, |s| CompanyCode::parse(s).map(|c| c.as_str().to_string()));
        let name = c.text(1);
        let district = c.text(2);
        let registered_on = c.date(3);
        let (company_code, name, district, registered_on) =
            all!(code, name, district, registered_on)?;
        Some(Company {
            company_code,
            name,
            district,
            registered_on,
            batch_id: 0,
        })
    }
    fn register(&self, ctx: &mut Context<'_>) {
        ctx.company_codes.insert(self.company_code.clone());
    }
}

impl FromRow for Community {
    const KIND: ImportKind = ImportKind::Communities;
    fn from_row(c: &mut Cells<'_>, _ctx: &Context<'_>) -> Option<Self> {
        let code = c.text(0);
        let name = c.text(1);
        let district = c.text(2);
        let ctype = c.required(3, |s| {
            CommunityType::parse(s).map(|t| t.as_str().to_string()).ok_or_else(|| {
                "is not a community type: commercial [商品房], resettlement [安置房], quasi [准物业] or open [开放式]"
                    .to_string()
            })
        });
        let old = c.required(4, domain::parse_bool);
        let households = c.required(5, |s| {
            integer_in(s, 1, i64::from(i32::MAX), "an integer >= 1")
                .and_then(|v| i32::try_from(v).map_err(|e| e.to_string()))
        });
        let area = c.optional(6, |s| match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err("is not a number >= 0".to_string()),
        });
        let (community_code, name, district, community_type, old_community, households) =
            all!(code, name, district, ctype, old, households)?;
        if c.errors.is_empty() {
            Some(Community {
                community_code,
                name,
                district,
                community_type,
                old_community,
                households,
                floor_area_m2: area,
                batch_id: 0,
            })
        } else {
            None
        }
    }
    fn register(&self, ctx: &mut Context<'_>) {
        ctx.community_codes.insert(self.community_code.clone());
    }
}

impl FromRow for Contract {
    const KIND: ImportKind = ImportKind::Contracts;
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let community = c.community(0, ctx);
        let company = c.company(1, ctx);
        let start = c.date(2);
        let end = c.optional(3, domain::parse_date);
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                c.error(3, format!("the end date is before the start date {s}"));
            }
        }
        let (community_code, company_code, start_date) = all!(community, company, start)?;
        c.errors.is_empty().then_some(Contract {
            community_code,
            company_code,
            start_date,
            end_date: end,
            batch_id: 0,
        })
    }
}

impl FromRow for SurveyResponse {
    const KIND: ImportKind = ImportKind::Surveys;
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text(0);
        let community = c.community(1, ctx);
        let on = c.date(2);
        let respondent = c.text(3);
        let overall = c.required(4, |s| {
            integer_in(s, 1, 5, "an integer from 1 to 5")
                .and_then(|v| i32::try_from(v).map_err(|e| e.to_string()))
        });
        let (response_id, community_code, surveyed_on, respondent, overall) =
            all!(id, community, on, respondent, overall)?;
        Some(SurveyResponse {
            response_id,
            community_code,
            surveyed_on,
            respondent,
            overall,
            batch_id: 0,
        })
    }
}

impl FromRow for Complaint {
    const KIND: ImportKind = ImportKind::Complaints;
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text(0);
        let community = c.community(1, ctx);
        let received = c.required(2, domain::parse_datetime);
        let category = c.text(3);
        let substantiated = c.required(4, domain::parse_bool);
        let resolved = c.optional(5, domain::parse_datetime);
        if let (Some(r), Some(d)) = (received, resolved) {
            if d < r {
                c.error(5, format!("resolved before it was received ({r})"));
            }
        }
        let (complaint_id, community_code, received_at, category, substantiated) =
            all!(id, community, received, category, substantiated)?;
        c.errors.is_empty().then_some(Complaint {
            complaint_id,
            community_code,
            received_at,
            category,
            substantiated,
            resolved_at: resolved,
            batch_id: 0,
        })
    }
}

fn non_negative_cents(s: &str) -> Result<i64, String> {
    let cents = domain::parse_cents(s)?;
    if cents < 0 {
        Err("must be >= 0".into())
    } else {
        Ok(cents)
    }
}

impl FromRow for FeeRow {
    const KIND: ImportKind = ImportKind::Fees;
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let community = c.community(0, ctx);
        let period = c.required(1, |s| s.parse::<Period>().map(|p| p.to_string()));
        let billed = c.required(2, non_negative_cents);
        let collected = c.required(3, non_negative_cents);
        let (community_code, period, billed_cents, collected_cents) =
            all!(community, period, billed, collected)?;
        Some(FeeRow {
            community_code,
            period,
            billed_cents,
            collected_cents,
            batch_id: 0,
        })
    }
}

impl FromRow for Inspection {
    const KIND: ImportKind = ImportKind::Inspections;
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text(0);
        let community = c.community(1, ctx);
        let on = c.date(2);
        let score = c.required(3, |s| match s.parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
            _ => Err("is not a number from 0 to 100".to_string()),
        });
        let due = c.optional(4, domain::parse_date);
        let rectified = c.optional(5, domain::parse_date);
        let (inspection_id, community_code, inspected_on, score) = all!(id, community, on, score)?;
        c.errors.is_empty().then_some(Inspection {
            inspection_id,
            community_code,
            inspected_on,
            score,
            rectification_due: due,
            rectified_on: rectified,
            batch_id: 0,
        })
    }
}

impl FromRow for ConductRecord {
    const KIND: ImportKind = ImportKind::Conduct;
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text(0);
        let company = c.company(1, ctx);
        let code = c.required(2, |s| {
            if ctx.rules.knows_conduct_code(s) {
                Ok(s.to_string())
            } else {
                Err("is not a conduct code of any rule set in the rules directory".to_string())
            }
        });
        let on = c.date(3);
        let community = c
            .optional(4, |s| Ok(s.to_string()))
            .and_then(|s| c.known_community(4, s, ctx));
        let note = c.optional(5, |s| Ok(s.to_string()));
        let (record_id, company_code, code, occurred_on) = all!(id, company, code, on)?;
        c.errors.is_empty().then_some(ConductRecord {
            record_id,
            company_code,
            code,
            occurred_on,
            community_code: community,
            note,
            batch_id: 0,
        })
    }
}
