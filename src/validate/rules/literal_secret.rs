//! `literal-secret`: credentials are references, never values in YAML.

use super::{Level, Rule, RuleMeta};
use crate::calendar::{FileId, Loc};
use crate::validate::Finding;

pub const LITERAL_SECRET: &str = "literal-secret";

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: LITERAL_SECRET,
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Credential fields take `env:NAME` or `file:PATH`; a pasted secret is an error (and never echoed).",
        bad: "token: 5f1c…",
        good: "token: env:ACME_MASTODON_TOKEN",
    },
    // Checked while postcal.yaml is resolved (calendar::config).
    check: None,
};

/// The finding for a credential written in clear. It never repeats the value.
pub fn finding(field: &str, channel: &str, loc: Loc, file: FileId) -> Finding {
    let var = format!(
        "{}_{}",
        channel.to_ascii_uppercase().replace(['-', '.'], "_"),
        field.to_ascii_uppercase()
    );
    Finding::error(
        LITERAL_SECRET,
        file,
        loc,
        format!("`{field}` of channel `{channel}` holds a value instead of a reference"),
    )
    .with_help(format!(
        "secrets never live in YAML: write `{field}: env:{var}` (or `file:/run/secrets/…`), remove the value from git history, and rotate it"
    ))
}
