//! Identity values: the unified social credit code (GB 32100-2015) that names
//! a company, and the four kinds of community the bureau manages differently.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The GB 32100-2015 alphabet: value = position.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first 17 characters of a unified social credit code.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(USCC_WEIGHTS) {
        sum += uscc_value(*b)? * w;
    }
    let check = (31 - sum % 31) % 31;
    USCC_ALPHABET
        .get(usize::try_from(check).ok()?)
        .map(|&c| char::from(c))
}

/// A validated 18-character unified social credit code (统一社会信用代码).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CompanyCode(String);

impl CompanyCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.chars().count() != 18 {
            return Err(format!(
                "a unified social credit code has 18 characters, this one has {}",
                s.chars().count()
            ));
        }
        if let Some(bad) = s.bytes().find(|b| uscc_value(*b).is_none()) {
            return Err(format!(
                "character '{}' is not allowed in a unified social credit code",
                char::from(bad)
            ));
        }
        let expected =
            uscc_check_char(&s[..17]).ok_or_else(|| "the code cannot be checked".to_string())?;
        let actual = s[17..].chars().next().unwrap_or(' ');
        if expected != actual {
            return Err(format!(
                "the check character is '{actual}' but GB 32100-2015 gives '{expected}'"
            ));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CompanyCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}
impl From<CompanyCode> for String {
    fn from(c: CompanyCode) -> String {
        c.0
    }
}
impl fmt::Display for CompanyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The four kinds of community the bureau manages differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityType {
    Commercial,
    Resettlement,
    Quasi,
    Open,
}

impl CommunityType {
    pub const ALL: [CommunityType; 4] = [
        CommunityType::Commercial,
        CommunityType::Resettlement,
        CommunityType::Quasi,
        CommunityType::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commercial => "commercial",
            Self::Resettlement => "resettlement",
            Self::Quasi => "quasi",
            Self::Open => "open",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Self::Commercial => "商品房",
            Self::Resettlement => "安置房",
            Self::Quasi => "准物业",
            Self::Open => "开放式",
        }
    }

    /// Accepts the English or the Chinese name.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s) || t.chinese() == s)
    }
}

impl fmt::Display for CommunityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
