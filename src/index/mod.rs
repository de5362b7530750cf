//! The index of what each calendar file contributes, so a cron tick reads
//! only what changed. Every file is read and hashed (xxh3 of its bytes: a
//! fresh checkout changes every mtime, so mtimes prove nothing); a file
//! whose hash the index knows contributes its stored post summaries and
//! findings, any other is parsed and checked (in parallel). Everything is
//! rebuilt when postcal.yaml, postcal's version or the index format changes.
//! Correctness never depends on the index: what it stores is exactly what
//! parsing the file again would give.

mod convert;
pub mod store;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::calendar::files::{Disk, Files};
use crate::calendar::{self, Config, LoadError, Workspace};
use crate::diagnostic::{FileId, Finding, Sources};
use crate::validate::{self, CrossContext, PostSummary, PublishedSet, rules::RuleSettings};
use store::{Body, CrossEntry, FileEntry};

/// How a workspace was read, for `-v` and for the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    /// Files whose stored contribution was used.
    pub reused: usize,
    /// Files parsed (changed, new, or no usable index).
    pub parsed: usize,
    /// Whether the index was used at all.
    pub index_used: bool,
    /// Whether the findings across files came from the index.
    pub cross_reused: bool,
}

/// The workspace as the index sees it: configuration, every file, a
/// summary of every post, and the findings of loading and of the per-file
/// rules. Posts themselves are parsed on demand (`workspace`).
pub struct Catalog {
    pub root: PathBuf,
    pub sources: Sources,
    pub config: Config,
    pub settings: RuleSettings,
    /// postcal.yaml's findings (rules section included).
    pub config_findings: Vec<Finding>,
    /// Every post's summary, in file and post order.
    pub summaries: Vec<PostSummary>,
    /// Findings of loading the calendar files and of the per-file rules.
    pub file_findings: Vec<Finding>,
    /// Findings of the rules across files that do not depend on the clock
    /// or the ledger (`None` until computed).
    cross: Option<Vec<Finding>>,
    pub stats: Stats,
    pub mode: Mode,
    config_hash: u64,
    entries: Vec<FileEntry>,
    workspace_hash: u64,
    dirty: bool,
}

/// Whether to use (and keep) the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read it, and write it back when something changed.
    Use,
    /// Read it, but write nothing (a dry run).
    ReadOnly,
    /// Neither read nor write it: parse everything (and a run reads every
    /// file, as if there were no index at all).
    Off,
}

/// What became of one calendar file while reading.
enum Read {
    /// The index knew it: its entry's position in the stored index.
    Known(usize),
    Fresh(FileEntry),
}

impl Catalog {
    /// Read the workspace at `root`, through the index unless `mode` is `Off`.
    pub fn open(root: &Path, mode: Mode) -> Result<Catalog, LoadError> {
        let files = Disk {
            root: root.to_path_buf(),
        };
        let config_text = files.text(calendar::CONFIG_FILE);
        let config_hash = match &config_text {
            Ok(Some(text)) => xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            _ => 0,
        };
        let (mut sources, config, mut config_findings) =
            calendar::load_config(root, &files, config_text)?;
        let (settings, rule_findings) = validate::settings(&config);
        config_findings.extend(rule_findings);
        let paths = calendar::calendar_list(&files, &config, config.file, &sources)?;
        let mut stored = match mode {
            Mode::Off => Body::default(),
            Mode::Use | Mode::ReadOnly => store::read(root, config_hash).unwrap_or_default(),
        };
        let by_path: HashMap<&str, usize> = stored
            .files
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path.as_str(), i))
            .collect();
        let ids: Vec<(FileId, String)> = paths
            .into_iter()
            .map(|rel| (sources.add(rel.clone(), String::new()), rel))
            .collect();
        let read: Vec<Read> = ids
            .par_iter()
            .map(|(file, rel)| {
                let bytes = crate::diagnostic::read_bytes(&root.join(rel));
                let hash = bytes.as_ref().map_or(0, |b| xxhash_rust::xxh3::xxh3_64(b));
                let known = by_path.get(rel.as_str()).copied().filter(|&i| {
                    let e = &stored.files[i];
                    bytes.is_ok() && e.hash == hash && convert::media_unchanged(root, &e.media)
                });
                match known {
                    Some(i) => Read::Known(i),
                    None => {
                        let text = bytes
                            .map_err(|e| calendar::read_error(&e))
                            .and_then(|b| crate::diagnostic::decode(b).map(Some));
                        Read::Fresh(build_entry(
                            root, rel, *file, hash, text, &config, &settings,
                        ))
                    }
                }
            })
            .collect();
        drop(by_path);
        let mut stats = Stats {
            files: ids.len(),
            index_used: !stored.files.is_empty(),
            ..Stats::default()
        };
        let mut summaries = Vec::new();
        let mut file_findings = Vec::new();
        let mut entries = Vec::with_capacity(read.len());
        for (r, (file, _)) in read.into_iter().zip(&ids) {
            let mut entry = match r {
                Read::Known(i) => {
                    stats.reused += 1;
                    std::mem::take(&mut stored.files[i])
                }
                Read::Fresh(entry) => {
                    stats.parsed += 1;
                    entry
                }
            };
            for s in &mut entry.summaries {
                s.file = *file;
            }
            file_findings.extend(
                entry
                    .findings
                    .iter()
                    .filter_map(|f| convert::finding_in(f, *file)),
            );
            entry.count = entry.summaries.len();
            summaries.append(&mut entry.summaries);
            entries.push(entry);
        }
        let workspace_hash = workspace_hash(&entries);
        let cross = stored
            .cross
            .filter(|c| c.workspace_hash == workspace_hash)
            .map(|c| {
                c.findings
                    .iter()
                    // File ids are numbered the same way each run, and the
                    // workspace hash covers the list of files.
                    .filter_map(|(i, f)| convert::finding_in(f, FileId(*i)))
                    .collect()
            });
        stats.cross_reused = cross.is_some();
        let dirty = stats.parsed > 0 || stored.files.len() != entries.len() || cross.is_none();
        Ok(Catalog {
            root: root.to_path_buf(),
            sources,
            config,
            settings,
            config_findings,
            summaries,
            file_findings,
            cross,
            stats,
            mode,
            config_hash,
            entries,
            workspace_hash,
            dirty: dirty && mode == Mode::Use,
        })
    }

    /// The findings of the rules across files that depend only on the
    /// calendar (duplicate ids, spacing, daily caps, repeated texts).
    fn stable_cross(&mut self) -> &[Finding] {
        if self.cross.is_none() {
            let published = PublishedSet::new();
            let cx = CrossContext {
                summaries: &self.summaries,
                config: &self.config,
                sources: &self.sources,
                now: DateTime::<Utc>::MIN_UTC,
                published: &published,
            };
            self.cross = Some(validate::cross_pass(&cx, &self.settings));
        }
        self.cross.as_deref().unwrap_or(&[])
    }

    /// Every finding, as `validate` gives them, at `now` with `published`.
    pub fn findings(&mut self, now: DateTime<Utc>, published: &PublishedSet) -> Vec<Finding> {
        let mut all = self.config_findings.clone();
        all.extend(self.file_findings.iter().cloned());
        all.extend(self.stable_cross().iter().cloned());
        let cx = CrossContext {
            summaries: &self.summaries,
            config: &self.config,
            sources: &self.sources,
            now,
            published,
        };
        all.extend(validate::clock_pass(&cx, &self.settings));
        validate::finish(all)
    }

    /// The posts of the files `wanted`, parsed again, as a workspace (its
    /// sources are the whole workspace's, so file ids and findings agree).
    pub fn workspace(&self, wanted: &[FileId]) -> Workspace {
        let files = Disk {
            root: self.root.clone(),
        };
        let mut wanted = wanted.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let loaded: Vec<calendar::Loaded> = wanted
            .par_iter()
            .map(|file| {
                let text = files.text(self.sources.path(*file));
                calendar::load_calendar(text, *file, &self.config, false)
            })
            .collect();
        let mut ws = Workspace {
            root: self.root.clone(),
            sources: self.sources.clone(),
            config: self.config.clone(),
            posts: Vec::new(),
            findings: Vec::new(),
        };
        for l in loaded {
            ws.posts.extend(l.posts);
            ws.findings.extend(l.findings);
        }
        ws
    }

    /// Write the index back when anything changed; a failure is returned
    /// for a note, never an error.
    pub fn save(&mut self) -> std::io::Result<bool> {
        if !self.dirty {
            return Ok(false);
        }
        self.stable_cross();
        let cross = self.cross.as_ref().map(|findings| CrossEntry {
            workspace_hash: self.workspace_hash,
            findings: findings
                .iter()
                .filter_map(|f| {
                    let file = f.file?;
                    Some((file.0, convert::finding_out(f, file)))
                })
                .collect(),
        });
        // Each entry gets its summaries back (they live in one list).
        let mut files = std::mem::take(&mut self.entries);
        let mut at = 0;
        for entry in &mut files {
            entry.summaries = self.summaries[at..at + entry.count].to_vec();
            at += entry.count;
        }
        let body = Body { files, cross };
        let result = store::write(&self.root, self.config_hash, &body);
        self.entries = body.files;
        for entry in &mut self.entries {
            entry.summaries = Vec::new();
        }
        self.dirty = result.is_err();
        result.map(|()| true)
    }
}

/// Parse and check one calendar file, as the index will keep it.
fn build_entry(
    root: &Path,
    rel: &str,
    file: FileId,
    hash: u64,
    text: Result<Option<String>, crate::diagnostic::TextError>,
    config: &Config,
    settings: &RuleSettings,
) -> FileEntry {
    let loaded = calendar::load_calendar(text, file, config, false);
    let result = validate::file_pass(&loaded.posts, config, root, settings);
    let mut findings: Vec<Finding> = loaded.findings;
    findings.extend(result.findings);
    FileEntry {
        path: rel.to_owned(),
        hash,
        count: result.summaries.len(),
        summaries: result.summaries,
        findings: findings
            .iter()
            .map(|f| convert::finding_out(f, file))
            .collect(),
        media: convert::media_stamps(root, &loaded.posts),
    }
}

/// xxh3 over every file's path and hash, in order.
fn workspace_hash(entries: &[FileEntry]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for e in entries {
        h.update(e.path.as_bytes());
        h.update(&[0]);
        h.update(&e.hash.to_le_bytes());
    }
    h.digest()
}
