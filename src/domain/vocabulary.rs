//! The words of the domain, each one enum in one place: who a user is, the
//! state of a run and of an appeal, what a record is, where a company stands
//! on the lists, the market decision, and the eight kinds of import. Their
//! written forms (database, files, URLs, JSON) come from one derive each, so
//! an unknown word is an error wherever it is read, never a default.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// Derives shared by every word: serde, strum and diesel agree on one
/// lowercase spelling. (diesel reads and writes them as text; the codec is
/// in `storage::columns`.)
macro_rules! word {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            Display, EnumString, IntoStaticStr, EnumIter, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(rename_all = "lowercase")]
        #[strum(serialize_all = "lowercase")]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The word as written in files, URLs, JSON and the database.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

word!(
    /// A user's role (without the company a company user is bound to).
    RoleName {
        /// The housing bureau: everything.
        Admin,
        /// Street offices and district inspectors: import field data, read everything.
        Inspector,
        /// A property company: its own profile, results, file and appeals.
        Company,
    }
);

word!(
    /// Where a rating run is in its life.
    RunStatus { Draft, Published, Superseded }
);

word!(
    /// Where an appeal is in its life.
    AppealStatus { Pending, Upheld, Rejected }
);

word!(
    /// What a notification (by email, through the outbox) tells a company of.
    NotificationEvent {
        /// Its result of a quarter is in public notice (公示).
        Notice,
        /// An appeal of its was decided.
        Appeal,
        /// A credit repair application of its was decided.
        Repair,
        /// A published quarter decided that it leaves the market (清退).
        Exit,
        /// A subsidy application of its was reviewed, approved, returned or paid.
        Subsidy,
    }
);

word!(
    /// Where a credit repair application (信用修复申请) is in its life.
    RepairStatus { Pending, Approved, Rejected }
);

word!(
    /// The state of a community's buildings and facilities (基础条件), which
    /// reward schemes such as Jiang'an's tier their rates by.
    BaseCondition { Good, Fair, Poor }
);

impl BaseCondition {
    /// The word officials write: 好 / 一般 / 差.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Good => "好",
            Self::Fair => "一般",
            Self::Poor => "差",
        }
    }

    /// A cell's value: the English word (any letter case) or the Chinese one.
    pub fn from_cell(s: &str) -> Option<Self> {
        use strum::IntoEnumIterator;
        let s = s.trim();
        Self::iter().find(|b| b.as_str().eq_ignore_ascii_case(s) || b.chinese() == s)
    }
}

word!(
    /// Where a subsidy application (奖补申报) is in its life: submitted by the
    /// company, reviewed by a district official (初审), approved by a city
    /// official (复核), or returned to the company with a reason (退回).
    SubsidyStatus { Submitted, Reviewed, Approved, Rejected }
);

word!(
    /// The records a company may appeal against.
    RecordKind { Complaint, Inspection, Conduct }
);

word!(
    /// How grave a bad conduct record is (失信信息: 轻微 / 一般 / 严重),
    /// which the law ties to how long it is published.
    Severity { Minor, General, Serious }
);

word!(
    /// The market decision of a result (准入退出).
    Decision { Exit, Warning, Priority, None }
);

word!(
    /// A company's place on the quarter's lists (红榜 / 黑榜).
    ListPlacement { Red, Black, None }
);

word!(
    /// The eight kinds of import, in the order `import DIR` reads them:
    /// referenced rows come before the rows that name them.
    ImportKind { Companies, Communities, Contracts, Surveys, Complaints, Fees, Inspections, Conduct }
);

impl ImportKind {
    /// Every kind, in import order.
    pub const ALL: [ImportKind; 8] = [
        Self::Companies,
        Self::Communities,
        Self::Contracts,
        Self::Surveys,
        Self::Complaints,
        Self::Fees,
        Self::Inspections,
        Self::Conduct,
    ];
}

/// What a signed-in user may do, with the company a company user is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Role {
    Admin,
    Inspector,
    Company { company_code: String },
}

impl Role {
    pub fn name(&self) -> RoleName {
        match self {
            Role::Admin => RoleName::Admin,
            Role::Inspector => RoleName::Inspector,
            Role::Company { .. } => RoleName::Company,
        }
    }

    /// May this role import files of `kind`? Admins: every kind. Inspectors:
    /// field data only — companies, communities and contracts are the
    /// bureau's own master data. Companies: none.
    pub fn may_import(&self, kind: ImportKind) -> bool {
        match self {
            Role::Admin => true,
            Role::Inspector => !matches!(
                kind,
                ImportKind::Companies | ImportKind::Communities | ImportKind::Contracts
            ),
            Role::Company { .. } => false,
        }
    }

    /// A role from its stored parts; `None` when they do not fit together
    /// (a company role without a company, or an official bound to one).
    pub fn from_parts(name: RoleName, company_code: Option<&str>) -> Option<Role> {
        match (name, company_code) {
            (RoleName::Admin, None) => Some(Role::Admin),
            (RoleName::Inspector, None) => Some(Role::Inspector),
            (RoleName::Company, Some(code)) => Some(Role::Company {
                company_code: code.to_string(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_word_reads_back_as_itself_and_nothing_else_reads() {
        for k in ImportKind::iter() {
            assert_eq!(k.as_str().parse::<ImportKind>(), Ok(k));
        }
        for d in Decision::iter() {
            assert_eq!(d.to_string().parse::<Decision>(), Ok(d));
        }
        assert_eq!(ImportKind::iter().count(), ImportKind::ALL.len());
        assert!("Companies ".parse::<ImportKind>().is_err());
        assert!("".parse::<RunStatus>().is_err());
        assert_eq!(
            serde_json::to_string(&ListPlacement::Red).ok().as_deref(),
            Some("\"red\"")
        );
    }

    #[test]
    fn roles_need_a_company_exactly_when_they_are_company_roles() {
        assert_eq!(Role::from_parts(RoleName::Admin, None), Some(Role::Admin));
        assert_eq!(Role::from_parts(RoleName::Admin, Some("X")), None);
        assert_eq!(Role::from_parts(RoleName::Company, None), None);
        assert_eq!(
            Role::from_parts(RoleName::Company, Some("X")).map(|r| r.name()),
            Some(RoleName::Company)
        );
    }
}
