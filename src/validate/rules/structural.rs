//! Rules checked while loading: the files must be readable YAML of the right
//! shape, and the configuration usable. They cannot be turned off.

use super::{Level, Rule, RuleMeta};

pub const SYNTAX: &str = "yaml";
pub const UNKNOWN_FIELD: &str = "unknown-key";
pub const CONFIG: &str = "config";
pub const UNKNOWN_TIMEZONE: &str = "unknown-timezone";
pub const INVALID_TIME: &str = "invalid-time";
pub const MISSING_FIELD: &str = "missing-field";
pub const BLACKOUT: &str = "blackout";

const fn fixed(
    id: &'static str,
    summary: &'static str,
    bad: &'static str,
    good: &'static str,
) -> Rule {
    Rule {
        meta: RuleMeta {
            id,
            default_level: Level::Error,
            configurable: false,
            options: &[],
            summary,
            bad,
            good,
        },
        check: None,
    }
}

pub fn rules() -> Vec<Rule> {
    vec![
        fixed(
            SYNTAX,
            "Files must be UTF-8 YAML of the expected shape, within size and nesting limits.",
            "text: [unclosed",
            "text: \"closed\"",
        ),
        fixed(
            UNKNOWN_FIELD,
            "Unknown keys and values are errors, with the closest known one suggested.",
            "txet: Hello",
            "text: Hello",
        ),
        fixed(
            CONFIG,
            "postcal.yaml settings must be valid: channel fields for the platform, durations, rule options, UTM placeholders.",
            "catch_up: soon",
            "catch_up: 2h",
        ),
        fixed(
            UNKNOWN_TIMEZONE,
            "Timezones must be IANA names; the closest names are suggested.",
            "timezone: Europe/Madird",
            "timezone: Europe/Madrid",
        ),
        fixed(
            INVALID_TIME,
            "`at` must be a time that exists exactly once in its zone: no spring-forward gap, no fall-back fold without an offset.",
            "at: 2026-03-29 02:30   # Europe/Madrid skips 02:00–03:00",
            "at: 2026-03-29 03:30",
        ),
        fixed(
            MISSING_FIELD,
            "Every post needs an `id`, an `at` and at least one channel.",
            "- text: Hello",
            "- id: hello\n  at: 2026-12-01 09:00\n  channels: [acme-mastodon]",
        ),
        fixed(
            BLACKOUT,
            "Blackouts need valid `from` ≤ `to` and known channels.",
            "from: 2026-12-26\nto: 2026-12-24",
            "from: 2026-12-24\nto: 2026-12-26",
        ),
    ]
}
