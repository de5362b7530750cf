//! A Threads account on Meta's Threads API as PLATFORMS.md §5 and addendum
//! C document it, strict: every call needs the token (`Authorization:
//! Bearer` or `access_token`) under `/v1.0/`; refusals come in the Graph
//! error envelope (190 for a bad token, 100 for bad input, 100/33 for an
//! unknown id).
//!
//! - `POST /{user}/threads` makes a container (`media_type` TEXT, IMAGE,
//!   VIDEO or CAROUSEL; `text`, `image_url`/`video_url`, `alt_text` on media
//!   only, `is_carousel_item`, `children` (2–20 finished items),
//!   `reply_to_id` naming a live post); `auto_publish_text=true` publishes a
//!   TEXT one at once. Media is fetched from its URL, really, over HTTP; a
//!   URL that does not answer with an image is "The media could not be
//!   fetched from this URI".
//! - A container is `IN_PROGRESS` until its status has been read
//!   `ready_after` times, then `FINISHED`; `PUBLISHED` once published;
//!   `EXPIRED` 24 h after it was made (on the fake's clock) if not.
//! - `POST /{user}/threads_publish?creation_id=` publishes a FINISHED
//!   container once: 4279009 before it is ready, an error the second time,
//!   and the 251st post of a rolling 24 h is refused (1,001st reply).
//! - `GET /{user}/threads_publishing_limit`, `GET /{user}/threads` and
//!   `/replies` (`since`, `limit` ≤ 100, newest first), `GET /{id}`
//!   (a container's `status,error_message`), `GET /me`,
//!   `GET /{media}/insights`, `DELETE /{media}`.
//! - The shared `Behaviour` applies to `POST /{user}/threads`;
//!   [`Account::script_publish`] scripts `threads_publish` the same way.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Behaviour, Control, Fake, server};

mod handlers;

pub const USER_ID: &str = "17841400000000001";
pub const USERNAME: &str = "lumen.coffee";
pub const TOKEN: &str = "THAAfakeThreadsTOKENq8Zx1";

/// A media container.
#[derive(Debug, Clone)]
pub struct Container {
    pub media_type: String,
    pub text: String,
    pub alt: Option<String>,
    /// The media bytes fetched from its URL.
    pub fetched: Option<Vec<u8>>,
    pub url: Option<String>,
    pub children: Vec<String>,
    pub carousel_item: bool,
    pub reply_to: Option<String>,
    pub made: DateTime<Utc>,
    pub reads: u32,
    /// The post it became.
    pub published: Option<String>,
}

/// A live post or reply.
#[derive(Debug, Clone)]
pub struct Post {
    pub id: String,
    pub text: String,
    pub media_type: String,
    pub reply_to: Option<String>,
    pub container: Option<String>,
    pub at: DateTime<Utc>,
    /// The bytes of its media, in order (a carousel's children's).
    pub media: Vec<Vec<u8>>,
    pub alts: Vec<Option<String>>,
    pub insights: [u64; 5],
}

#[derive(Default)]
struct Inner {
    serial: u64,
    containers: HashMap<String, Container>,
    posts: BTreeMap<String, Post>,
    /// Times of every publication (deleted posts still count), with
    /// whether it was a reply.
    published: Vec<(DateTime<Utc>, bool)>,
    ready_after: u32,
    publish_script: VecDeque<Behaviour>,
    /// Publish requests still to refuse with 4279009 though the container
    /// is FINISHED (not yet propagated inside Meta).
    not_propagated: u32,
    shift: chrono::Duration,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
    /// Meta's token endpoints on the same server, when the test wants them.
    tokens: Option<super::meta_oauth::Tokens>,
}

impl St {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> DateTime<Utc> {
        self.control.now() + self.inner().shift
    }

    fn id(&self) -> String {
        let mut inner = self.inner();
        inner.serial += 1;
        (18_000_000_000_000_000 + inner.serial).to_string()
    }
}

/// A handle on the account's state, for what the shared `Fake` cannot say.
#[derive(Clone)]
pub struct Account {
    st: St,
}

impl Account {
    /// Set the account's clock to `at` (it goes on from there).
    pub fn set_clock(&self, at: DateTime<Utc>) {
        let shift = at - self.st.control.now();
        self.st.inner().shift = shift;
    }

    /// Move the account's clock on.
    pub fn advance(&self, by: chrono::Duration) {
        self.st.inner().shift += by;
    }

    /// A container is FINISHED after its status was read this many times
    /// (0: at once; `u32::MAX`: never).
    pub fn ready_after(&self, reads: u32) {
        self.st.inner().ready_after = reads;
    }

    /// The next `threads_publish` requests are answered with these.
    pub fn script_publish(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.st.inner().publish_script.extend(behaviours);
    }

    /// The next `n` publish requests are refused with 4279009 ("not
    /// propagated"), even for a FINISHED container.
    pub fn not_propagated(&self, n: u32) {
        self.st.inner().not_propagated = n;
    }

    /// Live posts and replies, oldest first.
    pub fn posts(&self) -> Vec<Post> {
        let mut posts: Vec<Post> = self.st.inner().posts.values().cloned().collect();
        posts.sort_by_key(|p| (p.at, p.id.clone()));
        posts
    }

    pub fn containers(&self) -> HashMap<String, Container> {
        self.st.inner().containers.clone()
    }

    /// `n` posts published (by someone) `ago` before the account's now.
    pub fn published_before(&self, n: usize, ago: chrono::Duration) {
        let at = self.st.now() - ago;
        for _ in 0..n {
            let id = self.st.id();
            let post = Post {
                id: id.clone(),
                text: format!("earlier post {id}"),
                media_type: "TEXT_POST".into(),
                reply_to: None,
                container: None,
                at,
                media: Vec::new(),
                alts: Vec::new(),
                insights: [0; 5],
            };
            let mut inner = self.st.inner();
            inner.posts.insert(id, post);
            inner.published.push((at, false));
        }
    }

    /// People answered the post `id`: likes, replies, reposts, quotes, views.
    pub fn engage(&self, id: &str, numbers: [u64; 5]) {
        self.st
            .inner()
            .posts
            .get_mut(id)
            .expect("no such post")
            .insights = numbers;
    }
}

/// Start the fake account.
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour).0
}

pub fn start_with(behaviour: Behaviour) -> (Fake, Account) {
    start_with_tokens(behaviour, None)
}

/// `start_with`, also serving Meta's token endpoints (`meta_oauth`): the
/// tokens they issue publish as well as [`TOKEN`] does.
pub fn start_with_tokens(
    behaviour: Behaviour,
    tokens: Option<super::meta_oauth::Tokens>,
) -> (Fake, Account) {
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: Arc::new(Mutex::new(Inner {
            ready_after: 1,
            ..Inner::default()
        })),
        tokens: tokens.clone(),
    };
    let router = Router::new()
        .route(
            "/{version}/{node}",
            get(handlers::read).delete(handlers::delete),
        )
        .route(
            "/{version}/{node}/{edge}",
            get(handlers::list).post(handlers::create_or_publish),
        )
        .with_state(st.clone());
    let router = match tokens {
        Some(t) => router.merge(t.routes()),
        None => router,
    };
    let (server, log) = server::start(router);
    let base = server.base.clone();
    let posts_st = st.clone();
    let behaviour_control = control.clone();
    let fake = Fake {
        channel_yaml: format!(
            "user_id: \"{USER_ID}\"\n    token: env:THREADS_TOKEN\n    api_base: {base}"
        ),
        base,
        env: HashMap::from([("THREADS_TOKEN".to_owned(), TOKEN.to_owned())]),
        secrets: vec![TOKEN.to_owned()],
        log,
        posts: Arc::new(move || {
            posts_st
                .inner()
                .posts
                .values()
                .map(|p| serde_json::json!({"id": p.id, "text": p.text, "reply_to": p.reply_to}))
                .collect::<Vec<Value>>()
        }),
        set_behaviour: Arc::new(move |b| behaviour_control.set_behaviour(b)),
        control,
        server,
    };
    (fake, Account { st })
}

/// A server for the files under `dir`, as `media_base_url` would serve a
/// workspace (GitHub Pages, a CDN): `GET /PATH` answers the file.
pub fn serve_dir(dir: std::path::PathBuf) -> server::Server {
    let router = Router::new().route(
        "/{*path}",
        get(
            move |axum::extract::Path(path): axum::extract::Path<String>| {
                let dir = dir.clone();
                async move {
                    use axum::response::IntoResponse;
                    if path.split('/').any(|s| s == "..") {
                        return axum::http::StatusCode::NOT_FOUND.into_response();
                    }
                    match std::fs::read(dir.join(&path)) {
                        Ok(bytes) => bytes.into_response(),
                        Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
                    }
                }
            },
        ),
    );
    server::start(router).0
}
