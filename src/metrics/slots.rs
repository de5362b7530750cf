//! `report --suggest-slots`: the weekly slots (weekday and hour a post
//! went out, in the workspace zone) with the most engagement per post, per
//! channel, from every post the metrics file has numbers for — written as
//! a queue's `slots:` take them, with the posts behind each, and nothing
//! when there is too little data.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

use super::report::{DAYS, Entry};

/// A weekly slot worth posting in, from the team's own history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Slot {
    /// As a queue's `slots:` take it: `Tue 18:00`.
    pub slot: String,
    /// The posts behind it, and their engagement per post.
    pub posts: usize,
    pub per_post: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    pub channel: String,
    /// The best three, best first; empty when there is too little data.
    pub slots: Vec<Slot>,
    /// The posts the channel has numbers for.
    pub history: usize,
}

/// A slot needs this many posts behind it, and a channel this many in
/// all, before anything is suggested.
pub const SLOT_POSTS: usize = 2;
pub const CHANNEL_POSTS: usize = 6;

/// The three weekly slots (weekday and hour a post went out, in `zone`)
/// with the most engagement per post, per channel, from every entry.
pub fn suggest(entries: &[Entry], zone: Tz) -> Vec<Suggestion> {
    // (weekday, hour) → (posts, engagement), per channel.
    type Slots = BTreeMap<(u32, u32), (usize, u64)>;
    let mut by_channel: BTreeMap<&str, Slots> = BTreeMap::new();
    for e in entries {
        let local = e.at.with_timezone(&zone);
        let slot = (local.weekday().num_days_from_monday(), local.hour());
        let cell = by_channel
            .entry(&e.channel)
            .or_default()
            .entry(slot)
            .or_default();
        cell.0 += 1;
        cell.1 += e.engagement;
    }
    by_channel
        .into_iter()
        .map(|(channel, slots)| {
            let history: usize = slots.values().map(|(n, _)| n).sum();
            let mut ranked: Vec<Slot> = slots
                .into_iter()
                .filter(|(_, (n, _))| *n >= SLOT_POSTS)
                .map(|((d, h), (n, sum))| Slot {
                    slot: format!("{} {h:02}:00", DAYS[d as usize]),
                    posts: n,
                    per_post: sum as f64 / n as f64,
                })
                .collect();
            ranked.sort_by(|a, b| b.per_post.total_cmp(&a.per_post).then(a.slot.cmp(&b.slot)));
            ranked.truncate(3);
            if history < CHANNEL_POSTS {
                ranked.clear();
            }
            Suggestion {
                channel: channel.to_owned(),
                slots: ranked,
                history,
            }
        })
        .collect()
}

/// The suggestions as a Markdown section.
pub fn suggestions_markdown(list: &[Suggestion]) -> String {
    let mut out = String::from(
        "\n### Suggested weekly slots\n\nFrom every post with numbers (a slot needs 2 posts behind it; a channel 6).\n\n",
    );
    if list.is_empty() {
        out.push_str("- too little data yet: no published post has numbers\n");
    }
    for s in list {
        if s.slots.is_empty() {
            let _ = writeln!(
                out,
                "- {}: too little data yet ({} posts)",
                s.channel, s.history
            );
            continue;
        }
        let slots: Vec<String> = s
            .slots
            .iter()
            .map(|x| {
                format!(
                    "`{}` ({:.1} per post, {} posts)",
                    x.slot, x.per_post, x.posts
                )
            })
            .collect();
        let fewer = if s.slots.len() < 3 {
            format!(
                " (only {} {SLOT_POSTS} posts or more behind {})",
                if s.slots.len() == 1 {
                    "this slot has"
                } else {
                    "these slots have"
                },
                if s.slots.len() == 1 { "it" } else { "them" }
            )
        } else {
            String::new()
        };
        let _ = writeln!(out, "- {}: {}{fewer}", s.channel, slots.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(channel: &str, at: &str, engagement: u64) -> Entry {
        Entry {
            post: format!("p-{at}"),
            channel: channel.to_owned(),
            platform: "mastodon",
            at: at.parse().unwrap(),
            engagement,
            metrics: crate::adapters::Metrics::default(),
            text: String::new(),
            campaign: None,
            owner: None,
            tags: Vec::new(),
        }
    }

    #[test]
    fn slots_are_suggested_only_with_enough_posts_behind_them() {
        let zone: Tz = "Europe/Madrid".parse().unwrap();
        // Tuesdays 18h (Madrid) do best; Monday 9h twice; Friday once.
        let entries = [
            entry("m", "2026-11-03T17:00:00Z", 40),
            entry("m", "2026-11-10T17:10:00Z", 50),
            entry("m", "2026-11-02T08:00:00Z", 10),
            entry("m", "2026-11-09T08:30:00Z", 14),
            entry("m", "2026-11-06T10:00:00Z", 90),
            entry("m", "2026-11-13T10:00:00Z", 2),
            entry("b", "2026-11-03T17:00:00Z", 5),
        ];
        let got = suggest(&entries, zone);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].channel.as_str(), got[0].history), ("b", 1));
        assert!(got[0].slots.is_empty(), "too little data");
        let m: Vec<(&str, usize, f64)> = got[1]
            .slots
            .iter()
            .map(|s| (s.slot.as_str(), s.posts, s.per_post))
            .collect();
        // Friday 11h has two posts (90 and 2): 46 per post.
        assert_eq!(
            m,
            [
                ("Fri 11:00", 2, 46.0),
                ("Tue 18:00", 2, 45.0),
                ("Mon 09:00", 2, 12.0)
            ]
        );
    }
}
