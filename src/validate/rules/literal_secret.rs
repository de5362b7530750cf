//! `literal-secret`: credentials are references, never values in YAML.

use super::{Level, Rule, RuleMeta};
use crate::diagnostic::RuleId;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::LITERAL_SECRET,
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Credential fields take `env:NAME` or `file:PATH`; a pasted secret is an error (and never echoed).",
        bad: "token: 5f1c…",
        good: "token: env:ACME_MASTODON_TOKEN",
    },
    // Checked while postcal.yaml is resolved (calendar::channel).
    check: None,
};
