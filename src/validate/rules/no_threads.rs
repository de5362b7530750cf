//! `no-threads`: a thread goes only to platforms that can post one
//! (Instagram cannot: it has no replies to one's own post that postcal
//! makes, and a comment is not a post).

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::platform::Platform;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("no-threads"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "A post with `thread` parts goes only to platforms that post threads (not Instagram: put the text in the caption, or give the channel a variant with `thread: []`).",
        bad: "text: Winter Blend is here\nthread: [Doors open at 9.] # to an instagram channel",
        good: "variants:\n  acme-instagram:\n    thread: []",
    },
    check: Some(Check::Delivery(check)),
};

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    let platform = d.channel.platform();
    if platform != Platform::Instagram {
        return;
    }
    let Some(part) = d.parts.get(1) else {
        return;
    };
    out.push(
        cfg.finding(
            RULE.meta.id,
            d.subject(),
            d.post.file,
            part.loc,
            format!(
                "`{}` has {} thread part(s), and {platform} has no threads; they would not be posted on {}",
                d.post.id.value,
                d.parts.len() - 1,
                d.channel.name
            ),
        )
        .with_help(format!(
            "put what they say in the caption, or give {} a variant without them: `variants: {{ {}: {{ thread: [] }} }}`",
            d.channel.name, d.channel.name
        )),
    );
}
