//! `publish-quota`: a plan stays inside the platform's publishing quota
//! (Threads: 250 posts in any rolling 24 hours, Instagram: 50), since a
//! post past it is
//! held at publish time, not sent.

use super::{Check, Level, Rule, RuleConfig, RuleMeta, Slot};
use crate::diagnostic::RuleId;
use crate::validate::{CrossContext, Finding, delivery};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("publish-quota"),
        default_level: Level::Warn,
        configurable: true,
        options: &[],
        summary: "No more posts on a channel in any rolling 24 hours than the platform publishes (Threads: 250, Instagram: 50); the rest would be held at publish time until the quota frees.",
        bad: "251 posts on acme-threads between 09:00 and 08:59 the next day",
        good: "250, the 251st a day later",
    },
    check: Some(Check::Schedule(check)),
};

fn check(
    cx: &CrossContext<'_>,
    cfg: &RuleConfig,
    channel: &str,
    slots: &[Slot],
    out: &mut Vec<Finding>,
) {
    let Some(quota) = cx
        .config
        .channels
        .get(channel)
        .and_then(|c| c.platform().publish_quota())
    else {
        return;
    };
    let platform = cx.config.channels[channel].platform();
    // Slots are in time order: a window of the last 24 h slides over them,
    // its start moving on as each slot enters (linear, however many posts).
    let mut start = 0;
    let mut over = false;
    for (i, slot) in slots.iter().enumerate() {
        while slot.at - slots[start].at >= quota.window {
            start += 1;
        }
        let in_window = i - start + 1;
        if in_window <= quota.posts {
            over = false;
            continue;
        }
        if over {
            continue;
        }
        // Once per run of posts past the quota, at the first.
        over = true;
        let post = &cx.summaries[slot.post as usize];
        let first = &cx.summaries[slots[start].post as usize];
        out.push(
            cfg.finding(
                RULE.meta.id,
                delivery(&post.id, channel),
                post.file,
                post.at_loc,
                format!(
                    "`{}` is post {in_window} on {channel} in the 24 hours from `{}`; {platform} publishes at most {} in any 24 hours, so it would be held",
                    post.id, first.id, quota.posts
                ),
            )
            .with_help("spread these posts over more than a day"),
        );
    }
}
