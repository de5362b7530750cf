//! `too-long`: every part of every delivery fits its platform's limit,
//! counted the way the platform counts.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("too-long"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Rendered text (variant, UTM, each thread part) fits the platform limit as the platform counts it.",
        bad: "text: <320 graphemes> # to Bluesky (300)",
        good: "variants:\n  bluesky: { text: <a shorter text> }",
    },
    check: Some(Check::Delivery(check)),
};

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    {
        for (i, part) in d.parts.iter().enumerate() {
            let len = part.length;
            if !len.is_over() {
                continue;
            }
            let what = if i == 0 {
                "text".to_owned()
            } else {
                format!("thread part {i}")
            };
            let platform = d.channel.platform();
            let message = match (len.limit, len.byte_limit) {
                (Some(limit), _) if len.count > limit => format!(
                    "{what} is {} {} on {} ({platform} allows {limit})",
                    len.count, len.unit, d.channel.name
                ),
                (_, Some(bytes)) => format!(
                    "{what} is {} bytes on {} ({platform} allows {bytes} bytes)",
                    len.bytes, d.channel.name
                ),
                _ => continue,
            };
            let help = match d.channel.platform() {
                crate::platform::Platform::Mastodon => "shorten it, or add a `variants:` entry for this channel (each link counts 23)".to_owned(),
                crate::platform::Platform::Bluesky => "add a shorter `variants: { bluesky: { text: … } }` or move text into `thread:` (links count in full, UTM included)".to_owned(),
                crate::platform::Platform::X => format!("shorten it, add a variant for `{}`, or move text into `thread:` (each link counts 23, CJK characters and emoji 2)", d.channel.name),
                _ => format!("shorten it, or add a variant for `{}`", d.channel.name),
            };
            out.push(
                cfg.finding(RULE.meta.id, d.subject(), d.post.file, part.loc, message)
                    .with_help(help),
            );
        }
    }
}
