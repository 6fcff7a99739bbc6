//! Readers that stand between a file's bytes and the CSV parser: one feeds
//! the file's SHA-256, one refuses endless lines, one refuses a UTF-8 line
//! inside a GBK file. Each fails with an I/O error that says why, which the
//! table turns into the file's or the row's error.

use std::io::Read;

use sha2::Digest;

use super::table::{limits, HashHandle};

/// Feeds every byte that passes through into the file's SHA-256.
pub(crate) struct HashingReader<R> {
    pub(crate) inner: R,
    pub(crate) hasher: HashHandle,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let (Ok(mut h), Some(bytes)) = (self.hasher.lock(), buf.get(..n)) {
            h.update(bytes);
        }
        Ok(n)
    }
}

/// Refuses a line longer than [`limits::MAX_LINE_BYTES`], so a file without
/// line breaks cannot make the CSV reader buffer all of it.
pub(crate) struct LineGuard<R> {
    inner: R,
    since_newline: usize,
}

impl<R> LineGuard<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            since_newline: 0,
        }
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for b in buf.get(..n).unwrap_or_default() {
            if *b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > limits::MAX_LINE_BYTES {
                    return Err(std::io::Error::other(format!(
                        "a line is longer than {} KiB; this is not a table of records",
                        limits::MAX_LINE_BYTES / 1024
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// In a GBK file, refuses a line that is UTF-8 text (two or more Chinese
/// characters, every byte valid UTF-8): decoding it as GBK would store
/// garbled names without a word of warning.
pub(crate) struct MixedEncodingGuard<R> {
    inner: R,
    line: Vec<u8>,
    number: u64,
}

impl<R> MixedEncodingGuard<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            line: Vec::new(),
            number: 1,
        }
    }
}

/// UTF-8 with at least two characters of three or more bytes (CJK).
fn is_utf8_chinese(line: &[u8]) -> bool {
    std::str::from_utf8(line)
        .is_ok_and(|s| s.chars().filter(|c| c.len_utf8() >= 3).nth(1).is_some())
}

impl<R: Read> Read for MixedEncodingGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for b in buf.get(..n).unwrap_or_default() {
            if *b == b'\n' {
                if is_utf8_chinese(&self.line) {
                    return Err(std::io::Error::other(format!(
                        "mixes two encodings: row {} is UTF-8 text while the file is GBK; save the whole file again in one encoding",
                        self.number
                    )));
                }
                self.line.clear();
                self.number += 1;
            } else if self.line.len() < 4096 {
                self.line.push(*b);
            }
        }
        Ok(n)
    }
}
