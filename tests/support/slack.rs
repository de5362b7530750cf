//! A Slack incoming webhook as PLATFORMS.md §10 documents it: `200 ok` in
//! plain text, errors as plain-text bodies (`invalid_payload`, …), 429 with
//! Retry-After; no message ids.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::{Behaviour, Fake, server};

pub const SECRET_PATH: &str = "/services/T0001/B0002/slacksecret123";

#[derive(Clone)]
struct St {
    behaviour: Arc<Mutex<Behaviour>>,
    messages: Arc<Mutex<Vec<serde_json::Value>>>,
    calls: Arc<Mutex<u32>>,
}

async fn hook(State(st): State<St>, body: String) -> Response {
    let calls = {
        let mut c = st.calls.lock().unwrap();
        *c += 1;
        *c
    };
    let behaviour = *st.behaviour.lock().unwrap();
    match behaviour {
        Behaviour::Ok | Behaviour::CommitThenHang(_) => {}
        Behaviour::Unauthorized => return (StatusCode::FORBIDDEN, "invalid_token").into_response(),
        Behaviour::Invalid => return (StatusCode::BAD_REQUEST, "invalid_payload").into_response(),
        Behaviour::RateLimited { retry_after_secs } => {
            let mut h = HeaderMap::new();
            h.insert("retry-after", retry_after_secs.to_string().parse().unwrap());
            return (StatusCode::TOO_MANY_REQUESTS, h, "rate_limited").into_response();
        }
        Behaviour::FailOnceThenOk if calls == 1 => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "rollup_error").into_response();
        }
        Behaviour::FailOnceThenOk => {}
        Behaviour::ServerError => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "rollup_error").into_response();
        }
        Behaviour::Garbage => return (StatusCode::OK, "<html>not slack</html>").into_response(),
        Behaviour::Slow(d) => tokio::time::sleep(d).await,
    }
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    if json["text"].as_str().is_none_or(str::is_empty) {
        return (StatusCode::BAD_REQUEST, "no_text").into_response();
    }
    st.messages.lock().unwrap().push(json);
    if let Behaviour::CommitThenHang(d) = behaviour {
        tokio::time::sleep(d).await;
    }
    (StatusCode::OK, "ok").into_response()
}

pub fn start(behaviour: Behaviour) -> Fake {
    let behaviour = Arc::new(Mutex::new(behaviour));
    let messages: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let st = St {
        behaviour: behaviour.clone(),
        messages: messages.clone(),
        calls: Arc::default(),
    };
    let router = Router::new().route(SECRET_PATH, post(hook)).with_state(st);
    let (server, log) = server::start(router);
    let url = format!("{}{SECRET_PATH}", server.base);
    Fake {
        base: server.base.clone(),
        channel_yaml: "webhook: env:FAKE_SLACK_WEBHOOK".to_owned(),
        env: [("FAKE_SLACK_WEBHOOK".to_owned(), url.clone())].into(),
        secrets: vec![url, "slacksecret123".to_owned()],
        log,
        posts: Arc::new(move || messages.lock().unwrap().clone()),
        set_behaviour: Arc::new(move |b| *behaviour.lock().unwrap() = b),
        server,
    }
}
