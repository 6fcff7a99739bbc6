//! The eight kinds of import, each declared once: its columns (English and
//! Chinese headers), its key, and how one row becomes a record with every
//! check of the import format. `ImportKind::with_record` is the one place a
//! kind becomes its record type; everything else (header mapping, checks,
//! the generator's headers) reads the declaration from there.

use super::columns::{opt, req, Cells, Column, Context};
use crate::domain::{self, BaseCondition, CommunityType, CompanyCode, ImportKind, Period};
use crate::storage::records::*;

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

    /// The kind's columns, in the order the generator writes them.
    pub fn columns(self) -> &'static [Column] {
        struct Columns;
        impl WithRecord for Columns {
            type Output = &'static [Column];
            fn run<R: FromRow>(self) -> &'static [Column] {
                R::COLUMNS
            }
        }
        self.with_record(Columns)
    }
}

/// A record kind the importer can read from a row.
pub trait FromRow: StoredRecord + Sized {
    const KIND: ImportKind;
    const COLUMNS: &'static [Column];
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
    const COLUMNS: &'static [Column] = &[
        req("company_code", "统一社会信用代码"),
        req("name", "企业名称"),
        req("district", "所属区县"),
        req("registered_on", "注册日期"),
    ];
    fn from_row(c: &mut Cells<'_>, _ctx: &Context<'_>) -> Option<Self> {
        let code = c.required("company_code", |s| {
            CompanyCode::parse(s).map(|c| c.as_str().to_string())
        });
        let name = c.text("name");
        let district = c.text("district");
        let registered_on = c.date("registered_on");
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
    const COLUMNS: &'static [Column] = &[
        req("community_code", "小区编码"),
        req("name", "小区名称"),
        req("district", "所属区县"),
        req("community_type", "小区类型"),
        req("old_community", "是否老旧小区"),
        req("households", "户数"),
        opt("floor_area_m2", "建筑面积"),
        opt("base_condition", "基础条件"),
    ];
    fn from_row(c: &mut Cells<'_>, _ctx: &Context<'_>) -> Option<Self> {
        let code = c.text("community_code");
        let name = c.text("name");
        let district = c.text("district");
        let ctype = c.required("community_type", |s| {
            CommunityType::parse(s).map(|t| t.as_str().to_string()).ok_or_else(|| {
                "is not a community type: commercial [商品房], resettlement [安置房], quasi [准物业] or open [开放式]"
                    .to_string()
            })
        });
        let old = c.required("old_community", domain::parse_bool);
        let households = c.required("households", |s| {
            integer_in(s, 1, i64::from(i32::MAX), "an integer >= 1")
                .and_then(|v| i32::try_from(v).map_err(|e| e.to_string()))
        });
        let area = c.optional("floor_area_m2", |s| match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err("is not a number >= 0".to_string()),
        });
        let base_condition = c.optional("base_condition", |s| {
            BaseCondition::from_cell(s).ok_or_else(|| {
                "is not a base condition: good [好], fair [一般] or poor [差]".to_string()
            })
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
                base_condition,
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
    const COLUMNS: &'static [Column] = &[
        req("community_code", "小区编码"),
        req("company_code", "统一社会信用代码"),
        req("start_date", "起始日期"),
        opt("end_date", "终止日期"),
    ];
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let community = c.community("community_code", ctx);
        let company = c.company("company_code", ctx);
        let start = c.date("start_date");
        let end = c.optional("end_date", domain::parse_date);
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                c.error(
                    "end_date",
                    format!("the end date is before the start date {s}"),
                );
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
    const COLUMNS: &'static [Column] = &[
        req("response_id", "问卷编号"),
        req("community_code", "小区编码"),
        req("surveyed_on", "测评日期"),
        req("respondent", "受访户"),
        req("overall", "总体评分"),
    ];
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text("response_id");
        let community = c.community("community_code", ctx);
        let on = c.date("surveyed_on");
        let respondent = c.text("respondent");
        let overall = c.required("overall", |s| {
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
    const COLUMNS: &'static [Column] = &[
        req("complaint_id", "投诉编号"),
        req("community_code", "小区编码"),
        req("received_at", "受理时间"),
        req("category", "投诉类别"),
        req("substantiated", "是否属实"),
        opt("resolved_at", "办结时间"),
    ];
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text("complaint_id");
        let community = c.community("community_code", ctx);
        let received = c.required("received_at", domain::parse_datetime);
        let category = c.text("category");
        let substantiated = c.required("substantiated", domain::parse_bool);
        let resolved = c.optional("resolved_at", domain::parse_datetime);
        if let (Some(r), Some(d)) = (received, resolved) {
            if d < r {
                c.error(
                    "resolved_at",
                    format!("resolved before it was received ({r})"),
                );
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
    const COLUMNS: &'static [Column] = &[
        req("community_code", "小区编码"),
        req("period", "考核周期"),
        req("billed", "应收金额"),
        req("collected", "实收金额"),
    ];
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let community = c.community("community_code", ctx);
        let period = c.required("period", |s| s.parse::<Period>().map(|p| p.to_string()));
        let billed = c.required("billed", non_negative_cents);
        let collected = c.required("collected", non_negative_cents);
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
    const COLUMNS: &'static [Column] = &[
        req("inspection_id", "检查编号"),
        req("community_code", "小区编码"),
        req("inspected_on", "检查日期"),
        req("score", "检查得分"),
        opt("rectification_due", "整改期限"),
        opt("rectified_on", "整改完成日期"),
    ];
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text("inspection_id");
        let community = c.community("community_code", ctx);
        let on = c.date("inspected_on");
        let score = c.required("score", |s| match s.parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
            _ => Err("is not a number from 0 to 100".to_string()),
        });
        let due = c.optional("rectification_due", domain::parse_date);
        let rectified = c.optional("rectified_on", domain::parse_date);
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
    const COLUMNS: &'static [Column] = &[
        req("record_id", "记录编号"),
        req("company_code", "统一社会信用代码"),
        req("code", "行为代码"),
        req("occurred_on", "发生日期"),
        opt("community_code", "小区编码"),
        opt("note", "说明"),
    ];
    fn from_row(c: &mut Cells<'_>, ctx: &Context<'_>) -> Option<Self> {
        let id = c.text("record_id");
        let company = c.company("company_code", ctx);
        let code = c.required("code", |s| {
            if ctx.rules.knows_conduct_code(s) {
                Ok(s.to_string())
            } else {
                Err("is not a conduct code of any rule set in the rules directory".to_string())
            }
        });
        let on = c.date("occurred_on");
        let community = c
            .optional("community_code", |s| Ok(s.to_string()))
            .and_then(|s: String| c.known_community("community_code", &s, ctx));
        let note = c.optional("note", |s| Ok(s.to_string()));
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
