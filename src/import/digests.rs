//! Re-sent files, recognised in bulk. A bureau re-sends whole exports: a
//! province's surveys file is nine million rows, nearly all stored already
//! exactly as they are. Looking each one up by its key costs a B-tree descent
//! a row, all over a table larger than any cache; reading the table once, in
//! the order it is stored, costs a fraction of that.
//!
//! So when a file is large next to its table ([`worth_reading`]), the table
//! is read on the import's two snapshot readers side by side and every
//! stored row is reduced to a 128-bit digest of its values
//! ([`Digester`]: keyed SipHash-1-3 over the row's postcard encoding, the
//! import batch left out). A row of the file whose digest is among them is
//! stored exactly so and counts as unchanged. Every other row — new, changed —
//! is looked up by its key as before and compared field by field. A changed
//! row could pass for unchanged only if its digest equalled a stored row's:
//! the keys are drawn afresh for every import, so no file can aim at that,
//! and by chance it is a 2⁻¹²⁸ event per pair of rows.

use std::hash::BuildHasher;

use serde::Serialize;
use siphasher::sip128::SipHasher13;

use super::digest_set::DigestSet;

use super::StoredRecord;
use crate::storage::snapshot::SnapshotReader;
use crate::storage::{Conn, StorageError};

/// The stored rows a file must outweigh, in bytes of file per stored row.
/// A row of a CSV file of this service is 40–90 bytes, so a file qualifies
/// when its rows are at least about a quarter of the table's; reading a
/// stored row costs about a tenth of looking one up. (An XLSX file is
/// compressed: it has more rows than its size says, and is read in bulk
/// less often than it could be.)
const FILE_BYTES_PER_STORED_ROW: u64 = 10;

/// Reads R's stored rows in bulk on `readers` when a file of `file_bytes`
/// is large next to the table (else None): for a file that re-sends them.
pub(super) fn read_if_large<R: StoredRecord>(
    readers: &mut [SnapshotReader],
    file_bytes: u64,
    keys: Keys,
) -> Result<Option<Known>, Option<StorageError>> {
    let Some(first) = readers.first_mut() else {
        return Ok(None);
    };
    match worth_reading::<R>(first, file_bytes) {
        Ok(Some(expected)) => read_all::<R>(readers, keys, expected).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(Some(e.into())),
    }
}

/// The stored rows to read instead of looking up the file's rows one by
/// one: `Some(count)` when the file of `file_bytes` is large next to the
/// table. Counting stops past what would qualify, so a small file never
/// counts a large table. (A small file and a small table qualify too:
/// either way takes milliseconds.)
fn worth_reading<R: StoredRecord>(
    reader: &mut Conn,
    file_bytes: u64,
) -> diesel::QueryResult<Option<u64>> {
    let most = file_bytes / FILE_BYTES_PER_STORED_ROW;
    let stored = R::count_up_to(reader, most.saturating_add(1))?;
    Ok((stored <= most).then_some(stored))
}

/// The secret keys of one import's digests.
#[derive(Clone, Copy)]
pub(super) struct Keys(u64, u64);

impl Keys {
    /// Fresh keys from the operating system's randomness (std seeds each
    /// `RandomState` from it).
    pub(super) fn fresh() -> Self {
        let state = std::collections::hash_map::RandomState::new();
        Self(state.hash_one(0_u8), state.hash_one(1_u8))
    }
}

/// Digests rows under one import's keys, reusing one buffer.
pub(super) struct Digester {
    keys: Keys,
    buffer: Vec<u8>,
}

impl Digester {
    pub(super) fn new(keys: Keys) -> Self {
        Self {
            keys,
            buffer: Vec::with_capacity(256),
        }
    }

    /// The digest of a row's values, or None if it cannot be encoded (then it
    /// is simply not recognised, and is looked up by its key).
    pub(super) fn digest<R: Serialize>(&mut self, row: &R) -> Option<u128> {
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        let buffer = postcard::to_extend(row, buffer).ok()?;
        let digest = SipHasher13::new_with_keys(self.keys.0, self.keys.1)
            .hash(&buffer)
            .as_u128();
        self.buffer = buffer;
        Some(digest)
    }
}

/// The digest of every stored row, one set for every part read.
pub(super) struct Known {
    parts: Vec<DigestSet>,
}

impl Known {
    /// Whether a row with this digest is stored exactly so.
    pub(super) fn holds_row(&self, digest: u128) -> bool {
        self.parts.iter().any(|part| part.contains(digest))
    }

    /// How many rows were read (they differ in their keys, so in their digests).
    pub(super) fn rows(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| u64::try_from(p.len()).unwrap_or(u64::MAX))
            .sum()
    }
}

/// Reads every row of R's table, a part on each reader side by side, and
/// digests it. `expected` is about how many rows there are (for memory).
/// Fails if a reader fails (or its thread does: `None`).
fn read_all<R: StoredRecord>(
    readers: &mut [SnapshotReader],
    keys: Keys,
    expected: u64,
) -> Result<Known, Option<StorageError>> {
    let parts = readers.len();
    let each = usize::try_from(expected)
        .unwrap_or(usize::MAX)
        .div_ceil(parts.max(1));
    std::thread::scope(|scope| {
        let threads: Vec<_> = readers
            .iter_mut()
            .enumerate()
            .map(|(part, reader)| {
                scope.spawn(move || {
                    super::write::in_background();
                    let mut digester = Digester::new(keys);
                    // A little room over an even share: the parts are ranges
                    // of storage, not of rows.
                    let mut digests = Vec::with_capacity(each.saturating_add(each / 8));
                    R::scan_part(reader, part, parts, &mut |row| {
                        // A row that cannot be digested is not recognised:
                        // it is looked up by its key.
                        if let Some(d) = digester.digest(&row) {
                            digests.push(d);
                        }
                    })?;
                    Ok(DigestSet::new(digests))
                })
            })
            .collect();
        let mut known = Known {
            parts: Vec::with_capacity(parts),
        };
        for thread in threads {
            known
                .parts
                .push(thread.join().map_err(|_| None)?.map_err(Some)?);
        }
        Ok(known)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::records::SurveyResponse;

    fn response(id: &str, overall: i32, batch_id: i64) -> SurveyResponse {
        SurveyResponse {
            response_id: id.into(),
            community_code: "C001".into(),
            surveyed_on: chrono::NaiveDate::from_ymd_opt(2026, 4, 2).expect("a date"),
            respondent: "R1".into(),
            overall,
            batch_id,
        }
    }

    #[test]
    fn a_digest_covers_every_value_but_the_batch() {
        let mut d = Digester::new(Keys::fresh());
        let stored = d.digest(&response("S1", 4, 1));
        assert!(stored.is_some());
        assert_eq!(stored, d.digest(&response("S1", 4, 99)));
        assert_ne!(stored, d.digest(&response("S1", 5, 1)));
        assert_ne!(stored, d.digest(&response("S2", 4, 1)));
        let mut other_keys = Digester::new(Keys::fresh());
        assert_ne!(stored, other_keys.digest(&response("S1", 4, 1)));
    }

    #[test]
    fn known_rows_are_found_and_no_others() {
        let mut d = Digester::new(Keys::fresh());
        let digests: Vec<u128> = (0..10_000)
            .filter_map(|i| d.digest(&response(&format!("S{i}"), 3, 1)))
            .collect();
        let known = Known {
            parts: vec![
                DigestSet::new(digests[..3_000].to_vec()),
                DigestSet::new(digests[3_000..].to_vec()),
            ],
        };
        assert_eq!(known.rows(), 10_000);
        assert!(digests.iter().all(|s| known.holds_row(*s)));
        // The same keys with another score, and a new key: not stored so.
        for i in 0..10_000 {
            let changed = response(&format!("S{i}"), 4, 1);
            assert!(!known.holds_row(d.digest(&changed).unwrap()));
        }
        assert!(!known.holds_row(d.digest(&response("T1", 3, 1)).unwrap()));
    }
}
