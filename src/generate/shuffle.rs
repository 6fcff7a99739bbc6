//! Rows in arbitrary order, as real exports arrive (a 12345 hotline or a
//! survey platform does not sort by key): a uniformly random permutation of
//! a file's rows, deterministic for a seed, in bounded memory however large
//! the file. Small files are shuffled in memory; past [`IN_MEMORY_ROWS`]
//! each row goes to one of [`BUCKETS`] random spill files, and each bucket
//! is shuffled on its own and appended — which is again a uniform shuffle.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use csv::ByteRecord;

use super::Rng;

const IN_MEMORY_ROWS: usize = 200_000;
const BUCKETS: usize = 64;

/// Collects a file's data rows and writes them, shuffled, at [`Shuffler::finish`].
pub(crate) struct Shuffler {
    rng: Rng,
    /// Where spill files go: the output directory, so they are on the same disk.
    dir: PathBuf,
    rows: Vec<ByteRecord>,
    spill: Option<Spill>,
}

struct Spill {
    dir: tempfile::TempDir,
    buckets: Vec<csv::Writer<BufWriter<File>>>,
}

impl Spill {
    fn bucket_path(dir: &Path, i: usize) -> PathBuf {
        dir.join(format!("bucket-{i:02}.csv"))
    }
}

impl Shuffler {
    /// A shuffle of its own random stream, so files do not share an order.
    pub(crate) fn new(seed: u64, stream: u64, dir: &Path) -> Self {
        Shuffler {
            rng: Rng::new(seed, 1_000 + stream),
            dir: dir.to_path_buf(),
            rows: Vec::new(),
            spill: None,
        }
    }

    /// Adds a row; past the in-memory bound, rows spill to files.
    pub(crate) fn push(&mut self, row: ByteRecord) -> anyhow::Result<()> {
        if let Some(spill) = &mut self.spill {
            let i = self.rng.below_usize(BUCKETS);
            if let Some(bucket) = spill.buckets.get_mut(i) {
                bucket.write_byte_record(&row)?;
            }
            return Ok(());
        }
        self.rows.push(row);
        if self.rows.len() >= IN_MEMORY_ROWS {
            let dir = tempfile::Builder::new()
                .prefix(".shuffle-")
                .tempdir_in(&self.dir)
                .with_context(|| {
                    format!("cannot create a spill directory in {}", self.dir.display())
                })?;
            let mut buckets = Vec::with_capacity(BUCKETS);
            for i in 0..BUCKETS {
                let file = File::create(Spill::bucket_path(dir.path(), i))?;
                buckets.push(
                    csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(BufWriter::with_capacity(64 << 10, file)),
                );
            }
            let mut spill = Spill { dir, buckets };
            for row in self.rows.drain(..) {
                let i = self.rng.below_usize(BUCKETS);
                if let Some(bucket) = spill.buckets.get_mut(i) {
                    bucket.write_byte_record(&row)?;
                }
            }
            self.rows = Vec::new();
            self.spill = Some(spill);
        }
        Ok(())
    }

    /// Writes every row, shuffled, to `w`.
    pub(crate) fn finish<W: Write>(mut self, w: &mut csv::Writer<W>) -> anyhow::Result<()> {
        let Some(spill) = self.spill.take() else {
            let mut rows = std::mem::take(&mut self.rows);
            self.shuffle(&mut rows);
            for row in &rows {
                w.write_byte_record(row)?;
            }
            return Ok(());
        };
        let Spill { dir, buckets } = spill;
        for bucket in buckets {
            bucket
                .into_inner()
                .map_err(|e| anyhow::anyhow!("cannot write a spill file: {}", e.error()))?
                .flush()?;
        }
        for i in 0..BUCKETS {
            let file = File::open(Spill::bucket_path(dir.path(), i))?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(BufReader::new(file));
            let mut rows = Vec::new();
            let mut row = ByteRecord::new();
            while reader.read_byte_record(&mut row)? {
                rows.push(row.clone());
            }
            self.shuffle(&mut rows);
            for row in &rows {
                w.write_byte_record(row)?;
            }
        }
        Ok(())
    }

    /// Fisher–Yates with the generator's own RNG.
    fn shuffle(&mut self, rows: &mut [ByteRecord]) {
        for i in (1..rows.len()).rev() {
            let j = self.rng.below_usize(i + 1);
            rows.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shuffled(n: usize, seed: u64) -> Vec<u32> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Shuffler::new(seed, 1, dir.path());
        for i in 0..n {
            s.push(ByteRecord::from(vec![i.to_string()])).unwrap();
        }
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        s.finish(&mut w).unwrap();
        let bytes = w.into_inner().unwrap();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect()
    }

    #[test]
    fn every_row_once_in_another_order_in_memory_and_spilled() {
        for n in [0, 1, 1_000, IN_MEMORY_ROWS + 5_000] {
            let rows = shuffled(n, 3);
            let mut sorted = rows.clone();
            sorted.sort_unstable();
            let expected: Vec<u32> = (0..u32::try_from(n).unwrap()).collect();
            assert_eq!(sorted, expected, "{n} rows");
            if n > 100 {
                // Far from sorted: few rows are followed by their successor.
                let in_order = rows.windows(2).filter(|w| w[1] == w[0] + 1).count();
                assert!(in_order < n / 50, "{in_order} of {n} rows still in order");
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_order() {
        assert_eq!(shuffled(5_000, 9), shuffled(5_000, 9));
        assert_ne!(shuffled(5_000, 9), shuffled(5_000, 10));
    }
}
