//! JSON Schemas (draft-07) for `postcal.yaml` and calendar files, generated
//! from the serde types that read them, for editors' YAML language servers.

use serde_json::{Value, json};

use crate::calendar::raw::{RawCalendar, RawConfig};
use crate::platform::Platform;

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
    let mut schema = schema.to_value();
    if kind == FileKind::Workspace {
        per_platform_channels(&mut schema);
    }
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// A channel is read as one flat map (so every value keeps its position),
/// but each platform takes only its own fields: the schema says so, one
/// alternative per platform with exactly its fields and the ones it needs,
/// so editors complete and check what the loader will accept.
fn per_platform_channels(schema: &mut Value) {
    let Some(channel) = schema.pointer_mut("/definitions/RawChannel") else {
        return;
    };
    let description = channel.get("description").cloned();
    let properties = channel
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let alternatives: Vec<Value> = Platform::ALL
        .iter()
        .map(|platform| {
            let mut props = serde_json::Map::new();
            props.insert("platform".into(), json!({ "const": platform.name() }));
            for field in platform.fields() {
                if let Some(p) = properties.get(*field) {
                    props.insert((*field).into(), p.clone());
                }
            }
            let mut required = vec!["platform"];
            required.extend(platform.required_fields());
            json!({
                "title": format!("{platform} channel"),
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": false,
            })
        })
        .collect();
    let mut replaced = json!({ "oneOf": alternatives });
    if let Some(d) = description {
        replaced["description"] = d;
    }
    *channel = replaced;
}
