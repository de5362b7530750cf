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
    /// A post reached its time without being approved (reported once).
    Unapproved,
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
    /// On an `attempt`: what the adapter prepared for the part before the
    /// call that publishes it (a Threads container id), never the post's
    /// id. An addition to SPEC §4's record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// On `failed`: the failure was transient (a later run may retry inside
    /// the catch-up window). An addition to SPEC §4's record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transient: bool,
    /// On an `attempt` pushed as a claim (`--coordinate git`): the runner
    /// that made it, and until when other runners leave it to that runner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
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
            container: None,
            transient: false,
            runner: None,
            until: None,
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
    /// A line that is not a record, before the end: not a torn write but an
    /// edit or a bad merge. Nothing is published until a person looks.
    #[error("the ledger {}:{line} is not a ledger record ({reason})", path.display())]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
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
    /// When the first attempt was made (a key the platform keeps for a
    /// while is counted from then).
    pub first_attempt: Option<DateTime<Utc>>,
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
    /// Deliveries already recorded as missed (a thread cut short included),
    /// with the record.
    pub missed: HashMap<(String, String), Record>,
    /// Deliveries already reported as not approved in time.
    pub unapproved: HashSet<(String, String)>,
    /// Lines that did not parse (a torn write), by line number.
    pub skipped_lines: Vec<usize>,
}

impl LedgerState {
    /// The published link of each delivery `(post, channel)` that has one
    /// (its first part's), for the views that show it.
    pub fn links(&self) -> HashMap<(String, String), String> {
        self.parts
            .iter()
            .filter(|((_, _, part), _)| *part == 0)
            .filter_map(|((p, c, _), s)| {
                Some(((p.clone(), c.clone()), s.published.as_ref()?.url.clone()?))
            })
            .collect()
    }

    /// What it knows of each post id, for placing queued posts.
    pub fn known(&self) -> crate::queue::Recorded {
        let mut out = crate::queue::Recorded::new();
        for ((post, _, _), s) in &self.parts {
            let k = out.entry(post.clone()).or_default();
            k.went_out |= s.published.is_some();
            k.pending |= s.published.is_none() && s.last.is_some();
        }
        for (post, _) in self.missed.keys().chain(self.unapproved.iter()) {
            out.entry(post.clone()).or_default().passed = true;
        }
        out
    }

    pub fn from_records(records: impl IntoIterator<Item = Record>) -> LedgerState {
        let mut state = LedgerState::default();
        for r in records {
            state.apply(r);
        }
        state
    }

    pub fn apply(&mut self, r: Record) {
        if r.event == Event::Missed {
            self.missed.insert((r.post.clone(), r.channel.clone()), r);
            return;
        }
        if r.event == Event::Unapproved {
            self.unapproved.insert((r.post.clone(), r.channel.clone()));
            return;
        }
        let part = self
            .parts
            .entry((r.post.clone(), r.channel.clone(), r.part))
            .or_default();
        if part.first_attempt.is_none() && r.event == Event::Attempt {
            part.first_key = r.key.clone();
            part.first_attempt = Some(r.ts);
        }
        // An attempt after the part was published (and not retracted) is
        // an old run's record merged in after the outcome (a killed
        // runner's ledger reaching the remote late): it opens nothing.
        if r.event == Event::Attempt && part.published.is_some() {
            return;
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

/// Read every record. A last line cut short (a write torn by a power cut or
/// a kill) is skipped and noted, as is an earlier line that is a record cut
/// short (one an older postcal closed with a newline); any other line that
/// is not a record is an error naming its line.
pub fn read(root: &Path) -> Result<LedgerState, LedgerError> {
    let path = root.join(LEDGER_PATH);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LedgerState::default()),
        Err(source) => return Err(LedgerError::Read { path, source }),
    };
    let mut state = LedgerState::default();
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let last = lines.len() - 1;
    for (n, line) in lines.iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line) {
            Ok(r) => state.apply(r),
            // The unterminated tail, or a record cut short: a torn write.
            Err(Bad::Torn) => state.skipped_lines.push(n + 1),
            Err(Bad::Other(_)) if n == last => state.skipped_lines.push(n + 1),
            Err(Bad::Other(reason)) => {
                return Err(LedgerError::Corrupt {
                    path,
                    line: n + 1,
                    reason,
                });
            }
        }
    }
    Ok(state)
}

/// Why a line is not a record.
enum Bad {
    /// A record cut short: its write never finished.
    Torn,
    Other(String),
}

fn parse_line(line: &[u8]) -> Result<Record, Bad> {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        // Cut inside a character, at the end: cut short.
        Err(e) if e.error_len().is_none() => return Err(Bad::Torn),
        Err(e) => return Err(Bad::Other(format!("not UTF-8: {e}"))),
    };
    serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            Bad::Torn
        } else {
            Bad::Other(e.to_string())
        }
    })
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
    /// Open (creating `.postcal/` and the file if needed). A torn last line
    /// (no newline after it) is cut off when it is not a whole record — its
    /// write never finished, so nothing was sent after it — and closed with
    /// a newline when it is, so the next record starts on its own line.
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
                let bytes = std::fs::read(&path).map_err(write_err)?;
                let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let whole = std::str::from_utf8(&bytes[start..])
                    .is_ok_and(|t| serde_json::from_str::<Record>(t).is_ok());
                if whole {
                    file.write_all(b"\n").map_err(write_err)?;
                } else {
                    file.set_len(start as u64).map_err(write_err)?;
                }
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
mod tests;
