//! The domain's words as a Chinese reader sees them on pages and notices.
//! Codes such as `red` or `priority` never reach a page untranslated.

use super::{
    AppealStatus, CommunityType, Decision, ImportKind, ListPlacement, Period, RecordKind,
    RepairStatus, RoleName, RunStatus, Severity, SubsidyStatus,
};

pub fn list(l: ListPlacement) -> &'static str {
    match l {
        ListPlacement::Red => "红榜",
        ListPlacement::Black => "黑榜",
        ListPlacement::None => "—",
    }
}

pub fn decision(d: Decision) -> &'static str {
    match d {
        Decision::Exit => "清退",
        Decision::Warning => "警示",
        Decision::Priority => "优先推荐",
        Decision::None => "—",
    }
}

pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "轻微",
        Severity::General => "一般",
        Severity::Serious => "严重",
    }
}

pub fn community_type(t: CommunityType) -> &'static str {
    match t {
        CommunityType::Commercial => "商品房小区",
        CommunityType::Resettlement => "安置房小区",
        CommunityType::Quasi => "准物业小区",
        CommunityType::Open => "开放式小区",
    }
}

pub fn run_status(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Draft => "草稿",
        RunStatus::Published => "已发布",
        RunStatus::Superseded => "已被替代",
    }
}

pub fn appeal_status(s: AppealStatus) -> &'static str {
    match s {
        AppealStatus::Pending => "待处理",
        AppealStatus::Upheld => "已支持",
        AppealStatus::Rejected => "已驳回",
    }
}

pub fn repair_status(s: RepairStatus) -> &'static str {
    match s {
        RepairStatus::Pending => "修复中",
        RepairStatus::Approved => "已修复",
        RepairStatus::Rejected => "未获批准",
    }
}

pub fn subsidy_status(s: SubsidyStatus) -> &'static str {
    match s {
        SubsidyStatus::Submitted => "待初审",
        SubsidyStatus::Reviewed => "待复核",
        SubsidyStatus::Approved => "已核定",
        SubsidyStatus::Rejected => "已退回",
    }
}

pub fn role(r: RoleName) -> &'static str {
    match r {
        RoleName::Admin => "住建局管理员",
        RoleName::Inspector => "检查员",
        RoleName::Company => "物业服务企业",
    }
}

pub fn record_kind(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Complaint => "投诉",
        RecordKind::Inspection => "检查",
        RecordKind::Conduct => "行为记录",
    }
}

pub fn import_kind(k: ImportKind) -> &'static str {
    match k {
        ImportKind::Companies => "企业",
        ImportKind::Communities => "小区",
        ImportKind::Contracts => "物业服务合同",
        ImportKind::Surveys => "满意度测评",
        ImportKind::Complaints => "投诉",
        ImportKind::Fees => "物业费收缴",
        ImportKind::Inspections => "检查考评",
        ImportKind::Conduct => "良好与不良行为",
    }
}

/// `2026年第1季度`.
pub fn period(p: Period) -> String {
    format!("{}年第{}季度", p.year(), p.quarter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_word_has_a_chinese_label_and_no_code_shows_through() {
        for l in ListPlacement::iter() {
            assert!(!list(l).is_ascii() || l == ListPlacement::None);
        }
        for d in Decision::iter().filter(|d| *d != Decision::None) {
            assert!(!decision(d).is_ascii(), "{d}");
        }
        for s in RunStatus::iter() {
            assert!(!run_status(s).is_ascii(), "{s}");
        }
        for s in RepairStatus::iter() {
            assert!(!repair_status(s).is_ascii(), "{s}");
        }
        for s in Severity::iter() {
            assert!(!severity(s).is_ascii(), "{s}");
        }
        for s in AppealStatus::iter() {
            assert!(!appeal_status(s).is_ascii(), "{s}");
        }
        for s in SubsidyStatus::iter() {
            assert!(!subsidy_status(s).is_ascii(), "{s}");
        }
        for k in RecordKind::iter() {
            assert!(!record_kind(k).is_ascii(), "{k}");
        }
        for k in ImportKind::iter() {
            assert!(!import_kind(k).is_ascii(), "{k}");
        }
        for r in RoleName::iter() {
            assert!(!role(r).is_ascii(), "{r}");
        }
        assert_eq!(period("2026Q1".parse().unwrap()), "2026年第1季度");
        assert_eq!(decision(Decision::Priority), "优先推荐");
    }
}
