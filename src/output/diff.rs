//! `diff` formats: human (coloured on a terminal), Markdown for a pull-request
//! comment, JSON.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Color, Effects, Style};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use super::preview::fmt_length;
use crate::diff::{Change, Kind};

const REMOVED: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)))
    .effects(Effects::STRIKETHROUGH);
const ADDED: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::Green)));
const WARN: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Yellow)))
    .effects(Effects::BOLD);

/// A word-level diff: `[-old-]{+new+}` (or red/green when coloured); runs of
/// changed words are grouped.
pub fn word_diff(before: &str, after: &str, color: bool) -> String {
    let diff = TextDiff::from_words(before, after);
    let mut runs: Vec<(ChangeTag, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        match runs.last_mut() {
            Some((tag, text)) if *tag == change.tag() => text.push_str(change.value()),
            // Spaces between two changed words join the run.
            _ => runs.push((change.tag(), change.value().to_owned())),
        }
    }
    let mut out = String::new();
    for (tag, text) in runs {
        match (tag, color) {
            (ChangeTag::Equal, _) => out.push_str(&text),
            (ChangeTag::Delete, true) => {
                let _ = write!(out, "{REMOVED}{text}{REMOVED:#}");
            }
            (ChangeTag::Insert, true) => {
                let _ = write!(out, "{ADDED}{text}{ADDED:#}");
            }
            (ChangeTag::Delete, false) => {
                let _ = write!(out, "[-{text}-]");
            }
            (ChangeTag::Insert, false) => {
                let _ = write!(out, "{{+{text}+}}");
            }
        }
    }
    out
}

fn marker(kind: Kind) -> char {
    match kind {
        Kind::Added => '+',
        Kind::Removed => '-',
        _ => '~',
    }
}

const PUBLISHED_WARNING: &str =
    "ALREADY PUBLISHED: editing it will not change what went out; `status: retracted` deletes it";

pub fn human(changes: &[Change], color: bool) -> String {
    if changes.is_empty() {
        return "no changes to posts\n".to_owned();
    }
    let mut out = String::new();
    let mut last_post = "";
    let mut last_dates: &[String] = &[];
    for c in changes {
        if c.post != last_post {
            let _ = writeln!(
                out,
                "{} {}  ({}:{})",
                marker(c.kind),
                c.post,
                c.file,
                c.line
            );
            if c.published {
                let warn = if color {
                    format!("{WARN}{PUBLISHED_WARNING}{WARN:#}")
                } else {
                    PUBLISHED_WARNING.to_owned()
                };
                let _ = writeln!(out, "    {warn}");
            }
            last_post = &c.post;
            last_dates = &[];
        }
        // Which occurrences, when it is not the same as the line before.
        if !c.occurrences.is_empty() && c.occurrences != last_dates {
            let _ = writeln!(
                out,
                "    in {} occurrences: {}",
                c.occurrences.len(),
                dates(&c.occurrences)
            );
        }
        last_dates = &c.occurrences;
        match c.kind {
            Kind::Added => {
                let _ = writeln!(out, "    added: {}", c.after.as_deref().unwrap_or(""));
            }
            Kind::Removed => {
                let _ = writeln!(out, "    removed: {}", c.before.as_deref().unwrap_or(""));
            }
            Kind::Reworded => {
                for r in &c.rewordings {
                    let _ = writeln!(
                        out,
                        "    reworded on {} ({}), now {}:",
                        r.channel,
                        r.platform,
                        fmt_length(&r.length)
                    );
                    for line in word_diff(&r.before, &r.after, color).lines() {
                        let _ = writeln!(out, "      {line}");
                    }
                }
            }
            Kind::Approved | Kind::Assigned | Kind::Tagged => {
                let after = c.after.as_deref().unwrap_or("");
                match c.before.as_deref() {
                    Some(was) if was != "(none)" && !after.contains(was) => {
                        let _ = writeln!(out, "    {after} (was {was})");
                    }
                    _ => {
                        let _ = writeln!(out, "    {after}");
                    }
                }
            }
            Kind::Other => {
                // `field: old` and `field: new`: the field once.
                let (before, after) = (c.before.as_deref(), c.after.as_deref());
                let new = match (before.and_then(|b| b.split_once(": ")), after) {
                    (Some((field, _)), Some(after)) => {
                        after.strip_prefix(&format!("{field}: ")).unwrap_or(after)
                    }
                    _ => after.unwrap_or(""),
                };
                let _ = writeln!(out, "    {} → {new}", before.unwrap_or(""));
            }
            kind => {
                let _ = writeln!(
                    out,
                    "    {}: {} → {}",
                    kind.name(),
                    c.before.as_deref().unwrap_or(""),
                    c.after.as_deref().unwrap_or("")
                );
            }
        }
    }
    let _ = writeln!(out, "\n{}", summary(changes));
    out
}

/// "2027-03-01, 2027-03-08, … 2027-04-05": the first two and the last.
fn dates(list: &[String]) -> String {
    match list {
        [a, b, c] => format!("{a}, {b}, {c}"),
        [a, b, .., z] if list.len() > 3 => format!("{a}, {b}, … {z}"),
        _ => list.join(", "),
    }
}

/// `3 posts changed: 1 added, 1 rescheduled, 1 reworded`; a series counts
/// once among the posts and once per occurrence among the kinds
/// (`1 post and 1 series changed: 2 added, 6 reworded`).
pub fn summary(changes: &[Change]) -> String {
    let mut posts: Vec<&str> = changes
        .iter()
        .filter(|c| c.occurrences.is_empty())
        .map(|c| c.post.as_str())
        .collect();
    posts.sort_unstable();
    posts.dedup();
    let mut series: Vec<&str> = changes
        .iter()
        .filter(|c| !c.occurrences.is_empty())
        .map(|c| c.post.as_str())
        .collect();
    series.sort_unstable();
    series.dedup();
    // An occurrence changed alone is counted with its series.
    posts.retain(|p| !series.contains(&crate::diagnostic::series_of(p)));
    let mut kinds: Vec<(Kind, usize)> = Vec::new();
    for c in changes {
        let n = c.occurrences.len().max(1);
        match kinds.iter_mut().find(|(k, _)| *k == c.kind) {
            Some((_, count)) => *count += n,
            None => kinds.push((c.kind, n)),
        }
    }
    kinds.sort();
    let list = kinds
        .iter()
        .map(|(k, n)| format!("{n} {}", k.name()))
        .collect::<Vec<_>>()
        .join(", ");
    let noun = if posts.len() == 1 { "post" } else { "posts" };
    let what = match (posts.len(), series.len()) {
        (_, 0) => format!("{} {noun}", posts.len()),
        (0, s) => format!("{s} series"),
        (p, s) => format!("{p} {noun} and {s} series"),
    };
    format!("{what} changed: {list}")
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// For a pull-request comment: a summary table, then per post the details,
/// with the text per channel as it will be posted and its length.
pub fn markdown(changes: &[Change]) -> String {
    let mut out = String::from("### postcal: what this change does to the channels\n\n");
    if changes.is_empty() {
        out.push_str("No post is added, removed or changed.\n");
        return out;
    }
    let _ = writeln!(out, "{}\n", summary(changes));
    out.push_str("| | post | change | before | after |\n|---|---|---|---|---|\n");
    for c in changes {
        let flag = if c.published { "⚠️" } else { "" };
        let (before, after) = match c.kind {
            Kind::Reworded => (
                "".to_owned(),
                c.rewordings
                    .iter()
                    .map(|r| r.channel.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => (
                c.before.clone().unwrap_or_default(),
                c.after.clone().unwrap_or_default(),
            ),
        };
        let occurrences = match c.occurrences.len() {
            0 => String::new(),
            n => format!(" ({n} occurrences: {})", dates(&c.occurrences)),
        };
        let _ = writeln!(
            out,
            "| {flag} | `{}`{occurrences} | {} | {} | {} |",
            c.post,
            c.kind.name(),
            md_escape(&before),
            md_escape(&after)
        );
    }
    if changes.iter().any(|c| c.published) {
        let _ = writeln!(out, "\n⚠️ {PUBLISHED_WARNING}.");
    }
    for c in changes.iter().filter(|c| c.kind == Kind::Added) {
        let _ = writeln!(out, "\n#### `{}` added ({}:{})\n", c.post, c.file, c.line);
        for r in &c.rewordings {
            let _ = writeln!(
                out,
                "**{}** ({}) — {}\n",
                r.channel,
                r.platform,
                fmt_length(&r.length)
            );
            let _ = writeln!(out, "```text\n{}\n```", r.after.trim_end());
        }
    }
    for c in changes.iter().filter(|c| c.kind == Kind::Reworded) {
        let _ = writeln!(
            out,
            "\n#### `{}` re-worded ({}:{})\n",
            c.post, c.file, c.line
        );
        for r in &c.rewordings {
            let long = r.before.lines().count() + r.after.lines().count() > 12;
            if long {
                let _ = writeln!(
                    out,
                    "<details><summary>{} ({}) — {}</summary>\n",
                    r.channel,
                    r.platform,
                    fmt_length(&r.length)
                );
            } else {
                let _ = writeln!(
                    out,
                    "**{}** ({}) — {}\n",
                    r.channel,
                    r.platform,
                    fmt_length(&r.length)
                );
            }
            out.push_str("```diff\n");
            for line in TextDiff::from_lines(&r.before, &r.after).iter_all_changes() {
                let sign = match line.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                let _ = write!(out, "{sign}{}", line.value());
                if !line.value().ends_with('\n') {
                    out.push('\n');
                }
            }
            out.push_str("```\n");
            if long {
                out.push_str("\n</details>\n");
            }
        }
    }
    out
}

#[derive(Serialize)]
struct JsonChange<'a> {
    post: &'a str,
    kind: &'a str,
    file: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
    published: bool,
    /// A series' change: the dates of the occurrences it affects.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    occurrences: &'a [String],
}

/// `{"changes": [{"post", "kind", "file", "before", "after", "published"}]}`,
/// and `occurrences` (dates) on a change of a series.
pub fn json(changes: &[Change]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        changes: Vec<JsonChange<'a>>,
    }
    let doc = Doc {
        changes: changes
            .iter()
            .map(|c| JsonChange {
                post: &c.post,
                kind: c.kind.name(),
                file: &c.file,
                before: c.before.as_deref(),
                after: c.after.as_deref(),
                published: c.published,
                occurrences: &c.occurrences,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
