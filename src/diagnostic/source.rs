//! The files a workspace was loaded from, kept for diagnostics, and the
//! bounded, UTF-8-checked reading they all go through.

use std::io::Read;
use std::path::Path;

use super::location::Loc;

/// Files larger than this are refused rather than read: a calendar this big
/// is almost certainly a mistake, and it bounds memory.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file could not be read as text: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    /// Where the problem is (the first invalid byte), or `Loc::UNKNOWN`.
    pub loc: Loc,
    pub message: String,
    pub help: String,
}

impl TextError {
    fn new(loc: Loc, message: impl Into<String>, help: impl Into<String>) -> TextError {
        TextError {
            loc,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// A file's bytes, at most `MAX_FILE_BYTES + 1` of them (so `decode` can
/// tell it is too large without reading it all).
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // Sized once from the file's length: no regrowing and copying.
    let len = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_FILE_BYTES + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Read a file as text, or say why not.
pub fn read_text(path: &Path) -> Result<String, TextError> {
    let file = std::fs::File::open(path).map_err(|e| {
        TextError::new(
            Loc::UNKNOWN,
            format!("cannot read the file: {e}"),
            "check that it exists and is readable",
        )
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            TextError::new(
                Loc::UNKNOWN,
                format!("cannot read the file: {e}"),
                "check that it is a regular, readable file",
            )
        })?;
    decode(bytes)
}

/// Bytes as text: at most `MAX_FILE_BYTES`, valid UTF-8.
pub fn decode(bytes: Vec<u8>) -> Result<String, TextError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(TextError::new(
            Loc::UNKNOWN,
            format!(
                "the file is larger than {} MiB",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            "split the calendar into smaller files (one per month, say)",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        let loc = Loc {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset: u32::try_from(valid.len()).unwrap_or(u32::MAX),
            len: 0,
        };
        TextError::new(
            loc,
            "the file is not valid UTF-8",
            "save it as UTF-8 text; binary files do not belong in the calendars folder",
        )
    })
}

/// Index of a file in [`Sources`]; files are numbered in path order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the workspace root, with `/` separators.
    pub path: String,
    /// The file's text when it is kept in memory; empty when it is read back
    /// from disk on demand (calendar files, to keep memory near input size).
    pub text: String,
}

#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// Where files not kept in memory are read back from.
    root: Option<std::path::PathBuf>,
    files: Vec<SourceFile>,
    /// Byte ranges never to show (a secret pasted into a credential field).
    redactions: Vec<(FileId, std::ops::Range<usize>)>,
}

impl Sources {
    /// Sources whose texts, when not kept, are read back from under `root`.
    pub fn on_disk(root: &std::path::Path) -> Sources {
        Sources {
            root: Some(root.to_path_buf()),
            ..Sources::default()
        }
    }

    /// The text of a file: kept in memory, or read back from disk.
    pub fn text(&self, id: FileId) -> Option<std::borrow::Cow<'_, str>> {
        let file = self.get(id)?;
        if !file.text.is_empty() {
            return Some(std::borrow::Cow::Borrowed(&file.text));
        }
        let root = self.root.as_ref()?;
        read_text(&root.join(&file.path))
            .ok()
            .map(std::borrow::Cow::Owned)
    }

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
            let text = self.text(file).unwrap_or_default();
            let text = text.as_ref();
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
