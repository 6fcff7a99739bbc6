//! A digest of everything a rating depends on (§8): the same digest means the
//! same inputs, so a rerun can be shown to have used the same data.

use sha2::{Digest, Sha256};

use super::input::*;

/// Feeds values unambiguously: every field ends with a separator byte that
/// cannot occur inside the UTF-8 text of a field.
struct Feed(Sha256);

impl Feed {
    fn field(&mut self, bytes: impl AsRef<[u8]>) {
        self.0.update(bytes.as_ref());
        self.0.update([0xFF]);
    }

    fn text(&mut self, s: &str) {
        self.field(s.as_bytes());
    }

    fn show(&mut self, v: impl std::fmt::Display) {
        self.field(v.to_string());
    }

    fn table(&mut self, name: &str, rows: usize) {
        self.text(name);
        self.show(rows);
    }
}

/// SHA-256 (hex) over the period, every input row and the published history.
pub fn input_digest(input: &RatingInput) -> String {
    let mut f = Feed(Sha256::new());
    f.show(input.period);
    f.table("companies", input.companies.len());
    for c in &input.companies {
        f.text(&c.code);
        f.text(&c.name);
        f.text(&c.district);
    }
    f.table("communities", input.communities.len());
    for c in &input.communities {
        f.text(&c.code);
        f.text(&c.district);
        f.text(c.community_type.as_str());
        f.show(c.old_community);
        f.show(c.households);
        // Only when given: the inputs of every run before base conditions
        // existed digest as they did.
        if let Some(b) = c.base_condition {
            f.text(b.as_str());
        }
    }
    f.table("contracts", input.contracts.len());
    for c in &input.contracts {
        f.text(&c.community_code);
        f.text(&c.company_code);
        f.show(c.start);
        f.show(c.end.map(|d| d.to_string()).unwrap_or_default());
    }
    f.table("surveys", input.survey_tallies.len());
    for t in &input.survey_tallies {
        f.text(&t.community_code);
        f.field(t.overall.to_le_bytes());
        f.field(t.responses.to_le_bytes());
    }
    f.table("complaints", input.complaints.len());
    for c in &input.complaints {
        f.text(&c.community_code);
        f.field(c.received_at.and_utc().timestamp().to_le_bytes());
        f.field([u8::from(c.substantiated)]);
        f.field(
            c.resolved_at
                .map(|r| r.and_utc().timestamp())
                .unwrap_or(i64::MIN)
                .to_le_bytes(),
        );
    }
    f.table("fees", input.fees.len());
    for x in &input.fees {
        f.text(&x.community_code);
        f.field(x.billed_cents.to_le_bytes());
        f.field(x.collected_cents.to_le_bytes());
    }
    f.table("inspections", input.inspections.len());
    for x in &input.inspections {
        f.text(&x.inspection_id);
        f.text(&x.community_code);
        f.show(x.inspected_on);
        f.field(x.score.to_le_bytes());
        f.show(
            x.rectification_due
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        f.show(x.rectified_on.map(|d| d.to_string()).unwrap_or_default());
    }
    f.table("conduct", input.conduct.len());
    for r in &input.conduct {
        f.text(&r.record_id);
        f.text(&r.company_code);
        f.text(&r.code);
        match r.repaired_from {
            None => f.show(r.occurred_on),
            // A date never contains '~': a repaired record's field differs
            // from every unrepaired one's, and digests of data without
            // repairs stay as they were.
            Some(repaired) => f.show(format_args!("{}~{repaired}", r.occurred_on)),
        }
    }
    f.table("history", input.history.len());
    for q in &input.history {
        f.show(q.period);
        match &q.results {
            None => f.text("unpublished"),
            Some(rs) => {
                f.table("results", rs.len());
                for r in rs {
                    f.text(&r.company_code);
                    f.field(r.total.0.to_le_bytes());
                    f.text(r.list.as_str());
                }
            }
        }
    }
    hex::encode(f.0.finalize())
}
