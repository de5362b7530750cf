//! Finding a published container's post, and what its audience did.
//!
//! - The media id of a `PUBLISHED` container is read from `GET
//!   /{user}/media?fields=id,caption,timestamp,permalink` (newest first),
//!   matched by caption and time: never the container's own id.
//! - Metrics: `like_count` and `comments_count` from the media itself,
//!   `views`, `reach`, `saved` and `shares` from its insights (which need
//!   an insights permission: without it, the counts alone).

use chrono::{DateTime, Utc};

use super::Instagram;
use crate::adapters::container::numeric_id;
use crate::adapters::meta::{CLOCK_SLACK, Insights, Listing, is_gone};
use crate::adapters::{AdapterError, Metrics, Part, Remote};

#[derive(serde::Deserialize)]
struct Counts {
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    comments_count: Option<u64>,
}

impl Instagram {
    /// The account's post with the part's caption made at or after
    /// `since`: the earliest when there are several.
    pub(super) fn listed(
        &self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        let request = self
            .request(reqwest::Method::GET, &format!("{}/media", self.user))
            .query(&[
                ("fields", "id,caption,timestamp,permalink"),
                ("limit", "50"),
            ]);
        let listing: Listing = self.call("GET /{user}/media", request)?;
        Ok(listing.earliest(part.text, since - CLOCK_SLACK))
    }

    pub(super) fn read_metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<Metrics>>, AdapterError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let id = numeric_id(id, "Instagram")?;
            let request = self
                .request(reqwest::Method::GET, id)
                .query(&[("fields", "like_count,comments_count")]);
            let counts: Counts = match self.call("GET /{media}?fields=like_count", request) {
                Ok(counts) => counts,
                // Deleted in the app.
                Err(e) if is_gone(&e) => {
                    out.push(None);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let request = self
                .request(reqwest::Method::GET, &format!("{id}/insights"))
                .query(&[("metric", "views,reach,saved,shares")]);
            // Insights need their own permission: without it, the counts.
            let insights = self.call::<Insights>("GET /{media}/insights", request).ok();
            let value = |name: &str| insights.as_ref().and_then(|i| i.value(name));
            out.push(Some(Metrics {
                likes: counts.like_count,
                replies: counts.comments_count,
                reposts: value("shares"),
                quotes: None,
                views: value("views"),
                clicks: None,
            }));
        }
        Ok(out)
    }
}
