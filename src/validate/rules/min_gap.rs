//! `min-gap`: posts on one channel are spaced out.

use std::collections::HashMap;

use super::{Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Status;
use crate::delivery::Delivery;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "min-gap",
        default_level: Level::Off,
        configurable: true,
        options: &[("minutes", "60")],
        summary: "At least `minutes` between two posts on one channel.",
        bad: "at: 2026-12-01 09:00\n…\nat: 2026-12-01 09:30",
        good: "at: 2026-12-01 09:00\n…\nat: 2026-12-01 11:00",
    },
    check: Some(check),
};

/// Deliveries that will or may go out, by channel, in time order.
pub fn by_channel<'a, 'b>(
    deliveries: &'b [Delivery<'a>],
) -> HashMap<&'b str, Vec<&'b Delivery<'a>>> {
    let mut map: HashMap<&str, Vec<&Delivery<'a>>> = HashMap::new();
    for d in deliveries {
        if !matches!(d.post.status, Status::Cancelled | Status::Retracted) {
            map.entry(d.channel.name.as_str()).or_default().push(d);
        }
    }
    map
}

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let minutes = i64::from(cfg.minutes.unwrap_or(60));
    for (channel, list) in by_channel(cx.deliveries) {
        for pair in list.windows(2) {
            let gap = (pair[1].at - pair[0].at).num_minutes();
            if gap < minutes {
                let later = pair[1];
                out.push(
                    cfg.finding(RULE.meta.id, later.post.file, later.post.at_loc, format!("`{}` is {gap} min after `{}` on {channel}; the minimum gap is {minutes} min", later.post.id.value, pair[0].post.id.value))
                        .with_help("space the posts out, or send one to fewer channels"),
                );
            }
        }
    }
}
