//! LinkedIn's Posts API as PLATFORMS.md §4 and addendum B describe it, as
//! strictly as the real one: every `/rest` call needs `LinkedIn-Version`
//! (400 without it, 426 for a version that is not active) and
//! `X-Restli-Protocol-Version: 2.0.0` (400 without it); a post is created
//! with 201, an empty body and its URN only in `x-restli-id`; commentary is
//! little text, silently cut at the first unescaped reserved character; the
//! same commentary again is a 422 `DUPLICATE_POST` naming the first post
//! (even once it is deleted: a ghost that answers 404); images go through
//! `initializeUpload`, one PUT, then `WAITING_UPLOAD` → `PROCESSING` →
//! `AVAILABLE` (a post naming an image not yet available is refused);
//! comments under `socialActions`; delete; `/v2/userinfo`, organizations,
//! token introspection; the author finder, which a member token may not use
//! (403) unless granted `r_member_social`; the two reporting APIs
//! (`stats`). Errors are LinkedIn's
//! `{"status", "serviceErrorCode", "code", "message"}`.

mod images;
mod rest;
mod stats;

pub use stats::Stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::{Control, Fake, Refusal, reason, retry_after, server};

pub use super::Behaviour;

pub const TOKEN: &str = "AQVlinkedin-test-token_7Hq2Zx9";
pub const CLIENT_ID: &str = "86abcdefgh1234";
pub const CLIENT_SECRET: &str = "WPL_AP1.linkedinClientSecret.k3y";
/// The member the token belongs to, who also administers `ORG`.
pub const PERSON: &str = "urn:li:person:Ab3dE5fG7h";
pub const PERSON_ID: &str = "Ab3dE5fG7h";
pub const ORG: &str = "urn:li:organization:2414183";
pub const ORG_ID: &str = "2414183";

/// What the fake holds.
#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Live posts and comments by URN.
    posts: HashMap<String, Value>,
    comments: HashMap<String, Value>,
    /// (author, commentary as sent) → the URN that first had it, deleted
    /// or not: LinkedIn's duplicate check remembers.
    seen: HashMap<(String, String), String>,
    images: HashMap<String, images::Image>,
    /// Whether the member token may list its posts (`r_member_social`).
    member_can_read: bool,
    /// When the token expires (introspection), epoch seconds.
    expires_at: i64,
    /// What each post has gathered, by URN.
    stats: HashMap<String, Stats>,
    /// Whether the member token may read its posts' analytics
    /// (`r_member_postAnalytics`).
    member_post_analytics: bool,
}

#[derive(Clone)]
struct St {
    control: Control,
    base: Arc<Mutex<String>>,
    inner: Arc<Mutex<Inner>>,
}

/// A handle on the fake's state beyond the shared [`Fake`].
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Mutex<Inner>>,
}

impl Handle {
    /// Let the member token read its own posts and comments (the private
    /// `r_member_social`).
    pub fn grant_member_reads(&self) {
        self.inner.lock().unwrap().member_can_read = true;
    }

    /// Let the member token read its posts' analytics
    /// (`r_member_postAnalytics`).
    pub fn grant_post_analytics(&self) {
        self.inner.lock().unwrap().member_post_analytics = true;
    }

    /// People engaged with the post `urn`.
    pub fn engage(&self, urn: &str, stats: Stats) {
        self.inner
            .lock()
            .unwrap()
            .stats
            .insert(urn.to_owned(), stats);
    }

    /// When introspection says the token expires.
    pub fn set_expiry(&self, at: chrono::DateTime<chrono::Utc>) {
        self.inner.lock().unwrap().expires_at = at.timestamp();
    }

    /// Every image's status polls so far.
    pub fn image_polls(&self) -> u32 {
        let inner = self.inner.lock().unwrap();
        inner.images.values().map(|i| i.polls).sum()
    }
}

/// LinkedIn's error body.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "status": status.as_u16(),
        "serviceErrorCode": 100,
        "code": code,
        "message": message,
    });
    (status, axum::Json(body)).into_response()
}

/// A Rest.li 422 with the reason under `errorDetails.inputErrors`.
fn unprocessable(code: &str, message: &str) -> Response {
    let body = json!({
        "errorDetailType": "com.linkedin.common.error.BadRequest",
        "message": message,
        "errorDetails": {"inputErrors": [{"description": message, "input": {}, "code": code}]},
        "status": 422,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "INVALID_ACCESS_TOKEN",
        "Invalid access token",
    )
}

/// The member behind the bearer token, if it is ours.
fn member(headers: &HeaderMap) -> Option<&'static str> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    (auth == format!("Bearer {TOKEN}")).then_some(PERSON)
}

/// Whether the member may act as `author`: as themselves, or for the
/// organization they administer.
fn may_act_as(author: &str) -> bool {
    author == PERSON || author == ORG
}

/// The checks every versioned `/rest` call passes first: the token, then
/// both headers as LinkedIn insists on them. `Some`: the refusal.
fn versioned(headers: &HeaderMap) -> Option<Response> {
    if member(headers).is_none() {
        return Some(unauthorized());
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(version) = header("linkedin-version") else {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        ));
    };
    let active = version.len() == 6 && ("202501"..="202612").contains(&version);
    if !active {
        return Some(error(
            StatusCode::UPGRADE_REQUIRED,
            "NONEXISTENT_VERSION",
            &format!("Requested version {version} is not active"),
        ));
    }
    if header("x-restli-protocol-version") != Some("2.0.0") {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "ILLEGAL_ARGUMENT",
            "Rest.li protocol version 2.0.0 is required (X-Restli-Protocol-Version)",
        ));
    }
    None
}

/// Little text as LinkedIn reads it: `\x` is `x`; the first unescaped
/// reserved character ends the text, silently.
pub fn shown(commentary: &str) -> String {
    const RESERVED: &str = "|{}@[]()<>#\\*_~";
    let mut out = String::new();
    let mut chars = commentary.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => break,
            },
            c if RESERVED.contains(c) => break,
            c => out.push(c),
        }
    }
    out
}

/// A refusal before any work, in LinkedIn's error shape.
fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
            );
            response.headers_mut().extend(retry_after(secs));
            response
        }
        Refusal::Unavailable(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><body>503 Service Unavailable</body></html>",
        )
            .into_response(),
        Refusal::Unavailable(Some(secs)) => {
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Service Unavailable",
            );
            response.headers_mut().extend(retry_after(secs));
            response
        }
        Refusal::Failed(status) => fail(status),
    }
}

/// A server error after the work.
fn fail(status: StatusCode) -> Response {
    error(status, "INTERNAL_SERVER_ERROR", reason(status))
}

/// `GET /v2/userinfo` (OpenID: no version headers).
async fn userinfo(headers: HeaderMap) -> Response {
    if member(&headers).is_none() {
        return unauthorized();
    }
    axum::Json(json!({
        "sub": PERSON_ID,
        "name": "Ana Lumen",
        "given_name": "Ana",
        "family_name": "Lumen",
        "locale": {"country": "ES", "language": "es"},
    }))
    .into_response()
}

/// `GET /rest/organizations/{id}`.
async fn organization(
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    if id != ORG_ID {
        return error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Not enough permissions to access: organizations.GET",
        );
    }
    axum::Json(
        json!({"id": 2414183, "localizedName": "Lumen Roasters", "vanityName": "lumen-roasters"}),
    )
    .into_response()
}

/// `POST /oauth/v2/introspectToken` (form; the app's credentials).
async fn introspect(
    axum::extract::State(st): axum::extract::State<St>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("client_id") != Some(CLIENT_ID) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"error": "invalid_request", "error_description": "Invalid client id"}),
            ),
        )
            .into_response();
    }
    if field("client_secret") != Some(CLIENT_SECRET) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
        )
            .into_response();
    }
    let expires_at = st.inner.lock().unwrap().expires_at;
    let now = st.control.now().timestamp();
    let known = field("token") == Some(TOKEN);
    let active = known && now < expires_at;
    let status = match (known, active) {
        (false, _) => "revoked",
        (true, true) => "active",
        (true, false) => "expired",
    };
    axum::Json(json!({
        "active": active,
        "client_id": CLIENT_ID,
        "authorized_at": expires_at - 60 * 86_400,
        "created_at": expires_at - 60 * 86_400,
        "status": status,
        "expires_at": expires_at,
        "scope": "openid,profile,w_member_social,w_organization_social",
        "auth_type": "3L",
    }))
    .into_response()
}

/// A workspace whose channel `li` is the fake's, posting as `author`, with
/// `extra` YAML fields.
pub fn workspace(fake: &Fake, author: &str, extra: &str) -> tempfile::TempDir {
    let yaml = fake.channel_yaml.replace(PERSON, author);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postcal.yaml"),
        format!("timezone: UTC\nchannels:\n  li:\n    platform: linkedin\n    {yaml}{extra}\n"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    dir
}

/// Start a fake LinkedIn whose channel posts as the member.
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour).0
}

/// Start a fake LinkedIn, with a handle on its state.
pub fn start_with(behaviour: Behaviour) -> (Fake, Handle) {
    let base = Arc::new(Mutex::new(String::new()));
    let control = Control::new(behaviour);
    let inner = Arc::new(Mutex::new(Inner {
        expires_at: (control.now() + chrono::Duration::days(60)).timestamp(),
        ..Inner::default()
    }));
    let st = St {
        control: control.clone(),
        base: base.clone(),
        inner: inner.clone(),
    };
    let router = Router::new()
        .route("/rest/posts", post(rest::create_post).get(rest::find_posts))
        .route(
            "/rest/posts/{urn}",
            get(rest::get_post).delete(rest::delete_post),
        )
        .route(
            "/rest/socialActions/{urn}/comments",
            post(rest::create_comment).get(rest::list_comments),
        )
        .route(
            "/rest/socialActions/{urn}/comments/{id}",
            axum::routing::delete(rest::delete_comment),
        )
        .route("/rest/images", post(images::initialize))
        .route("/rest/images/{urn}", get(images::status))
        .route("/dms-uploads/{n}", put(images::upload))
        .route("/rest/organizations/{id}", get(organization))
        .route(
            "/rest/organizationalEntityShareStatistics",
            get(stats::share_statistics),
        )
        .route(
            "/rest/memberCreatorPostAnalytics",
            get(stats::member_analytics),
        )
        .route("/v2/userinfo", get(userinfo))
        .route("/oauth/v2/introspectToken", post(introspect))
        .with_state(st);
    let (server, log) = server::start(router);
    *base.lock().unwrap() = server.base.clone();
    let handle = Handle {
        inner: inner.clone(),
    };
    let fake = Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "author: {PERSON}\n    token: env:FAKE_LINKEDIN_TOKEN\n    api_base: {}",
            server.base
        ),
        env: [("FAKE_LINKEDIN_TOKEN".to_owned(), TOKEN.to_owned())].into(),
        secrets: vec![TOKEN.to_owned(), CLIENT_SECRET.to_owned()],
        log,
        posts: Arc::new(move || {
            let inner = inner.lock().unwrap();
            let mut all: Vec<Value> = inner
                .posts
                .values()
                .chain(inner.comments.values())
                .cloned()
                .collect();
            all.sort_by_key(|p| p["seq"].as_u64());
            all
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
