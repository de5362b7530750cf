//! `validate`: findings over a loaded workspace.

mod finding;
pub mod rules;

use std::collections::HashSet;

use chrono::{DateTime, Utc};

pub use finding::{Finding, Severity, Tally};

use crate::calendar::Workspace;
use crate::delivery::{self, Delivery};

/// Deliveries the ledger shows as published, as `(post, channel)`.
pub type PublishedSet = HashSet<(String, String)>;

/// What a rule sees.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub deliveries: &'a [Delivery<'a>],
    pub now: DateTime<Utc>,
    pub published: &'a PublishedSet,
}

/// Every finding for the workspace, sorted by file and position.
pub fn validate(
    workspace: &Workspace,
    now: DateTime<Utc>,
    published: &PublishedSet,
) -> Vec<Finding> {
    let deliveries = delivery::all(workspace);
    let cx = Context {
        workspace,
        deliveries: &deliveries,
        now,
        published,
    };
    let mut findings = workspace.findings.clone();
    rules::run_all(&cx, &mut findings);
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
    findings.dedup();
    findings
}

/// Apply `--strict`: warnings count as errors.
pub fn make_strict(findings: &mut [Finding]) {
    for f in findings {
        f.severity = Severity::Error;
    }
}
