//! A generic webhook receiver as Standard Webhooks describes it (PLATFORMS.md
//! §11): it checks `webhook-signature` over `{id}.{timestamp}.{body}` with the
//! shared secret, answers 2xx, 410 to disable, 429 with Retry-After. It is
//! the unkind receiver SPEC §4 plans for: it does not deduplicate by
//! `webhook-id`, so every delivery it accepts is a post (each stored with
//! the `webhook-id` it came with, as `_webhook_id`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{Behaviour, Control, Fake, Refusal, reason, retry_after, server};

/// `whsec_` + base64 of the key bytes, as Standard Webhooks writes secrets.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Clone)]
struct St {
    control: Control,
    /// Deliveries accepted, with their webhook-id (a re-send is stored again).
    received: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn signature_ok(headers: &HeaderMap, body: &str) -> bool {
    let (Some(id), Some(ts), Some(sig)) = (
        header(headers, "webhook-id"),
        header(headers, "webhook-timestamp"),
        header(headers, "webhook-signature"),
    ) else {
        return false;
    };
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    sig.split(' ').any(|s| s == expected)
}

/// A server error as a plain-text body.
fn server_error(status: StatusCode) -> Response {
    (status, reason(status).to_lowercase()).into_response()
}

fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            retry_after(secs),
            "slow down",
        )
            .into_response(),
        Refusal::Unavailable(None) => server_error(StatusCode::SERVICE_UNAVAILABLE),
        Refusal::Unavailable(Some(secs)) => {
            let mut r = server_error(StatusCode::SERVICE_UNAVAILABLE);
            r.headers_mut().extend(retry_after(secs));
            r
        }
        Refusal::Failed(status) => server_error(status),
    }
}

fn bad_signature() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "bad signature"})),
    )
        .into_response()
}

async fn receive(State(st): State<St>, headers: HeaderMap, body: String) -> Response {
    let json = serde_json::from_str::<serde_json::Value>(&body).ok();
    let text = json
        .as_ref()
        .and_then(|j| j["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    let behaviour = st.control.create_request(&text);
    match behaviour {
        Behaviour::Unauthorized => return bad_signature(),
        Behaviour::Invalid => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({"error": "unknown post type"})),
            )
                .into_response();
        }
        _ => {}
    }
    if let Some(r) = behaviour.refusal(refuse) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    if !signature_ok(&headers, &body) {
        return bad_signature();
    }
    let id = header(&headers, "webhook-id").unwrap_or("").to_owned();
    let Some(json) = json else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    st.received.lock().unwrap().push((id.clone(), json));
    st.control.created(&text);
    let ok = (StatusCode::OK, axum::Json(json!({"id": id, "url": null}))).into_response();
    behaviour.after_work(&st.control, ok, server_error).await
}

pub fn start(behaviour: Behaviour) -> Fake {
    let control = Control::new(behaviour);
    let received: Arc<Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let st = St {
        control: control.clone(),
        received: received.clone(),
    };
    let router = Router::new()
        .route("/hooks/postcal", post(receive))
        .with_state(st);
    let (server, log) = server::start(router);
    Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "url: {}/hooks/postcal\n    secret: env:FAKE_WEBHOOK_SECRET",
            server.base
        ),
        env: HashMap::from([("FAKE_WEBHOOK_SECRET".to_owned(), SECRET.to_owned())]),
        secrets: vec![SECRET.to_owned()],
        log,
        posts: Arc::new(move || {
            received
                .lock()
                .unwrap()
                .iter()
                .map(|(id, v)| {
                    let mut v = v.clone();
                    v["_webhook_id"] = json!(id);
                    v
                })
                .collect()
        }),
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    }
}
