//! A Discord webhook as PLATFORMS.md §9 documents it: execute with JSON or
//! multipart (`files[n]` + `payload_json`), `wait=true` returning the
//! Message (without it: 204 and no body), the 2000-character content limit
//! and 1024-character attachment descriptions as 400 `Invalid Form Body`,
//! 429 with `Retry-After` and a float `retry_after`, delete (204), the
//! webhook object on GET, 404 `Unknown Webhook` for any other webhook id and
//! 401 `Invalid Webhook Token` for a wrong token. Like a REST message,
//! the answer carries no `guild_id`; the webhook object does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde_json::{Value, json};

use super::{Behaviour, Control, Fake, Refusal, reason, retry_after, server};

pub const WEBHOOK_ID: &str = "123";
pub const TOKEN: &str = "dZ3q-webhook-token_8XkPq0aL";
pub const CHANNEL_ID: &str = "456";
pub const GUILD_ID: &str = "789";

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Live messages by id (snowflakes of equal length sort by time).
    messages: BTreeMap<String, Value>,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
}

fn error(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// The webhook in the path must be ours.
fn authorize(id: &str, token: &str) -> Option<Response> {
    if id != WEBHOOK_ID {
        return Some(error(
            StatusCode::NOT_FOUND,
            json!({"message": "Unknown Webhook", "code": 10015}),
        ));
    }
    (token != TOKEN).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            json!({"message": "Invalid Webhook Token", "code": 50027}),
        )
    })
}

fn invalid_form_body(field: &str, code: &str, message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        json!({
            "code": 50035,
            "message": "Invalid Form Body",
            "errors": { field: { "_errors": [{ "code": code, "message": message }] } },
        }),
    )
}

fn rate_limited(st: &St, secs: u64) -> Response {
    let reset = st.control.now().timestamp_millis() as f64 / 1000.0 + secs as f64;
    let mut headers = retry_after(secs);
    for (name, value) in [
        ("x-ratelimit-limit", "5".to_owned()),
        ("x-ratelimit-remaining", "0".to_owned()),
        ("x-ratelimit-reset", format!("{reset:.3}")),
        ("x-ratelimit-reset-after", format!("{secs}.000")),
        ("x-ratelimit-bucket", "abcd1234".to_owned()),
        ("x-ratelimit-scope", "shared".to_owned()),
    ] {
        headers.insert(name, value.parse().unwrap());
    }
    let body = json!({
        "message": "You are being rate limited.",
        "retry_after": secs as f64,
        "global": false,
    });
    (StatusCode::TOO_MANY_REQUESTS, headers, axum::Json(body)).into_response()
}

/// A server error in Discord's shape: `{"message": "502: Bad Gateway", "code": 0}`.
fn server_error(status: StatusCode) -> Response {
    let message = format!("{}: {}", status.as_u16(), reason(status));
    error(status, json!({"message": message, "code": 0}))
}

/// The test's behaviour for an execute call, before any work; `None` means
/// go on.
fn misbehave(st: &St, behaviour: Behaviour) -> Option<Response> {
    match behaviour {
        Behaviour::Unauthorized => Some(error(
            StatusCode::UNAUTHORIZED,
            json!({"message": "401: Unauthorized", "code": 0}),
        )),
        Behaviour::Invalid => Some(invalid_form_body(
            "content",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        )),
        other => other.refusal(|refusal| match refusal {
            Refusal::RateLimited(secs) => rate_limited(st, secs),
            Refusal::Unavailable(None) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream connect error or disconnect/reset before headers. reset reason: overflow",
            )
                .into_response(),
            Refusal::Unavailable(Some(secs)) => {
                let mut r = server_error(StatusCode::SERVICE_UNAVAILABLE);
                r.headers_mut().extend(retry_after(secs));
                r
            }
            Refusal::Failed(status) => server_error(status),
        }),
    }
}

/// An uploaded file.
struct File {
    name: String,
    content_type: String,
    size: usize,
}

/// The payload and files of a JSON or multipart execute request.
async fn read_body(req: Request) -> Result<(Value, BTreeMap<u64, File>), Response> {
    let bad = |m: &str| {
        error(
            StatusCode::BAD_REQUEST,
            json!({"message": m, "code": 50109}),
        )
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !content_type.starts_with("multipart/form-data") {
        let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .map_err(|_| bad("The request body contains invalid JSON."))?;
        let payload = serde_json::from_slice(&bytes)
            .map_err(|_| bad("The request body contains invalid JSON."))?;
        return Ok((payload, BTreeMap::new()));
    }
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|_| bad("Invalid multipart body."))?;
    let mut payload = json!({});
    let mut files = BTreeMap::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        if name == "payload_json" {
            let text = field.text().await.unwrap_or_default();
            payload = serde_json::from_str(&text)
                .map_err(|_| bad("The request body contains invalid JSON."))?;
        } else if let Some(n) = name
            .strip_prefix("files[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok())
        {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let content_type = field.content_type().unwrap_or("").to_owned();
            let size = field.bytes().await.map(|b| b.len()).unwrap_or(0);
            files.insert(
                n,
                File {
                    name: file_name,
                    content_type,
                    size,
                },
            );
        }
    }
    Ok((payload, files))
}

/// The message's attachments, each `files[n]` described by `attachments[id: n]`;
/// `None` when a description is over 1024 characters.
fn attachments(payload: &Value, files: &BTreeMap<u64, File>) -> Option<Vec<Value>> {
    let described = payload["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (n, file) in files {
        let meta = described
            .iter()
            .find(|a| a["id"].as_u64() == Some(*n) || a["id"].as_str() == Some(&n.to_string()));
        let description = meta.and_then(|m| m["description"].as_str());
        if description.is_some_and(|d| d.chars().count() > 1024) {
            return None;
        }
        out.push(json!({
            "id": format!("1100000000000000{n:03}"),
            "filename": meta.and_then(|m| m["filename"].as_str()).unwrap_or(&file.name),
            "description": description,
            "content_type": file.content_type,
            "size": file.size,
            "url": format!("https://cdn.discordapp.com/attachments/{CHANNEL_ID}/{n}/{}", file.name),
        }));
    }
    Some(out)
}

/// Store a new message in the channel.
fn commit(st: &St, content: String, attachments: Vec<Value>) -> Value {
    st.control.created(&content);
    let mut inner = st.inner.lock().unwrap();
    inner.next_id += 1;
    let message_id = format!("1300000000000{:06}", inner.next_id);
    let message = json!({
        "id": message_id,
        "type": 0,
        "channel_id": CHANNEL_ID,
        "content": content,
        "author": {"id": WEBHOOK_ID, "username": "Lumen", "bot": true},
        "attachments": attachments,
        "embeds": [],
        "mentions": [],
        "pinned": false,
        "tts": false,
        "webhook_id": WEBHOOK_ID,
        "timestamp": st.control.now().to_rfc3339(),
        "edited_timestamp": null,
        "flags": 0,
    });
    inner.messages.insert(message_id, message.clone());
    message
}

async fn execute(
    State(st): State<St>,
    Path((id, token)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
    req: Request,
) -> Response {
    if let Some(r) = authorize(&id, &token) {
        return r;
    }
    let (payload, files) = match read_body(req).await {
        Ok(body) => body,
        Err(r) => return r,
    };
    let content = payload["content"].as_str().unwrap_or("").to_owned();
    let behaviour = st.control.create_request(&content);
    if let Some(r) = misbehave(&st, behaviour) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    if content.chars().count() > 2000 {
        return invalid_form_body(
            "content",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        );
    }
    if content.is_empty() && files.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            json!({"message": "Cannot send an empty message", "code": 50006}),
        );
    }
    let Some(attachments) = attachments(&payload, &files) else {
        return invalid_form_body(
            "attachments",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 1024 or fewer in length.",
        );
    };
    let message = commit(&st, content, attachments);
    let wait = query.iter().any(|(k, v)| k == "wait" && v == "true");
    let answer = if wait {
        axum::Json(message).into_response()
    } else {
        // Discord's default: 204 without a body, and no error if it is lost.
        StatusCode::NO_CONTENT.into_response()
    };
    behaviour
        .after_work(&st.control, answer, server_error)
        .await
}

async fn delete_message(
    State(st): State<St>,
    Path((id, token, message)): Path<(String, String, String)>,
) -> Response {
    if let Some(r) = authorize(&id, &token) {
        return r;
    }
    match st.inner.lock().unwrap().messages.remove(&message) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            json!({"message": "Unknown Message", "code": 10008}),
        ),
    }
}

async fn get_webhook(Path((id, token)): Path<(String, String)>) -> Response {
    if let Some(r) = authorize(&id, &token) {
        return r;
    }
    axum::Json(json!({
        "id": WEBHOOK_ID,
        "type": 1,
        "name": "Lumen announcements",
        "avatar": null,
        "channel_id": CHANNEL_ID,
        "guild_id": GUILD_ID,
        "application_id": null,
        "token": TOKEN,
    }))
    .into_response()
}

/// Start a fake Discord whose one webhook is `<base>/api/webhooks/123/<TOKEN>`.
pub fn start(behaviour: Behaviour) -> Fake {
    let inner: Arc<Mutex<Inner>> = Arc::default();
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: inner.clone(),
    };
    let router = Router::new()
        .route("/api/webhooks/{id}/{token}", get(get_webhook).post(execute))
        .route(
            "/api/webhooks/{id}/{token}/messages/{message}",
            delete(delete_message),
        )
        .with_state(st);
    let (server, log) = server::start(router);
    let webhook = format!("{}/api/webhooks/{WEBHOOK_ID}/{TOKEN}", server.base);
    Fake {
        base: server.base.clone(),
        channel_yaml: "webhook: env:FAKE_DISCORD_WEBHOOK".to_owned(),
        env: [("FAKE_DISCORD_WEBHOOK".to_owned(), webhook.clone())].into(),
        secrets: vec![webhook, TOKEN.to_owned()],
        log,
        posts: Arc::new(move || inner.lock().unwrap().messages.values().cloned().collect()),
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    }
}
