//! What the site's pages show, as plain data the templates read: months
//! (a grid of weeks), weeks (a section per day), and a page per post with
//! each of its deliveries in the window.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use crate::calendar::{Post, Workspace};
use crate::delivery::Delivery;

/// A post at one time on a calendar page, with the channels it goes to
/// then (one delivery each).
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub time: String,
    pub post: String,
    pub href: String,
    pub channels: Vec<Channel>,
    pub status: &'static str,
    pub owner: Option<String>,
    pub summary: String,
    pub published: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Day {
    /// `Mon 30 Nov`
    pub label: String,
    pub number: u32,
    /// Whether it is in the month the grid is for.
    pub inside: bool,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Month {
    /// `2026-12`, the page is `month-2026-12.html`.
    pub slug: String,
    /// `December 2026`
    pub title: String,
    pub weeks: Vec<Row>,
    pub count: usize,
}

/// A week of a month's grid.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The week's page, `2026-W49`.
    pub slug: String,
    /// `W49`
    pub label: String,
    pub days: Vec<Day>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Week {
    /// `2026-W49`, the page is `week-2026-W49.html`.
    pub slug: String,
    /// `Week 49, 30 Nov – 6 Dec 2026`
    pub title: String,
    pub days: Vec<Day>,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// The text in pieces: plain, or a link (where the platform makes one).
    pub pieces: Vec<Piece>,
    pub length: String,
    pub over: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Piece {
    pub text: String,
    pub href: Option<String>,
}

/// `text` cut at the spans `platform` makes links of.
fn pieces(platform: crate::platform::Platform, text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for link in crate::platform::links_in(platform, text) {
        let (Some(before), Some(shown)) =
            (text.get(at..link.range.start), text.get(link.range.clone()))
        else {
            continue;
        };
        if !before.is_empty() {
            out.push(Piece {
                text: before.to_owned(),
                href: None,
            });
        }
        // Only web addresses become links on the page.
        let web = link.uri.starts_with("https://") || link.uri.starts_with("http://");
        out.push(Piece {
            text: shown.to_owned(),
            href: web.then(|| link.uri.clone()),
        });
        at = link.range.end;
    }
    if let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
        out.push(Piece {
            text: rest.to_owned(),
            href: None,
        });
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Picture {
    /// From the site's top: `files/media/winter.jpg`.
    pub src: String,
    pub alt: Option<String>,
    pub video: bool,
    /// Not in the workspace (or outside it): shown as missing.
    pub missing: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub name: String,
    pub platform: &'static str,
    pub colour: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostDelivery {
    pub channel: Channel,
    /// `Thu 3 Dec 2026, 09:00 (Europe/Madrid)`
    pub when: String,
    pub cw: Option<String>,
    pub parts: Vec<Part>,
    pub media: Vec<Picture>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostPage {
    pub id: String,
    pub href: String,
    pub status: &'static str,
    pub owner: Option<String>,
    pub approved_by: Option<String>,
    pub tags: Vec<String>,
    pub campaign: Option<String>,
    pub file: String,
    pub deliveries: Vec<PostDelivery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub title: String,
    /// `1 Dec 2026 – 28 Feb 2027`: the days the site shows.
    pub window: String,
    /// `1 Dec 2026, 08:00 (Europe/Madrid)`
    pub generated: String,
    pub zone: String,
    pub channels: Vec<Channel>,
    pub months: Vec<Month>,
    pub weeks: Vec<Week>,
    pub posts: Vec<PostPage>,
    /// The media files the pages show, to copy: workspace-relative path
    /// and where the file is.
    #[serde(skip)]
    pub media: Vec<(String, std::path::PathBuf)>,
    /// The results page (`report --format html` of the window), when the
    /// workspace has metrics: the navigation links to it.
    pub results_page: Option<String>,
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out: String = line.trim().chars().take(48).collect();
    if line.trim().chars().count() > 48 || text.trim().lines().count() > 1 {
        out.push('…');
    }
    out
}

fn owner(post: &Post) -> Option<String> {
    post.extra.as_ref().and_then(|e| e.owner.clone())
}

fn is_video(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    [".mp4", ".mov", ".webm", ".m4v"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The site for `deliveries` (in time order) between `from` and `to`,
/// with `links` the published link of each `(post, channel)`.
pub fn build(
    ws: &Workspace,
    deliveries: &[Delivery<'_>],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    links: &HashMap<(String, String), String>,
    now: DateTime<Utc>,
) -> Site {
    let zone = ws.config.timezone;
    let colour_of: HashMap<&str, usize> = ws
        .config
        .channels
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i % super::PALETTE.len()))
        .collect();
    let channel = |d: &Delivery<'_>| Channel {
        name: d.channel.name.clone(),
        platform: d.channel.platform().name(),
        colour: colour_of.get(d.channel.name.as_str()).copied().unwrap_or(0),
    };
    let link = |d: &Delivery<'_>| {
        links
            .get(&(d.post.id.value.clone(), d.channel.name.clone()))
            .cloned()
    };
    let item = |d: &Delivery<'_>| Item {
        time: d.at.with_timezone(&zone).format("%H:%M").to_string(),
        post: d.post.id.value.clone(),
        href: super::post_file(&d.post.id.value),
        channels: vec![channel(d)],
        status: d.post.status.name(),
        owner: owner(d.post),
        summary: first_line(d.text()),
        published: link(d).is_some(),
    };
    // Deliveries come in (time, post, channel) order: a post's channels at
    // one time are neighbours, and become one item.
    let by_day = |day: NaiveDate| -> Vec<Item> {
        let mut items: Vec<(DateTime<Utc>, Item)> = Vec::new();
        for d in deliveries
            .iter()
            .filter(|d| d.at.with_timezone(&zone).date_naive() == day)
        {
            match items.last_mut() {
                Some((at, last)) if *at == d.at && last.post == d.post.id.value => {
                    last.channels.push(channel(d));
                    last.published &= link(d).is_some();
                }
                _ => items.push((d.at, item(d))),
            }
        }
        items.into_iter().map(|(_, i)| i).collect()
    };
    let day = |date: NaiveDate, inside: bool| Day {
        label: date.format("%a %-d %b").to_string(),
        number: date.day(),
        inside,
        items: if inside { by_day(date) } else { Vec::new() },
    };
    let (first, last) = (
        from.with_timezone(&zone).date_naive(),
        (to - Duration::seconds(1))
            .with_timezone(&zone)
            .date_naive(),
    );
    let mut months = Vec::new();
    let mut m = first.with_day(1).unwrap_or(first);
    while m <= last {
        let next = m
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
        let mut weeks = Vec::new();
        let mut start = m.week(Weekday::Mon).first_day();
        while start < next {
            let iso = start.iso_week();
            weeks.push(Row {
                slug: format!("{}-W{:02}", iso.year(), iso.week()),
                label: format!("W{:02}", iso.week()),
                days: (0..7)
                    .map(|i| {
                        let date = start + Duration::days(i);
                        day(date, date >= m && date < next)
                    })
                    .collect(),
            });
            start += Duration::days(7);
        }
        let count = deliveries
            .iter()
            .filter(|d| {
                let date = d.at.with_timezone(&zone).date_naive();
                date >= m && date < next
            })
            .count();
        months.push(Month {
            slug: m.format("%Y-%m").to_string(),
            title: m.format("%B %Y").to_string(),
            weeks,
            count,
        });
        m = next;
    }
    // A week page for every row of the month grids, so each row's link
    // has its page.
    let mut weeks = Vec::new();
    let mut start = first
        .with_day(1)
        .unwrap_or(first)
        .week(Weekday::Mon)
        .first_day();
    while start <= m.pred_opt().unwrap_or(m) {
        let end = start + Duration::days(6);
        let days: Vec<Day> = (0..7)
            .map(|i| day(start + Duration::days(i), true))
            .collect();
        let iso = start.iso_week();
        weeks.push(Week {
            slug: format!("{}-W{:02}", iso.year(), iso.week()),
            title: format!(
                "Week {}, {} – {}",
                iso.week(),
                start.format("%-d %b"),
                end.format("%-d %b %Y")
            ),
            count: days
                .iter()
                .flat_map(|d| &d.items)
                .map(|i| i.channels.len())
                .sum(),
            days,
        });
        start += Duration::days(7);
    }
    let mut posts: Vec<PostPage> = Vec::new();
    let mut media: Vec<(String, std::path::PathBuf)> = Vec::new();
    for d in deliveries {
        let id = &d.post.id.value;
        let index = match posts.iter().position(|p| &p.id == id) {
            Some(i) => i,
            None => {
                let extra = d.post.extra.as_deref();
                posts.push(PostPage {
                    id: id.clone(),
                    href: super::post_file(id),
                    status: d.post.status.name(),
                    owner: owner(d.post),
                    approved_by: extra.and_then(|e| e.approved_by.clone()),
                    tags: extra.map(|e| e.tags.clone()).unwrap_or_default(),
                    campaign: d.post.campaign.as_deref().map(str::to_owned),
                    file: ws.sources.path(d.post.file).to_owned(),
                    deliveries: Vec::new(),
                });
                posts.len() - 1
            }
        };
        let pictures = d
            .media
            .iter()
            .map(|m| {
                let file = &m.file.value;
                let found = crate::validate::rules::media::locate(&ws.root, file).ok();
                let inside = found.is_some();
                if let Some(path) = found
                    && !media.iter().any(|(f, _)| f == file)
                {
                    media.push((file.clone(), path));
                }
                Picture {
                    src: format!("files/{file}"),
                    alt: m.alt.as_ref().map(|a| a.value.clone()),
                    video: is_video(file),
                    missing: !inside,
                }
            })
            .collect();
        let local = d.at.with_timezone(&zone);
        posts[index].deliveries.push(PostDelivery {
            channel: channel(d),
            when: format!("{} ({})", local.format("%a %-d %b %Y, %H:%M"), zone.name()),
            cw: d.cw.map(str::to_owned),
            parts: d
                .parts
                .iter()
                .map(|p| Part {
                    pieces: pieces(d.channel.platform(), &p.text),
                    length: crate::output::preview::fmt_length(&p.length),
                    over: p.length.is_over(),
                })
                .collect(),
            media: pictures,
            url: link(d),
        });
    }
    let channels = ws
        .config
        .channels
        .values()
        .map(|c| Channel {
            name: c.name.clone(),
            platform: c.platform().name(),
            colour: colour_of.get(c.name.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let name = ws
        .root
        .file_name()
        .map_or("postcal".to_owned(), |n| n.to_string_lossy().into_owned());
    Site {
        title: format!("{name}: content calendar"),
        window: format!(
            "{} – {}",
            first.format("%-d %b %Y"),
            last.format("%-d %b %Y")
        ),
        generated: format!(
            "{} ({})",
            now.with_timezone(&zone).format("%-d %b %Y, %H:%M"),
            zone.name()
        ),
        zone: zone.name().to_owned(),
        channels,
        months,
        weeks,
        posts,
        media,
        results_page: None,
    }
}

/// The default window: this month and the next two, in `zone`.
pub fn default_window(now: DateTime<Utc>, zone: Tz) -> (NaiveDate, NaiveDate) {
    let today = now.with_timezone(&zone).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let end = first
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    (first, end)
}
