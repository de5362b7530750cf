//! Settling an attempt whose outcome is unclear, and what a post's
//! audience did.
//!
//! - With a container recorded, its status is the answer: `PUBLISHED` is
//!   live, and its media id is read from the account's posts (`GET
//!   /{user}/threads`, or `/replies` for a thread's later part) by text and
//!   time; any other status means nothing was posted.
//! - Without one (a text post's single call), the account's posts since the
//!   attempt are searched for the text.
//! - Insights: `GET /{media}/insights?metric=likes,replies,reposts,quotes,views`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::publishing::Status;
use super::{Threads, media_id};
use crate::adapters::meta::{graph_time, is_gone, same_text};
use crate::adapters::{AdapterError, ErrorKind, Metrics, Part, Remote};

/// Clocks differ: a post made up to this long before the attempt's time
/// still counts as made after it.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
}

#[derive(Deserialize)]
struct Insights {
    #[serde(default)]
    data: Vec<Insight>,
}

#[derive(Deserialize)]
struct Insight {
    name: String,
    #[serde(default)]
    values: Vec<Value>,
    #[serde(default)]
    total_value: Option<Value>,
}

#[derive(Deserialize)]
struct Value {
    value: u64,
}

impl Threads {
    pub(super) fn find(
        &mut self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        match part.prepared {
            Some(container) => match self.status(container)? {
                Status::Published => match self.listed(part, since)? {
                    Some(remote) => Ok(Some(remote)),
                    None => Err(AdapterError::new(
                        ErrorKind::Transient { retry_after: None },
                        format!(
                            "container {container} is published, but its post is not among the account's posts yet"
                        ),
                    )),
                },
                // Never published: ready, still processing, or dead.
                _ => Ok(None),
            },
            // Media is only ever published through a recorded container.
            None if !part.media.is_empty() => Ok(None),
            None => self.listed(part, since),
        }
    }

    /// The account's post (or reply) with the part's text made at or after
    /// `since`: the earliest when there are several.
    pub(super) fn listed(
        &self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        let after = since - CLOCK_SLACK;
        let (edge, what) = if part.index == 0 {
            ("threads", "GET /{user}/threads")
        } else {
            ("replies", "GET /{user}/replies")
        };
        let request = self
            .request(reqwest::Method::GET, &format!("{}/{edge}", self.user))
            .query(&[
                ("fields", "id,text,timestamp,permalink"),
                ("since", &after.timestamp().to_string()),
                ("limit", "100"),
            ]);
        let listing: Listing = self.call(what, request)?;
        let found = listing
            .data
            .into_iter()
            .filter(|item| same_text(item.text.as_deref().unwrap_or(""), part.text))
            .filter_map(|item| {
                let at = graph_time(item.timestamp.as_deref()?)?;
                (at >= after).then_some((at, item))
            })
            .min_by_key(|(at, _)| *at);
        Ok(found.map(|(_, item)| Remote {
            id: item.id,
            url: item.permalink,
        }))
    }

    pub(super) fn read_metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<Metrics>>, AdapterError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let request = self
                .request(reqwest::Method::GET, &format!("{}/insights", media_id(id)?))
                .query(&[("metric", "likes,replies,reposts,quotes,views")]);
            let insights: Insights = match self.call("GET /{media}/insights", request) {
                Ok(insights) => insights,
                Err(e) if is_gone(&e) => {
                    out.push(None);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let value = |name: &str| {
                let metric = insights.data.iter().find(|m| m.name == name)?;
                metric
                    .total_value
                    .as_ref()
                    .or(metric.values.first())
                    .map(|v| v.value)
            };
            out.push(Some(Metrics {
                likes: value("likes"),
                replies: value("replies"),
                reposts: value("reposts"),
                quotes: value("quotes"),
                views: value("views"),
                clicks: None,
            }));
        }
        Ok(out)
    }
}
