//! An X API v2 server as PLATFORMS.md §3 and addendum A describe it, as
//! strict as the real one where postcal can go wrong:
//!
//! - every request's OAuth 1.0a signature is recomputed and checked
//!   (`oauth.rs`): a bad one, an unknown key or a nonce used twice is 401;
//! - `POST /2/tweets` answers 201 `{data: {id, text, edit_history_tweet_ids}}`;
//!   the text it keeps is X's: links rewritten to t.co, `& < >` escaped, a
//!   t.co link appended for media;
//! - identical text on the account within a day is the duplicate-content
//!   403; a reply to another account's post (or, when told, to any post) is
//!   the reply-restriction 403; both with their exact bodies;
//! - 429 with `x-rate-limit-{limit,remaining,reset}`, and `errors[]` inside
//!   a 200 when told (nothing created);
//! - media through initialize / append (`segment_index`) / finalize, with
//!   `processing_info` and STATUS polling, the simple upload, and
//!   `/2/media/metadata` for alt text (`media.rs`);
//! - `GET /2/users/me`, `GET /2/users/:id/tweets` honouring `start_time`,
//!   `since_id`, `max_results`, `exclude` and pagination, and `DELETE`.
//!
//! The shared [`Behaviour`]s apply to `POST /2/tweets`.

mod media;
pub mod oauth;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Behaviour, Control, Fake, Refusal, server};

/// The account the credentials belong to.
pub const USER_ID: &str = "1600000000000000001";
pub const USERNAME: &str = "lumencoffee";
/// A post by someone else, which this account may not reply to.
pub const FOREIGN_POST: &str = "1500000000000000001";

pub const DUPLICATE_BODY: &str = r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#;
pub const REPLY_BODY: &str = r#"{"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.","type":"about:blank","title":"Forbidden","status":403}"#;

#[derive(Debug, Clone)]
struct Tweet {
    id: String,
    author: String,
    /// As sent.
    raw: String,
    /// As X shows it.
    text: String,
    reply_to: Option<String>,
    media: Vec<String>,
    created_at: DateTime<Utc>,
    /// like, retweet, reply, quote, impression counts.
    counts: [u64; 5],
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    tweets: Vec<Tweet>,
    media: HashMap<String, media::Upload>,
    nonces: HashSet<String>,
    /// Create requests still to answer with `errors[]` inside a 200.
    errors_in_200: u32,
    /// Refuse every reply, the account's own threads included.
    restrict_replies: bool,
    /// STATUS polls before a finalized upload is processed (images: 0).
    processing_polls: u32,
    /// Posts read through `GET /2/users/:id/tweets` (billed as owned reads).
    reads: usize,
    /// Why requests were refused as unauthorized.
    unauthorized: Vec<String>,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
}

/// A handle on the fake's state, for what the shared `Fake` cannot say.
#[derive(Clone)]
pub struct Account {
    inner: Arc<Mutex<Inner>>,
}

impl Account {
    /// People answered the post `id`: its `public_metrics`.
    pub fn engage(
        &self,
        id: &str,
        likes: u64,
        retweets: u64,
        replies: u64,
        quotes: u64,
        impressions: u64,
    ) {
        let mut inner = self.inner.lock().unwrap();
        let tweet = inner
            .tweets
            .iter_mut()
            .find(|t| t.id == id)
            .expect("no such post");
        tweet.counts = [likes, retweets, replies, quotes, impressions];
    }

    /// The ids of the posts, oldest first.
    pub fn ids(&self) -> Vec<String> {
        self.inner
            .lock()
            .unwrap()
            .tweets
            .iter()
            .map(|t| t.id.clone())
            .collect()
    }

    /// Answer the next `n` create requests with `errors[]` in a 200.
    pub fn errors_in_200(&self, n: u32) {
        self.inner.lock().unwrap().errors_in_200 = n;
    }
    /// Refuse every reply with the reply-restriction 403.
    pub fn restrict_replies(&self, on: bool) {
        self.inner.lock().unwrap().restrict_replies = on;
    }
    /// Keep uploads `pending`, then `in_progress`, for `n` STATUS polls.
    pub fn processing_polls(&self, n: u32) {
        self.inner.lock().unwrap().processing_polls = n;
    }
    /// Posts read back through the timeline so far.
    pub fn reads(&self) -> usize {
        self.inner.lock().unwrap().reads
    }
    /// Why requests were refused as unauthorized, in order.
    pub fn unauthorized(&self) -> Vec<String> {
        self.inner.lock().unwrap().unauthorized.clone()
    }
    /// Every upload, as stored (`{id, category, bytes, alt, polls}`).
    pub fn uploads(&self) -> Vec<Value> {
        let inner = self.inner.lock().unwrap();
        let mut all: Vec<Value> = inner.media.values().map(media::Upload::json).collect();
        all.sort_by_key(|m| m["id"].as_str().unwrap_or("").to_owned());
        all
    }
}

/// An RFC 7807 problem, as X answers errors.
fn problem(status: StatusCode, title: &str, detail: &str, kind: &str) -> Response {
    let body = json!({"title": title, "detail": detail, "type": kind, "status": status.as_u16()});
    (status, axum::Json(body)).into_response()
}

fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "Unauthorized",
        "about:blank",
    )
}

fn invalid(detail: &str) -> Response {
    let body = json!({
        "errors": [{"message": detail}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn forbidden(body: &'static str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [("content-type", "application/problem+json")],
        body,
    )
        .into_response()
}

/// Every request's signature is checked before any handler sees it; a bad
/// one is the 401 X gives, with the reason kept for the test.
async fn signed(State(st): State<St>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let verdict = {
        let mut inner = st.inner.lock().unwrap();
        oauth::verify(
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
            &mut inner.nonces,
        )
        .inspect_err(|why| inner.unauthorized.push(why.clone()))
    };
    match verdict {
        Ok(()) => next.run(Request::from_parts(parts, Body::from(body))).await,
        Err(_) => unauthorized(),
    }
}

/// `Date` and `x-rate-limit-*` for a limit reset `secs` from the fake's now.
fn rate_limited(st: &St, secs: u64) -> Response {
    let now = st.control.now();
    let reset = now.timestamp() + secs as i64;
    let mut headers = HeaderMap::new();
    let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    headers.insert("date", date.parse().unwrap());
    headers.insert("x-rate-limit-limit", "100".parse().unwrap());
    headers.insert("x-rate-limit-remaining", "0".parse().unwrap());
    headers.insert("x-rate-limit-reset", reset.to_string().parse().unwrap());
    let body = json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429});
    (StatusCode::TOO_MANY_REQUESTS, headers, axum::Json(body)).into_response()
}

fn refuse(st: &St, refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => rate_limited(st, secs),
        Refusal::Unavailable(wait) => {
            let mut headers = HeaderMap::new();
            if let Some(secs) = wait {
                headers.insert("retry-after", secs.to_string().parse().unwrap());
            }
            let body = json!({"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503});
            (StatusCode::SERVICE_UNAVAILABLE, headers, axum::Json(body)).into_response()
        }
        Refusal::Failed(status) => fail(status),
    }
}

fn fail(status: StatusCode) -> Response {
    let reason = super::reason(status);
    problem(status, reason, reason, "about:blank")
}

/// What X shows for `raw`: links to t.co, `& < >` escaped, media's link.
fn shown(raw: &str, media: &[String]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut links = 0;
    for word in raw.split(' ') {
        let trail = word.len() - word.trim_end_matches(['.', ',', '!', '?', ')']).len();
        let (body, rest) = word.split_at(word.len() - trail);
        let lower = body.to_ascii_lowercase();
        let bare = [".com", ".org", ".net", ".io", ".coffee"]
            .iter()
            .any(|tld| lower.ends_with(tld) || lower.contains(&format!("{tld}/")));
        if lower.starts_with("http://") || lower.starts_with("https://") || bare {
            links += 1;
            words.push(format!("https://t.co/L{links:08}{rest}"));
        } else {
            words.push(word.to_owned());
        }
    }
    let mut text = words
        .join(" ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    for m in media {
        text.push_str(&format!(" https://t.co/M{m}"));
    }
    text
}

async fn create(State(st): State<St>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return invalid("The request body is not valid JSON.");
    };
    let raw = request["text"].as_str().unwrap_or("").to_owned();
    let media: Vec<String> = request
        .pointer("/media/media_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let reply_to = request
        .pointer("/reply/in_reply_to_tweet_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let behaviour = st.control.create_request(&raw);
    match behaviour {
        Behaviour::Unauthorized => return unauthorized(),
        Behaviour::Invalid => return invalid("Your Tweet text is too long."),
        _ => {}
    }
    if let Some(r) = behaviour.refusal(|r| refuse(&st, r)) {
        return r;
    }
    if let Err(r) = check(&st, &raw, &media, reply_to.as_deref()) {
        return *r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    let tweet = {
        let mut inner = st.inner.lock().unwrap();
        inner.next_id += 1;
        let tweet = Tweet {
            id: format!("18800281060205{:05}", inner.next_id),
            author: USER_ID.to_owned(),
            text: shown(&raw, &media),
            raw: raw.clone(),
            reply_to,
            media,
            created_at: st.control.now(),
            counts: [0; 5],
        };
        inner.tweets.push(tweet.clone());
        tweet
    };
    st.control.created(&raw);
    let ok = (
        StatusCode::CREATED,
        axum::Json(json!({"data": {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}})),
    )
        .into_response();
    behaviour.after_work(&st.control, ok, fail).await
}

/// What X refuses before creating a post.
fn check(
    st: &St,
    raw: &str,
    media: &[String],
    reply_to: Option<&str>,
) -> Result<(), Box<Response>> {
    let mut inner = st.inner.lock().unwrap();
    if inner.errors_in_200 > 0 {
        inner.errors_in_200 -= 1;
        let body = json!({"errors": [{"title": "Invalid Request", "detail": "Your post could not be created at this time.", "type": "https://api.twitter.com/2/problems/invalid-request"}]});
        return Err(Box::new((StatusCode::OK, axum::Json(body)).into_response()));
    }
    if raw.trim().is_empty() && media.is_empty() {
        return Err(Box::new(invalid("Text or media is required.")));
    }
    if raw.chars().count() > 280 * 2 {
        return Err(Box::new(invalid("Your Tweet text is too long.")));
    }
    if media.len() > 4
        || media
            .iter()
            .any(|m| !inner.media.get(m).is_some_and(media::Upload::ready))
    {
        return Err(Box::new(invalid("Your media IDs are invalid.")));
    }
    if let Some(parent) = reply_to {
        let author = if parent == FOREIGN_POST {
            Some("1500000000000000000".to_owned())
        } else {
            inner
                .tweets
                .iter()
                .find(|t| t.id == parent)
                .map(|t| t.author.clone())
        };
        match author {
            None => {
                return Err(Box::new(invalid(
                    "The post you are replying to does not exist.",
                )));
            }
            Some(a) if a != USER_ID || inner.restrict_replies => {
                return Err(Box::new(forbidden(REPLY_BODY)));
            }
            Some(_) => {}
        }
    }
    let day_ago = st.control.now() - chrono::Duration::hours(24);
    if inner
        .tweets
        .iter()
        .any(|t| t.raw == raw && t.created_at > day_ago)
    {
        return Err(Box::new(forbidden(DUPLICATE_BODY)));
    }
    Ok(())
}

async fn delete_tweet(State(st): State<St>, Path(id): Path<String>) -> Response {
    let mut inner = st.inner.lock().unwrap();
    match inner.tweets.iter().position(|t| t.id == id) {
        Some(i) if inner.tweets[i].author == USER_ID => {
            inner.tweets.remove(i);
            axum::Json(json!({"data": {"deleted": true}})).into_response()
        }
        Some(_) => forbidden(
            r#"{"detail":"You are not allowed to delete this Tweet.","type":"about:blank","title":"Forbidden","status":403}"#,
        ),
        None => problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            &format!("Could not find tweet with id: [{id}]."),
            "https://api.twitter.com/2/problems/resource-not-found",
        ),
    }
}

async fn me() -> Response {
    axum::Json(json!({"data": {"id": USER_ID, "name": "Lumen Coffee", "username": USERNAME}}))
        .into_response()
}

/// `GET /2/users/:id/tweets`: newest first.
/// `GET /2/tweets?ids=…`: 1 to 100 ids; `public_metrics` only when asked
/// for in `tweet.fields`; ids that are not found come back under `errors`.
async fn lookup_tweets(State(st): State<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let ids: Vec<&str> = q.get("ids").map_or(Vec::new(), |i| i.split(',').collect());
    if ids.is_empty() || ids.len() > 100 {
        return invalid("The `ids` query parameter value must have between 1 and 100 items");
    }
    let metrics = q
        .get("tweet.fields")
        .is_some_and(|f| f.split(',').any(|f| f == "public_metrics"));
    let inner = st.inner.lock().unwrap();
    let (mut data, mut errors) = (Vec::new(), Vec::new());
    for id in ids {
        match inner.tweets.iter().find(|t| t.id == id) {
            Some(t) => {
                let mut v = json!({"id": t.id, "text": t.text, "edit_history_tweet_ids": [t.id]});
                if metrics {
                    let [likes, retweets, replies, quotes, impressions] = t.counts;
                    v["public_metrics"] = json!({
                        "retweet_count": retweets, "reply_count": replies, "like_count": likes,
                        "quote_count": quotes, "bookmark_count": 0, "impression_count": impressions
                    });
                }
                data.push(v);
            }
            None => errors.push(json!({
                "value": id, "detail": format!("Could not find tweet with ids: [{id}]."),
                "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
                "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"
            })),
        }
    }
    let mut body = json!({});
    if !data.is_empty() {
        body["data"] = json!(data);
    }
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    axum::Json(body).into_response()
}

async fn timeline(
    State(st): State<St>,
    Path(user): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let max = q.get("max_results").map_or(Ok(10), |m| m.parse::<usize>());
    let Some(max) = max.ok().filter(|m| (5..=100).contains(m)) else {
        return invalid("The `max_results` query parameter value is not between 5 and 100");
    };
    let start = match q.get("start_time").map(|s| DateTime::parse_from_rfc3339(s)) {
        None => None,
        Some(Ok(t)) if q["start_time"].ends_with('Z') => Some(t.with_timezone(&Utc)),
        Some(_) => {
            return invalid("The `start_time` query parameter value is not YYYY-MM-DDTHH:mm:ssZ");
        }
    };
    let exclude: Vec<&str> = q
        .get("exclude")
        .map_or(Vec::new(), |e| e.split(',').collect());
    let fields: Vec<&str> = q
        .get("tweet.fields")
        .map_or(Vec::new(), |f| f.split(',').collect());
    let offset: usize = q
        .get("pagination_token")
        .and_then(|t| t.strip_prefix("page-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut inner = st.inner.lock().unwrap();
    let mut posts: Vec<&Tweet> = inner
        .tweets
        .iter()
        .filter(|t| t.author == user)
        .filter(|t| start.is_none_or(|s| t.created_at >= s))
        .filter(|t| q.get("since_id").is_none_or(|s| t.id.as_str() > s.as_str()))
        .filter(|t| !(exclude.contains(&"replies") && t.reply_to.is_some()))
        .collect();
    posts.reverse();
    let page: Vec<Value> = posts
        .iter()
        .skip(offset)
        .take(max)
        .map(|t| {
            let mut v = json!({"id": t.id, "text": t.text, "edit_history_tweet_ids": [t.id]});
            if fields.contains(&"created_at") {
                v["created_at"] = json!(t.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
            }
            if fields.contains(&"referenced_tweets")
                && let Some(parent) = &t.reply_to
            {
                v["referenced_tweets"] = json!([{"type": "replied_to", "id": parent}]);
            }
            v
        })
        .collect();
    let more = posts.len() > offset + max;
    inner.reads += page.len();
    let mut meta = json!({"result_count": page.len()});
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        meta["newest_id"] = first["id"].clone();
        meta["oldest_id"] = last["id"].clone();
    }
    if more {
        meta["next_token"] = json!(format!("page-{}", offset + max));
    }
    let body = if page.is_empty() {
        json!({"meta": meta})
    } else {
        json!({"data": page, "meta": meta})
    };
    axum::Json(body).into_response()
}

/// Start a fake X.
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour).0
}

/// Start a fake X, with a handle on its state.
pub fn start_with(behaviour: Behaviour) -> (Fake, Account) {
    let inner: Arc<Mutex<Inner>> = Arc::default();
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: inner.clone(),
    };
    let router = Router::new()
        .route("/2/tweets", post(create).get(lookup_tweets))
        .route("/2/tweets/{id}", axum::routing::delete(delete_tweet))
        .route("/2/users/me", get(me))
        .route("/2/users/{id}/tweets", get(timeline));
    let router = media::routes(router)
        .route_layer(middleware::from_fn_with_state(st.clone(), signed))
        .with_state(st);
    let (server, log) = server::start(router);
    let env: HashMap<String, String> = [
        ("FAKE_X_API_KEY", oauth::API_KEY),
        ("FAKE_X_API_SECRET", oauth::API_SECRET),
        ("FAKE_X_ACCESS_TOKEN", oauth::ACCESS_TOKEN),
        ("FAKE_X_ACCESS_SECRET", oauth::ACCESS_SECRET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let fake = Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "api_key: env:FAKE_X_API_KEY\n    api_secret: env:FAKE_X_API_SECRET\n    access_token: env:FAKE_X_ACCESS_TOKEN\n    access_secret: env:FAKE_X_ACCESS_SECRET\n    api_base: {}",
            server.base
        ),
        env,
        secrets: [
            oauth::API_KEY,
            oauth::API_SECRET,
            oauth::ACCESS_TOKEN,
            oauth::ACCESS_SECRET,
        ]
        .map(str::to_owned)
        .to_vec(),
        log,
        posts: {
            let inner = inner.clone();
            Arc::new(move || {
                let inner = inner.lock().unwrap();
                inner
                    .tweets
                    .iter()
                    .map(|t| {
                        let media: Vec<Value> = t
                            .media
                            .iter()
                            .map(|m| inner.media.get(m).map_or(json!({"id": m}), media::Upload::json))
                            .collect();
                        json!({"id": t.id, "text": t.text, "raw": t.raw, "reply_to": t.reply_to, "media": media, "created_at": t.created_at.to_rfc3339()})
                    })
                    .collect()
            })
        },
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    };
    (fake, Account { inner })
}
