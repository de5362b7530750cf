//! What a Page post's audience did: `GET /{post-id}?fields=reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares`
//! (reactions as likes, comments as replies, shares as reposts). A post
//! that is gone answers the Graph's "does not exist" (code 100, subcode 33).

use super::{Facebook, object_id};
use crate::adapters::meta::is_gone;
use crate::adapters::{AdapterError, Metrics};

const FIELDS: &str =
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares";

impl Facebook {
    pub(super) fn read_metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<Metrics>>, AdapterError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let request = self
                .request(reqwest::Method::GET, object_id(id)?)
                .query(&[("fields", FIELDS)]);
            match self.call::<serde_json::Value>("GET /{post-id}", request) {
                Ok(v) => {
                    let total = |edge: &str| {
                        v.pointer(&format!("/{edge}/summary/total_count"))
                            .and_then(serde_json::Value::as_u64)
                    };
                    out.push(Some(Metrics {
                        likes: Some(total("reactions").unwrap_or(0)),
                        replies: Some(total("comments").unwrap_or(0)),
                        // The Graph leaves `shares` out while there are none.
                        reposts: Some(
                            v.pointer("/shares/count")
                                .and_then(serde_json::Value::as_u64)
                                .unwrap_or(0),
                        ),
                        ..Metrics::default()
                    }));
                }
                Err(e) if is_gone(&e) => out.push(None),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}
