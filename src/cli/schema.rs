//! `postcal schema`

use std::path::PathBuf;

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::schema::{FILE_NAMES, FileKind, schema_json};

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

impl From<SchemaKind> for FileKind {
    fn from(kind: SchemaKind) -> FileKind {
        match kind {
            SchemaKind::Workspace => FileKind::Workspace,
            SchemaKind::Calendar => FileKind::Calendar,
        }
    }
}

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
    env.printer.out(&schema_json(
        args.kind.unwrap_or(SchemaKind::Workspace).into(),
    ))?;
    Ok(Outcome::Success)
}
