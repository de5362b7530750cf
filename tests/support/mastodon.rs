//! A Mastodon server as PLATFORMS.md §1 documents it and its
//! `PostStatusService` behaves: statuses with an `Idempotency-Key` that is
//! looked up when a request starts and stored only once the status exists,
//! per account, for one hour on the fake's clock (so two overlapping
//! requests with one key, the first still creating, make two statuses; a
//! repeat once the status exists returns the original, or 404 if it was
//! deleted; a repeat after an hour makes a new one); media uploads that process asynchronously (202, then 206 until
//! ready); delete; verify_credentials; the account's statuses, newest
//! first; the 500-character limit as a 422.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Behaviour, Control, Fake, Refusal, reason, retry_after, server};

pub const TOKEN: &str = "mastodon-test-token-9f8e7d";
/// Another account's token on the same instance (keys are per account).
pub const OTHER_TOKEN: &str = "mastodon-other-token-3c2b1a";

/// How long the server keeps an idempotency key (`setex … 3_600`).
pub const KEY_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

/// A stored idempotency key: the status it names, from when.
struct Key {
    status: String,
    stored_at: DateTime<Utc>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    statuses: HashMap<String, serde_json::Value>,
    /// (account id, Idempotency-Key) → the status, stored once it exists.
    keys: HashMap<(String, String), Key>,
    /// (account id, key) of requests still running, for `lock_keys`.
    running: HashSet<(String, String)>,
    /// Newer servers hold a lock while a key's request runs: a second
    /// request with the same key then fails with 503.
    lock_keys: bool,
    media_polls: HashMap<String, u32>,
    /// A server before 4.3, without `GET /api/v1/statuses`.
    before_4_3: bool,
}

#[derive(Clone)]
struct St {
    control: Control,
    base: Arc<Mutex<String>>,
    inner: Arc<Mutex<Inner>>,
}

/// A handle on the instance's state, for what the shared `Fake` cannot say.
#[derive(Clone)]
pub struct Instance {
    inner: Arc<Mutex<Inner>>,
}

impl Instance {
    /// Behave as newer servers do (`with_idempotency` holds a redis lock
    /// while creating): a request whose key is in use by a running request
    /// answers 503 "There was a temporary problem…" (no `Retry-After`), and
    /// creates nothing. Off by default: older servers have no lock, and two
    /// overlapping requests make two statuses.
    pub fn lock_keys(&self, on: bool) {
        self.inner.lock().unwrap().lock_keys = on;
    }

    /// People answered the status `id`: its counts, as `GET
    /// /api/v1/statuses/:id` reports them.
    pub fn engage(&self, id: &str, favourites: u64, reblogs: u64, replies: u64) {
        let mut inner = self.inner.lock().unwrap();
        let status = inner.statuses.get_mut(id).expect("no such status");
        status["favourites_count"] = favourites.into();
        status["reblogs_count"] = reblogs.into();
        status["replies_count"] = replies.into();
    }

    /// Behave as a server before Mastodon 4.3: no `GET /api/v1/statuses`.
    pub fn before_4_3(&self) {
        self.inner.lock().unwrap().before_4_3 = true;
    }

    /// Delete the status `id` (someone removed it on the server).
    pub fn remove(&self, id: &str) {
        self.inner.lock().unwrap().statuses.remove(id);
    }
}

/// `GET /api/v1/statuses?id[]=…` (4.3): the statuses that exist, in the
/// order asked, each with its counts; those that do not are left out.
async fn get_statuses(
    State(st): State<St>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    if account(&headers).is_none() {
        return unauthorized();
    }
    if let Some(refusal) = st.control.behaviour().refusal(|r| refuse(&st, r)) {
        return refusal;
    }
    let inner = st.inner.lock().unwrap();
    if inner.before_4_3 {
        return error(StatusCode::NOT_FOUND, "Record not found");
    }
    let found: Vec<serde_json::Value> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .filter(|(k, _)| k == "id[]")
            .filter_map(|(_, id)| inner.statuses.get(id.as_ref()).map(with_counts))
            .collect();
    axum::Json(found).into_response()
}

/// A status as the API shows it: counts are 0 until people answer.
fn with_counts(status: &serde_json::Value) -> serde_json::Value {
    let mut status = status.clone();
    for count in ["favourites_count", "reblogs_count", "replies_count"] {
        if status.get(count).is_none() {
            status[count] = 0.into();
        }
    }
    status
}

/// `GET /api/v1/statuses/:id`: the status with its counts (0 until people
/// answer), 404 once deleted.
async fn get_status(State(st): State<St>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if account(&headers).is_none() {
        return unauthorized();
    }
    if let Some(refusal) = st.control.behaviour().refusal(|r| refuse(&st, r)) {
        return refusal;
    }
    let inner = st.inner.lock().unwrap();
    match inner.statuses.get(&id) {
        Some(status) => axum::Json(with_counts(status)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}

/// The account a bearer token belongs to.
fn account(headers: &HeaderMap) -> Option<&'static str> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == format!("Bearer {TOKEN}") => Some("1"),
        Some(v) if v == format!("Bearer {OTHER_TOKEN}") => Some("2"),
        _ => None,
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "The access token is invalid")
}

fn unprocessable(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// A refusal before any work, as Mastodon (or its proxy) gives it.
fn refuse(st: &St, refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => {
            let now = st.control.now();
            let reset = now + chrono::Duration::seconds(secs as i64);
            let mut headers = HeaderMap::new();
            headers.insert(
                "date",
                now.format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string()
                    .parse()
                    .unwrap(),
            );
            headers.insert("x-ratelimit-limit", "300".parse().unwrap());
            headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
            headers.insert(
                "x-ratelimit-reset",
                reset
                    .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                    .to_string()
                    .parse()
                    .unwrap(),
            );
            (
                StatusCode::TOO_MANY_REQUESTS,
                headers,
                axum::Json(json!({"error": "Too many requests"})),
            )
                .into_response()
        }
        Refusal::Unavailable(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><body>503 Service Unavailable</body></html>",
        )
            .into_response(),
        Refusal::Unavailable(Some(secs)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            retry_after(secs),
            axum::Json(json!({"error": "There was a temporary problem serving your request, please try again"})),
        )
            .into_response(),
        Refusal::Failed(status) => fail(status),
    }
}

/// A server error after the work, in Mastodon's `{"error"}` shape.
fn fail(status: StatusCode) -> Response {
    error(status, reason(status))
}

/// The form fields of a create request.
struct Form(Vec<(String, String)>);

impl Form {
    fn field(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// What `PostStatusService` checks that a client can get wrong.
fn validate(inner: &Inner, text: &str, media: &[String]) -> Result<(), Box<Response>> {
    if text.trim().is_empty() && media.is_empty() {
        return Err(Box::new(unprocessable(
            "Validation failed: Text can't be blank",
        )));
    }
    let count = unicode_segmentation::UnicodeSegmentation::graphemes(text, true).count();
    if count > 500 {
        return Err(Box::new(unprocessable(
            "Validation failed: Text character limit of 500 exceeded",
        )));
    }
    if media
        .iter()
        .any(|id| inner.media_polls.get(id).is_some_and(|polls| *polls < 2))
    {
        return Err(Box::new(unprocessable(
            "Validation failed: media_attachments.validations.not_ready",
        )));
    }
    Ok(())
}

/// The answer a stored key gives, if the key is still held at `now`: the
/// original status, or 404 when it was deleted (`@account.statuses.find`
/// raises).
fn remembered(inner: &Inner, key: &(String, String), now: DateTime<Utc>) -> Option<Response> {
    let stored = inner.keys.get(key)?;
    if now >= stored.stored_at + KEY_LIFETIME {
        return None;
    }
    Some(match inner.statuses.get(&stored.status) {
        Some(status) => axum::Json(status.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    })
}

async fn create_status(State(st): State<St>, headers: HeaderMap, body: String) -> Response {
    let Some(account) = account(&headers) else {
        return unauthorized();
    };
    let form = Form(
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect(),
    );
    let text = form.field("status").unwrap_or_default();
    let behaviour = st.control.create_request(&text);
    match behaviour {
        Behaviour::Unauthorized => return unauthorized(),
        Behaviour::Invalid => return unprocessable("Validation failed: Text can't be blank"),
        _ => {}
    }
    if let Some(r) = behaviour.refusal(|r| refuse(&st, r)) {
        return r;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .map(|k| (account.to_owned(), k.to_owned()));
    // The key is looked up when the request starts.
    if let Some(key) = &key {
        let mut inner = st.inner.lock().unwrap();
        if let Some(original) = remembered(&inner, key, st.control.now()) {
            return original;
        }
        if inner.lock_keys && inner.running.contains(key) {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "There was a temporary problem serving your request, please try again",
            );
        }
        inner.running.insert(key.clone());
    }
    let _awake = behaviour.before_work(&st.control).await;
    let created = create(&st, &form, &text, account, key.as_ref());
    if let Some(key) = &key {
        st.inner.lock().unwrap().running.remove(key);
    }
    match created {
        Ok(status) => {
            behaviour
                .after_work(&st.control, axum::Json(status).into_response(), fail)
                .await
        }
        Err(response) => *response,
    }
}

/// Validate and create the status, then store its key (as the server's
/// `setex` follows the status's save).
fn create(
    st: &St,
    form: &Form,
    text: &str,
    account: &str,
    key: Option<&(String, String)>,
) -> Result<serde_json::Value, Box<Response>> {
    let media = form.all("media_ids[]");
    let mut inner = st.inner.lock().unwrap();
    validate(&inner, text, &media)?;
    let now = st.control.now();
    inner.next_id += 1;
    let id = format!("1{:05}", inner.next_id);
    let status = json!({
        "id": id,
        "created_at": now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "url": format!("{}/@lumen/{id}", st.base.lock().unwrap()),
        "account": {"id": account},
        "content": text,
        "in_reply_to_id": form.field("in_reply_to_id"),
        "spoiler_text": form.field("spoiler_text").unwrap_or_default(),
        "language": form.field("language"),
        "visibility": form.field("visibility").unwrap_or_else(|| "public".into()),
        "media_attachments": media.iter().map(|m| json!({"id": m})).collect::<Vec<_>>(),
    });
    inner.statuses.insert(id.clone(), status.clone());
    st.control.created(text);
    if let Some(key) = key {
        inner.keys.insert(
            key.clone(),
            Key {
                status: id,
                stored_at: now,
            },
        );
    }
    Ok(status)
}

async fn upload_media(State(st): State<St>, headers: HeaderMap) -> Response {
    if account(&headers).is_none() {
        return unauthorized();
    }
    let mut inner = st.inner.lock().unwrap();
    inner.next_id += 1;
    let id = format!("m{}", inner.next_id);
    inner.media_polls.insert(id.clone(), 0);
    // Processed asynchronously, as for video: 202 now, ready after two polls.
    (
        StatusCode::ACCEPTED,
        axum::Json(json!({"id": id, "type": "image", "url": null})),
    )
        .into_response()
}

async fn get_media(State(st): State<St>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if account(&headers).is_none() {
        return unauthorized();
    }
    let mut inner = st.inner.lock().unwrap();
    let Some(polls) = inner.media_polls.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "Record not found"})),
        )
            .into_response();
    };
    *polls += 1;
    let status = if *polls >= 2 {
        StatusCode::OK
    } else {
        StatusCode::PARTIAL_CONTENT
    };
    (status, axum::Json(json!({"id": id, "type": "image"}))).into_response()
}

async fn delete_status(
    State(st): State<St>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(account) = account(&headers) else {
        return unauthorized();
    };
    let mut inner = st.inner.lock().unwrap();
    let owned = inner
        .statuses
        .get(&id)
        .is_some_and(|s| s["account"]["id"] == account);
    match owned.then(|| inner.statuses.remove(&id)).flatten() {
        Some(status) => axum::Json(status).into_response(),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}

async fn verify(headers: HeaderMap) -> Response {
    match account(&headers) {
        Some("1") => axum::Json(json!({"id": "1", "username": "lumen", "acct": "lumen"})),
        Some(_) => axum::Json(json!({"id": "2", "username": "other", "acct": "other"})),
        None => return unauthorized(),
    }
    .into_response()
}

/// `GET /api/v1/accounts/:id/statuses`: newest first, `limit` (default 20,
/// at most 40), `max_id` / `since_id` exclusive bounds.
async fn account_statuses(
    State(st): State<St>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if account(&headers).is_none() {
        return unauthorized();
    }
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 40);
    // Ids here are of equal length, so they sort as numbers do.
    let inside = |s: &str| {
        q.get("max_id").is_none_or(|m| s < m.as_str())
            && q.get("since_id").is_none_or(|m| s > m.as_str())
    };
    let inner = st.inner.lock().unwrap();
    let mut statuses: Vec<serde_json::Value> = inner
        .statuses
        .values()
        .filter(|s| s["account"]["id"] == id.as_str())
        .filter(|s| inside(s["id"].as_str().unwrap_or("")))
        .cloned()
        .collect();
    statuses.sort_by_key(|s| std::cmp::Reverse(s["id"].as_str().unwrap_or("").to_owned()));
    statuses.truncate(limit);
    axum::Json(statuses).into_response()
}

/// Start a fake Mastodon instance.
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour).0
}

/// Start a fake Mastodon instance, with a handle on its state.
pub fn start_with(behaviour: Behaviour) -> (Fake, Instance) {
    let base = Arc::new(Mutex::new(String::new()));
    let inner: Arc<Mutex<Inner>> = Arc::default();
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        base: base.clone(),
        inner: inner.clone(),
    };
    let router = Router::new()
        .route("/api/v1/statuses", post(create_status).get(get_statuses))
        .route(
            "/api/v1/statuses/{id}",
            delete(delete_status).get(get_status),
        )
        .route("/api/v2/media", post(upload_media))
        .route("/api/v1/media/{id}", get(get_media))
        .route("/api/v1/accounts/verify_credentials", get(verify))
        .route("/api/v1/accounts/{id}/statuses", get(account_statuses))
        .with_state(st);
    let (server, log) = server::start(router);
    *base.lock().unwrap() = server.base.clone();
    let handle = Instance {
        inner: inner.clone(),
    };
    let fake = Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "instance: {}\n    token: env:FAKE_MASTODON_TOKEN",
            server.base
        ),
        env: [("FAKE_MASTODON_TOKEN".to_owned(), TOKEN.to_owned())].into(),
        secrets: vec![TOKEN.to_owned()],
        log,
        posts: Arc::new(move || {
            let inner = inner.lock().unwrap();
            let mut posts: Vec<_> = inner.statuses.values().cloned().collect();
            posts.sort_by_key(|s| s["id"].as_str().unwrap_or("").to_owned());
            posts
        }),
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    };
    (fake, handle)
}
