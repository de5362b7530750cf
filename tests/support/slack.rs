//! A Slack incoming webhook as PLATFORMS.md §10 documents it: `200 ok` in
//! plain text, errors as plain-text bodies (`invalid_payload`,
//! `rollup_error`, …), 429 with Retry-After; no message ids.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::{Behaviour, Control, Fake, Refusal, reason, retry_after, server};

pub const SECRET_PATH: &str = "/services/T0001/B0002/slacksecret123";

#[derive(Clone)]
struct St {
    control: Control,
    messages: Arc<Mutex<Vec<serde_json::Value>>>,
}

/// A server error as a plain-text body: Slack's `rollup_error` for a 500,
/// the status's name (`bad_gateway`) otherwise.
fn server_error(status: StatusCode) -> Response {
    let body = match status {
        StatusCode::INTERNAL_SERVER_ERROR => "rollup_error".to_owned(),
        _ => reason(status).to_lowercase().replace(' ', "_"),
    };
    (status, body).into_response()
}

fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            retry_after(secs),
            "rate_limited",
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

async fn hook(State(st): State<St>, body: String) -> Response {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    let text = json["text"].as_str().unwrap_or_default().to_owned();
    let behaviour = st.control.create_request(&text);
    match behaviour {
        Behaviour::Unauthorized => {
            return (StatusCode::FORBIDDEN, "invalid_token").into_response();
        }
        Behaviour::Invalid => return (StatusCode::BAD_REQUEST, "invalid_payload").into_response(),
        _ => {}
    }
    if let Some(r) = behaviour.refusal(refuse) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    if text.is_empty() {
        return (StatusCode::BAD_REQUEST, "no_text").into_response();
    }
    st.messages.lock().unwrap().push(json);
    st.control.created(&text);
    behaviour
        .after_work(
            &st.control,
            (StatusCode::OK, "ok").into_response(),
            server_error,
        )
        .await
}

pub fn start(behaviour: Behaviour) -> Fake {
    let control = Control::new(behaviour);
    let messages: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let st = St {
        control: control.clone(),
        messages: messages.clone(),
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
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    }
}
