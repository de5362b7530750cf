//! Findings are data: what is wrong, what it is about, where, and how to fix
//! it. Renderers in `output::diagnostics` turn them into human text, JSON or
//! GitHub commands; `publish` holds back what a finding is about.

use serde::Serialize;

use super::location::Loc;
use super::source::FileId;

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

/// A rule's level as written in `rules:`: off, or the severity of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    Warn,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Warn => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// A rule's id, as users write it in `rules:` and see it in findings
/// (`max-hashtags`). The ids of the checks made while loading are here, so
/// the loader can name them without knowing the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub &'static str);

impl RuleId {
    pub const SYNTAX: RuleId = RuleId("yaml");
    pub const UNKNOWN_FIELD: RuleId = RuleId("unknown-key");
    pub const CONFIG: RuleId = RuleId("config");
    pub const UNKNOWN_TIMEZONE: RuleId = RuleId("unknown-timezone");
    pub const INVALID_TIME: RuleId = RuleId("invalid-time");
    pub const REPEAT: RuleId = RuleId("repeat");
    pub const UNKNOWN_QUEUE: RuleId = RuleId("unknown-queue");
    pub const MISSING_FIELD: RuleId = RuleId("missing-field");
    pub const BLACKOUT: RuleId = RuleId("blackout");
    pub const LITERAL_SECRET: RuleId = RuleId("literal-secret");
    pub const INSECURE_ENDPOINT: RuleId = RuleId("insecure-endpoint");

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// What a finding is about, and so what it keeps from being published.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// The workspace as a whole (postcal.yaml): nothing is published.
    Workspace,
    /// One channel's configuration: nothing goes to that channel.
    Channel(String),
    /// A calendar file as a whole (it does not parse, its `timezone:` or
    /// `defaults:` are wrong): none of its posts is published.
    File(FileId),
    /// An entry under `posts:` that is not a post (it has no `id`): there is
    /// nothing to publish, but the run must say so.
    Entry(FileId),
    /// One post (by id): none of its deliveries is published.
    Post(String),
    /// One post on one channel: that delivery is not published.
    Delivery { post: String, channel: String },
}

impl Subject {
    /// Whether a finding about `self` keeps the delivery of `post` (written
    /// in `file`) on `channel` back.
    pub fn holds(&self, file: FileId, post: &str, channel: &str) -> bool {
        match self {
            Subject::Workspace => true,
            Subject::Channel(c) => c == channel,
            Subject::File(f) => *f == file,
            Subject::Entry(_) => false,
            // A finding about a series holds each of its occurrences.
            Subject::Post(p) => p == post || super::series_of(post) == p,
            Subject::Delivery {
                post: p,
                channel: c,
            } => p == post && c == channel,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub subject: Subject,
    /// The file it is in, when it is about a place in a file.
    pub file: Option<FileId>,
    pub loc: Loc,
    pub message: String,
    pub help: Option<String>,
}

impl Finding {
    pub fn new(
        rule: RuleId,
        severity: Severity,
        subject: Subject,
        file: Option<FileId>,
        loc: Loc,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            subject,
            file,
            loc,
            message: message.into(),
            help: None,
        }
    }

    /// An error at `loc` of `file`.
    pub fn error(
        rule: RuleId,
        subject: Subject,
        file: FileId,
        loc: Loc,
        message: impl Into<String>,
    ) -> Self {
        Finding::new(rule, Severity::Error, subject, Some(file), loc, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sort key: files in path order (FileIds are assigned in path order),
    /// then position.
    pub fn sort_key(&self) -> (Option<FileId>, u32, u32, RuleId) {
        (self.file, self.loc.line, self.loc.column, self.rule)
    }

    /// Where it is, as `path:line` (`path` alone when the line is unknown).
    pub fn place(&self, sources: &super::Sources) -> String {
        match self.file {
            Some(f) if self.loc.is_known() => format!("{}:{}", sources.path(f), self.loc.line),
            Some(f) => sources.path(f).to_owned(),
            None => String::new(),
        }
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

/// Apply `--strict`: warnings count as errors.
pub fn make_strict(findings: &mut [Finding]) {
    for f in findings {
        f.severity = Severity::Error;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_hold_back_what_they_are_about() {
        let (a, b) = (FileId(1), FileId(2));
        assert!(Subject::Workspace.holds(a, "p", "c"));
        assert!(Subject::File(a).holds(a, "p", "c"));
        assert!(!Subject::File(a).holds(b, "p", "c"));
        assert!(!Subject::Entry(a).holds(a, "p", "c"));
        assert!(Subject::Post("p".into()).holds(b, "p", "c"));
        assert!(!Subject::Post("p".into()).holds(a, "q", "c"));
        assert!(Subject::Post("p".into()).holds(a, "p#2026-12-07", "c"));
        assert!(!Subject::Post("p#2026-12-07".into()).holds(a, "p#2026-12-14", "c"));
        assert!(!Subject::Post("p".into()).holds(a, "pq#2026-12-07", "c"));
        assert!(Subject::Channel("c".into()).holds(a, "q", "c"));
        assert!(!Subject::Channel("c".into()).holds(a, "p", "d"));
        let d = Subject::Delivery {
            post: "p".into(),
            channel: "c".into(),
        };
        assert!(d.holds(a, "p", "c"));
        assert!(!d.holds(a, "p", "d"));
        assert!(!d.holds(a, "q", "c"));
    }
}
