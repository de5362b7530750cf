//! `alt-text`: every image says what it shows.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Media;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("alt-text"),
        default_level: Level::Error,
        configurable: true,
        options: &[],
        summary: "Every media item has non-empty `alt` text.",
        bad: "media:\n  - file: media/team.jpg",
        good: "media:\n  - file: media/team.jpg\n    alt: Five people in aprons behind a coffee roaster",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    for post in cx.posts {
        let variant_media = post.variants.iter().filter_map(|(_, v)| v.media.as_deref());
        for m in std::iter::once(&post.media[..])
            .chain(variant_media)
            .flatten()
        {
            if lacks_alt(m) {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        post.subject(),
                        post.file,
                        m.file.loc,
                        format!("`{}` has no alt text", m.file.value),
                    )
                    .with_help("add `alt:` describing the image for people using screen readers"),
                );
            }
        }
    }
}

fn lacks_alt(m: &Media) -> bool {
    m.alt.as_ref().is_none_or(|a| a.value.trim().is_empty())
}
