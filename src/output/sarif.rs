//! SARIF 2.1.0 (OASIS), what code-scanning dashboards read: one run of the
//! `postcal` tool, the rules it ran, and a result per finding at its file,
//! line and column. `tests/sarif.rs` checks the log against the SARIF
//! JSON Schema with `check-jsonschema`.

use serde::Serialize;

use crate::diagnostic::{Finding, Severity, Sources};
use crate::validate::rules;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult>,
    /// Our columns count characters, not UTF-16 code units.
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The SARIF log of `findings` (a problem met in several occurrences of a
/// series once, as in the other formats people read). `prefix` is the
/// workspace folder from the repository's top (`""` or `brand/`), since
/// code scanning matches results to files by their path from there.
pub fn sarif(findings: &[Finding], sources: &Sources, prefix: &str) -> String {
    let findings = super::occurrences::merge(findings);
    // Every rule of the table, then any check made while loading that a
    // finding names (`yaml`, `config`, ...).
    let mut ids: Vec<&str> = Vec::new();
    let mut described: Vec<Rule<'_>> = Vec::new();
    for r in rules::all() {
        ids.push(r.meta.id.as_str());
        described.push(Rule {
            id: r.meta.id.as_str(),
            short_description: Text {
                text: r.meta.summary.to_owned(),
            },
            default_configuration: Configuration {
                level: match r.meta.default_level.severity() {
                    Some(s) => level(s),
                    None => "none",
                },
            },
        });
    }
    for f in &findings {
        let id = f.rule.as_str();
        if !ids.contains(&id) {
            ids.push(id);
            described.push(Rule {
                id,
                short_description: Text {
                    text: format!("postcal's `{id}` check, made while reading the workspace"),
                },
                default_configuration: Configuration { level: "error" },
            });
        }
    }
    let results = findings
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if let Some(help) = &f.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let locations = f
                .file
                .map(|id| Location {
                    physical_location: Physical {
                        artifact_location: Artifact {
                            uri: format!("{prefix}{}", sources.path(id)),
                        },
                        region: f.loc.is_known().then_some(Region {
                            start_line: f.loc.line,
                            start_column: f.loc.column.max(1),
                        }),
                    },
                })
                .into_iter()
                .collect();
            SarifResult {
                rule_id: f.rule.as_str().to_owned(),
                rule_index: ids
                    .iter()
                    .position(|i| *i == f.rule.as_str())
                    .unwrap_or_default(),
                level: level(f.severity),
                message: Text { text },
                locations,
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "postcal",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: described,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
