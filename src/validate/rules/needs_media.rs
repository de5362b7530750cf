//! `needs-media`: a post to a platform that has no text-only posts
//! (Instagram) carries an image or a video.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("needs-media"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "A post to a platform without text-only posts (Instagram) has an image or a video.",
        bad: "text: Winter Blend is here # to an instagram channel, no media",
        good: "text: Winter Blend is here\nmedia:\n  - file: media/winter.jpg\n    alt: A bag of Winter Blend",
    },
    check: Some(Check::Delivery(check)),
};

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    let platform = d.channel.platform();
    if !platform.needs_media() || !d.media.is_empty() {
        return;
    }
    out.push(
        cfg.finding(
            RULE.meta.id,
            d.subject(),
            d.post.file,
            d.parts[0].loc,
            format!(
                "`{}` has no media, and {platform} has no text-only posts; {} would refuse it",
                d.post.id.value, d.channel.name
            ),
        )
        .with_help(format!(
            "attach an image or a video (`media: [{{file: media/….jpg, alt: …}}]`), or leave {} out of `channels`",
            d.channel.name
        )),
    );
}
