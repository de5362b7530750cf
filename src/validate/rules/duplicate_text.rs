//! `duplicate-text`: the same words twice on one channel look like a bot.

use std::collections::HashMap;

use chrono::Duration;

use super::{Level, Rule, RuleConfig, RuleMeta};
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "duplicate-text",
        default_level: Level::Warn,
        configurable: true,
        options: &[("days", "30")],
        summary: "The same text (ignoring case and spacing) on one channel within `days` days.",
        bad: "text: Open today!   # on 1 Dec and again on 8 Dec",
        good: "text: Open today, with mince pies!   # on 8 Dec",
    },
    check: Some(check),
};

fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let window = Duration::days(i64::from(cfg.days.unwrap_or(30)));
    for (channel, list) in super::min_gap::by_channel(cx.deliveries) {
        let mut last_seen: HashMap<String, &crate::delivery::Delivery<'_>> = HashMap::new();
        for d in list {
            let key = normalize(d.text());
            if key.is_empty() {
                continue;
            }
            if let Some(prev) = last_seen.get(&key)
                && d.at - prev.at <= window
            {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        d.post.file,
                        d.parts[0].loc,
                        format!(
                            "`{}` repeats the text of `{}` on {channel}",
                            d.post.id.value, prev.post.id.value
                        ),
                    )
                    .with_help("reword it; platforms and followers treat repeats as spam"),
                );
            }
            last_seen.insert(key, d);
        }
    }
}
