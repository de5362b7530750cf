//! Rules checked while loading: the files must be readable YAML of the right
//! shape, and the configuration usable. They cannot be turned off.

use super::{Level, Rule, RuleMeta};
use crate::diagnostic::RuleId;

const fn fixed(id: RuleId, summary: &'static str, bad: &'static str, good: &'static str) -> Rule {
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
            RuleId::SYNTAX,
            "Files must be UTF-8 YAML of the expected shape, within size and nesting limits.",
            "text: [unclosed",
            "text: \"closed\"",
        ),
        fixed(
            RuleId::UNKNOWN_FIELD,
            "Unknown keys and values are errors, with the closest known one suggested.",
            "txet: Hello",
            "text: Hello",
        ),
        fixed(
            RuleId::CONFIG,
            "postcal.yaml settings must be valid: channel fields for the platform, durations, rule options, UTM placeholders.",
            "catch_up: soon",
            "catch_up: 2h",
        ),
        fixed(
            RuleId::UNKNOWN_TIMEZONE,
            "Timezones must be IANA names; the closest names are suggested.",
            "timezone: Europe/Madird",
            "timezone: Europe/Madrid",
        ),
        fixed(
            RuleId::INVALID_TIME,
            "`at` must be a time that exists exactly once in its zone: no spring-forward gap, no fall-back fold without an offset.",
            "at: 2026-03-29 02:30   # Europe/Madrid skips 02:00–03:00",
            "at: 2026-03-29 03:30",
        ),
        fixed(
            RuleId::REPEAT,
            "`repeat:` must say how often (`every`), may end by `until` or `count` (not both), and `skip` only dates the series falls on.",
            "repeat: { every: 1w, until: 2026-11-01 }   # at: 2026-12-07 09:00",
            "repeat: { every: 1w, until: 2027-03-01 }\nskip: [2026-12-28]",
        ),
        fixed(
            RuleId::UNKNOWN_QUEUE,
            "`queue:` names a queue from postcal.yaml, on a post without `at` or `repeat`.",
            "queue: evergren",
            "queue: evergreen",
        ),
        fixed(
            RuleId::MISSING_FIELD,
            "Every post needs an `id`, an `at` and at least one channel.",
            "- text: Hello",
            "- id: hello\n  at: 2026-12-01 09:00\n  channels: [acme-mastodon]",
        ),
        fixed(
            RuleId::BLACKOUT,
            "Blackouts need valid `from` ≤ `to` and known channels.",
            "from: 2026-12-26\nto: 2026-12-24",
            "from: 2026-12-24\nto: 2026-12-26",
        ),
    ]
}
