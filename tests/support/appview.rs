//! A Bluesky AppView's `app.bsky.feed.getPosts` as its lexicon documents
//! it: `uris` repeated, at most 25 (a 400 `InvalidRequest` past that), the
//! posts it knows with their like, repost, reply and quote counts, and a
//! post that is gone simply left out. The reference PDS does not serve
//! this (it is the AppView's), so the metrics tests use this server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::{Log, server};

type Counts = Arc<Mutex<HashMap<String, [u64; 4]>>>;

pub struct AppView {
    pub base: String,
    pub log: Log,
    counts: Counts,
    _server: server::Server,
}

impl AppView {
    /// The post `uri` exists with these counts.
    pub fn set(&self, uri: &str, likes: u64, reposts: u64, replies: u64, quotes: u64) {
        self.counts
            .lock()
            .unwrap()
            .insert(uri.to_owned(), [likes, reposts, replies, quotes]);
    }

    /// The post `uri` was deleted.
    pub fn remove(&self, uri: &str) {
        self.counts.lock().unwrap().remove(uri);
    }

    /// The `uris` of each getPosts request, in order.
    pub fn batches(&self) -> Vec<usize> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with("app.bsky.feed.getPosts"))
            .map(|r| {
                url::form_urlencoded::parse(r.query.as_bytes())
                    .filter(|(k, _)| k == "uris")
                    .count()
            })
            .collect()
    }
}

async fn get_posts(State(counts): State<Counts>, RawQuery(query): RawQuery) -> Response {
    let uris: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "uris")
        .map(|(_, v)| v.into_owned())
        .collect();
    if uris.len() > 25 {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "InvalidRequest", "message": "uris must not have more than 25 elements"})),
        )
            .into_response();
    }
    let counts = counts.lock().unwrap();
    let posts: Vec<serde_json::Value> = uris
        .iter()
        .filter_map(|uri| {
            let [likes, reposts, replies, quotes] = counts.get(uri)?;
            Some(json!({
                "uri": uri,
                "cid": "bafyreib2rxk3rh6kzwq",
                "author": {"did": "did:plc:test", "handle": "x.bsky.social"},
                "record": {"$type": "app.bsky.feed.post", "text": "", "createdAt": "2026-12-01T08:00:00.000Z"},
                "likeCount": likes,
                "repostCount": reposts,
                "replyCount": replies,
                "quoteCount": quotes,
                "indexedAt": "2026-12-01T08:00:01.000Z"
            }))
        })
        .collect();
    axum::Json(json!({ "posts": posts })).into_response()
}

pub fn start() -> AppView {
    let counts: Counts = Arc::default();
    let router = Router::new()
        .route("/xrpc/app.bsky.feed.getPosts", get(get_posts))
        .with_state(counts.clone());
    let (server, log) = server::start(router);
    AppView {
        base: server.base.clone(),
        log,
        counts,
        _server: server,
    }
}
