//! `language`: a post's language is an ISO 639-1 code, as Mastodon and
//! Bluesky expect (Mastodon refuses anything else).

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Field;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("language"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "`language` is a two-letter ISO 639-1 code.",
        bad: "language: Spanish",
        good: "language: es",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    for post in cx.posts {
        let Some(lang) = post.language() else {
            continue;
        };
        let code = lang.value.as_str();
        if !(code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())) {
            let hint = match code.to_ascii_lowercase().as_str() {
                "english" => "`en`".to_owned(),
                "spanish" | "español" => "`es`".to_owned(),
                "german" | "deutsch" => "`de`".to_owned(),
                "french" | "français" => "`fr`".to_owned(),
                lower if lower.len() >= 2 && lower.is_char_boundary(2) => {
                    format!("a two-letter code such as `{}`", &lower[..2])
                }
                _ => "a two-letter code such as `en`".to_owned(),
            };
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    post.subject_of(Field::Language),
                    post.file,
                    lang.loc,
                    format!("`{code}` is not an ISO 639-1 language code"),
                )
                .with_help(format!("write {hint}")),
            );
        }
    }
}
