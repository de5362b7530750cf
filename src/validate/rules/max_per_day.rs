//! `max-per-day`: no channel floods its followers in one day.

use std::collections::HashMap;

use super::{Level, Rule, RuleConfig, RuleMeta};
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "max-per-day",
        default_level: Level::Off,
        configurable: true,
        options: &[("max", "4")],
        summary: "At most `max` posts per channel per day (days in the workspace timezone).",
        bad: "five posts on acme-mastodon on 2026-12-01",
        good: "four posts on acme-mastodon on 2026-12-01, one moved to the 2nd",
    },
    check: Some(check),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let max = cfg.max.unwrap_or(4) as usize;
    let zone = cx.workspace.config.timezone;
    for (channel, list) in super::min_gap::by_channel(cx.deliveries) {
        let mut per_day: HashMap<chrono::NaiveDate, usize> = HashMap::new();
        for d in list {
            let day = d.at.with_timezone(&zone).date_naive();
            let n = per_day.entry(day).or_default();
            *n += 1;
            if *n == max + 1 {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        d.post.file,
                        d.post.at_loc,
                        format!(
                            "`{}` is post {} on {channel} on {day}; the limit is {max} a day",
                            d.post.id.value,
                            max + 1
                        ),
                    )
                    .with_help("move it to another day"),
                );
            }
        }
    }
}
