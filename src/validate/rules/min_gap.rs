//! `min-gap`: posts on one channel are spaced out.

use super::{Check, Level, Rule, RuleConfig, RuleMeta, Slot};
use crate::diagnostic::RuleId;
use crate::validate::{CrossContext, Finding, delivery};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("min-gap"),
        default_level: Level::Off,
        configurable: true,
        options: &[("minutes", "60")],
        summary: "At least `minutes` between two posts on one channel.",
        bad: "at: 2026-12-01 09:00\n…\nat: 2026-12-01 09:30",
        good: "at: 2026-12-01 09:00\n…\nat: 2026-12-01 11:00",
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
    let minutes = i64::from(cfg.minutes.unwrap_or(60));
    let posts = cx.summaries;
    for pair in slots.windows(2) {
        let gap = (pair[1].at - pair[0].at).num_minutes();
        if gap < minutes {
            let (earlier, later) = (&posts[pair[0].post as usize], &posts[pair[1].post as usize]);
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    delivery(&later.id, channel),
                    later.file,
                    later.at_loc,
                    format!(
                        "`{}` is {gap} min after `{}` on {channel}; the minimum gap is {minutes} min",
                        later.id, earlier.id
                    ),
                )
                .with_help("space the posts out, or send one to fewer channels"),
            );
        }
    }
}
