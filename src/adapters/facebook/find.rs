//! Finding a part on the Page after an answer that left it unclear: the
//! Page's own posts in `GET /{page}/feed` since the attempt, or the Page's
//! comments on the thread's first post, matched on the message.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Facebook, comment_remote, thread_root};
use crate::adapters::meta::{graph_time as created, same_text};
use crate::adapters::{AdapterError, Part, Remote};

/// Clocks differ: an item made up to this long before the attempt's time
/// still counts as made after it.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(10);
/// One page of the newest items: more than a calendar posts in the time an
/// unclear attempt is looked up in.
const PAGE_SIZE: &str = "100";

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    #[serde(default)]
    message: Option<String>,
    created_time: String,
    #[serde(default)]
    from: Option<From>,
}

#[derive(Deserialize)]
struct From {
    id: String,
}

impl Facebook {
    /// The part, if the Page made it at or after `since`: the Page's own
    /// post (or, for a follow-up, its comment on the thread's first post)
    /// with the same message; the earliest when there are several.
    pub(super) fn find(
        &mut self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        if part.text.trim().is_empty() {
            return Err(AdapterError::unsupported(
                "a Facebook post without text cannot be told apart from the Page's others",
            ));
        }
        let after = since - CLOCK_SLACK;
        let fields = "id,message,created_time,from";
        let (what, request) = if part.index == 0 {
            let since = after.timestamp().to_string();
            let request = self
                .request(reqwest::Method::GET, &format!("{}/feed", self.page))
                .query(&[("fields", fields), ("since", &since), ("limit", PAGE_SIZE)]);
            ("GET /{page}/feed", request)
        } else {
            let root = thread_root(part)?;
            let request = self
                .request(reqwest::Method::GET, &format!("{}/comments", root.id))
                .query(&[
                    ("fields", fields),
                    ("order", "reverse_chronological"),
                    ("limit", PAGE_SIZE),
                ]);
            ("GET /{post-id}/comments", request)
        };
        let listing: Listing = self.call(what, request)?;
        let found = listing
            .data
            .into_iter()
            .filter(|item| item.from.as_ref().is_some_and(|f| f.id == self.page))
            .filter(|item| {
                item.message
                    .as_deref()
                    .is_some_and(|m| same_text(m, part.text))
            })
            .filter_map(|item| Some((created(&item.created_time)?, item.id)))
            .filter(|(at, _)| *at >= after)
            .min();
        Ok(found.map(|(_, id)| match part.root {
            Some(root) if part.index > 0 => comment_remote(root, id),
            _ => self.post_remote(id),
        }))
    }
}
