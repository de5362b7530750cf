//! `preview` formats: table, agenda, month grid, JSON and Markdown.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::calendar::Post;
use crate::delivery::Delivery;
use crate::platform::{Length, Link, Platform, links_in};

/// `142/500`, `12` (no limit), or `310/300 over` when it does not fit.
pub fn fmt_length(len: &Length) -> String {
    let mut s = match len.limit {
        Some(limit) => format!("{}/{limit}", len.count),
        None => len.count.to_string(),
    };
    if let Some(bytes) = len.byte_limit
        && len.bytes > bytes
    {
        let _ = write!(s, " ({}/{bytes} bytes)", len.bytes);
    }
    if len.is_over() {
        s.push_str(" OVER");
    }
    s
}

/// The time in the workspace zone, plus the post's own zone when it differs.
fn fmt_time(d: &Delivery<'_>, zone: Tz, fmt: &str) -> String {
    let local = d.at.with_timezone(&zone).format(fmt).to_string();
    if d.post.zone != zone {
        let own = d.at.with_timezone(&d.post.zone);
        format!("{local} ({} {})", own.format("%H:%M"), d.post.zone.name())
    } else {
        local
    }
}

fn first_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(max).collect();
    if line.chars().count() > max || text.trim().lines().count() > 1 {
        out.push('…');
    }
    out
}

/// Who a post belongs to, who approved it, and its tags (each `None` or
/// empty when not written).
fn people(post: &Post) -> (Option<&str>, Option<&str>, &[String]) {
    match post.extra.as_deref() {
        Some(e) => (e.owner.as_deref(), e.approved_by.as_deref(), &e.tags),
        None => (None, None, &[]),
    }
}

/// `owner ana · approved by luis · tags launch, winter`; `None` when the
/// post names nobody and has no tags.
fn people_line(post: &Post) -> Option<String> {
    let (owner, approved_by, tags) = people(post);
    let mut parts = Vec::new();
    if let Some(o) = owner {
        parts.push(format!("owner {o}"));
    }
    if let Some(a) = approved_by {
        parts.push(format!("approved by {a}"));
    }
    if !tags.is_empty() {
        parts.push(format!("tags {}", tags.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

pub fn table(deliveries: &[Delivery<'_>], zone: Tz) -> String {
    if deliveries.is_empty() {
        return "no deliveries in this window\n".to_owned();
    }
    // The people columns only when some post in the window fills them.
    let any = |f: fn(&Post) -> bool| deliveries.iter().any(|d| f(d.post));
    let show_owner = any(|p| people(p).0.is_some());
    let show_approver = any(|p| people(p).1.is_some());
    let show_tags = any(|p| !people(p).2.is_empty());
    let mut header = vec!["when", "channel", "post", "status"];
    header.extend(show_owner.then_some("owner"));
    header.extend(show_approver.then_some("approved by"));
    header.extend(show_tags.then_some("tags"));
    header.extend(["length", "text"]);
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for d in deliveries {
        let mut text = first_line(d.text(), 48);
        if d.parts.len() > 1 {
            let _ = write!(text, " (+{} in thread)", d.parts.len() - 1);
        }
        if !d.media.is_empty() {
            let _ = write!(text, " [{} media]", d.media.len());
        }
        let worst = d.worst_length();
        let (owner, approved_by, tags) = people(d.post);
        let mut row = vec![
            fmt_time(d, zone, "%a %d %b %H:%M"),
            d.channel.name.clone(),
            d.post.id.value.clone(),
            d.post.status.name().to_owned(),
        ];
        if show_owner {
            row.push(owner.unwrap_or("").to_owned());
        }
        if show_approver {
            row.push(approved_by.unwrap_or("").to_owned());
        }
        if show_tags {
            row.push(tags.join(", "));
        }
        row.extend([fmt_length(&worst), text]);
        t.add_row(row);
    }
    format!("{t}\n")
}

pub fn agenda(deliveries: &[Delivery<'_>], zone: Tz) -> String {
    if deliveries.is_empty() {
        return "no deliveries in this window\n".to_owned();
    }
    let mut out = String::new();
    let mut day = None;
    for d in deliveries {
        let local = d.at.with_timezone(&zone);
        if day != Some(local.date_naive()) {
            if day.is_some() {
                out.push('\n');
            }
            day = Some(local.date_naive());
            let _ = writeln!(out, "{}", local.format("%A %-d %B %Y"));
        }
        let _ = writeln!(
            out,
            "  {}  {}  {}  [{}]  {}",
            fmt_time(d, zone, "%H:%M"),
            d.post.id.value,
            d.channel.name,
            d.post.status.name(),
            fmt_length(&d.parts[0].length)
        );
        if let Some(line) = people_line(d.post) {
            let _ = writeln!(out, "         {line}");
        }
        if let Some(cw) = d.cw {
            let _ = writeln!(out, "         CW: {cw}");
        }
        for line in d.text().trim_end().lines() {
            let _ = writeln!(out, "         {line}");
        }
        agenda_links(&mut out, d.channel.platform(), d.text(), "         ");
        for m in d.media {
            let alt = m.alt.as_ref().map_or("(no alt text)", |a| a.value.as_str());
            let _ = writeln!(
                out,
                "         [media] {} — {}",
                m.file.value,
                first_line(alt, 60)
            );
        }
        for (i, part) in d.parts.iter().enumerate().skip(1) {
            let _ = writeln!(
                out,
                "         ↳ {i}/{}  {}",
                d.parts.len() - 1,
                fmt_length(&part.length)
            );
            for line in part.text.trim_end().lines() {
                let _ = writeln!(out, "           {line}");
            }
            agenda_links(&mut out, d.channel.platform(), &part.text, "           ");
        }
    }
    out
}

/// `[link] example.com → https://example.com`, one line per link of `text`.
fn agenda_links(out: &mut String, platform: Platform, text: &str, indent: &str) {
    for link in links_in(platform, text) {
        let span = text.get(link.range.clone()).unwrap_or_default();
        let _ = write!(out, "{indent}[link] {span}");
        if link.uri != span {
            let _ = write!(out, " → {}", link.uri);
        }
        out.push('\n');
    }
}

/// A calendar grid per month in the window: each day lists its posts by
/// time and number, and a legend under the grid names each number's post in
/// full, with its channels, status and owner (ids are not cut short).
pub fn month(
    deliveries: &[Delivery<'_>],
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> String {
    let first = from.with_timezone(&zone).date_naive();
    let last = (to - Duration::seconds(1))
        .with_timezone(&zone)
        .date_naive()
        .max(first);
    let mut out = String::new();
    let mut month_start = first.with_day(1).unwrap_or(first);
    while month_start <= last {
        let next = next_month(month_start);
        let _ = writeln!(out, "{}", month_start.format("%B %Y"));
        // One number per post and time this month, in time order.
        let mut legend: Vec<(DateTime<Utc>, &str, Vec<&str>, &Post)> = Vec::new();
        for d in deliveries.iter().filter(|d| {
            let day = d.at.with_timezone(&zone).date_naive();
            day >= month_start && day < next && day >= first && day <= last
        }) {
            match legend
                .iter_mut()
                .find(|(at, id, _, _)| *at == d.at && *id == d.post.id.value)
            {
                Some((_, _, channels, _)) => channels.push(&d.channel.name),
                None => legend.push((d.at, &d.post.id.value, vec![&d.channel.name], d.post)),
            }
        }
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
        let lead = month_start.weekday().num_days_from_monday() as usize;
        let mut row: Vec<String> = vec![String::new(); lead];
        let mut date = month_start;
        while date < next {
            let mut cell = date.day().to_string();
            for (n, (at, ..)) in legend.iter().enumerate() {
                if at.with_timezone(&zone).date_naive() == date {
                    let _ = write!(
                        cell,
                        "\n{} [{}]",
                        at.with_timezone(&zone).format("%H:%M"),
                        n + 1
                    );
                }
            }
            row.push(cell);
            if row.len() == 7 {
                t.add_row(std::mem::take(&mut row));
            }
            date = date.succ_opt().unwrap_or(next);
        }
        if !row.is_empty() {
            row.resize(7, String::new());
            t.add_row(row);
        }
        let _ = writeln!(out, "{t}");
        for (n, (at, id, channels, post)) in legend.iter().enumerate() {
            let owner = people(post).0.map_or(String::new(), |o| format!(" · {o}"));
            let _ = writeln!(
                out,
                "[{}] {} {id} → {} · {}{owner}",
                n + 1,
                at.with_timezone(&zone).format("%a %d %H:%M"),
                channels.join(", "),
                post.status.name()
            );
        }
        out.push('\n');
        month_start = next;
    }
    out
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

#[derive(Serialize)]
struct JsonPart<'a> {
    text: &'a str,
    length: usize,
    links: Vec<JsonLink<'a>>,
}

/// A span of a part's text that becomes a link: UTF-8 byte offsets into
/// `text`, start inclusive and end exclusive (as Bluesky's facets).
#[derive(Serialize)]
struct JsonLink<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    uri: String,
}

fn json_links(platform: Platform, text: &str) -> Vec<JsonLink<'_>> {
    links_in(platform, text)
        .into_iter()
        .map(|Link { range, uri }| JsonLink {
            start: range.start,
            end: range.end,
            text: text.get(range).unwrap_or_default(),
            uri,
        })
        .collect()
}

#[derive(Serialize)]
struct JsonMedia<'a> {
    file: &'a str,
    alt: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonDelivery<'a> {
    post: &'a str,
    channel: &'a str,
    platform: &'a str,
    at: String,
    status: &'a str,
    owner: Option<&'a str>,
    approved_by: Option<&'a str>,
    tags: &'a [String],
    text: &'a str,
    length: usize,
    limit: Option<usize>,
    links: Vec<JsonLink<'a>>,
    thread: Vec<JsonPart<'a>>,
    media: Vec<JsonMedia<'a>>,
    /// `export json` only: the campaign and, once published, the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<Option<String>>,
}

#[derive(Serialize)]
struct JsonPreview<'a> {
    deliveries: Vec<JsonDelivery<'a>>,
}

/// SPEC §3: `{"deliveries": [...]}` with `at` in the workspace offset.
pub fn json(deliveries: &[Delivery<'_>], zone: Tz) -> String {
    json_doc(deliveries, zone, None)
}

/// A delivery's published link, for `export json`.
pub type UrlOf<'f> = &'f dyn Fn(&Delivery<'_>) -> Option<String>;

/// `export json`: what `preview --format json` prints, with each delivery's
/// `campaign` and its published `url` (null until the ledger has one).
pub fn export_json(deliveries: &[Delivery<'_>], zone: Tz, url: UrlOf<'_>) -> String {
    json_doc(deliveries, zone, Some(url))
}

fn json_doc(deliveries: &[Delivery<'_>], zone: Tz, url: Option<UrlOf<'_>>) -> String {
    let doc = JsonPreview {
        deliveries: deliveries
            .iter()
            .map(|d| JsonDelivery {
                post: &d.post.id.value,
                channel: &d.channel.name,
                platform: d.channel.platform().name(),
                at: d.at.with_timezone(&zone).to_rfc3339(),
                status: d.post.status.name(),
                owner: people(d.post).0,
                approved_by: people(d.post).1,
                tags: people(d.post).2,
                text: d.text(),
                length: d.parts[0].length.count,
                limit: d.parts[0].length.limit,
                links: json_links(d.channel.platform(), d.text()),
                thread: d.parts[1..]
                    .iter()
                    .map(|p| JsonPart {
                        text: &p.text,
                        length: p.length.count,
                        links: json_links(d.channel.platform(), &p.text),
                    })
                    .collect(),
                media: d
                    .media
                    .iter()
                    .map(|m| JsonMedia {
                        file: &m.file.value,
                        alt: m.alt.as_ref().map(|a| a.value.as_str()),
                    })
                    .collect(),
                campaign: url.map(|_| d.post.campaign.as_deref()),
                url: url.map(|u| u(d)),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Markdown for a pull request or a wiki: a section per day, the text as it
/// will be posted, and its length.
pub fn markdown(deliveries: &[Delivery<'_>], zone: Tz) -> String {
    if deliveries.is_empty() {
        return "_No deliveries in this window._\n".to_owned();
    }
    let mut out = String::new();
    let mut day = None;
    for d in deliveries {
        let local = d.at.with_timezone(&zone);
        if day != Some(local.date_naive()) {
            day = Some(local.date_naive());
            let _ = writeln!(out, "## {}\n", local.format("%A %-d %B %Y"));
        }
        let _ = writeln!(
            out,
            "### {} · `{}` → {} ({})\n",
            fmt_time(d, zone, "%H:%M"),
            d.post.id.value,
            d.channel.name,
            d.channel.platform()
        );
        let people = people_line(d.post).map_or(String::new(), |l| format!(" · {l}"));
        let _ = writeln!(
            out,
            "*{}* · {}{people}\n",
            d.post.status.name(),
            fmt_length(&d.parts[0].length)
        );
        if let Some(cw) = d.cw {
            let _ = writeln!(out, "**CW:** {cw}\n");
        }
        for line in d.text().trim_end().lines() {
            let _ = writeln!(out, "> {line}");
        }
        out.push('\n');
        markdown_links(&mut out, d.channel.platform(), d.text());
        for m in d.media {
            let alt = m.alt.as_ref().map_or("(no alt text)", |a| a.value.as_str());
            let _ = writeln!(out, "- 🖼 `{}`: {}", m.file.value, alt.trim());
        }
        if !d.media.is_empty() {
            out.push('\n');
        }
        for (i, part) in d.parts.iter().enumerate().skip(1) {
            let _ = writeln!(
                out,
                "Thread {i}/{} · {}\n",
                d.parts.len() - 1,
                fmt_length(&part.length)
            );
            for line in part.text.trim_end().lines() {
                let _ = writeln!(out, "> {line}");
            }
            out.push('\n');
            markdown_links(&mut out, d.channel.platform(), &part.text);
        }
    }
    out
}

/// A list item per link of `text` (``- 🔗 `example.com` → `https://example.com` ``),
/// then a blank line; nothing when there is no link.
fn markdown_links(out: &mut String, platform: Platform, text: &str) {
    let links = links_in(platform, text);
    for link in &links {
        let span = text.get(link.range.clone()).unwrap_or_default();
        let _ = write!(out, "- 🔗 {}", code_span(span));
        if link.uri != span {
            let _ = write!(out, " → {}", code_span(&link.uri));
        }
        out.push('\n');
    }
    if !links.is_empty() {
        out.push('\n');
    }
}

/// `text` as a Markdown code span, fenced with more backticks than it holds.
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code_span("example.com"), "`example.com`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x``"), "``` `x`` ```");
    }

    #[test]
    fn markdown_lists_each_link_and_its_target() {
        let mut out = String::new();
        markdown_links(
            &mut out,
            Platform::Bluesky,
            "see example.com/a`b and https://x.io",
        );
        assert_eq!(
            out,
            "- 🔗 ``example.com/a`b`` → ``https://example.com/a`b``\n- 🔗 `https://x.io`\n\n"
        );
        let mut none = String::new();
        markdown_links(&mut none, Platform::Mastodon, "see example.com");
        assert_eq!(none, "");
    }
}
