//! The index of what each calendar file contributes, so a cron tick reads
//! only what changed. Every file is read and hashed (xxh3 of its bytes: a
//! fresh checkout changes every mtime, so mtimes prove nothing); a file
//! whose hash the index knows contributes its stored post summaries and
//! findings, any other is parsed and checked (in parallel). Everything is
//! rebuilt when postcal.yaml, the build of postcal, the index format or the
//! month (how far series are read) changes.
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
use store::{Body, BodyOut, CrossEntry, FileEntry, Times};

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

/// The workspace as the index sees it: configuration, every file, what
/// each file's posts are (summaries, read on demand), and the findings of
/// loading and of the per-file rules. Posts themselves are parsed on demand
/// (`workspace`).
pub struct Catalog {
    pub root: PathBuf,
    pub sources: Sources,
    pub config: Config,
    pub settings: RuleSettings,
    /// postcal.yaml's findings (rules section included).
    pub config_findings: Vec<Finding>,
    /// Findings of loading the calendar files and of the per-file rules.
    pub file_findings: Vec<Finding>,
    pub stats: Stats,
    pub mode: Mode,
    files: Vec<FileState>,
    /// Every summary, once something needed them all.
    all: Option<Vec<PostSummary>>,
    /// Findings of the rules across files that do not depend on the clock
    /// or the ledger (`None` until computed).
    cross: Option<Vec<Finding>>,
    config_hash: u64,
    workspace_hash: u64,
    dirty: bool,
}

/// One calendar file: its entry, and its summaries when they were just made.
struct FileState {
    id: FileId,
    entry: FileEntry,
    fresh: Option<Vec<PostSummary>>,
}

impl FileState {
    /// Its summaries, with their file set; `None` when they do not decode.
    fn summaries(&self) -> Option<Vec<PostSummary>> {
        let list = match &self.fresh {
            Some(list) => list.clone(),
            None => store::decode(&self.entry.summaries)?,
        };
        Some(self.in_file(list))
    }

    /// The same, moving its fresh summaries out rather than copying them
    /// (read again from its entry should a run ask for the file alone).
    fn take_summaries(&mut self) -> Option<Vec<PostSummary>> {
        match self.fresh.take() {
            Some(list) => Some(self.in_file(list)),
            None => self.summaries(),
        }
    }

    fn in_file(&self, mut list: Vec<PostSummary>) -> Vec<PostSummary> {
        for s in &mut list {
            s.file = self.id;
        }
        list
    }
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
    Fresh(FileEntry, Vec<PostSummary>),
}

impl Catalog {
    /// Read the workspace at `root`, through the index unless `mode` is `Off`.
    /// `now` is the run's clock (series are expanded to its horizon);
    /// `build` tells one build of postcal from another (two builds of one
    /// version may read a file differently: the index is rebuilt).
    pub fn open(
        root: &Path,
        mode: Mode,
        now: DateTime<Utc>,
        build: u64,
    ) -> Result<Catalog, LoadError> {
        let files = Disk {
            root: root.to_path_buf(),
        };
        let config_text = files.text(calendar::CONFIG_FILE);
        // What a file gives depends on postcal.yaml and on how far series
        // are expanded (which changes once a month).
        let config_hash = match &config_text {
            Ok(Some(text)) => {
                let mut h = xxhash_rust::xxh3::Xxh3::new();
                h.update(text.as_bytes());
                h.update(calendar::horizon(now).to_string().as_bytes());
                h.update(&build.to_le_bytes());
                h.digest()
            }
            _ => 0,
        };
        let (mut sources, config, mut config_findings) =
            calendar::load_config(root, &files, config_text, now)?;
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
                        let (entry, summaries) =
                            build_entry(root, rel, *file, hash, text, &config, &settings);
                        Read::Fresh(entry, summaries)
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
        let mut file_findings = Vec::new();
        let mut states = Vec::with_capacity(read.len());
        for (r, (file, _)) in read.into_iter().zip(&ids) {
            let (entry, fresh) = match r {
                Read::Known(i) => {
                    stats.reused += 1;
                    (std::mem::take(&mut stored.files[i]), None)
                }
                Read::Fresh(entry, summaries) => {
                    stats.parsed += 1;
                    (entry, Some(summaries))
                }
            };
            file_findings.extend(
                entry
                    .findings
                    .iter()
                    .filter_map(|f| convert::finding_in(f, *file)),
            );
            states.push(FileState {
                id: *file,
                entry,
                fresh,
            });
        }
        let workspace_hash = workspace_hash(&states);
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
        let dirty = stats.parsed > 0 || stored.files.len() != states.len() || cross.is_none();
        Ok(Catalog {
            root: root.to_path_buf(),
            sources,
            config,
            settings,
            config_findings,
            file_findings,
            stats,
            mode,
            files: states,
            all: None,
            cross,
            config_hash,
            workspace_hash,
            dirty: dirty && mode == Mode::Use,
        })
    }

    /// How many posts the workspace holds.
    pub fn post_count(&self) -> usize {
        self.files.iter().map(|f| f.entry.count as usize).sum()
    }

    /// The files that hold at least one post.
    pub fn files_with_posts(&self) -> std::collections::HashSet<FileId> {
        self.files
            .iter()
            .filter(|f| f.entry.count > 0)
            .map(|f| f.id)
            .collect()
    }

    /// Every post's summary, in file and post order.
    pub fn summaries(&mut self) -> &[PostSummary] {
        if self.all.is_none() {
            let lists: Vec<Option<Vec<PostSummary>>> = self
                .files
                .par_iter_mut()
                .map(FileState::take_summaries)
                .collect();
            self.all = Some(concat(lists));
        }
        self.all.as_deref().unwrap_or(&[])
    }

    /// The summaries of the files whose times `keep` accepts (the others are
    /// not even read).
    pub fn summaries_where(&self, keep: impl Fn(&Times) -> bool + Sync) -> Vec<PostSummary> {
        if let Some(all) = &self.all {
            let files: std::collections::HashSet<FileId> = self
                .files
                .iter()
                .filter(|f| keep(&f.entry.times))
                .map(|f| f.id)
                .collect();
            return all
                .iter()
                .filter(|s| files.contains(&s.file))
                .cloned()
                .collect();
        }
        let lists: Vec<Option<Vec<PostSummary>>> = self
            .files
            .par_iter()
            .filter(|f| keep(&f.entry.times))
            .map(FileState::summaries)
            .collect();
        concat(lists)
    }

    /// The findings of the rules across files that depend only on the
    /// calendar (duplicate ids, spacing, daily caps, repeated texts).
    fn stable_cross(&mut self) -> Vec<Finding> {
        if let Some(cross) = &self.cross {
            return cross.clone();
        }
        self.summaries();
        let published = PublishedSet::new();
        let cx = CrossContext {
            summaries: self.all.as_deref().unwrap_or(&[]),
            config: &self.config,
            sources: &self.sources,
            now: DateTime::<Utc>::MIN_UTC,
            published: &published,
        };
        let cross = validate::cross_pass(&cx, &self.settings);
        self.cross = Some(cross.clone());
        cross
    }

    /// Every finding, as `validate` gives them, at `now` with `published`.
    pub fn findings(&mut self, now: DateTime<Utc>, published: &PublishedSet) -> Vec<Finding> {
        let mut all = self.config_findings.clone();
        all.extend(self.file_findings.iter().cloned());
        all.extend(self.stable_cross());
        // The rules on the clock see posts whose time has come.
        let now_micros = now.timestamp_micros();
        let past = self.summaries_where(|t| t.earliest.is_some_and(|e| e < now_micros));
        let cx = CrossContext {
            summaries: &past,
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
        let cross = self.stable_cross();
        let cross = CrossEntry {
            workspace_hash: self.workspace_hash,
            findings: cross
                .iter()
                .filter_map(|f| {
                    let file = f.file?;
                    Some((file.0, convert::finding_out(f, file)))
                })
                .collect(),
        };
        let body = BodyOut {
            files: self.files.iter().map(|f| &f.entry).collect(),
            cross: Some(cross),
        };
        let result = store::write(&self.root, self.config_hash, &body);
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
) -> (FileEntry, Vec<PostSummary>) {
    let loaded = calendar::load_calendar(text, file, config, false);
    let result = validate::file_pass(&loaded.posts, config, root, settings);
    let mut findings: Vec<Finding> = loaded.findings;
    findings.extend(result.findings);
    let entry = FileEntry {
        path: rel.to_owned(),
        hash,
        summaries: store::encode(&result.summaries),
        count: u32::try_from(result.summaries.len()).unwrap_or(u32::MAX),
        times: store::Times::of(&result.summaries),
        findings: findings
            .iter()
            .map(|f| convert::finding_out(f, file))
            .collect(),
        media: convert::media_stamps(root, &loaded.posts),
    };
    (entry, result.summaries)
}

/// The lists one after another, in one allocation of the right size.
fn concat(lists: Vec<Option<Vec<PostSummary>>>) -> Vec<PostSummary> {
    let total = lists.iter().flatten().map(Vec::len).sum();
    let mut all = Vec::with_capacity(total);
    for list in lists.into_iter().flatten() {
        all.extend(list);
    }
    all
}

/// What the rules across files see of the workspace: xxh3 over every
/// file's path and encoded summaries, in order. (Their findings depend on
/// postcal.yaml, the paths and the summaries only: an edit that leaves
/// every summary as it was, a comment say, keeps them.)
fn workspace_hash(files: &[FileState]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for e in files.iter().map(|f| &f.entry) {
        h.update(e.path.as_bytes());
        h.update(&[0]);
        h.update(&(e.summaries.len() as u64).to_le_bytes());
        h.update(&e.summaries);
    }
    h.digest()
}
