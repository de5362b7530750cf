//! iCalendar (RFC 5545) for the calendar apps a team already uses: one
//! event per delivery, its `UID` the delivery's identity
//! (`POST@CHANNEL@postcal`, SPEC §7),
//! UTC times, text escaped (§3.3.11) and lines folded at 75 octets (§3.1).
//! `SEQUENCE` goes up when a delivery's time, text or status changes, told
//! from the previous export (each event carries the hash of what it showed
//! in `X-POSTCAL-HASH`), so subscribed calendars update the event.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::calendar::Status;
use crate::delivery::Delivery;

/// One delivery as an event, with what the ledger knows of it.
pub struct Event<'a> {
    pub delivery: &'a Delivery<'a>,
    /// Its link, once it went out.
    pub url: Option<&'a str>,
}

/// What an earlier export said of each event: `UID` → (sequence, hash,
/// DTSTAMP).
pub type Previous = HashMap<String, (u32, String, String)>;

/// The calendar, as a string with CRLF line ends.
pub fn write(name: &str, events: &[Event<'_>], now: DateTime<Utc>, previous: &Previous) -> String {
    let mut out = String::new();
    let mut line = |s: &str| fold(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!(
        "PRODID:-//postcal//postcal {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", text(name)));
    for e in events {
        let d = e.delivery;
        let uid = format!("{}@{}@postcal", d.post.id.value, d.channel.name);
        let status = match d.post.status {
            Status::Approved => "CONFIRMED",
            Status::Draft | Status::Review => "TENTATIVE",
            Status::Cancelled | Status::Retracted => "CANCELLED",
        };
        let words: Vec<&str> = d.parts.iter().map(|p| p.text.as_str()).collect();
        let body = words.join("\n\n— next in thread —\n\n");
        let hash = format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(format!("{}|{status}|{body}", d.at.timestamp()).as_bytes())
        );
        // An unchanged event keeps its sequence and its stamp, so a file kept
        // in git changes only where the calendar did.
        let (sequence, stamp) = match previous.get(&uid) {
            Some((seq, old, stamp)) if *old == hash => (*seq, stamp.clone()),
            Some((seq, _, _)) => (seq + 1, utc(now)),
            None => (0, utc(now)),
        };
        let extra = d.post.extra.as_deref();
        let mut about = format!(
            "{} ({}) · {}",
            d.channel.name,
            d.channel.platform(),
            d.post.status.name()
        );
        if let Some(owner) = extra.and_then(|e| e.owner.as_deref()) {
            let _ = write!(about, " · owner {owner}");
        }
        if let Some(by) = extra.and_then(|e| e.approved_by.as_deref()) {
            let _ = write!(about, " · approved by {by}");
        }
        let first = d.text().lines().next().unwrap_or("").trim();
        let summary: String = first.chars().take(60).collect();
        let ellipsis = if first.chars().count() > 60 {
            "…"
        } else {
            ""
        };
        let mut categories = vec![text(&d.channel.name)];
        categories.extend(
            extra
                .map_or(&[][..], |e| e.tags.as_slice())
                .iter()
                .map(|t| text(t)),
        );
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", text(&uid)));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DTSTART:{}", utc(d.at)));
        line("DURATION:PT15M");
        line(&format!(
            "SUMMARY:{}",
            text(&format!("[{}] {summary}{ellipsis}", d.channel.name))
        ));
        line(&format!(
            "DESCRIPTION:{}",
            text(&format!("{body}\n\n{about}"))
        ));
        line(&format!("STATUS:{status}"));
        line(&format!("CATEGORIES:{}", categories.join(",")));
        if let Some(url) = e.url {
            line(&format!("URL:{url}"));
        }
        line(&format!("SEQUENCE:{sequence}"));
        line(&format!("X-POSTCAL-HASH:{hash}"));
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// What an earlier export (its text) said of each event; nothing when it
/// is not one.
pub fn previous(ics: &str) -> Previous {
    let mut out = Previous::new();
    let (mut uid, mut seq, mut hash, mut stamp) = (None, 0u32, None, String::new());
    for l in unfold(ics) {
        if l == "BEGIN:VEVENT" {
            (uid, seq, hash, stamp) = (None, 0, None, String::new());
        } else if let Some(v) = l.strip_prefix("DTSTAMP:") {
            stamp = v.trim().to_owned();
        } else if let Some(v) = l.strip_prefix("UID:") {
            uid = Some(unescape(v));
        } else if let Some(v) = l.strip_prefix("SEQUENCE:") {
            seq = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = l.strip_prefix("X-POSTCAL-HASH:") {
            hash = Some(v.trim().to_owned());
        } else if l == "END:VEVENT"
            && let (Some(u), Some(h)) = (uid.take(), hash.take())
        {
            out.insert(u, (seq, h, std::mem::take(&mut stamp)));
        }
    }
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (§3.3.11): backslash, semicolon, comma and newline escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Append `line` folded at 75 octets (§3.1), never inside a character, with
/// CRLF ends.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The logical lines of `ics` (folds joined).
fn unfold(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in ics.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match raw.strip_prefix([' ', '\t']) {
            Some(rest) if !lines.is_empty() => {
                if let Some(last) = lines.last_mut() {
                    last.push_str(rest);
                }
            }
            _ => lines.push(raw.to_owned()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        let long = format!("DESCRIPTION:{}", "☕".repeat(40));
        fold(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        assert_eq!(unfold(&out), [long, String::new()]);
    }

    #[test]
    fn text_is_escaped_and_read_back() {
        let s = "a, b; c\\d\nnext";
        assert_eq!(text(s), "a\\, b\\; c\\\\d\\nnext");
        assert_eq!(unescape(&text(s)), s);
    }
}
