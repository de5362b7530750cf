//! The index on disk: `.postcal/cache/index.bin`, one file for the
//! workspace. A header (magic, format, postcal's version, a hash of
//! postcal.yaml, a checksum of the body) then the body in postcard. An index
//! that is missing, truncated, corrupt, written by another version or for
//! another postcal.yaml is ignored (and rebuilt), never trusted, never an
//! error. Written to a temporary file in the same folder and renamed (not
//! synced: what a crash leaves is caught by the checksum).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::validate::PostSummary;

pub const INDEX_PATH: &str = ".postcal/cache/index.bin";
const MAGIC: &[u8; 14] = b"postcal-index\n";
/// Bump when what is stored, or what it means, changes.
pub const FORMAT: u32 = 7;

/// What the index knows of one calendar file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    /// xxh3 of the file's bytes.
    pub hash: u64,
    /// Its posts' summaries, encoded: read only when a run needs them.
    #[serde(with = "serde_bytes")]
    pub summaries: Vec<u8>,
    pub count: u32,
    pub times: Times,
    /// The findings of loading it and of the per-file rules.
    pub findings: Vec<StoredFinding>,
    /// The media files its posts attach, as they were when checked.
    pub media: Vec<MediaStamp>,
}

/// When a file's posts are, so a run can tell without reading them that
/// it has nothing to do with them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Times {
    /// The earliest and latest `at`, in microseconds since the epoch.
    pub earliest: Option<i64>,
    pub latest: Option<i64>,
    /// A post is retracted (a run may have to delete it whenever it is).
    pub retracted: bool,
    /// A post's time cannot be read (a run reports it every time).
    pub timeless: bool,
}

impl Times {
    pub fn of(summaries: &[PostSummary]) -> Times {
        let ats = summaries
            .iter()
            .filter_map(|s| s.at.map(|t| t.timestamp_micros()));
        Times {
            earliest: ats.clone().min(),
            latest: ats.max(),
            retracted: summaries
                .iter()
                .any(|s| s.status == crate::calendar::Status::Retracted),
            timeless: summaries.iter().any(|s| s.at.is_none()),
        }
    }
}

/// Encode summaries for an entry.
pub fn encode(summaries: &[PostSummary]) -> Vec<u8> {
    postcard::to_allocvec(summaries).unwrap_or_default()
}

/// Decode an entry's summaries; `None` when they do not decode.
pub fn decode(bytes: &[u8]) -> Option<Vec<PostSummary>> {
    postcard::from_bytes(bytes).ok()
}

/// A media file's size and modification time: when either differs, the
/// file's media findings are checked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaStamp {
    pub path: String,
    pub len: Option<u64>,
    pub modified: Option<i128>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFinding {
    pub rule: String,
    pub error: bool,
    pub subject: StoredSubject,
    pub loc: [u32; 4],
    pub message: String,
    pub help: Option<String>,
}

/// A finding's subject, with "this file" for the file it was found in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum StoredSubject {
    Workspace,
    Channel(String),
    ThisFile,
    ThisEntry,
    Post(String),
    Delivery(String, String),
}

/// The findings of the rules across files, for one state of the workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrossEntry {
    /// xxh3 over every file's path and hash, in order.
    pub workspace_hash: u64,
    /// The findings, each with the number of the file it is in.
    pub findings: Vec<(u32, StoredFinding)>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Body {
    pub files: Vec<FileEntry>,
    pub cross: Option<CrossEntry>,
}

/// A [`Body`] to write, borrowing the entries (encoded exactly as a
/// `Body`: serde writes a reference as what it refers to).
#[derive(Serialize)]
pub struct BodyOut<'a> {
    pub files: Vec<&'a FileEntry>,
    pub cross: Option<CrossEntry>,
}

pub fn path(root: &Path) -> PathBuf {
    root.join(INDEX_PATH)
}

fn header(config_hash: u64, body: &[u8]) -> Vec<u8> {
    let mut h = Vec::with_capacity(64);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT.to_le_bytes());
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    h.push(u8::try_from(version.len()).unwrap_or(u8::MAX));
    h.extend_from_slice(version);
    h.extend_from_slice(&config_hash.to_le_bytes());
    h.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(body).to_le_bytes());
    h.extend_from_slice(&(body.len() as u64).to_le_bytes());
    h
}

/// Why an index was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    Missing,
    Foreign,
    Corrupt,
}

/// The index for `config_hash`, if there is a sound one.
pub fn read(root: &Path, config_hash: u64) -> Result<Body, Stale> {
    let bytes = std::fs::read(path(root)).map_err(|_| Stale::Missing)?;
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or(Stale::Foreign)?;
    let take = |rest: &[u8], n: usize| -> Result<(Vec<u8>, usize), Stale> {
        rest.get(..n).map(|b| (b.to_vec(), n)).ok_or(Stale::Corrupt)
    };
    let (format, _) = take(rest, 4)?;
    if format != FORMAT.to_le_bytes() {
        return Err(Stale::Foreign);
    }
    let rest = &rest[4..];
    let version_len = usize::from(*rest.first().ok_or(Stale::Corrupt)?);
    let (version, _) = take(&rest[1..], version_len)?;
    if version != env!("CARGO_PKG_VERSION").as_bytes() {
        return Err(Stale::Foreign);
    }
    let rest = &rest[1 + version_len..];
    let (config, _) = take(rest, 8)?;
    if config != config_hash.to_le_bytes() {
        return Err(Stale::Foreign);
    }
    let (sum, _) = take(&rest[8..], 8)?;
    let (len, _) = take(&rest[16..], 8)?;
    let body = &rest[24..];
    let len = u64::from_le_bytes(len.try_into().map_err(|_| Stale::Corrupt)?);
    if body.len() as u64 != len
        || xxhash_rust::xxh3::xxh3_64(body).to_le_bytes().as_slice() != sum.as_slice()
    {
        return Err(Stale::Corrupt);
    }
    postcard::from_bytes(body).map_err(|_| Stale::Corrupt)
}

/// Write the index atomically. A failure is reported to the caller, who
/// only mentions it: the index is a cache.
pub fn write(root: &Path, config_hash: u64, body: &BodyOut<'_>) -> std::io::Result<()> {
    // The summaries are most of it: one allocation, not a doubling series.
    let guess = body
        .files
        .iter()
        .map(|f| f.summaries.len() + f.path.len() + 64)
        .sum::<usize>()
        + 4096;
    let bytes =
        postcard::to_extend(body, Vec::with_capacity(guess)).map_err(std::io::Error::other)?;
    let target = path(root);
    let dir = target
        .parent()
        .ok_or_else(|| std::io::Error::other("no cache folder"))?;
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(ignore, "*\n")?;
    }
    let tmp = dir.join(format!("index.bin.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&header(config_hash, &bytes))?;
        file.write_all(&bytes)?;
        // Not synced: a cache. An index a crash leaves short or empty fails
        // its length and checksum and is rebuilt.
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
