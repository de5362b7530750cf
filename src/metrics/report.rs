//! `postcal report`: the latest snapshot of each delivery published in a
//! window, summed — posts, engagement (likes, reposts, replies, quotes),
//! engagement per post — by group, against the previous window of the same
//! length, the best and worst posts, and a weekday × hour heat map of
//! engagement per post in the workspace zone ("when does our audience
//! answer"). Deterministic for a given metrics file, ledger and `--now`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Snapshot;
use crate::calendar::Workspace;
use crate::publish::ledger::LedgerState;

/// What a report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Channel,
    Platform,
    Campaign,
    Tag,
    Owner,
}

/// One published delivery with its latest numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub post: String,
    pub channel: String,
    pub platform: &'static str,
    /// When it went out (the ledger's `published`).
    pub at: DateTime<Utc>,
    pub engagement: u64,
    pub metrics: crate::adapters::Metrics,
    /// Its first line, as the calendar has it now.
    pub text: String,
    pub campaign: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
}

/// Every published delivery the metrics file has numbers for (and that is
/// not gone), newest snapshot each.
pub fn entries(
    ws: &Workspace,
    state: &LedgerState,
    latest: &HashMap<(String, String), Snapshot>,
) -> Vec<Entry> {
    let posts: HashMap<&str, &crate::calendar::Post> =
        ws.posts.iter().map(|p| (p.id.value.as_str(), p)).collect();
    let mut out: Vec<Entry> = latest
        .values()
        .filter(|s| !s.gone)
        .filter_map(|s| {
            let at = state.part(&s.post, &s.channel, 0)?.published.as_ref()?.ts;
            let post = posts.get(s.post.as_str());
            let extra = post.and_then(|p| p.extra.as_deref());
            Some(Entry {
                post: s.post.clone(),
                channel: s.channel.clone(),
                platform: ws
                    .config
                    .channels
                    .get(&s.channel)
                    .map_or("?", |c| c.platform().name()),
                at,
                engagement: s.metrics.engagement(),
                metrics: s.metrics.clone(),
                text: post
                    .and_then(|p| p.text.as_ref())
                    .and_then(|t| t.value.lines().find(|l| !l.trim().is_empty()))
                    .map_or("(no longer in the calendar)".to_owned(), |l| {
                        l.chars().take(60).collect()
                    }),
                campaign: post.and_then(|p| p.campaign.as_deref().map(str::to_owned)),
                owner: extra.and_then(|e| e.owner.clone()),
                tags: extra.map(|e| e.tags.clone()).unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.at, &a.post, &a.channel).cmp(&(b.at, &b.post, &b.channel)));
    out
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Totals {
    pub posts: usize,
    pub engagement: u64,
    pub per_post: f64,
}

impl Totals {
    fn of<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Totals {
        let mut t = Totals::default();
        for e in entries {
            t.posts += 1;
            t.engagement += e.engagement;
        }
        t.per_post = if t.posts == 0 {
            0.0
        } else {
            t.engagement as f64 / t.posts as f64
        };
        t
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub by: &'static str,
    pub total: Totals,
    /// The window of the same length just before.
    pub previous: Totals,
    pub groups: Vec<Group>,
    pub best: Vec<Entry>,
    pub worst: Vec<Entry>,
    /// `heat[weekday][hour]`: (posts, engagement per post), Monday first.
    pub heat: Vec<Vec<Option<(usize, f64)>>>,
    /// Deliveries published in the window with no numbers (their platform
    /// offers none, or no pull has read them yet), and their channels.
    pub unmeasured: usize,
    pub unmeasured_channels: Vec<String>,
}

/// The report of the workspace's published deliveries in `[from, to)`,
/// with every entry the metrics file has (a wider window than the
/// report's, for the previous period and the suggested slots).
pub fn build(
    ws: &Workspace,
    state: &LedgerState,
    latest: &HashMap<(String, String), Snapshot>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    by: By,
) -> (Report, Vec<Entry>) {
    let all = entries(ws, state, latest);
    let mut r = report(&all, from, to, by, ws.config.timezone);
    (r.unmeasured, r.unmeasured_channels) = unmeasured(state, latest, from, to);
    (r, all)
}

/// The deliveries published in `[from, to)` that `latest` has no
/// snapshot of: how many, on which channels.
pub fn unmeasured(
    state: &LedgerState,
    latest: &HashMap<(String, String), Snapshot>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (usize, Vec<String>) {
    let mut channels: Vec<String> = Vec::new();
    let mut n = 0;
    for ((post, channel, part), s) in &state.parts {
        if !s
            .published
            .as_ref()
            .is_some_and(|r| *part == 0 && r.ts >= from && r.ts < to)
        {
            continue;
        };
        if !latest.contains_key(&(post.clone(), channel.clone())) {
            n += 1;
            if !channels.contains(channel) {
                channels.push(channel.clone());
            }
        }
    }
    channels.sort();
    (n, channels)
}

fn keys(e: &Entry, by: By) -> Vec<String> {
    match by {
        By::Channel => vec![e.channel.clone()],
        By::Platform => vec![e.platform.to_owned()],
        By::Campaign => vec![e.campaign.clone().unwrap_or_else(|| "(none)".to_owned())],
        By::Owner => vec![e.owner.clone().unwrap_or_else(|| "(none)".to_owned())],
        By::Tag if e.tags.is_empty() => vec!["(none)".to_owned()],
        By::Tag => e.tags.clone(),
    }
}

fn by_name(by: By) -> &'static str {
    match by {
        By::Channel => "channel",
        By::Platform => "platform",
        By::Campaign => "campaign",
        By::Tag => "tag",
        By::Owner => "owner",
    }
}

/// The report of `entries` published in `[from, to)`.
pub fn report(
    entries: &[Entry],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    by: By,
    zone: Tz,
) -> Report {
    let inside: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.at >= from && e.at < to)
        .collect();
    let before = from - (to - from);
    let previous = Totals::of(entries.iter().filter(|e| e.at >= before && e.at < from));
    let mut grouped: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in &inside {
        for k in keys(e, by) {
            grouped.entry(k).or_default().push(e);
        }
    }
    let mut groups: Vec<Group> = grouped
        .into_iter()
        .map(|(name, list)| Group {
            name,
            totals: Totals::of(list.iter().copied()),
        })
        .collect();
    groups.sort_by(|a, b| {
        b.totals
            .engagement
            .cmp(&a.totals.engagement)
            .then(a.name.cmp(&b.name))
    });
    let mut ranked: Vec<&Entry> = inside.clone();
    ranked.sort_by(|a, b| b.engagement.cmp(&a.engagement).then(a.at.cmp(&b.at)));
    let best: Vec<Entry> = ranked.iter().take(3).map(|e| (*e).clone()).collect();
    let worst: Vec<Entry> = ranked
        .iter()
        .rev()
        .take(3.min(ranked.len().saturating_sub(best.len())))
        .map(|e| (*e).clone())
        .collect();
    let mut cells: Vec<Vec<(usize, u64)>> = vec![vec![(0, 0); 24]; 7];
    for e in &inside {
        let local = e.at.with_timezone(&zone);
        let cell =
            &mut cells[local.weekday().num_days_from_monday() as usize][local.hour() as usize];
        cell.0 += 1;
        cell.1 += e.engagement;
    }
    let heat = cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(n, sum)| (n > 0).then(|| (n, sum as f64 / n as f64)))
                .collect()
        })
        .collect();
    Report {
        from,
        to,
        by: by_name(by),
        total: Totals::of(inside.iter().copied()),
        previous,
        groups,
        best,
        worst,
        heat,
        unmeasured: 0,
        unmeasured_channels: Vec::new(),
    }
}

pub(super) const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `+25%`, `-10%`, or `new` when there was nothing before.
fn change(now: f64, before: f64) -> String {
    if before == 0.0 {
        if now == 0.0 {
            "±0%".to_owned()
        } else {
            "new".to_owned()
        }
    } else {
        format!("{:+.0}%", (now - before) / before * 100.0)
    }
}

/// For an issue, a pull request or a weekly email.
pub fn markdown(r: &Report, zone: Tz) -> String {
    let day = |t: DateTime<Utc>| t.with_timezone(&zone).format("%a %-d %b %Y").to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Results, {} – {}\n",
        day(r.from),
        day(r.to - chrono::Duration::seconds(1))
    );
    let days = match (r.to - r.from).num_days() {
        1 => "day".to_owned(),
        n => format!("{n} days"),
    };
    let against = if r.previous.posts == 0 {
        format!("the {days} before had no posts with numbers")
    } else {
        format!(
            "{} per post against the {days} before ({:.1})",
            change(r.total.per_post, r.previous.per_post),
            r.previous.per_post
        )
    };
    let _ = writeln!(
        out,
        "**{} posts, {} engagements, {:.1} per post**; {against}.\n",
        r.total.posts, r.total.engagement, r.total.per_post
    );
    if r.unmeasured > 0 {
        let _ = writeln!(
            out,
            "Not counted: {} published {} without numbers (on {}: their platform reports none, or no `metrics pull` has read them yet).\n",
            r.unmeasured,
            if r.unmeasured == 1 {
                "delivery"
            } else {
                "deliveries"
            },
            r.unmeasured_channels.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "| {} | posts | engagement | per post |\n|---|---:|---:|---:|",
        r.by
    );
    for g in &r.groups {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} |",
            g.name.replace('|', "\\|"),
            g.totals.posts,
            g.totals.engagement,
            g.totals.per_post
        );
    }
    for (title, list) in [("Best posts", &r.best), ("Weakest posts", &r.worst)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {title}\n");
        for e in list.iter() {
            let _ = writeln!(
                out,
                "- **{}** on {} ({}): {} — {}",
                e.engagement,
                e.channel,
                e.at.with_timezone(&zone).format("%a %-d %b %H:%M"),
                e.post,
                e.text.replace('|', "\\|")
            );
        }
    }
    let _ = writeln!(
        out,
        "\n### When the audience answers\n\nEngagement per post by the hour a post went out ({}); empty: nothing went out then.\n",
        zone.name()
    );
    let hours: Vec<usize> = (0..24)
        .filter(|h| r.heat.iter().any(|row| row[*h].is_some()))
        .collect();
    if hours.is_empty() {
        out.push_str("Nothing went out in this window.\n");
        return out;
    }
    let _ = write!(out, "| |");
    for h in &hours {
        let _ = write!(out, " {h:02}h |");
    }
    let _ = write!(out, "\n|---|");
    for _ in &hours {
        out.push_str("---:|");
    }
    out.push('\n');
    for (d, row) in r.heat.iter().enumerate() {
        let _ = write!(out, "| {} |", DAYS[d]);
        for h in &hours {
            match row[*h] {
                Some((_, per_post)) => {
                    let _ = write!(out, " {per_post:.1} |");
                }
                None => out.push_str("  |"),
            }
        }
        out.push('\n');
    }
    out
}

/// For the terminal: the groups, then the best and weakest posts.
pub fn table(r: &Report, zone: Tz) -> String {
    use comfy_table::{Table, presets};
    let mut groups = Table::new();
    groups.load_style(presets::UTF8_FULL_CONDENSED);
    groups.set_header([r.by, "posts", "engagement", "per post"]);
    for g in &r.groups {
        groups.add_row([
            g.name.clone(),
            g.totals.posts.to_string(),
            g.totals.engagement.to_string(),
            format!("{:.1}", g.totals.per_post),
        ]);
    }
    groups.add_row([
        "all".to_owned(),
        r.total.posts.to_string(),
        r.total.engagement.to_string(),
        format!("{:.1}", r.total.per_post),
    ]);
    let mut posts = Table::new();
    posts.load_style(presets::UTF8_FULL_CONDENSED);
    posts.set_header(["", "engagement", "channel", "went out", "post"]);
    for (label, list) in [("best", &r.best), ("weakest", &r.worst)] {
        for e in list.iter() {
            posts.add_row([
                label.to_owned(),
                e.engagement.to_string(),
                e.channel.clone(),
                e.at.with_timezone(&zone)
                    .format("%a %d %b %H:%M")
                    .to_string(),
                format!("{}: {}", e.post, e.text),
            ]);
        }
    }
    format!("{groups}\n{posts}\n")
}

/// One row per delivery of the window with its numbers, for a spreadsheet.
pub fn csv(entries: &[Entry], from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "post",
        "channel",
        "platform",
        "at",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "views",
        "engagement",
        "campaign",
        "owner",
        "tags",
        "text",
    ]);
    let n = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    for e in entries.iter().filter(|e| e.at >= from && e.at < to) {
        let _ = w.write_record([
            e.post.clone(),
            e.channel.clone(),
            e.platform.to_owned(),
            e.at.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            n(e.metrics.likes),
            n(e.metrics.reposts),
            n(e.metrics.replies),
            n(e.metrics.quotes),
            n(e.metrics.views),
            e.engagement.to_string(),
            e.campaign.clone().unwrap_or_default(),
            e.owner.clone().unwrap_or_default(),
            e.tags.join(" "),
            e.text.clone(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}
