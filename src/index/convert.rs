//! Findings and media as the index stores them, and back.

use std::path::Path;

use super::store::{MediaStamp, StoredFinding, StoredSubject};
use crate::calendar::Post;
use crate::diagnostic::{FileId, Finding, Loc, Severity, Subject};
use crate::validate::rules;

pub fn finding_out(f: &Finding, file: FileId) -> StoredFinding {
    let subject = match &f.subject {
        Subject::Workspace => StoredSubject::Workspace,
        Subject::Channel(c) => StoredSubject::Channel(c.clone()),
        Subject::File(id) if *id == file => StoredSubject::ThisFile,
        Subject::Entry(id) if *id == file => StoredSubject::ThisEntry,
        // A finding in one file about another is not made; keep it safe.
        Subject::File(_) | Subject::Entry(_) => StoredSubject::Workspace,
        Subject::Post(p) => StoredSubject::Post(p.clone()),
        Subject::Delivery { post, channel } => {
            StoredSubject::Delivery(post.clone(), channel.clone())
        }
    };
    let l = f.loc;
    StoredFinding {
        rule: f.rule.as_str().to_owned(),
        error: f.severity == Severity::Error,
        subject,
        loc: [l.line, l.column, l.offset, l.len],
        message: f.message.clone(),
        help: f.help.clone(),
    }
}

/// The finding back, in `file`; `None` when its rule is not known to this
/// postcal (the index is then of no use for it).
pub fn finding_in(f: &StoredFinding, file: FileId) -> Option<Finding> {
    let rule = rules::find(&f.rule)?.meta.id;
    let subject = match &f.subject {
        StoredSubject::Workspace => Subject::Workspace,
        StoredSubject::Channel(c) => Subject::Channel(c.clone()),
        StoredSubject::ThisFile => Subject::File(file),
        StoredSubject::ThisEntry => Subject::Entry(file),
        StoredSubject::Post(p) => Subject::Post(p.clone()),
        StoredSubject::Delivery(post, channel) => Subject::Delivery {
            post: post.clone(),
            channel: channel.clone(),
        },
    };
    let severity = if f.error {
        Severity::Error
    } else {
        Severity::Warning
    };
    let loc = Loc {
        line: f.loc[0],
        column: f.loc[1],
        offset: f.loc[2],
        len: f.loc[3],
    };
    let mut out = Finding::new(rule, severity, subject, Some(file), loc, f.message.clone());
    out.help = f.help.clone();
    Some(out)
}

fn stamp(root: &Path, rel: &str) -> MediaStamp {
    let meta = std::fs::metadata(root.join(rel)).ok();
    MediaStamp {
        path: rel.to_owned(),
        len: meta.as_ref().map(std::fs::Metadata::len),
        modified: meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX)),
    }
}

/// Every media file the posts attach (their variants' too), stamped now.
pub fn media_stamps(root: &Path, posts: &[Post]) -> Vec<MediaStamp> {
    let mut paths: Vec<&str> = posts
        .iter()
        .flat_map(|p| {
            let variants = p.variants.iter().filter_map(|(_, v)| v.media.as_deref());
            std::iter::once(&p.media[..])
                .chain(variants)
                .flatten()
                .map(|m| m.file.value.as_str())
        })
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths.into_iter().map(|p| stamp(root, p)).collect()
}

/// Whether every media file is as it was when the findings were made.
pub fn media_unchanged(root: &Path, stamps: &[MediaStamp]) -> bool {
    stamps.iter().all(|s| stamp(root, &s.path) == *s)
}
