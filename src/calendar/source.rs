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
    /// Byte ranges never to show (a secret pasted into a credential field).
    redactions: Vec<(FileId, std::ops::Range<usize>)>,
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

impl Sources {
    /// Never show the bytes of `range` in `file` (to the end of its line when
    /// the range is empty): they hold a secret.
    pub fn redact(&mut self, file: FileId, range: std::ops::Range<usize>) {
        let range = if range.is_empty() {
            let text = self.get(file).map_or("", |f| f.text.as_str());
            let start = range.start.min(text.len());
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            start..end
        } else {
            range
        };
        self.redactions.push((file, range));
    }

    /// `line` (which starts at byte `line_start` of `file`) with redacted
    /// bytes replaced by `*`, one per byte so offsets stay valid.
    pub fn masked_line(&self, file: FileId, line_start: usize, line: &str) -> String {
        let line_end = line_start + line.len();
        let mut out = String::with_capacity(line.len());
        for (i, c) in line.char_indices() {
            let at = line_start + i;
            let hidden = self
                .redactions
                .iter()
                .any(|(f, r)| *f == file && r.start < line_end && r.contains(&at));
            if hidden {
                out.extend(std::iter::repeat_n('*', c.len_utf8()));
            } else {
                out.push(c);
            }
        }
        out
    }
}
