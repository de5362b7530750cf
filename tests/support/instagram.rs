//! An Instagram professional account on the Graph API, as PLATFORMS.md §6
//! and addendum E document it, strict like Meta: every call needs the token
//! (`Authorization: Bearer`) and a `vMAJOR.MINOR` version in its path;
//! refusals come in the Graph error envelope (190 bad token, 100 unknown
//! field or bad input, 100/33 no such object).
//!
//! - `POST /{user}/media` (form body) makes a container: an image
//!   (`image_url`, `alt_text`), a Reel (`media_type=REELS`, `video_url`),
//!   a carousel child (`is_carousel_item=true`), or a carousel
//!   (`media_type=CAROUSEL`, `children` of 2–10 finished children). The
//!   fake FETCHES each URL over HTTP: a failed fetch is 9004/2207052, an
//!   image that is not JPEG (by its bytes) 9004/2207083, a caption over
//!   2,200 characters 100/2207010.
//! - A container is `IN_PROGRESS` for its first `ready_after` status reads,
//!   then `FINISHED`; published, `PUBLISHED`; unpublished after 24 h on the
//!   fake's clock, `EXPIRED` (and publishing it is 24/2207008).
//! - `POST /{user}/media_publish` (`creation_id`): before `FINISHED`,
//!   9007/2207027 "Media ID is not available"; a second publish of one
//!   container, 100; the 51st in a rolling 24 h, 9/2207042. It returns the
//!   media id (not the container's).
//! - `GET /{user}/content_publishing_limit`, `GET /{user}/media` (newest
//!   first: id, caption, timestamp, permalink), `GET /me`, `GET /{user}`,
//!   `GET /{media}` (like_count, comments_count, permalink, …),
//!   `GET /{media}/insights`.
//! - The shared `Behaviour` (and scripts) apply to `media_publish`, whose
//!   text is the container's caption; [`Graph::fail_containers`] scripts
//!   the container call (made, then 500 or a dropped connection).

mod handlers;
pub mod media;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Behaviour, Control, Fake, server};

pub const USER_ID: &str = "17841405822304914";
pub const USERNAME: &str = "lumencoffee";
pub const TOKEN: &str = "IGAAfakeINSTAGRAMtoken5Qw2";

/// A container as the fake keeps it.
#[derive(Debug, Clone)]
pub struct Container {
    pub id: String,
    pub caption: String,
    /// IMAGE, REELS, VIDEO (a child), CAROUSEL.
    pub kind: String,
    pub child: bool,
    pub children: Vec<String>,
    pub alt: Option<String>,
    /// What the fake fetched from the URL it was given.
    pub fetched: Vec<u8>,
    pub url: Option<String>,
    pub made: DateTime<Utc>,
    pub reads: u32,
    /// The media id it became.
    pub published: Option<String>,
    /// A child taken by a carousel.
    pub used: bool,
}

#[derive(Default)]
struct Inner {
    serial: u64,
    containers: BTreeMap<String, Container>,
    /// Published media by id, as `GET /{media}` shows them.
    media: BTreeMap<String, Value>,
    /// When each publish happened (the quota's window).
    publishes: Vec<DateTime<Utc>>,
    ready_after: u32,
    /// Publishes refused as too early even when FINISHED.
    early: u32,
    container_faults: VecDeque<Behaviour>,
    shift: chrono::Duration,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
}

impl St {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    fn now(&self) -> DateTime<Utc> {
        self.control.now() + self.inner().shift
    }

    fn id(&self) -> String {
        let mut inner = self.inner();
        inner.serial += 1;
        (17_900_000_000_000_000 + inner.serial).to_string()
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// A handle on the account's state, for what the shared `Fake` cannot say.
#[derive(Clone)]
pub struct Graph {
    st: St,
}

impl Graph {
    /// Every container made, oldest first.
    pub fn containers(&self) -> Vec<Container> {
        self.st.inner().containers.values().cloned().collect()
    }

    /// The account's media ids, oldest first.
    pub fn media_ids(&self) -> Vec<String> {
        self.st.inner().media.keys().cloned().collect()
    }

    /// Containers stay `IN_PROGRESS` for this many status reads.
    pub fn ready_after(&self, reads: u32) {
        self.st.inner().ready_after = reads;
    }

    /// The next `times` publishes are refused as too early (9007/2207027),
    /// however the container's status reads.
    pub fn refuse_early(&self, times: u32) {
        self.st.inner().early = times;
    }

    /// The next container calls: made, then answered as `faults` say
    /// (`CommitThenFail(500)`, `CommitThenDrop`, `CommitThenHang`).
    pub fn fail_containers(&self, faults: impl IntoIterator<Item = Behaviour>) {
        self.st.inner().container_faults.extend(faults);
    }

    /// `n` posts published (by the app, elsewhere) just now: the quota.
    pub fn used_quota(&self, n: usize) {
        let now = self.st.now();
        self.st
            .inner()
            .publishes
            .extend(std::iter::repeat_n(now, n));
    }

    /// Set the account's clock to `at` (it goes on from there).
    pub fn set_clock(&self, at: DateTime<Utc>) {
        let shift = at - self.st.control.now();
        self.st.inner().shift = shift;
    }

    /// People liked, commented on, saw and shared the media `id`.
    pub fn engage(&self, id: &str, likes: u64, comments: u64, views: u64, shares: u64) {
        let mut inner = self.st.inner();
        let m = inner.media.get_mut(id).expect("no such media");
        m["like_count"] = likes.into();
        m["comments_count"] = comments.into();
        m["x_insights"] = json!({"views": views, "reach": views / 2, "saved": 1, "shares": shares});
    }

    /// The media `id` is deleted in the app.
    pub fn delete_in_app(&self, id: &str) {
        self.st.inner().media.remove(id);
    }
}

/// Start a fake account (Instagram Login).
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour, "instagram").0
}

/// Start a fake account whose channel says `login: LOGIN`, with a handle.
pub fn start_with(behaviour: Behaviour, login: &str) -> (Fake, Graph) {
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: Arc::new(Mutex::new(Inner {
            ready_after: 1,
            ..Inner::default()
        })),
    };
    let router = Router::new()
        .route(
            "/{version}/{node}/{edge}",
            get(handlers::list).post(handlers::create),
        )
        .route("/{version}/{node}", get(handlers::node))
        .with_state(st.clone());
    let (server, log) = server::start(router);
    let inner = st.inner.clone();
    let fake = Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "user_id: \"{USER_ID}\"\n    token: env:FAKE_INSTAGRAM_TOKEN\n    login: {login}\n    api_base: {}",
            server.base
        ),
        env: [("FAKE_INSTAGRAM_TOKEN".to_owned(), TOKEN.to_owned())].into(),
        secrets: vec![TOKEN.to_owned()],
        log,
        posts: Arc::new(move || inner.lock().unwrap().media.values().cloned().collect()),
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    };
    (fake, Graph { st })
}
