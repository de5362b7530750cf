//! `empty-post`: a delivery has text or media; platforms refuse empty posts.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("empty-post"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Every delivery and thread part has text (or, for the first part, media).",
        bad: "- id: x\n  at: 2026-12-01 09:00",
        good: "- id: x\n  at: 2026-12-01 09:00\n  text: Hello",
    },
    check: Some(Check::Delivery(check)),
};

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    {
        for (i, part) in d.parts.iter().enumerate() {
            let has_media = i == 0 && !d.media.is_empty();
            if part.text.trim().is_empty() && !has_media {
                let what = if i == 0 {
                    "post".to_owned()
                } else {
                    format!("thread part {i}")
                };
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        d.subject(),
                        d.post.file,
                        part.loc,
                        format!(
                            "{what} `{}` is empty on {}",
                            d.post.id.value, d.channel.name
                        ),
                    )
                    .with_help("add `text:` (or media), or remove the empty thread part"),
                );
            }
        }
    }
}
