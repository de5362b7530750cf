//! What the plan costs where a platform charges per post: X, pay-per-use
//! (`platform::x_cost`: $0.015 a post, $0.20 with a link). Estimated per X
//! channel and calendar month (in the workspace's zone) over every delivery
//! that may go out: cancelled and retracted posts are left out; drafts and
//! posts in review count, since they are planned; each thread part is a
//! post of its own, and is charged as one.

use chrono::{DateTime, Datelike, Utc};

use super::PostSummary;
use crate::calendar::{Config, Status};
use crate::platform::Platform;
use crate::platform::x_cost::{POST_MICROS, POST_WITH_LINK_MICROS, Usd};

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
    pub post: &'a PostSummary,
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

/// Every delivery to an X channel that may go out, priced, in time order,
/// from the posts' summaries (which count each delivery's parts and the
/// parts X sees a link in).
pub fn x_deliveries<'a>(config: &'a Config, posts: &'a [PostSummary]) -> Vec<DeliveryCost<'a>> {
    let zone = config.timezone;
    let x_channel = |index: u16| {
        config
            .channels
            .get_index(usize::from(index))
            .filter(|(_, c)| c.platform() == Platform::X)
            .map(|(name, _)| name.as_str())
    };
    let mut out = Vec::new();
    if !config
        .channels
        .values()
        .any(|c| c.platform() == Platform::X)
    {
        return out;
    }
    for post in posts {
        let Some(at) = post.at else { continue };
        if matches!(post.status, Status::Cancelled | Status::Retracted) {
            continue;
        }
        for d in &post.deliveries {
            let Some(channel) = x_channel(d.channel) else {
                continue;
            };
            let local = at.with_timezone(&zone);
            let (posts, with_link) = (usize::from(d.parts), usize::from(d.linked));
            let plain = posts.saturating_sub(with_link) as u64;
            out.push(DeliveryCost {
                post,
                channel,
                at,
                year: local.year(),
                month: local.month(),
                posts,
                with_link,
                usd: Usd(plain * POST_MICROS + with_link as u64 * POST_WITH_LINK_MICROS),
            });
        }
    }
    out.sort_by(|a, b| (a.at, &a.post.id, a.channel).cmp(&(b.at, &b.post.id, b.channel)));
    out
}

/// Per X channel and month, what the plan costs.
pub fn x_monthly(config: &Config, posts: &[PostSummary]) -> Vec<MonthCost> {
    let mut out: Vec<MonthCost> = Vec::new();
    for d in x_deliveries(config, posts) {
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
