//! `diff`: what a change to the calendar does to the channels, post by post
//! (not line by line): added, removed, renamed, rescheduled, re-worded (per
//! channel, rendered as it will be posted), re-targeted, status changes, and
//! other field changes; flagged when the post already went out.

pub mod changed;
pub mod git;
mod series;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::calendar::{Post, PostExtra, Workspace};
use crate::delivery::{self, Delivery};
use crate::diagnostic::{Finding, Subject};
use crate::platform::Length;
use crate::validate::PublishedSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Removed,
    Renamed,
    Rescheduled,
    Reworded,
    Retargeted,
    Status,
    /// `approved_by` set, changed or removed.
    Approved,
    /// `owner` set, changed or removed.
    Assigned,
    /// `tags` changed.
    Tagged,
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Renamed => "renamed",
            Kind::Rescheduled => "rescheduled",
            Kind::Reworded => "reworded",
            Kind::Retargeted => "retargeted",
            Kind::Status => "status",
            Kind::Approved => "approved",
            Kind::Assigned => "assigned",
            Kind::Tagged => "tagged",
            Kind::Other => "other",
        }
    }
}

/// One channel's text before and after, as it will be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewording {
    pub channel: String,
    pub platform: &'static str,
    pub before: String,
    pub after: String,
    /// The new text's length against the platform's limit (worst part).
    pub length: Length,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub post: String,
    pub kind: Kind,
    /// Where the post is written now (or was, when removed), and its line.
    pub file: String,
    pub line: u32,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The ledger shows the post already went out on some channel.
    pub published: bool,
    /// For sorting and display: the post's time (after the change if it has one).
    pub at: Option<DateTime<Utc>>,
    /// For `reworded`: per channel.
    pub rewordings: Vec<Rewording>,
    /// For a change of a recurring post's occurrences: their dates (`post`
    /// is then the series' id); empty otherwise.
    pub occurrences: Vec<String>,
}

impl Rewording {
    /// What `d` now posts, against `before`.
    fn of(d: &Delivery<'_>, before: String) -> Rewording {
        Rewording {
            channel: d.channel.name.clone(),
            platform: d.channel.platform().name(),
            length: d.worst_length(),
            before,
            after: words(d),
        }
    }
}

/// Everything about a post that is its content, for recognising a rename.
fn content_key(ws: &Workspace, p: &Post) -> String {
    let texts: Vec<String> = delivery::of_post(p, &ws.config)
        .iter()
        .map(|d| all_text(d))
        .collect();
    format!(
        "{:?}|{:?}|{:?}|{:?}",
        p.at,
        channel_names(p),
        texts,
        p.status
    )
}

/// The words a delivery posts: its parts, as rendered.
fn words(d: &Delivery<'_>) -> String {
    d.parts
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Everything a delivery carries: words, content warning, attachments.
fn all_text(d: &Delivery<'_>) -> String {
    let mut s: Vec<String> = d.parts.iter().map(|p| p.text.clone()).collect();
    s.extend(d.media.iter().map(|m| {
        format!(
            "[{}|{}]",
            m.file.value,
            m.alt.as_ref().map_or("", |a| a.value.as_str())
        )
    }));
    if let Some(cw) = d.cw {
        s.insert(0, format!("CW: {cw}"));
    }
    s.join("\n\n")
}

fn channel_names(p: &Post) -> Vec<String> {
    p.channels.iter().map(|c| c.value.clone()).collect()
}

/// `Tue 01 Dec 2026 09:00` in the workspace zone.
pub fn when(ws: &Workspace, at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "(no valid time)".to_owned(),
        |t| {
            t.with_timezone(&ws.config.timezone)
                .format("%a %d %b %Y %H:%M")
                .to_string()
        },
    )
}

fn by_id(ws: &Workspace) -> HashMap<&str, &Post> {
    let mut map = HashMap::new();
    for p in &ws.posts {
        map.entry(p.id.value.as_str()).or_insert(p);
    }
    map
}

/// Compare two states of a calendar. `published` comes from the ledger.
pub fn compare(before: &Workspace, after: &Workspace, published: &PublishedSet) -> Vec<Change> {
    let (old, new) = (by_id(before), by_id(after));
    let went_out = |id: &str| published.iter().any(|(p, _)| p == id);
    let mut changes = Vec::new();
    let mut removed: Vec<&Post> = before
        .posts
        .iter()
        .filter(|p| !new.contains_key(p.id.value.as_str()))
        .collect();
    let mut added: Vec<&Post> = after
        .posts
        .iter()
        .filter(|p| !old.contains_key(p.id.value.as_str()))
        .collect();
    removed.dedup_by_key(|p| p.id.value.clone());
    added.dedup_by_key(|p| p.id.value.clone());

    // A removed and an added post with the same content are one post renamed.
    let mut renamed: Vec<(&Post, &Post)> = Vec::new();
    let removed_keys: Vec<String> = removed.iter().map(|p| content_key(before, p)).collect();
    let mut taken = vec![false; removed.len()];
    added.retain(|a| {
        let key = content_key(after, a);
        match removed_keys
            .iter()
            .enumerate()
            .find(|(i, k)| !taken[*i] && **k == key)
        {
            Some((i, _)) => {
                taken[i] = true;
                renamed.push((removed[i], a));
                false
            }
            None => true,
        }
    });
    let removed: Vec<&Post> = removed
        .into_iter()
        .zip(taken)
        .filter(|(_, t)| !t)
        .map(|(p, _)| p)
        .collect();

    let base = |ws: &Workspace, p: &Post, kind: Kind| Change {
        post: p.id.value.clone(),
        kind,
        file: ws.sources.path(p.file).to_owned(),
        line: p.loc.line,
        before: None,
        after: None,
        published: went_out(&p.id.value),
        at: p.at,
        rewordings: Vec::new(),
        occurrences: Vec::new(),
    };
    for p in added {
        let summary = format!(
            "{} on {} [{}]",
            when(after, p.at),
            channel_names(p).join(", "),
            p.status.name()
        );
        // What each channel will get, for reviewers.
        let rewordings = delivery::of_post(p, &after.config)
            .iter()
            .map(|d| Rewording::of(d, String::new()))
            .collect();
        changes.push(Change {
            after: Some(summary),
            rewordings,
            ..base(after, p, Kind::Added)
        });
    }
    for p in removed {
        let summary = format!(
            "{} on {} [{}]",
            when(before, p.at),
            channel_names(p).join(", "),
            p.status.name()
        );
        changes.push(Change {
            before: Some(summary),
            ..base(before, p, Kind::Removed)
        });
    }
    for (b, a) in renamed {
        changes.push(Change {
            before: Some(b.id.value.clone()),
            after: Some(a.id.value.clone()),
            published: went_out(&b.id.value) || went_out(&a.id.value),
            ..base(after, a, Kind::Renamed)
        });
    }
    for a in &after.posts {
        if let Some(b) = old.get(a.id.value.as_str())
            && new
                .get(a.id.value.as_str())
                .is_some_and(|first| std::ptr::eq(*first, a))
        {
            changes.extend(compare_post(before, b, after, a, &base));
        }
    }
    changes.sort_by(|x, y| (x.at, &x.post, x.kind).cmp(&(y.at, &y.post, y.kind)));
    series::group(changes)
}

fn compare_post(
    before: &Workspace,
    b: &Post,
    after: &Workspace,
    a: &Post,
    base: &dyn Fn(&Workspace, &Post, Kind) -> Change,
) -> Vec<Change> {
    let mut out = Vec::new();
    let pair = |kind, old: String, new: String| Change {
        before: Some(old),
        after: Some(new),
        ..base(after, a, kind)
    };
    if b.at != a.at {
        out.push(pair(
            Kind::Rescheduled,
            when(before, b.at),
            when(after, a.at),
        ));
    }
    let (bc, ac) = (channel_names(b), channel_names(a));
    if bc != ac {
        out.push(pair(Kind::Retargeted, bc.join(", "), ac.join(", ")));
    }
    if b.status != a.status {
        out.push(pair(
            Kind::Status,
            b.status.name().to_owned(),
            a.status.name().to_owned(),
        ));
    }
    // Rendering every post twice is most of a diff's cost: skip it when
    // nothing that goes into the words changed.
    let same_words = b.text == a.text
        && b.thread == a.thread
        && b.variants == a.variants
        && b.campaign == a.campaign
        && before.config.utm == after.config.utm;
    if !same_words {
        out.extend(rewording(before, b, after, a, &pair));
    }
    // Who owns it, who approved it, its tags: said as a reviewer says it
    // ("approved by luis"), the old value in `before`.
    for (field, old, new) in other_fields(b, a) {
        let kind = match field {
            "approved_by" => Kind::Approved,
            "owner" => Kind::Assigned,
            "tags" => Kind::Tagged,
            _ => {
                // Any other field: `field: value` before and after.
                out.push(pair(
                    Kind::Other,
                    format!("{field}: {old}"),
                    format!("{field}: {new}"),
                ));
                continue;
            }
        };
        let said = match (kind, new == NONE) {
            (Kind::Approved, false) => format!("approved by {new}"),
            (Kind::Approved, true) => format!("approval by {old} withdrawn"),
            (Kind::Assigned, false) => format!("owner {new}"),
            (Kind::Assigned, true) => format!("owner {old} removed"),
            (_, false) => format!("tags {new}"),
            (_, true) => "tags removed".to_owned(),
        };
        out.push(pair(kind, old, said));
    }
    out
}

/// The posts' words per channel, when they differ.
fn rewording(
    before: &Workspace,
    b: &Post,
    after: &Workspace,
    a: &Post,
    pair: &dyn Fn(Kind, String, String) -> Change,
) -> Option<Change> {
    let old_d: HashMap<String, Delivery<'_>> = delivery::of_post(b, &before.config)
        .into_iter()
        .map(|d| (d.channel.name.clone(), d))
        .collect();
    let rewordings: Vec<Rewording> = delivery::of_post(a, &after.config)
        .into_iter()
        .filter_map(|d| {
            let old = old_d.get(&d.channel.name)?;
            let (was, is) = (words(old), words(&d));
            (was != is).then(|| Rewording::of(&d, was))
        })
        .collect();
    let text = |p: &Post| {
        p.text
            .as_ref()
            .map_or(String::new(), |t| t.value.trim_end().to_owned())
    };
    (!rewordings.is_empty()).then(|| Change {
        rewordings,
        ..pair(Kind::Reworded, text(b), text(a))
    })
}

/// Fields that changed but are none of the above (and do not change the
/// text): each with its value before and after, as a reviewer reads it.
fn other_fields(b: &Post, a: &Post) -> Vec<(&'static str, String, String)> {
    let text = |x: Option<&str>| x.map_or_else(|| NONE.to_owned(), shown);
    let located =
        |x: Option<&crate::diagnostic::Located<String>>| text(x.map(|v| v.value.as_str()));
    let catch_up = |p: &Post| {
        p.catch_up().and_then(|d| d.to_std().ok()).map_or_else(
            || NONE.to_owned(),
            |d| humantime::format_duration(d).to_string(),
        )
    };
    let media = |p: &Post| {
        let items: Vec<String> = p
            .media
            .iter()
            .map(|m| match &m.alt {
                Some(alt) => format!("{} (alt: {})", m.file.value, shown(&alt.value)),
                None => format!("{} (no alt)", m.file.value),
            })
            .collect();
        list(&items)
    };
    let (eb, ea) = (b.extra.as_deref(), a.extra.as_deref());
    let field = |e: Option<&PostExtra>, get: fn(&PostExtra) -> Option<&String>| {
        text(e.and_then(get).map(String::as_str))
    };
    let tags = |e: Option<&PostExtra>| list(e.map_or(&[][..], |e| &e.tags));
    let fields = [
        ("cw", located(b.cw()), located(a.cw())),
        ("language", located(b.language()), located(a.language())),
        ("catch_up", catch_up(b), catch_up(a)),
        (
            "campaign",
            text(b.campaign.as_deref()),
            text(a.campaign.as_deref()),
        ),
        ("media", media(b), media(a)),
        (
            "owner",
            field(eb, |e| e.owner.as_ref()),
            field(ea, |e| e.owner.as_ref()),
        ),
        (
            "approved_by",
            field(eb, |e| e.approved_by.as_ref()),
            field(ea, |e| e.approved_by.as_ref()),
        ),
        ("tags", tags(eb), tags(ea)),
        (
            "notes",
            field(eb, |e| e.notes.as_ref()),
            field(ea, |e| e.notes.as_ref()),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .collect()
}

/// How an absent value reads in a diff.
const NONE: &str = "(none)";

fn list(items: &[String]) -> String {
    if items.is_empty() {
        NONE.to_owned()
    } else {
        items.join(", ")
    }
}

/// A value on one line, cut short when long (notes can be paragraphs).
fn shown(value: &str) -> String {
    const MAX: usize = 80;
    let line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Keep the findings a change is responsible for (`validate --changed-since`):
/// those in posts added or changed since `before`, and whole-file findings in
/// files whose text differs from `before_files`. With no `before` (the
/// revision had no workspace), everything is new.
pub fn only_changed(
    ws: &Workspace,
    before: Option<&Workspace>,
    before_files: &dyn crate::calendar::files::Files,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    let Some(before) = before else {
        return findings;
    };
    let changed: std::collections::HashSet<String> = compare(before, ws, &PublishedSet::new())
        .into_iter()
        .filter(|c| c.kind != Kind::Removed)
        .map(|c| c.post)
        .collect();
    let mut file_changed: HashMap<crate::diagnostic::FileId, bool> = HashMap::new();
    findings
        .into_iter()
        .filter(|f| match &f.subject {
            Subject::Post(post) | Subject::Delivery { post, .. } => changed.contains(post),
            _ => f.file.is_none_or(|id| {
                *file_changed.entry(id).or_insert_with(|| {
                    let now = ws.sources.text(id).map(|t| t.into_owned());
                    let then = before_files.text(ws.sources.path(id)).ok().flatten();
                    now != then
                })
            }),
        })
        .collect()
}
