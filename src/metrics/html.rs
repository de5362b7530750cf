//! `report --format html`: one page, no script, nothing fetched, with SVG
//! charts drawn here (bars per group, the weekday × hour heat map, and
//! engagement per day over the window). Each mark carries its numbers in
//! `data-` attributes, which `tests/report_html.rs` reads back from the DOM
//! headless Chromium builds.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::report::{Entry, Report};

const PAGE: &str = include_str!("report.html");

#[derive(Serialize)]
struct Bar {
    name: String,
    posts: usize,
    engagement: u64,
    per_post: String,
    y: usize,
    width: usize,
}

#[derive(Serialize)]
struct Cell {
    day: &'static str,
    hour: usize,
    x: usize,
    y: usize,
    posts: usize,
    per_post: String,
    opacity: String,
}

#[derive(Serialize)]
struct Point {
    date: String,
    engagement: u64,
    x: usize,
    y: usize,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The page for `r`; `entries` may reach past its window. `suggestions`:
/// the weekly slots asked for (`None`: not asked).
pub fn html(
    r: &Report,
    entries: &[Entry],
    zone: Tz,
    title: &str,
    suggestions: Option<&[crate::metrics::slots::Suggestion]>,
) -> Result<String, minijinja::Error> {
    let entries: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.at >= r.from && e.at < r.to)
        .collect();
    let widest = r
        .groups
        .iter()
        .map(|g| g.totals.engagement)
        .max()
        .unwrap_or(0)
        .max(1);
    let bars: Vec<Bar> = r
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Bar {
            name: g.name.clone(),
            posts: g.totals.posts,
            engagement: g.totals.engagement,
            per_post: format!("{:.1}", g.totals.per_post),
            y: i * 28,
            width: (g.totals.engagement as f64 / widest as f64 * 320.0).round() as usize,
        })
        .collect();
    let hottest = r
        .heat
        .iter()
        .flatten()
        .flatten()
        .map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut cells = Vec::new();
    for (d, row) in r.heat.iter().enumerate() {
        for (h, cell) in row.iter().enumerate() {
            if let Some((posts, per_post)) = cell {
                cells.push(Cell {
                    day: DAYS[d],
                    hour: h,
                    x: 40 + h * 22,
                    y: 20 + d * 22,
                    posts: *posts,
                    per_post: format!("{per_post:.1}"),
                    opacity: format!("{:.2}", 0.15 + 0.85 * per_post / hottest),
                });
            }
        }
    }
    let days = (r.to - r.from).num_days().max(1) as usize;
    let per_day: Vec<(DateTime<Utc>, u64)> = (0..days)
        .map(|i| {
            let start = r.from + Duration::days(i as i64);
            let end = start + Duration::days(1);
            let sum = entries
                .iter()
                .filter(|e| e.at >= start && e.at < end)
                .map(|e| e.engagement)
                .sum();
            (start, sum)
        })
        .collect();
    let top = per_day.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let step = if days > 1 { 560 / (days - 1) } else { 0 };
    let points: Vec<Point> = per_day
        .iter()
        .enumerate()
        .map(|(i, (day, v))| Point {
            date: day.with_timezone(&zone).format("%Y-%m-%d").to_string(),
            engagement: *v,
            x: 30 + i * step,
            y: 170 - (*v as f64 / top as f64 * 150.0).round() as usize,
        })
        .collect();
    let line: Vec<String> = points.iter().map(|p| format!("{},{}", p.x, p.y)).collect();
    // Best and weakest, with times in the workspace zone.
    let listed = |list: &[Entry]| -> Vec<(u64, String, String, String)> {
        list.iter()
            .map(|e| {
                (
                    e.engagement,
                    e.channel.clone(),
                    e.at.with_timezone(&zone)
                        .format("%a %-d %b %H:%M")
                        .to_string(),
                    format!("{}: {}", e.post, e.text),
                )
            })
            .collect()
    };
    let mut env = Environment::new();
    env.add_template("report.html", PAGE)?;
    let day = |t: DateTime<Utc>| t.with_timezone(&zone).format("%a %-d %b %Y").to_string();
    env.get_template("report.html")?.render(context! {
        title => title,
        from => day(r.from),
        to => day(r.to - Duration::seconds(1)),
        zone => zone.name(),
        report => Value::from(Serde(r)),
        per_post => format!("{:.1}", r.total.per_post),
        bars => Value::from(Serde(&bars)),
        bars_height => bars.len() * 28 + 4,
        cells => Value::from(Serde(&cells)),
        hours => (0..24).step_by(3).map(|h| (h, 40 + h * 22)).collect::<Vec<_>>(),
        days => DAYS.iter().enumerate().map(|(i, d)| (*d, 20 + i * 22 + 15)).collect::<Vec<_>>(),
        points => Value::from(Serde(&points)),
        line => line.join(" "),
        top => top,
        best => listed(&r.best),
        worst => listed(&r.worst),
        suggestions => suggestions.map(|s| Value::from(Serde(s))),
        slot_posts => crate::metrics::slots::SLOT_POSTS,
        channel_posts => crate::metrics::slots::CHANNEL_POSTS,
    })
}
