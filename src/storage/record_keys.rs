//! A stored row's key as the audit log and error messages name it: its
//! columns' text joined by " / ", borrowed (not built) for a one-column key
//! of text, which is most keys of the largest tables.

use std::borrow::Cow;

use chrono::NaiveDate;
use compact_str::CompactString;

/// One column of a key as text: borrowed where it already is text (every
/// surveys row's key is looked at, millions a file).
pub(super) trait KeyPart {
    fn part(&self) -> Cow<'_, str>;
}

impl KeyPart for String {
    fn part(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl KeyPart for CompactString {
    fn part(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl KeyPart for NaiveDate {
    fn part(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

pub(super) fn joined_key<const N: usize>(parts: [Cow<'_, str>; N]) -> Cow<'_, str> {
    let mut parts = parts.into_iter();
    match (parts.next(), parts.len()) {
        (Some(only), 0) => only,
        (first, _) => Cow::Owned(
            first
                .into_iter()
                .chain(parts)
                .collect::<Vec<_>>()
                .join(" / "),
        ),
    }
}
