//! Reading only the calendar files a comparison needs: a file whose content
//! is the same in both revisions holds the same posts on both sides, so it
//! cannot add to the changes (with the same postcal.yaml; when that changed,
//! every file is read).

use std::collections::HashSet;

use super::git::Repo;
use crate::calendar::files::Files;
use crate::diagnostic::TextError;

/// The workspace-relative calendar files to read to compare `base` with
/// `head` (the working tree when `None`); `None`: read them all (the
/// configuration changed, or git could not tell).
pub fn to_read(repo: &dyn Repo, base: &str, head: Option<&str>) -> Option<HashSet<String>> {
    let prefix = repo.prefix();
    let changed = repo.changed(base, head).ok()?;
    let mut keep = HashSet::new();
    for path in changed {
        let Some(rel) = path.strip_prefix(prefix) else {
            continue;
        };
        if rel == "postcal.yaml" {
            return None;
        }
        keep.insert(rel.to_owned());
    }
    Some(keep)
}

/// `files`, with only the calendar files in `keep` (all of them when
/// `None`; postcal.yaml and every other file read as they are).
pub struct Only<'a> {
    pub files: &'a dyn Files,
    pub keep: Option<&'a HashSet<String>>,
}

impl Files for Only<'_> {
    fn text(&self, rel: &str) -> Result<Option<String>, TextError> {
        self.files.text(rel)
    }

    fn calendar_files(&self, dir: &str) -> Option<Vec<String>> {
        let mut all = self.files.calendar_files(dir)?;
        if let Some(keep) = self.keep {
            all.retain(|p| keep.contains(p));
        }
        Some(all)
    }

    fn keep_texts(&self) -> bool {
        self.files.keep_texts()
    }
}
