//! The files a workspace was loaded from, kept for diagnostics.

/// Index of a file in [`Sources`]; files are numbered in path order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the workspace root, with `/` separators.
    pub path: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: String, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile { path, text });
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| f.path.as_str())
    }
}

impl Sources {
    pub(crate) fn set_text(&mut self, id: FileId, text: String) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.text = text;
        }
    }
}

impl Sources {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
