//! `max-per-day`: no channel floods its followers in one day.

use super::{Check, Level, Rule, RuleConfig, RuleMeta, Slot};
use crate::diagnostic::RuleId;
use crate::validate::{CrossContext, Finding, delivery};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("max-per-day"),
        default_level: Level::Off,
        configurable: true,
        options: &[("max", "4")],
        summary: "At most `max` posts per channel per day (days in the workspace timezone).",
        bad: "five posts on acme-mastodon on 2026-12-01",
        good: "four posts on acme-mastodon on 2026-12-01, one moved to the 2nd",
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
    let max = cfg.max.unwrap_or(4) as usize;
    let zone = cx.config.timezone;
    // Slots are in time order, so each day's posts are consecutive.
    let mut day = None;
    let mut count = 0;
    for slot in slots {
        let this = slot.at.with_timezone(&zone).date_naive();
        if day != Some(this) {
            day = Some(this);
            count = 0;
        }
        count += 1;
        if count == max + 1 {
            let post = &cx.summaries[slot.post as usize];
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    delivery(&post.id, channel),
                    post.file,
                    post.at_loc,
                    format!(
                        "`{}` is post {} on {channel} on {this}; the limit is {max} a day",
                        post.id,
                        max + 1
                    ),
                )
                .with_help("move it to another day"),
            );
        }
    }
}
