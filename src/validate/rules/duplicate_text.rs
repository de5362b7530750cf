//! `duplicate-text`: the same words twice on one channel look like a bot.

use chrono::Duration;

use super::{Check, Level, Rule, RuleConfig, RuleMeta, Slot};
use crate::diagnostic::{RuleId, series_of};
use crate::validate::{CrossContext, Finding, delivery};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("duplicate-text"),
        default_level: Level::Warn,
        configurable: true,
        options: &[("days", "30")],
        summary: "The same text (ignoring case and spacing) on one channel within `days` days.",
        bad: "text: Open today!   # on 1 Dec and again on 8 Dec",
        good: "text: Open today, with mince pies!   # on 8 Dec",
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
    let window = Duration::days(i64::from(cfg.days.unwrap_or(30)));
    let posts = cx.summaries;
    let mut last_seen: foldhash::HashMap<std::num::NonZeroU64, &Slot> =
        foldhash::HashMap::with_capacity_and_hasher(slots.len(), Default::default());
    // Series already reported on this channel: a series repeating itself is
    // said once, not at every occurrence.
    let mut reported: Vec<&str> = Vec::new();
    for slot in slots {
        let Some(hash) = slot.text_hash else { continue };
        if let Some(prev) = last_seen.get(&hash)
            && slot.at - prev.at <= window
        {
            let (earlier, later) = (&posts[prev.post as usize], &posts[slot.post as usize]);
            let series = series_of(&later.id);
            let same_series = later.id.contains('#') && series == series_of(&earlier.id);
            if same_series && reported.contains(&series) {
                last_seen.insert(hash, slot);
                continue;
            }
            let (message, help) = if same_series {
                reported.push(series);
                (
                    format!(
                        "`{series}` posts the same text at every occurrence on {channel} \
                         (`{}`, then `{}`)",
                        earlier.id, later.id
                    ),
                    "vary it (a link tagged with `{post}` in `links.utm` differs per occurrence), \
                     space the series out more than the rule's `days`, or set `duplicate-text` \
                     to `off` in postcal.yaml if repeating is intended",
                )
            } else {
                (
                    format!(
                        "`{}` repeats the text of `{}` on {channel}",
                        later.id, earlier.id
                    ),
                    "reword it; platforms and followers treat repeats as spam",
                )
            };
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    delivery(&later.id, channel),
                    later.file,
                    later.text_loc,
                    message,
                )
                .with_help(help),
            );
        }
        last_seen.insert(hash, slot);
    }
}
