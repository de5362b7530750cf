//! `insecure-endpoint`: no token crosses a network in clear text.

use super::{Level, Rule, RuleMeta};
use crate::diagnostic::RuleId;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::INSECURE_ENDPOINT,
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Endpoints must be https://, except on loopback, so no token crosses a network in clear text.",
        bad: "instance: http://mastodon.social",
        good: "instance: https://mastodon.social",
    },
    // Checked while postcal.yaml is resolved (calendar::channel).
    check: None,
};
