//! What X reports of published posts: `GET /2/tweets?ids=…&tweet.fields=public_metrics`,
//! up to 100 ids a request (each read is billed, so one request serves a
//! hundred posts): likes, reposts, replies, quotes and impressions. A post
//! that is gone comes back under `errors` (`Not Found Error`), not `data`.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::Value;

use super::X;
use super::answers::call;
use crate::adapters::{AdapterError, Metrics};

/// The most ids `GET /2/tweets` takes.
const BATCH: usize = 100;

impl X {
    pub(super) fn read_metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<Metrics>>, AdapterError> {
        let mut found: HashMap<String, Metrics> = HashMap::new();
        for batch in ids.chunks(BATCH) {
            let joined = batch.join(",");
            let query = [("ids", joined.as_str()), ("tweet.fields", "public_metrics")];
            let page = call(
                &self.http,
                "GET /2/tweets",
                self.request(Method::GET, "/2/tweets", &query)?,
            )?;
            for post in page
                .get("data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(id), Some(m)) = (
                    post.get("id").and_then(Value::as_str),
                    post.get("public_metrics"),
                ) else {
                    continue;
                };
                let count = |k: &str| m.get(k).and_then(Value::as_u64);
                found.insert(
                    id.to_owned(),
                    Metrics {
                        likes: count("like_count"),
                        reposts: count("retweet_count"),
                        replies: count("reply_count"),
                        quotes: count("quote_count"),
                        views: count("impression_count"),
                        clicks: None,
                    },
                );
            }
        }
        Ok(ids.iter().map(|id| found.remove(*id)).collect())
    }
}
