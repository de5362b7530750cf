//! JSON Schemas (draft-07) for `postcal.yaml` and calendar files, generated
//! from the serde types that read them, for editors' YAML language servers.

use crate::calendar::raw::{RawCalendar, RawConfig};

/// Which kind of file a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `postcal.yaml`
    Workspace,
    /// Calendar files.
    Calendar,
}

/// The file names the schemas are written under (`postcal schema --out`,
/// `postcal init`), beside each other in one folder.
pub const FILE_NAMES: [(FileKind, &str); 2] = [
    (FileKind::Workspace, "postcal.schema.json"),
    (FileKind::Calendar, "calendar.schema.json"),
];

/// The JSON Schema (draft-07) for a kind of file, pretty-printed.
pub fn schema_json(kind: FileKind) -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = match kind {
        FileKind::Workspace => generator.into_root_schema_for::<RawConfig>(),
        FileKind::Calendar => generator.into_root_schema_for::<RawCalendar>(),
    };
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
