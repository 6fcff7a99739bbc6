//! A JSON array of objects as a table, in two streaming passes so memory
//! stays at one element at a time: the first checks the document and
//! collects the field names (at most [`limits::MAX_JSON_FIELDS`]), which
//! become the header; the second sends each object as a row. Element 0 is
//! "row 2", as if the array were a sheet under a header.

use std::fmt;
use std::io::{BufReader, SeekFrom};
use std::sync::mpsc::SyncSender;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use super::table::{
    clean_cell, limits, spawn_producer, Cell, HashHandle, HashingReader, Produced, RawRow, Source,
    Table,
};

pub(crate) fn open<R: Source>(source: R) -> Result<Table, String> {
    spawn_producer(source, produce::<R>)
}

fn produce<R: Source>(
    mut source: R,
    hasher: &HashHandle,
    tx: &SyncSender<Produced>,
) -> Result<(), String> {
    let mut header: Vec<String> = Vec::new();
    {
        let mut hashed = BufReader::new(HashingReader {
            inner: &mut source,
            hasher: hasher.clone(),
        });
        let mut de = serde_json::Deserializer::from_reader(&mut hashed);
        de.deserialize_seq(Pass::Fields(&mut header))
            .map_err(|e| describe(&e))?;
        de.end().map_err(|e| describe(&e))?;
        // Whatever follows the document (whitespace) belongs to the file's digest.
        std::io::copy(&mut hashed, &mut std::io::sink())
            .map_err(|e| format!("cannot be read: {e}"))?;
    }
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot be read: {e}"))?;
    if tx.send(Produced::Header(header.clone())).is_err() {
        return Ok(());
    }
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(source));
    match de.deserialize_seq(Pass::Rows {
        header: &header,
        tx,
    }) {
        // Checked by the first pass; a failure now is the importer hanging up.
        Ok(()) | Err(_) => Ok(()),
    }
}

fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data if e.to_string().starts_with("has ") => e.to_string(),
        Category::Data => format!("must be a JSON array of objects ({e})"),
        Category::Io => format!("cannot be read: {e}"),
        Category::Syntax | Category::Eof => format!("is not valid JSON: {e}"),
    }
}

enum Pass<'a> {
    /// Collect the field names of every object.
    Fields(&'a mut Vec<String>),
    /// Send each element as a row under `header`.
    Rows {
        header: &'a [String],
        tx: &'a SyncSender<Produced>,
    },
}

impl<'de> Visitor<'de> for Pass<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self {
            Pass::Fields(fields) => {
                let mut elements = 0u64;
                while let Some(item) = seq.next_element::<Value>()? {
                    elements += 1;
                    let Value::Object(map) = item else { continue };
                    for key in map.keys() {
                        let key = key.trim();
                        if fields.iter().any(|f| f == key) {
                            continue;
                        }
                        if fields.len() >= limits::MAX_JSON_FIELDS {
                            return Err(de::Error::custom(format!(
                                "has more than {} different field names; a file of this service has at most that many columns",
                                limits::MAX_JSON_FIELDS
                            )));
                        }
                        fields.push(key.chars().take(200).collect());
                    }
                }
                if fields.is_empty() && elements > 0 {
                    return Err(de::Error::custom(
                        "has elements that are not objects: it must be a JSON array of objects, one per row",
                    ));
                }
            }
            Pass::Rows { header, tx } => {
                let mut number: u64 = 1;
                while let Some(item) = seq.next_element::<Value>()? {
                    number = number.saturating_add(1);
                    let row = RawRow {
                        number,
                        cells: cells(header, item),
                    };
                    if tx.send(Produced::Row(row)).is_err() {
                        return Err(de::Error::custom("the importer stopped reading"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// One element's cells in header order.
fn cells(header: &[String], item: Value) -> Result<Vec<Cell>, String> {
    let Value::Object(map) = item else {
        let mut shown = item.to_string();
        if shown.len() > 60 {
            shown = format!("{}…", shown.chars().take(60).collect::<String>());
        }
        return Err(format!("is not a JSON object but {shown}"));
    };
    header
        .iter()
        .map(|h| match map.iter().find(|(k, _)| k.trim() == h) {
            Some((_, v)) => json_text(v),
            None => Ok(Cell::default()),
        })
        .collect()
}

fn json_text(v: &Value) -> Result<Cell, String> {
    match v {
        Value::Null => Ok(Cell::default()),
        Value::String(s) => clean_cell(s),
        Value::Array(_) | Value::Object(_) => Err(
            "has a nested array or object as a value; values are text, numbers or booleans".into(),
        ),
        other => Ok(Cell::from(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use crate::import::table::Cell;
    use crate::import::{Format, Table};

    #[test]
    fn fields_become_the_header_and_objects_rows() {
        let t = Table::from_bytes(
            br#"[{"a": 1, "b": "x"}, {"b": " y ", "c": true}, 5]"#.to_vec(),
            Format::Json,
        )
        .unwrap();
        assert_eq!(t.header, ["a", "b", "c"]);
        let rows: Vec<_> = t.collect();
        assert_eq!(
            rows[0].cells,
            Ok(vec!["1".into(), "x".into(), Cell::default()])
        );
        assert_eq!(
            rows[1].cells,
            Ok(vec![Cell::default(), "y".into(), "true".into()])
        );
        assert_eq!(rows[2].number, 4);
        assert!(rows[2]
            .cells
            .as_ref()
            .unwrap_err()
            .contains("not a JSON object"));
    }

    #[test]
    fn too_many_fields_or_no_array_are_file_errors() {
        let many: serde_json::Map<String, serde_json::Value> = (0..100)
            .map(|i| (format!("f{i}"), serde_json::Value::Null))
            .collect();
        let doc = serde_json::to_vec(&serde_json::Value::Array(vec![many.into()])).unwrap();
        let err = Table::from_bytes(doc, Format::Json).err().unwrap();
        assert!(err.contains("field names"), "{err}");
        let err = Table::from_bytes(br#"{"a": 1}"#.to_vec(), Format::Json)
            .err()
            .unwrap();
        assert!(err.contains("array"), "{err}");
        let err = Table::from_bytes(b"[{\"a\": 1},".to_vec(), Format::Json)
            .err()
            .unwrap();
        assert!(err.contains("not valid JSON"), "{err}");
    }
}
