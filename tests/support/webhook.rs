//! A generic webhook receiver as Standard Webhooks describes it (PLATFORMS.md
//! §11): it checks `webhook-signature` over `{id}.{timestamp}.{body}` with the
//! shared secret, deduplicates by `webhook-id`, answers 2xx, 410 to disable,
//! 429 with Retry-After.

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

use super::{Behaviour, Fake, server};

/// `whsec_` + base64 of the key bytes, as Standard Webhooks writes secrets.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Clone)]
struct St {
    behaviour: Arc<Mutex<Behaviour>>,
    /// Deliveries by webhook-id (a retry with the same id is not stored twice).
    received: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    calls: Arc<Mutex<u32>>,
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

async fn receive(State(st): State<St>, headers: HeaderMap, body: String) -> Response {
    let calls = {
        let mut c = st.calls.lock().unwrap();
        *c += 1;
        *c
    };
    let behaviour = *st.behaviour.lock().unwrap();
    match behaviour {
        Behaviour::Ok | Behaviour::CommitThenHang(_) => {}
        Behaviour::Unauthorized => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "bad signature"})),
            )
                .into_response();
        }
        Behaviour::Invalid => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({"error": "unknown post type"})),
            )
                .into_response();
        }
        Behaviour::RateLimited { retry_after_secs } => {
            let mut h = HeaderMap::new();
            h.insert("retry-after", retry_after_secs.to_string().parse().unwrap());
            return (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response();
        }
        Behaviour::FailOnceThenOk if calls == 1 => {
            return (StatusCode::BAD_GATEWAY, "bad gateway").into_response();
        }
        Behaviour::FailOnceThenOk => {}
        Behaviour::ServerError => {
            return (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response();
        }
        Behaviour::Garbage => return (StatusCode::OK, "<html>ok?</html>").into_response(),
        Behaviour::Slow(d) => tokio::time::sleep(d).await,
    }
    if !signature_ok(&headers, &body) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "bad signature"})),
        )
            .into_response();
    }
    let id = header(&headers, "webhook-id").unwrap_or("").to_owned();
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    {
        let mut received = st.received.lock().unwrap();
        if !received.iter().any(|(seen, _)| *seen == id) {
            received.push((id.clone(), json));
        }
    }
    if let Behaviour::CommitThenHang(d) = behaviour {
        tokio::time::sleep(d).await;
    }
    (StatusCode::OK, axum::Json(json!({"id": id, "url": null}))).into_response()
}

pub fn start(behaviour: Behaviour) -> Fake {
    let behaviour = Arc::new(Mutex::new(behaviour));
    let received: Arc<Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let st = St {
        behaviour: behaviour.clone(),
        received: received.clone(),
        calls: Arc::default(),
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
                .map(|(_, v)| v.clone())
                .collect()
        }),
        set_behaviour: Arc::new(move |b| *behaviour.lock().unwrap() = b),
        server,
    }
}
