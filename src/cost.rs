//! What the plan costs where a platform charges per post: X, pay-per-use
//! (`platform::x_cost`: $0.015 a post, $0.20 with a link). Estimated per X
//! channel and calendar month (in the workspace's zone) over every delivery
//! that may go out: cancelled and retracted posts are left out; drafts and
//! posts in review count, since they are planned; each thread part is a
//! post of its own, and is charged as one.

use chrono::{DateTime, Datelike, Utc};

use crate::calendar::{Post, Status, Workspace};
use crate::delivery;
use crate::platform::Platform;
use crate::platform::x_cost::{Usd, post_cost};

/// One X channel's estimate for one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCost {
    pub channel: String,
    pub year: i32,
    pub month: u32,
    /// Posts (thread parts included).
    pub posts: usize,
    /// Of those, the ones with a link.
    pub with_link: usize,
    pub usd: Usd,
}

impl MonthCost {
    /// `December 2026`.
    pub fn month_name(&self) -> String {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .map_or_else(String::new, |d| d.format("%B %Y").to_string())
    }

    /// `lumen-x: December 2026, about $4.25 (21 posts, 17 with a link)`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {}, about {} ({} post{}, {} with a link)",
            self.channel,
            self.month_name(),
            self.usd,
            self.posts,
            if self.posts == 1 { "" } else { "s" },
            self.with_link
        )
    }
}

/// One delivery to an X channel, priced.
#[derive(Debug, Clone)]
pub struct DeliveryCost<'a> {
    pub post: &'a Post,
    pub channel: &'a str,
    pub at: DateTime<Utc>,
    /// The month it falls in, in the workspace's zone.
    pub year: i32,
    pub month: u32,
    /// Its parts (each is a post on X), and how many have a link.
    pub posts: usize,
    pub with_link: usize,
    pub usd: Usd,
}

/// Every delivery to an X channel that may go out, priced, in time order.
pub fn x_deliveries(ws: &Workspace) -> Vec<DeliveryCost<'_>> {
    let zone = ws.config.timezone;
    let is_x = |name: &str| {
        ws.config
            .channels
            .get(name)
            .filter(|c| c.platform() == Platform::X)
    };
    let mut out = Vec::new();
    if !ws.config.channels.keys().any(|name| is_x(name).is_some()) {
        return out;
    }
    for post in &ws.posts {
        if matches!(post.status, Status::Cancelled | Status::Retracted) {
            continue;
        }
        let x_channels = post.channels.iter().filter_map(|c| is_x(&c.value));
        for d in x_channels.filter_map(|c| delivery::on_channel(post, c, &ws.config)) {
            let local = d.at.with_timezone(&zone);
            let mut priced = DeliveryCost {
                post,
                channel: &d.channel.name,
                at: d.at,
                year: local.year(),
                month: local.month(),
                posts: 0,
                with_link: 0,
                usd: Usd::default(),
            };
            for part in &d.parts {
                let (usd, link) = post_cost(&part.text);
                priced.posts += 1;
                priced.with_link += usize::from(link);
                priced.usd += usd;
            }
            out.push(priced);
        }
    }
    out.sort_by(|a, b| {
        (a.at, &a.post.id.value, a.channel).cmp(&(b.at, &b.post.id.value, b.channel))
    });
    out
}

/// Every X channel's estimate per month, by channel then month.
pub fn x_monthly(ws: &Workspace) -> Vec<MonthCost> {
    let mut out: Vec<MonthCost> = Vec::new();
    for d in x_deliveries(ws) {
        let at = out
            .iter()
            .position(|c| c.channel == d.channel && c.year == d.year && c.month == d.month);
        let entry = match at {
            Some(i) => &mut out[i],
            None => {
                out.push(MonthCost {
                    channel: d.channel.to_owned(),
                    year: d.year,
                    month: d.month,
                    posts: 0,
                    with_link: 0,
                    usd: Usd::default(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        entry.posts += d.posts;
        entry.with_link += d.with_link;
        entry.usd += d.usd;
    }
    out.sort_by(|a, b| (&a.channel, a.year, a.month).cmp(&(&b.channel, b.year, b.month)));
    out
}
