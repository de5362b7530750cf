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

use super::{Threads, media_id};
use crate::adapters::meta::{CLOCK_SLACK, Insights, Listing, is_gone};
use crate::adapters::{AdapterError, Metrics, Part, Remote};

impl Threads {
    pub(super) fn find(
        &mut self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        match part.prepared {
            Some(container) => crate::adapters::container::settle(self, part, container, since),
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
        Ok(listing.earliest(part.text, after))
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
            let value = |name: &str| insights.value(name);
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
