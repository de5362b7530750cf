//! `postcal schema`

use std::path::PathBuf;

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::raw::{RawCalendar, RawConfig};

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which file's schema to print.
    #[arg(value_enum)]
    pub kind: Option<SchemaKind>,
    /// Write both schemas (postcal.schema.json, calendar.schema.json) into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// postcal.yaml
    Workspace,
    /// calendar files
    Calendar,
}

/// The JSON Schema (draft-07) for a kind of file, pretty-printed.
pub fn schema_json(kind: SchemaKind) -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = match kind {
        SchemaKind::Workspace => generator.into_root_schema_for::<RawConfig>(),
        SchemaKind::Calendar => generator.into_root_schema_for::<RawCalendar>(),
    };
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

pub const FILE_NAMES: [(SchemaKind, &str); 2] = [
    (SchemaKind::Workspace, "postcal.schema.json"),
    (SchemaKind::Calendar, "calendar.schema.json"),
];

pub fn run(args: SchemaArgs, env: &Env) -> Result<Outcome, CliError> {
    if let Some(dir) = args.out {
        std::fs::create_dir_all(&dir)?;
        for (kind, name) in FILE_NAMES {
            std::fs::write(dir.join(name), schema_json(kind))?;
            env.printer
                .note(&format!("wrote {}", dir.join(name).display()));
        }
        return Ok(Outcome::Success);
    }
    env.printer
        .out(&schema_json(args.kind.unwrap_or(SchemaKind::Workspace)))?;
    Ok(Outcome::Success)
}
