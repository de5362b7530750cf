//! `cw-unsupported`: a content warning only exists on some platforms; say so
//! rather than let a sensitive post go out elsewhere without one.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::variant_for;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("cw-unsupported"),
        default_level: Level::Warn,
        configurable: true,
        options: &[],
        summary: "A post with `cw` goes to a platform that has no content warning (only Mastodon and webhooks carry it).",
        bad: "cw: Caffeine and health\nchannels: [acme-mastodon, acme-bsky]",
        good: "cw: Caffeine and health\nchannels: [acme-mastodon]\n# or a bluesky variant whose text stands on its own",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let channels = &cx.config.channels;
    for post in cx.posts {
        for channel in post.channels.iter().filter_map(|c| channels.get(&c.value)) {
            if channel.platform().supports_cw() {
                continue;
            }
            let cw = match variant_for(post, channel) {
                Some(v) if v.cw.is_some() => v.cw.as_ref(),
                // A variant with its own text was written for this platform: trust it.
                Some(v) if v.text.is_some() => None,
                _ => post.cw(),
            };
            let Some(cw) = cw else { continue };
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    post.delivery_subject(&channel.name),
                    post.file,
                    cw.loc,
                    format!(
                        "{} has no content warning: `{}` goes out on {} without \"{}\"",
                        channel.platform(), post.id.value, channel.name, cw.value
                    ),
                )
                .with_help(format!(
                    "give {} a variant whose text works without a warning, or set `rules: {{ cw-unsupported: off }}`",
                    channel.name
                )),
            );
        }
    }
}
