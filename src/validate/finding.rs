//! Findings are data: what is wrong, where, and how to fix it. Renderers in
//! `output::diagnostics` turn them into human text, JSON or GitHub commands.

use serde::Serialize;

use crate::calendar::{FileId, Loc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The file it is in, when it is about a file.
    pub file: Option<FileId>,
    pub loc: Loc,
    pub message: String,
    pub help: Option<String>,
}

impl Finding {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        file: Option<FileId>,
        loc: Loc,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            file,
            loc,
            message: message.into(),
            help: None,
        }
    }

    pub fn error(rule: &'static str, file: FileId, loc: Loc, message: impl Into<String>) -> Self {
        Finding::new(rule, Severity::Error, Some(file), loc, message)
    }

    pub fn warning(rule: &'static str, file: FileId, loc: Loc, message: impl Into<String>) -> Self {
        Finding::new(rule, Severity::Warning, Some(file), loc, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sort key: files in path order (FileIds are assigned in path order),
    /// then position.
    pub fn sort_key(&self) -> (Option<FileId>, u32, u32, &'static str) {
        (self.file, self.loc.line, self.loc.column, self.rule)
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

impl Tally {
    pub fn of(findings: &[Finding]) -> Tally {
        findings.iter().fold(Tally::default(), |mut t, f| {
            match f.severity {
                Severity::Error => t.errors += 1,
                Severity::Warning => t.warnings += 1,
            }
            t
        })
    }
}
