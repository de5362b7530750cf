//! The publish ledger, `.postcal/ledger.jsonl` (SPEC §4): append-only JSON
//! lines, meant to be committed. Every record is on disk (fsync) before the
//! next request goes out; a torn last line (power cut) is skipped on read.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validate::PublishedSet;

pub const LEDGER_PATH: &str = ".postcal/ledger.jsonl";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    Attempt,
    Published,
    Failed,
    Missed,
    Unknown,
    RetractAttempt,
    Retracted,
}

/// One line of the ledger. Absent fields are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub ts: DateTime<Utc>,
    pub post: String,
    pub channel: String,
    #[serde(default)]
    pub part: u32,
    pub event: Event,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// On `failed`: the failure was transient (a later run may retry inside
    /// the catch-up window). An addition to SPEC §4's record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transient: bool,
}

impl Record {
    pub fn new(ts: DateTime<Utc>, post: &str, channel: &str, part: u32, event: Event) -> Record {
        Record {
            ts,
            post: post.to_owned(),
            channel: channel.to_owned(),
            part,
            event,
            key: None,
            hash: None,
            remote_id: None,
            url: None,
            error: None,
            transient: false,
        }
    }
}

/// Why the ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read the ledger {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the ledger {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the ledger says about one part of one delivery.
#[derive(Debug, Clone, Default)]
pub struct PartState {
    /// The `published` record, unless retracted since.
    pub published: Option<Record>,
    /// The newest record of any kind.
    pub last: Option<Record>,
    /// A `retracted` record after the publication.
    pub retracted: bool,
    /// The key of the first attempt: the part's identity from then on.
    pub first_key: Option<String>,
}

impl PartState {
    /// An attempt (or retract-attempt) with no outcome after it: the process
    /// died mid-request.
    pub fn pending(&self) -> Option<&Record> {
        self.last
            .as_ref()
            .filter(|r| matches!(r.event, Event::Attempt | Event::RetractAttempt))
    }
}

pub type PartKey = (String, String, u32);

/// The ledger folded into per-part states.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    pub parts: HashMap<PartKey, PartState>,
    /// Deliveries already recorded as missed.
    pub missed: HashSet<(String, String)>,
    /// Lines that did not parse (a torn write), by line number.
    pub skipped_lines: Vec<usize>,
}

impl LedgerState {
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> LedgerState {
        let mut state = LedgerState::default();
        for r in records {
            state.apply(r);
        }
        state
    }

    pub fn apply(&mut self, r: Record) {
        if r.event == Event::Missed {
            self.missed.insert((r.post.clone(), r.channel.clone()));
            return;
        }
        let part = self
            .parts
            .entry((r.post.clone(), r.channel.clone(), r.part))
            .or_default();
        if part.first_key.is_none() && r.event == Event::Attempt {
            part.first_key = r.key.clone();
        }
        match r.event {
            Event::Published => {
                part.published = Some(r.clone());
                part.retracted = false;
            }
            Event::Retracted => {
                part.published = None;
                part.retracted = true;
            }
            _ => {}
        }
        part.last = Some(r);
    }

    pub fn part(&self, post: &str, channel: &str, part: u32) -> Option<&PartState> {
        self.parts.get(&(post.to_owned(), channel.to_owned(), part))
    }

    /// Deliveries whose first part is published.
    pub fn published_set(&self) -> PublishedSet {
        self.parts
            .iter()
            .filter(|((_, _, part), s)| *part == 0 && s.published.is_some())
            .map(|((post, channel, _), _)| (post.clone(), channel.clone()))
            .collect()
    }
}

/// Read every record; a line that does not parse is skipped and noted.
pub fn read(root: &Path) -> Result<LedgerState, LedgerError> {
    let path = root.join(LEDGER_PATH);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LedgerState::default()),
        Err(source) => return Err(LedgerError::Read { path, source }),
    };
    let mut state = LedgerState::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(r) => state.apply(r),
            Err(_) => state.skipped_lines.push(n + 1),
        }
    }
    Ok(state)
}

/// Deliveries the ledger shows as published (for offline commands). An
/// unreadable ledger counts as empty here; `publish` reports it.
pub fn published(root: &Path) -> PublishedSet {
    read(root).map(|s| s.published_set()).unwrap_or_default()
}

/// The ledger open for appending. Each `append` is durable before it returns.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: File,
}

impl Ledger {
    /// Open (creating `.postcal/` and the file if needed). A torn last line is
    /// closed with a newline first, so the next record starts on its own line.
    pub fn open(root: &Path) -> Result<Ledger, LedgerError> {
        let path = root.join(LEDGER_PATH);
        let write_err = |source| LedgerError::Write {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(write_err)?;
        let len = file.metadata().map_err(write_err)?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1)).map_err(write_err)?;
            file.read_exact(&mut last).map_err(write_err)?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(write_err)?;
                file.sync_data().map_err(write_err)?;
            }
        }
        Ok(Ledger { path, file })
    }

    /// Append one record and flush it to disk.
    pub fn append(&mut self, record: &Record) -> Result<(), LedgerError> {
        let mut line = serde_json::to_string(record).map_err(|e| LedgerError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|source| LedgerError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts() -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn records_serialize_without_absent_fields() {
        let mut r = Record::new(ts(), "launch", "m", 0, Event::Published);
        r.url = Some("https://m.example/@a/1".into());
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"ts":"2026-12-01T08:00:00Z","post":"launch","channel":"m","part":0,"event":"published","url":"https://m.example/@a/1"}"#
        );
    }

    #[test]
    fn torn_last_line_is_skipped_and_closed_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path()).unwrap();
        ledger
            .append(&Record::new(ts(), "a", "m", 0, Event::Attempt))
            .unwrap();
        drop(ledger);
        let path = dir.path().join(LEDGER_PATH);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"ts":"2026-12-01T08:00:01Z","post":"a","chan"#)
            .unwrap();
        drop(f);
        let state = read(dir.path()).unwrap();
        assert_eq!(state.skipped_lines, vec![2]);
        assert!(state.part("a", "m", 0).unwrap().pending().is_some());

        let mut ledger = Ledger::open(dir.path()).unwrap();
        ledger
            .append(&Record::new(ts(), "a", "m", 0, Event::Published))
            .unwrap();
        let state = read(dir.path()).unwrap();
        assert_eq!(state.skipped_lines, vec![2]);
        assert!(state.part("a", "m", 0).unwrap().published.is_some());
    }

    #[test]
    fn retraction_clears_publication() {
        let state = LedgerState::from_records([
            Record::new(ts(), "a", "m", 0, Event::Attempt),
            Record::new(ts(), "a", "m", 0, Event::Published),
            Record::new(ts(), "a", "m", 0, Event::RetractAttempt),
        ]);
        let part = state.part("a", "m", 0).unwrap();
        assert!(part.published.is_some() && part.pending().is_some());
        let state = LedgerState::from_records([
            Record::new(ts(), "a", "m", 0, Event::Published),
            Record::new(ts(), "a", "m", 0, Event::Retracted),
        ]);
        assert!(state.part("a", "m", 0).unwrap().published.is_none());
        assert!(state.published_set().is_empty());
    }
}
