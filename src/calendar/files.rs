//! Where a workspace's files come from: the disk, or a git revision (for
//! `diff`). The loader reads through this, so both load the same way.

use std::path::PathBuf;

use super::load;
use crate::diagnostic::{TextError, read_text};

pub trait Files: Sync {
    /// The text of the file at `rel` (workspace-relative, `/` separators);
    /// `Ok(None)` when there is no such file.
    fn text(&self, rel: &str) -> Result<Option<String>, TextError>;
    /// Every `*.yaml` / `*.yml` under the folder `dir`, workspace-relative,
    /// sorted; `None` when the folder does not exist.
    fn calendar_files(&self, dir: &str) -> Option<Vec<String>>;
    /// Whether texts must be kept in memory for diagnostics (they cannot be
    /// read back later, as from a git revision).
    fn keep_texts(&self) -> bool;
}

/// The workspace as it is on disk.
pub struct Disk {
    pub root: PathBuf,
}

impl Files for Disk {
    fn text(&self, rel: &str) -> Result<Option<String>, TextError> {
        let path = self.root.join(rel);
        if !path.is_file() {
            return Ok(None);
        }
        read_text(&path).map(Some)
    }

    fn calendar_files(&self, dir: &str) -> Option<Vec<String>> {
        let dir = self.root.join(dir);
        dir.is_dir().then(|| {
            load::calendar_files(&dir)
                .iter()
                .map(|p| super::relative(&self.root, p))
                .collect()
        })
    }

    fn keep_texts(&self) -> bool {
        false
    }
}
