//! A Mastodon server as PLATFORMS.md §1 documents it: statuses with
//! `Idempotency-Key` (a repeat returns the original status), media uploads
//! that process asynchronously (202, then 206 until ready), delete,
//! verify_credentials, the 500-character limit as a 422.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::json;

use super::{Behaviour, Fake, server};

pub const TOKEN: &str = "mastodon-test-token-9f8e7d";

#[derive(Default)]
struct Inner {
    next_id: u64,
    statuses: HashMap<String, serde_json::Value>,
    by_key: HashMap<String, String>,
    media_polls: HashMap<String, u32>,
    calls: u32,
}

#[derive(Clone)]
struct St {
    behaviour: Arc<Mutex<Behaviour>>,
    base: Arc<Mutex<String>>,
    inner: Arc<Mutex<Inner>>,
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "The access token is invalid"})),
    )
        .into_response()
}

/// Apply the test's behaviour to a publishing call; `None` means answer normally.
async fn misbehave(st: &St) -> Option<Response> {
    let calls = {
        let mut inner = st.inner.lock().unwrap();
        inner.calls += 1;
        inner.calls
    };
    let behaviour = *st.behaviour.lock().unwrap();
    match behaviour {
        Behaviour::Ok => None,
        Behaviour::Unauthorized => Some(unauthorized()),
        Behaviour::Invalid => Some(
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({"error": "Validation failed: Text can't be blank"})),
            )
                .into_response(),
        ),
        Behaviour::RateLimited { retry_after_secs } => {
            let now = chrono::Utc::now();
            let reset = now + chrono::Duration::seconds(retry_after_secs as i64);
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
            Some(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    headers,
                    axum::Json(json!({"error": "Too many requests"})),
                )
                    .into_response(),
            )
        }
        Behaviour::FailOnceThenOk if calls == 1 => Some(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html>500 Internal Server Error</html>",
            )
                .into_response(),
        ),
        Behaviour::FailOnceThenOk => None,
        Behaviour::ServerError => Some(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "<html><body>503 Service Unavailable</body></html>",
            )
                .into_response(),
        ),
        Behaviour::Garbage => {
            Some((StatusCode::OK, "<html>definitely not JSON</html>").into_response())
        }
        Behaviour::Slow(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Behaviour::CommitThenHang(_) => None,
    }
}

async fn create_status(State(st): State<St>, headers: HeaderMap, body: String) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    if let Some(r) = misbehave(&st).await {
        return r;
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let text = field("status").unwrap_or_default();
    let media: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "media_ids[]")
        .map(|(_, v)| v.clone())
        .collect();
    if text.trim().is_empty() && media.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"error": "Validation failed: Text can't be blank"})),
        )
            .into_response();
    }
    let count = unicode_segmentation::UnicodeSegmentation::graphemes(text.as_str(), true).count();
    if count > 500 {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"error": "Validation failed: Text character limit of 500 exceeded"})),
        )
            .into_response();
    }
    let created: Result<serde_json::Value, Box<Response>> = (|| {
        let mut inner = st.inner.lock().unwrap();
        for id in &media {
            if inner.media_polls.get(id).is_some_and(|polls| *polls < 2) {
                return Err(Box::new((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(
                        json!({"error": "Validation failed: media_attachments.validations.not_ready"}),
                    ),
                )
                    .into_response()));
            }
        }
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(existing) = key
            .as_ref()
            .and_then(|k| inner.by_key.get(k))
            .and_then(|id| inner.statuses.get(id))
        {
            return Ok(existing.clone());
        }
        inner.next_id += 1;
        let id = format!("1{:05}", inner.next_id);
        let status = json!({
            "id": id,
            "url": format!("{}/@lumen/{id}", st.base.lock().unwrap()),
            "content": text,
            "in_reply_to_id": field("in_reply_to_id"),
            "spoiler_text": field("spoiler_text").unwrap_or_default(),
            "language": field("language"),
            "visibility": field("visibility").unwrap_or_else(|| "public".into()),
            "media_attachments": media.iter().map(|m| json!({"id": m})).collect::<Vec<_>>(),
        });
        inner.statuses.insert(id.clone(), status.clone());
        if let Some(k) = key {
            inner.by_key.insert(k, id);
        }
        Ok(status)
    })();
    let status = match created {
        Ok(status) => status,
        Err(response) => return *response,
    };
    let behaviour = *st.behaviour.lock().unwrap();
    if let Behaviour::CommitThenHang(d) = behaviour {
        tokio::time::sleep(d).await;
    }
    axum::Json(status).into_response()
}

async fn upload_media(State(st): State<St>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
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
    if !authorized(&headers) {
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
    if !authorized(&headers) {
        return unauthorized();
    }
    match st.inner.lock().unwrap().statuses.remove(&id) {
        Some(status) => axum::Json(status).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "Record not found"})),
        )
            .into_response(),
    }
}

async fn verify(headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    axum::Json(json!({"id": "1", "username": "lumen", "acct": "lumen"})).into_response()
}

/// Start a fake Mastodon instance.
pub fn start(behaviour: Behaviour) -> Fake {
    let base = Arc::new(Mutex::new(String::new()));
    let inner: Arc<Mutex<Inner>> = Arc::default();
    let behaviour = Arc::new(Mutex::new(behaviour));
    let st = St {
        behaviour: behaviour.clone(),
        base: base.clone(),
        inner: inner.clone(),
    };
    let router = Router::new()
        .route("/api/v1/statuses", post(create_status))
        .route("/api/v1/statuses/{id}", delete(delete_status))
        .route("/api/v2/media", post(upload_media))
        .route("/api/v1/media/{id}", get(get_media))
        .route("/api/v1/accounts/verify_credentials", get(verify))
        .with_state(st);
    let (server, log) = server::start(router);
    *base.lock().unwrap() = server.base.clone();
    Fake {
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
        set_behaviour: Arc::new(move |b| *behaviour.lock().unwrap() = b),
        server,
    }
}
