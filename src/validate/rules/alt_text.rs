//! `alt-text`: every image says what it shows.

use super::{Level, Rule, RuleConfig, RuleMeta};
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "alt-text",
        default_level: Level::Error,
        configurable: true,
        options: &[],
        summary: "Every media item has non-empty `alt` text.",
        bad: "media:\n  - file: media/team.jpg",
        good: "media:\n  - file: media/team.jpg\n    alt: Five people in aprons behind a coffee roaster",
    },
    check: Some(check),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    for d in cx.deliveries {
        for m in d.media {
            if m.alt.as_ref().is_none_or(|a| a.value.trim().is_empty()) {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        d.post.file,
                        m.file.loc,
                        format!("`{}` has no alt text", m.file.value),
                    )
                    .with_help("add `alt:` describing the image for people using screen readers"),
                );
            }
        }
    }
}
