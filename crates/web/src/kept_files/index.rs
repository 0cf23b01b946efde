//! The store's `index.json`: which files are kept, in order, and under which
//! stored name; and the plan of a keep, worked out from the index before and
//! the files wanted, without touching the browser (so it reads, and can be
//! tested, as plain Rust).

use super::Period;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The index's own name in the store's directory. Stored files are named
/// `file-N`, so they never meet it.
pub const INDEX_NAME: &str = "index.json";

/// Written into every index; an index with another version (a later build of
/// the site, then an older one cached) is not read.
const VERSION: u32 = 1;

/// What is kept, in the order the files were loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    pub files: Vec<Entry>,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            version: VERSION,
            files: Vec::new(),
        }
    }
}

/// One kept file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub period: Period,
    /// The name the person's file had (shown again after a reload).
    pub name: String,
    /// Bytes, as the browser counted them when the file was kept.
    pub size: u64,
    /// The file's last-modified time (milliseconds since 1970, as the
    /// browser gives it); `None` for a Blob that is not a file, such as the
    /// fetched example. Part of what makes a file "the same" as one kept.
    pub modified: Option<f64>,
    /// Its bytes' name in the store's directory.
    pub stored: String,
}

/// A file the page wants kept, as far as the plan needs to know it.
#[derive(Clone, Debug)]
pub struct Wanted<'a> {
    pub period: Period,
    pub name: &'a str,
    pub size: u64,
    pub modified: Option<f64>,
}

/// What a keep does.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The index to write once every file in `writes` is written.
    pub index: Index,
    /// Positions (in the wanted files, and in `index.files`) whose bytes
    /// must be written under their entry's stored name.
    pub writes: Vec<usize>,
}

impl Index {
    /// Reads an index back. The error says why it cannot be used.
    pub fn parse(text: &str) -> Result<Index, String> {
        let index: Index = serde_json::from_str(text).map_err(|e| format!("its index does not read: {e}"))?;
        if index.version != VERSION {
            return Err(format!(
                "they were kept by another version of this site, index version {}",
                index.version
            ));
        }
        Ok(index)
    }

    /// The index as written into the store.
    pub fn to_json(&self) -> String {
        // An index is strings, integers and finite floats: nothing serde_json
        // refuses, so the fallback is never written in practice.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Bytes in the store's files: a stored file named by two entries (the
    /// same file in both sets) counts once.
    pub fn bytes(&self) -> u64 {
        let mut seen = HashSet::new();
        self.files
            .iter()
            .filter(|entry| seen.insert(entry.stored.as_str()))
            .map(|entry| entry.size)
            .sum()
    }

    /// Names in the store's directory that this index does not use (files of
    /// an earlier keep, or of one cut short), given what the directory holds.
    pub fn unused<'a>(&self, present: &'a [String]) -> Vec<&'a str> {
        let used: HashSet<&str> = self.files.iter().map(|entry| entry.stored.as_str()).collect();
        present
            .iter()
            .map(String::as_str)
            .filter(|name| *name != INDEX_NAME && !used.contains(name))
            .collect()
    }
}

/// Plans keeping exactly `wanted`, in order, over what `old` holds. A file
/// kept before under the same name, size and modified time keeps its stored
/// bytes (a same-named file with other bytes almost always differs in size or
/// time). Every other file gets a fresh stored name that `old` does not use:
/// the old index must stay true until the new one replaces it, so no file it
/// names is ever rewritten.
pub fn plan(old: &Index, wanted: &[Wanted<'_>]) -> Plan {
    let mut taken: HashSet<String> = old.files.iter().map(|entry| entry.stored.clone()).collect();
    let mut next = 0u64;
    let mut files = Vec::with_capacity(wanted.len());
    let mut writes = Vec::new();
    for (position, want) in wanted.iter().enumerate() {
        let same = old
            .files
            .iter()
            .find(|entry| entry.name == want.name && entry.size == want.size && entry.modified == want.modified);
        let stored = match same {
            Some(entry) => entry.stored.clone(),
            None => {
                let stored = loop {
                    let candidate = format!("file-{next}");
                    next += 1;
                    if taken.insert(candidate.clone()) {
                        break candidate;
                    }
                };
                writes.push(position);
                stored
            }
        };
        files.push(Entry {
            period: want.period,
            name: want.name.to_owned(),
            size: want.size,
            modified: want.modified,
            stored,
        });
    }
    Plan {
        index: Index {
            version: VERSION,
            files,
        },
        writes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(period: Period, name: &str, size: u64, modified: Option<f64>) -> Wanted<'_> {
        Wanted {
            period,
            name,
            size,
            modified,
        }
    }

    #[test]
    fn a_first_keep_writes_every_file_under_its_own_name() {
        let plan = plan(
            &Index::default(),
            &[
                want(Period::Current, "a.json", 10, Some(1.0)),
                want(Period::Baseline, "a.json", 10, Some(2.0)),
            ],
        );
        assert_eq!(plan.writes, vec![0, 1]);
        let stored: Vec<&str> = plan.index.files.iter().map(|e| e.stored.as_str()).collect();
        assert_eq!(stored, ["file-0", "file-1"]);
        assert_eq!(plan.index.files[1].period, Period::Baseline);
    }

    #[test]
    fn a_file_kept_before_is_not_written_again_and_new_ones_avoid_old_names() {
        let first = plan(
            &Index::default(),
            &[
                want(Period::Current, "a.json", 10, Some(1.0)),
                want(Period::Current, "b.json", 20, None),
            ],
        )
        .index;
        let second = plan(
            &first,
            &[
                want(Period::Current, "b.json", 20, None),
                want(Period::Current, "a.json", 10, Some(5.0)), // edited since: written again
                want(Period::Baseline, "c.json", 30, None),
            ],
        );
        assert_eq!(second.writes, vec![1, 2]);
        let stored: Vec<&str> = second.index.files.iter().map(|e| e.stored.as_str()).collect();
        assert_eq!(stored, ["file-1", "file-2", "file-3"]);
        // file-0 (the old a.json) is left for the sweep after the index is replaced.
        let present = vec![
            "file-0".to_owned(),
            "file-1".to_owned(),
            INDEX_NAME.to_owned(),
            "file-3".to_owned(),
        ];
        assert_eq!(second.index.unused(&present), ["file-0"]);
    }

    #[test]
    fn the_same_file_in_both_sets_is_stored_once_and_counted_once() {
        let first = plan(&Index::default(), &[want(Period::Current, "a.json", 10, None)]).index;
        let both = plan(
            &first,
            &[
                want(Period::Current, "a.json", 10, None),
                want(Period::Baseline, "a.json", 10, None),
            ],
        );
        assert!(both.writes.is_empty());
        assert_eq!(both.index.bytes(), 10);
    }

    #[test]
    fn an_index_reads_back_and_another_version_is_refused() {
        let index = plan(
            &Index::default(),
            &[want(Period::Baseline, "x \"y\".json", 7, Some(1.7e12))],
        )
        .index;
        assert_eq!(Index::parse(&index.to_json()), Ok(index.clone()));
        let later = index.to_json().replace("\"version\":1", "\"version\":2");
        assert!(Index::parse(&later).is_err());
        assert!(Index::parse("{\"files\":").is_err());
    }
}
