//! Meta's sign-in and token endpoints for Threads and Instagram Login as
//! PLATFORMS.md §5, §6 and addenda C and E document them, strict where
//! Meta is:
//!
//! - `GET /oauth/authorize` (the page a person allows the app on): the
//!   app id must be the app's and `response_type=code`; it answers with the
//!   redirect to `redirect_uri` carrying a `code` and the `state` it got.
//! - `POST /oauth/access_token` (form): the app id and secret, the `code`
//!   (once, within an hour) and the same `redirect_uri` → a short-lived
//!   token (an hour) and the `user_id`.
//! - `GET /access_token?grant_type={th,ig}_exchange_token`: the secret and
//!   a live short-lived token → a long-lived one, `expires_in` 60 days.
//! - `GET /refresh_access_token?grant_type={th,ig}_refresh_token`: a
//!   long-lived token at least 24 hours old and not expired → a new one,
//!   60 days from now (the old one keeps working until its own end).
//!
//! Refusals come in the Graph error envelope; the clock is the fake's own,
//! set by the test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{Log, server};

pub const APP_ID: &str = "1234567890";
pub const APP_SECRET: &str = "meta-app-secret-5e6f7a";
pub const USER_ID: &str = "17841400000000001";
const LONG_LIVED: Duration = Duration::days(60);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Short,
    Long,
}

struct Token {
    kind: Kind,
    issued: DateTime<Utc>,
    expires: DateTime<Utc>,
}

struct State0 {
    /// `th` (Threads) or `ig` (Instagram): the grant types' prefix.
    prefix: &'static str,
    now: DateTime<Utc>,
    codes: HashMap<String, (String, DateTime<Utc>)>,
    tokens: HashMap<String, Token>,
    issued: usize,
}

/// The token endpoints' state, shared with the test (and with a platform
/// fake that must accept the tokens issued here).
#[derive(Clone)]
pub struct Tokens(Arc<Mutex<State0>>);

impl Tokens {
    pub fn new(prefix: &'static str, now: DateTime<Utc>) -> Tokens {
        Tokens(Arc::new(Mutex::new(State0 {
            prefix,
            now,
            codes: HashMap::new(),
            tokens: HashMap::new(),
            issued: 0,
        })))
    }

    /// Set the fake's clock.
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.0.lock().unwrap().now = now;
    }

    /// A long-lived token issued at `issued`, as if obtained earlier.
    pub fn issue_long(&self, issued: DateTime<Utc>) -> String {
        let mut s = self.0.lock().unwrap();
        mint(&mut s, Kind::Long, issued, LONG_LIVED)
    }

    /// Whether `token` works now (a platform fake asks).
    pub fn is_live(&self, token: &str) -> bool {
        let s = self.0.lock().unwrap();
        s.tokens
            .get(token)
            .is_some_and(|t| t.kind == Kind::Long && t.expires > s.now)
    }

    /// How many tokens were issued through the endpoints (not `issue_long`).
    pub fn minted(&self) -> usize {
        self.0.lock().unwrap().issued
    }

    /// The routes, to serve alone or merged into a platform's fake.
    pub fn routes(&self) -> Router {
        Router::new()
            .route("/oauth/authorize", get(authorize))
            .route("/oauth/access_token", post(code_exchange))
            .route("/access_token", get(long_exchange))
            .route("/refresh_access_token", get(refresh))
            .with_state(self.clone())
    }
}

fn mint(s: &mut State0, kind: Kind, issued: DateTime<Utc>, life: Duration) -> String {
    let token = format!(
        "{}{}-{}-{}",
        s.prefix.to_uppercase(),
        if kind == Kind::Long { "LL" } else { "SL" },
        s.tokens.len() + 1,
        fastrand::u64(..)
    );
    s.tokens.insert(
        token.clone(),
        Token {
            kind,
            issued,
            expires: issued + life,
        },
    );
    token
}

/// The fake alone on 127.0.0.1.
pub struct Server {
    pub base: String,
    pub log: Log,
    pub tokens: Tokens,
    _server: server::Server,
}

pub fn start(prefix: &'static str, now: DateTime<Utc>) -> Server {
    let tokens = Tokens::new(prefix, now);
    let (server, log) = server::start(tokens.routes());
    Server {
        base: server.base.clone(),
        log,
        tokens,
        _server: server,
    }
}

fn refused(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}})),
    )
        .into_response()
}

async fn authorize(State(t): State<Tokens>, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("client_id").map(String::as_str) != Some(APP_ID) {
        return refused(
            StatusCode::BAD_REQUEST,
            101,
            "Error validating application. Invalid application ID.",
        );
    }
    if q.get("response_type").map(String::as_str) != Some("code") || !q.contains_key("scope") {
        return refused(
            StatusCode::BAD_REQUEST,
            100,
            "Invalid parameter: response_type and scope are required",
        );
    }
    let Some(redirect) = q.get("redirect_uri") else {
        return refused(StatusCode::BAD_REQUEST, 100, "Invalid redirect_uri");
    };
    let code = format!("AQ{}", fastrand::u64(..));
    let mut s = t.0.lock().unwrap();
    let now = s.now;
    s.codes.insert(code.clone(), (redirect.clone(), now));
    let mut to = url::Url::parse(redirect).unwrap();
    to.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = q.get("state") {
        to.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [(header::LOCATION, format!("{to}#_"))]).into_response()
}

async fn code_exchange(
    State(t): State<Tokens>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if f.get("client_id").map(String::as_str) != Some(APP_ID)
        || f.get("client_secret").map(String::as_str) != Some(APP_SECRET)
    {
        return refused(
            StatusCode::BAD_REQUEST,
            101,
            "Error validating client secret.",
        );
    }
    if f.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return refused(StatusCode::BAD_REQUEST, 100, "Unsupported grant_type");
    }
    let mut s = t.0.lock().unwrap();
    let code = f.get("code").cloned().unwrap_or_default();
    // A code works once.
    let Some((redirect, at)) = s.codes.remove(&code) else {
        return refused(
            StatusCode::BAD_REQUEST,
            100,
            "This authorization code has been used.",
        );
    };
    if f.get("redirect_uri") != Some(&redirect) {
        return refused(
            StatusCode::BAD_REQUEST,
            100,
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        );
    }
    if s.now - at > Duration::hours(1) {
        return refused(
            StatusCode::BAD_REQUEST,
            100,
            "This authorization code has expired.",
        );
    }
    let now = s.now;
    s.issued += 1;
    let token = mint(&mut s, Kind::Short, now, Duration::hours(1));
    axum::Json(json!({"access_token": token, "user_id": USER_ID.parse::<u64>().unwrap()}))
        .into_response()
}

async fn long_exchange(
    State(t): State<Tokens>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = t.0.lock().unwrap();
    if q.get("grant_type") != Some(&format!("{}_exchange_token", s.prefix)) {
        return refused(StatusCode::BAD_REQUEST, 100, "Unsupported grant_type");
    }
    if q.get("client_secret").map(String::as_str) != Some(APP_SECRET) {
        return refused(
            StatusCode::BAD_REQUEST,
            101,
            "Error validating client secret.",
        );
    }
    let now = s.now;
    let live_short = q
        .get("access_token")
        .and_then(|a| s.tokens.get(a))
        .is_some_and(|tok| tok.kind == Kind::Short && tok.expires > now);
    if !live_short {
        return refused(
            StatusCode::BAD_REQUEST,
            190,
            "Error validating access token: Session has expired or the token is not a short-lived token.",
        );
    }
    s.issued += 1;
    let token = mint(&mut s, Kind::Long, now, LONG_LIVED);
    axum::Json(json!({"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED.num_seconds()}))
        .into_response()
}

async fn refresh(State(t): State<Tokens>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut s = t.0.lock().unwrap();
    if q.get("grant_type") != Some(&format!("{}_refresh_token", s.prefix)) {
        return refused(StatusCode::BAD_REQUEST, 100, "Unsupported grant_type");
    }
    let now = s.now;
    let Some(old) = q.get("access_token").and_then(|a| s.tokens.get(a)) else {
        return refused(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    };
    if old.kind != Kind::Long {
        return refused(
            StatusCode::BAD_REQUEST,
            190,
            "Error validating access token: only a long-lived token can be refreshed",
        );
    }
    if old.expires <= now {
        return refused(
            StatusCode::BAD_REQUEST,
            190,
            "Error validating access token: Session has expired",
        );
    }
    if now - old.issued < Duration::hours(24) {
        return refused(
            StatusCode::BAD_REQUEST,
            100,
            "The access token must be at least 24 hours old to be refreshed",
        );
    }
    s.issued += 1;
    let token = mint(&mut s, Kind::Long, now, LONG_LIVED);
    axum::Json(json!({"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED.num_seconds()}))
        .into_response()
}
