//! Rule files (scoring.md §1): parsing, validation and choosing the rule set
//! in force for a period. Pure: no storage, no HTTP.

mod model;
mod validate;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

pub use model::*;

use crate::domain::Period;

/// One problem in one rule file: which file, which key, what is wrong.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleError {
    pub file: String,
    pub key: String,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: key `{}`: {}", self.file, self.key, self.message)
        }
    }
}

/// Every problem found in a set of rule files.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, so the command line can print it as one sentence.
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems in the rule files: ", many.len())?;
                for (i, e) in many.iter().enumerate() {
                    write!(f, "{}{e}", if i == 0 { "" } else { "; " })?;
                }
                Ok(())
            }
        }
    }
}

/// A validated rule set together with its identity.
#[derive(Debug, Clone)]
pub struct LoadedRuleSet {
    /// Where it came from (a path, or a name given by the caller).
    pub source: String,
    /// SHA-256 of the file's bytes, lower-case hex: the rule set's identity.
    pub sha256: String,
    /// The file's text, kept so that a run can always show what it used.
    pub text: String,
    pub rules: RuleSet,
}

impl LoadedRuleSet {
    /// Parses and validates rule-file text. `source` names the file in errors.
    pub fn from_text(source: &str, text: &str) -> Result<Self, RuleErrors> {
        let rules = parse(source, text)?;
        Ok(Self {
            source: source.to_string(),
            sha256: sha256_hex(text.as_bytes()),
            text: text.to_string(),
            rules,
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, RuleErrors> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            RuleErrors(vec![RuleError {
                file: source.clone(),
                key: String::new(),
                message: format!("cannot be read: {e}"),
            }])
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            RuleErrors(vec![RuleError {
                file: source.clone(),
                key: String::new(),
                message: "is not UTF-8 text".into(),
            }])
        })?;
        Self::from_text(&source, &text)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses and validates one rule file's text, returning every problem found.
pub fn parse(source: &str, text: &str) -> Result<RuleSet, RuleErrors> {
    let err = |key: String, message: String| {
        RuleErrors(vec![RuleError {
            file: source.into(),
            key,
            message,
        }])
    };
    let value: toml::Value = toml::from_str(text)
        .map_err(|e| err(String::new(), format!("is not valid TOML: {}", e.message())))?;
    let rules: RuleSet = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let key = if path == "." { String::new() } else { path };
        // toml appends "in `table`" on a second line; the key already says where.
        let message = e.into_inner().to_string();
        err(key, message.lines().next().unwrap_or_default().to_string())
    })?;
    let problems = validate::check(&rules);
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(RuleErrors(
            problems
                .into_iter()
                .map(|(key, message)| RuleError {
                    file: source.into(),
                    key,
                    message,
                })
                .collect(),
        ))
    }
}

/// Every rule set of the rules directory, all valid, with distinct `effective_from`.
#[derive(Debug, Clone)]
pub struct RuleBook {
    pub dir: PathBuf,
    /// Sorted by `effective_from`.
    pub sets: Vec<LoadedRuleSet>,
}

impl RuleBook {
    /// Every subsidy programme of the rule sets, once each, in order of appearance.
    pub fn subsidy_programmes(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for p in self.sets.iter().flat_map(|s| s.rules.subsidies.iter()) {
            if !names.contains(&p.name) {
                names.push(p.name.clone());
            }
        }
        names
    }

    /// Loads the directory; refuses while any file is invalid or two share an `effective_from`.
    pub fn load_dir(dir: &Path) -> Result<Self, RuleErrors> {
        let dir_error = |message: String| {
            RuleErrors(vec![RuleError {
                file: dir.display().to_string(),
                key: String::new(),
                message,
            }])
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| dir_error(format!("the rules directory cannot be read: {e}")))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(dir_error(
                "the rules directory holds no *.toml rule file".into(),
            ));
        }
        let mut sets = Vec::new();
        let mut problems = Vec::new();
        for path in &paths {
            match LoadedRuleSet::from_file(path) {
                Ok(set) => sets.push(set),
                Err(RuleErrors(mut e)) => problems.append(&mut e),
            }
        }
        sets.sort_by(|a, b| {
            a.rules
                .effective_from
                .cmp(&b.rules.effective_from)
                .then(a.source.cmp(&b.source))
        });
        for pair in sets.windows(2) {
            if let [a, b] = pair {
                if a.rules.effective_from == b.rules.effective_from {
                    problems.push(RuleError {
                        file: b.source.clone(),
                        key: "effective_from".into(),
                        message: format!(
                            "{} is also the effective_from of {}; a period must have exactly one rule set",
                            b.rules.effective_from, a.source
                        ),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(Self {
                dir: dir.to_path_buf(),
                sets,
            })
        } else {
            Err(RuleErrors(problems))
        }
    }

    /// The rule set in force for `period`: the latest `effective_from <= S`.
    pub fn for_period(&self, period: Period) -> Option<&LoadedRuleSet> {
        let start: NaiveDate = period.start();
        self.sets
            .iter()
            .rev()
            .find(|s| s.rules.effective_from <= start)
    }

    /// Whether a conduct code is in the catalogue of at least one known rule set.
    pub fn knows_conduct_code(&self, code: &str) -> bool {
        self.sets
            .iter()
            .any(|s| s.rules.conduct.iter().any(|c| c.code == code))
    }

    pub fn conduct_codes(&self) -> BTreeSet<String> {
        self.sets
            .iter()
            .flat_map(|s| s.rules.conduct.iter().map(|c| c.code.clone()))
            .collect()
    }
}

/// A short human summary of a rule set, as `rules check` prints it.
pub fn summary(set: &LoadedRuleSet) -> String {
    let r = &set.rules;
    let grades: Vec<&str> = r.grades.iter().map(|g| g.name.as_str()).collect();
    format!(
        "{} — {} {} (effective from {}), sha256 {}\n  grading: {} over grades {}; {} conduct codes; {} subsidy programmes; weights tables: {}",
        set.source,
        r.name,
        r.version,
        r.effective_from,
        set.sha256,
        r.grading.method.as_str(),
        grades.join("/"),
        r.conduct.len(),
        r.subsidies.len(),
        r.weights.keys().cloned().collect::<Vec<_>>().join(", "),
    )
}

#[cfg(test)]
mod tests;
