//! The Telegram Bot API as PLATFORMS.md §8 documents it: `/bot<TOKEN>/<method>`
//! taking JSON, form or multipart parameters; `{"ok": true, "result"}` or
//! `{"ok": false, "error_code", "description", "parameters"}`; sendMessage
//! (text 1–4096 UTF-16 units), sendPhoto (caption ≤ 1024), replies by
//! `reply_parameters.message_id`, deleteMessage (only messages younger than
//! 48 hours), getMe. One channel, `@lumen` (id `CHAT_ID`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};

use super::{Behaviour, Control, Fake, Refusal, reason, retry_after, server};

pub const TOKEN: &str = "7012345678:AAHfake-telegram_TOKEN9zq";
pub const CHAT_ID: i64 = -1001234567890;
pub const BOT_USERNAME: &str = "lumen_bot";

#[derive(Default)]
struct Inner {
    next_id: i64,
    /// Live messages by message_id, with the unix time they were sent.
    messages: BTreeMap<i64, Value>,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn fail(status: StatusCode, description: &str) -> Response {
    let body = json!({"ok": false, "error_code": status.as_u16(), "description": description});
    (status, axum::Json(body)).into_response()
}

fn bad_request(description: &str) -> Response {
    fail(
        StatusCode::BAD_REQUEST,
        &format!("Bad Request: {description}"),
    )
}

/// A server error in the Bot API's envelope.
fn server_error(status: StatusCode) -> Response {
    fail(status, reason(status))
}

/// The test's behaviour for a sending call, before any work; `None` means
/// go on.
fn misbehave(behaviour: Behaviour) -> Option<Response> {
    match behaviour {
        Behaviour::Unauthorized => Some(fail(StatusCode::UNAUTHORIZED, "Unauthorized")),
        Behaviour::Invalid => Some(bad_request("message is too long")),
        other => other.refusal(|refusal| match refusal {
            Refusal::RateLimited(secs) => {
                let body = json!({
                    "ok": false,
                    "error_code": 429,
                    "description": format!("Too Many Requests: retry after {secs}"),
                    "parameters": {"retry_after": secs},
                });
                (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
            }
            Refusal::Unavailable(None) => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><head><title>503 Service Temporarily Unavailable</title></head>\
                 <body><center><h1>503 Service Temporarily Unavailable</h1></center>\
                 <hr><center>nginx</center></body></html>",
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

/// A method's parameters, however they were sent: query string, JSON, form
/// or multipart (files by field name, as `(file name, size)`).
#[derive(Default)]
struct Params {
    fields: HashMap<String, Value>,
    files: HashMap<String, (String, usize)>,
}

impl Params {
    fn text(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// An object parameter, sent as JSON or as a JSON-serialized string.
    fn object(&self, name: &str) -> Option<Value> {
        match self.fields.get(name)? {
            Value::String(s) => serde_json::from_str(s).ok(),
            other => Some(other.clone()),
        }
    }
}

async fn read_params(req: Request) -> Result<Params, Response> {
    let mut params = Params::default();
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        params
            .fields
            .insert(k.into_owned(), Value::String(v.into_owned()));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, &())
            .await
            .map_err(|_| bad_request("invalid multipart body"))?;
        while let Ok(Some(field)) = multipart.next_field().await {
            let name = field.name().unwrap_or("").to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let size = field.bytes().await.map(|b| b.len()).unwrap_or(0);
                    params.files.insert(name, (file_name, size));
                }
                None => {
                    let text = field.text().await.unwrap_or_default();
                    params.fields.insert(name, Value::String(text));
                }
            }
        }
        return Ok(params);
    }
    let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        let Ok(Value::Object(map)) = serde_json::from_slice(&bytes) else {
            return Err(bad_request("can't parse JSON object"));
        };
        params.fields.extend(map);
    } else {
        for (k, v) in url::form_urlencoded::parse(&bytes) {
            params
                .fields
                .insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    Ok(params)
}

fn chat_matches(params: &Params) -> bool {
    matches!(params.text("chat_id").as_deref(), Some("@lumen"))
        || params.text("chat_id") == Some(CHAT_ID.to_string())
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Store a new message in the channel, replying to `reply_parameters`.
fn store(st: &St, params: &Params, mut message: Value) -> Response {
    let mut inner = st.inner.lock().unwrap();
    if let Some(reply) = params.object("reply_parameters") {
        let target = reply["message_id"].as_i64().unwrap_or(0);
        let Some(original) = inner.messages.get(&target) else {
            return bad_request("message to be replied not found");
        };
        message["reply_to_message"] = json!({
            "message_id": target,
            "date": original["date"],
            "chat": original["chat"],
        });
    }
    inner.next_id += 1;
    let id = 100 + inner.next_id;
    let text = message["text"].as_str().or(message["caption"].as_str());
    st.control.created(text.unwrap_or_default());
    message["message_id"] = json!(id);
    message["date"] = json!(st.control.now().timestamp());
    message["chat"] =
        json!({"id": CHAT_ID, "type": "channel", "title": "Lumen", "username": "lumen"});
    message["sender_chat"] = message["chat"].clone();
    inner.messages.insert(id, message.clone());
    ok(message)
}

fn send_message(st: &St, params: &Params) -> Response {
    let text = params.text("text").unwrap_or_default();
    if text.trim().is_empty() {
        return bad_request("message text is empty");
    }
    if utf16_len(&text) > 4096 {
        return bad_request("message is too long");
    }
    store(st, params, json!({ "text": text }))
}

fn send_photo(st: &St, params: &Params) -> Response {
    let Some((_, size)) = params.files.get("photo") else {
        return bad_request("there is no photo in the request");
    };
    let caption = params.text("caption").unwrap_or_default();
    if utf16_len(&caption) > 1024 {
        return bad_request("message caption is too long");
    }
    let photo = json!([{
        "file_id": "AgACAgQAAxkBAAIB",
        "file_unique_id": "AQADfake",
        "width": 1,
        "height": 1,
        "file_size": size,
    }]);
    let mut message = json!({ "photo": photo });
    if !caption.is_empty() {
        message["caption"] = json!(caption);
    }
    store(st, params, message)
}

fn delete_message(st: &St, params: &Params) -> Response {
    let id = params
        .text("message_id")
        .and_then(|m| m.parse::<i64>().ok())
        .unwrap_or(0);
    let mut inner = st.inner.lock().unwrap();
    let Some(message) = inner.messages.get(&id) else {
        return bad_request("message to delete not found");
    };
    let age = st.control.now().timestamp() - message["date"].as_i64().unwrap_or(0);
    if age >= 48 * 3600 {
        return bad_request("message can't be deleted for everyone");
    }
    inner.messages.remove(&id);
    ok(json!(true))
}

async fn method(
    State(st): State<St>,
    Path((bot, method)): Path<(String, String)>,
    req: Request,
) -> Response {
    if bot.strip_prefix("bot") != Some(TOKEN) {
        return fail(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let params = match read_params(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let sending = matches!(method.as_str(), "sendMessage" | "sendPhoto");
    let behaviour = if sending {
        let text = params.text("text").or_else(|| params.text("caption"));
        st.control.create_request(&text.unwrap_or_default())
    } else {
        Behaviour::Ok
    };
    if let Some(r) = misbehave(behaviour) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    if method != "getMe" && !chat_matches(&params) {
        return bad_request("chat not found");
    }
    let response = match method.as_str() {
        "getMe" => ok(json!({
            "id": 7012345678_i64,
            "is_bot": true,
            "first_name": "Lumen",
            "username": BOT_USERNAME,
        })),
        "sendMessage" => send_message(&st, &params),
        "sendPhoto" => send_photo(&st, &params),
        "deleteMessage" => delete_message(&st, &params),
        _ => fail(StatusCode::NOT_FOUND, "Not Found"),
    };
    if sending && response.status().is_success() {
        return behaviour
            .after_work(&st.control, response, server_error)
            .await;
    }
    response
}

/// Start a fake Bot API with one bot (`TOKEN`) in one channel (`@lumen`).
pub fn start(behaviour: Behaviour) -> Fake {
    let inner: Arc<Mutex<Inner>> = Arc::default();
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: inner.clone(),
    };
    let router = Router::new()
        .route("/{bot}/{method}", any(method))
        .with_state(st);
    let (server, log) = server::start(router);
    Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "token: env:FAKE_TELEGRAM_TOKEN\n    chat_id: \"@lumen\"\n    api_base: {}",
            server.base
        ),
        env: [("FAKE_TELEGRAM_TOKEN".to_owned(), TOKEN.to_owned())].into(),
        secrets: vec![TOKEN.to_owned()],
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
