//! Likes, reposts, replies and quotes of published posts, from the AppView
//! (the channel's `appview`, default `https://public.api.bsky.app`):
//! `app.bsky.feed.getPosts`, at most 25 at-uris a request. A post that is
//! gone is left out of the answer.

use std::collections::HashMap;

use serde::Deserialize;

use super::Bluesky;
use crate::adapters::{AdapterError, Metrics};

const GET_POSTS: &str = "app.bsky.feed.getPosts";
/// The lexicon's `maxLength` for `uris`.
const BATCH: usize = 25;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostView {
    uri: String,
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    repost_count: Option<u64>,
    #[serde(default)]
    reply_count: Option<u64>,
    #[serde(default)]
    quote_count: Option<u64>,
}

#[derive(Deserialize)]
struct Posts {
    posts: Vec<PostView>,
}

impl Bluesky {
    pub(super) fn read_metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<Metrics>>, AdapterError> {
        let mut found: HashMap<String, Metrics> = HashMap::new();
        for batch in ids.chunks(BATCH) {
            let params: Vec<(&str, &str)> = batch.iter().map(|uri| ("uris", *uri)).collect();
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish();
            let url = format!("{}/xrpc/{GET_POSTS}?{query}", self.appview);
            let answer: Posts = self
                .http
                .send_json(GET_POSTS, self.http.client().get(&url))?;
            for p in answer.posts {
                found.insert(
                    p.uri,
                    Metrics {
                        likes: p.like_count,
                        reposts: p.repost_count,
                        replies: p.reply_count,
                        quotes: p.quote_count,
                        ..Metrics::default()
                    },
                );
            }
        }
        Ok(ids.iter().map(|id| found.remove(*id)).collect())
    }
}
