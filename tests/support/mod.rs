//! Local HTTP servers that reproduce each platform's documented contract
//! (PLATFORMS.md), for adapter and end-to-end tests. Each platform's fake
//! lives in its own file and answers according to a [`Behaviour`].

#![allow(dead_code)]
// A fake platform is the other side: it has its own clock.
#![allow(clippy::disallowed_methods)]

pub mod appview;
pub mod bluesky;
pub mod chromium;
pub mod discord;
pub mod facebook;
pub mod instagram;
pub mod linkedin;
pub mod mastodon;
pub mod meta_oauth;
pub mod png;
pub mod server;
pub mod slack;
pub mod telegram;
pub mod threads;
pub mod webhook;
pub mod x;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// How a fake server answers the publishing call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// Success, as documented.
    #[default]
    Ok,
    /// Bad credentials (the platform's own status and body).
    Unauthorized,
    /// A validation error (Mastodon 422, Bluesky 400, Discord 400, …).
    Invalid,
    /// 429 with the platform's way of saying how long to wait; nothing done.
    RateLimited { retry_after_secs: u64 },
    /// 500 once (nothing done), then success.
    FailOnceThenOk,
    /// 503 without `Retry-After` every time; nothing done.
    ServerError,
    /// 503 with `Retry-After`; nothing done (SPEC §4: transient).
    Unavailable { retry_after_secs: u64 },
    /// Does the work (the post exists), then answers 200 with a body that is
    /// not the documented JSON.
    Garbage,
    /// Starts the request, waits this long, then does the work and answers.
    /// The server keeps going if the client gives up (a Mastodon request
    /// with a key is then still creating: a second one with the same key
    /// makes a second status).
    Slow(Duration),
    /// Does the work (the post exists), then answers only after this long:
    /// the client gives up or dies without knowing it landed.
    CommitThenHang(Duration),
    /// Does the work (the post exists), then answers this HTTP status
    /// (500, 502, 504, …) in the platform's error format.
    CommitThenFail(u16),
    /// Does the work (the post exists), then closes the connection without
    /// answering.
    CommitThenDrop,
}

impl Behaviour {
    /// The early answer for behaviours that refuse before doing anything,
    /// built by the platform's own `refuse`; `None` when the request goes on.
    /// `Unauthorized` and `Invalid` are each platform's business.
    pub fn refusal(self, refuse: impl FnOnce(Refusal) -> Response) -> Option<Response> {
        let refusal = match self {
            Behaviour::RateLimited { retry_after_secs } => Refusal::RateLimited(retry_after_secs),
            Behaviour::FailOnceThenOk => Refusal::Failed(StatusCode::INTERNAL_SERVER_ERROR),
            Behaviour::ServerError => Refusal::Unavailable(None),
            Behaviour::Unavailable { retry_after_secs } => {
                Refusal::Unavailable(Some(retry_after_secs))
            }
            _ => return None,
        };
        Some(refuse(refusal))
    }

    /// `Slow`: wait (on the fake's clock) before doing the work. Hold what
    /// it returns until the work is done: an `advance` past the wait
    /// returns only then.
    pub async fn before_work(self, control: &Control) -> Option<Awake> {
        match self {
            Behaviour::Slow(d) => Some(control.sleep(d).await),
            _ => None,
        }
    }

    /// The answer once the work is done: `ok` as documented, or what the
    /// behaviour makes of it (`fail` renders a status in the platform's
    /// error format).
    pub async fn after_work(
        self,
        control: &Control,
        ok: Response,
        fail: impl FnOnce(StatusCode) -> Response,
    ) -> Response {
        match self {
            Behaviour::CommitThenHang(d) => {
                drop(control.sleep(d).await);
                ok
            }
            Behaviour::CommitThenFail(code) => {
                fail(StatusCode::from_u16(code).expect("an HTTP status"))
            }
            Behaviour::CommitThenDrop => server::drop_connection(),
            Behaviour::Garbage => {
                (StatusCode::OK, "<html>definitely not JSON</html>").into_response()
            }
            _ => ok,
        }
    }
}

/// A request woken from [`Control::sleep`]; `advance` waits for it to drop.
pub struct Awake {
    control: Control,
    id: u64,
}

impl Drop for Awake {
    fn drop(&mut self) {
        self.control.state().sleepers.remove(&self.id);
    }
}

/// A refusal before any work, for the platform to put in its own format.
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    /// 429, wait this many seconds.
    RateLimited(u64),
    /// 503, with `Retry-After` when given.
    Unavailable(Option<u64>),
    /// Another status (500 for `FailOnceThenOk`).
    Failed(StatusCode),
}

/// `Retry-After: secs`, as a header map.
pub fn retry_after(secs: u64) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    h.insert("retry-after", secs.to_string().parse().unwrap());
    h
}

/// `status`'s reason phrase ("Bad Gateway").
pub fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

/// The test's hold on a fake: how it answers, its clock, and what it
/// counted. Shared by the fake's handlers and the test.
#[derive(Clone, Default)]
pub struct Control(Arc<Mutex<ControlState>>);

#[derive(Default)]
struct ControlState {
    behaviour: Behaviour,
    /// Create requests answered under `behaviour` so far.
    calls: u32,
    /// Behaviours for the next create requests, whatever their post.
    script: VecDeque<Behaviour>,
    /// Behaviours for the next create requests of the post with this text.
    plans: HashMap<String, VecDeque<Behaviour>>,
    /// How far the fake's clock is ahead of the real one.
    offset: chrono::Duration,
    /// Handlers waiting on the fake's clock, by id: when each wakes.
    sleepers: HashMap<u64, chrono::DateTime<chrono::Utc>>,
    next_sleeper: u64,
    /// The text of each create request, in order of arrival.
    requests: Vec<String>,
    /// The text of each post created, in order (deleted ones included).
    created: Vec<String>,
}

impl Control {
    pub fn new(behaviour: Behaviour) -> Control {
        let control = Control::default();
        control.set_behaviour(behaviour);
        control
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ControlState> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How create requests are answered from now on (after any script or plan).
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        let mut s = self.state();
        s.behaviour = behaviour;
        s.calls = 0;
    }

    /// The standing behaviour.
    pub fn behaviour(&self) -> Behaviour {
        self.state().behaviour
    }

    /// The next create requests, whatever their post, are answered with
    /// these, one each, before the standing behaviour applies again.
    pub fn script(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.state().script.extend(behaviours);
    }

    /// The next create requests for the post whose text is `text` are
    /// answered with these, one each (before any script).
    pub fn plan(&self, text: &str, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.state()
            .plans
            .entry(text.to_owned())
            .or_default()
            .extend(behaviours);
    }

    /// Forget the scripted and planned behaviours not used yet (the
    /// standing behaviour stays): from now on the platform misbehaves only
    /// as told again.
    pub fn clear_faults(&self) {
        let mut s = self.state();
        s.script.clear();
        s.plans.clear();
    }

    /// A create request for the post `text` arrived: count it, and say how
    /// to answer it.
    pub fn create_request(&self, text: &str) -> Behaviour {
        let mut s = self.state();
        s.requests.push(text.to_owned());
        if let Some(b) = s.plans.get_mut(text).and_then(VecDeque::pop_front) {
            return b;
        }
        if let Some(b) = s.script.pop_front() {
            return b;
        }
        s.calls += 1;
        match s.behaviour {
            Behaviour::FailOnceThenOk if s.calls > 1 => Behaviour::Ok,
            b => b,
        }
    }

    /// The post `text` now exists on the platform.
    pub fn created(&self, text: &str) {
        self.state().created.push(text.to_owned());
    }

    /// The fake's own clock: real time, plus whatever the test advanced.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.state().offset
    }

    /// Move the fake's clock forward (an hour later, without sleeping).
    /// Requests waiting on it (`Slow`, `CommitThenHang`) whose wait is over
    /// by then have done their work when this returns.
    pub fn advance(&self, by: Duration) {
        self.state().offset += chrono::Duration::from_std(by).expect("a short duration");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.now();
            if !self.state().sleepers.values().any(|wake| *wake <= now) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "a request the clock woke has not finished"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Wait `d` on the fake's clock: real time, cut short by `advance`.
    pub async fn sleep(&self, d: Duration) -> Awake {
        let wake = self.now() + chrono::Duration::from_std(d).expect("a short duration");
        let id = {
            let mut s = self.state();
            s.next_sleeper += 1;
            let id = s.next_sleeper;
            s.sleepers.insert(id, wake);
            id
        };
        let awake = Awake {
            control: self.clone(),
            id,
        };
        while let Ok(left) = (wake - self.now()).to_std() {
            if left.is_zero() {
                break;
            }
            tokio::time::sleep(left.min(Duration::from_millis(10))).await;
        }
        awake
    }

    /// Create requests received (answered or not, successful or not).
    pub fn create_requests(&self) -> usize {
        self.state().requests.len()
    }

    /// Create requests received for the post `text`.
    pub fn create_requests_for(&self, text: &str) -> usize {
        self.state().requests.iter().filter(|t| *t == text).count()
    }

    /// Posts created, deleted ones included.
    pub fn created_posts(&self) -> usize {
        self.state().created.len()
    }

    /// Posts created with the text `text`, deleted ones included.
    pub fn created_for(&self, text: &str) -> usize {
        self.state().created.iter().filter(|t| *t == text).count()
    }
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub type Log = Arc<Mutex<Vec<Recorded>>>;

/// A running fake platform.
pub struct Fake {
    /// Base URL of the server (`http://127.0.0.1:PORT`).
    pub base: String,
    /// The channel's YAML fields (indented, without `platform:`), pointing at
    /// the server: e.g. `instance: http://127.0.0.1:PORT\n    token: env:T`.
    pub channel_yaml: String,
    /// Environment the channel's `env:` references need.
    pub env: HashMap<String, String>,
    /// Every secret value (for "never printed" checks).
    pub secrets: Vec<String>,
    pub log: Log,
    /// What the platform holds now: one JSON value per live post (deleted
    /// ones gone), as the fake stores it.
    pub posts: Arc<dyn Fn() -> Vec<serde_json::Value> + Send + Sync>,
    /// Change how the server answers from now on.
    pub set_behaviour: Arc<dyn Fn(Behaviour) + Send + Sync>,
    /// Behaviour, clock and counts (see [`Control`]).
    pub control: Control,
    pub server: server::Server,
}

impl Fake {
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// Requests whose path contains `fragment`.
    pub fn requests_to(&self, fragment: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.contains(fragment))
            .collect()
    }

    /// Create requests received, for any post.
    pub fn create_requests(&self) -> usize {
        self.control.create_requests()
    }

    /// Create requests received for the post whose text is `text`.
    pub fn create_requests_for(&self, text: &str) -> usize {
        self.control.create_requests_for(text)
    }

    /// Posts the platform created, deleted ones included.
    pub fn created(&self) -> usize {
        self.control.created_posts()
    }

    /// Posts the platform created with the text `text`, deleted ones included.
    pub fn created_for(&self, text: &str) -> usize {
        self.control.created_for(text)
    }

    /// Move the fake's clock forward.
    pub fn advance(&self, by: Duration) {
        self.control.advance(by);
    }

    /// Wait (up to `limit`) until no request is being handled: a handler
    /// that outlived its client (`Slow`, `CommitThenHang`) has finished.
    pub fn settle(&self, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        while self.server.in_flight() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the fake at {} is still handling a request after {limit:?}",
                self.base
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A workspace in a temp dir whose `postcal.yaml` has one channel per
/// `(name, platform, fake)`, and an empty `calendars/`.
pub fn workspace(channels: &[(&str, &str, &Fake)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("timezone: Europe/Madrid\npublish:\n  catch_up: 2h\nchannels:\n");
    for (name, platform, fake) in channels {
        config.push_str(&format!(
            "  {name}:\n    platform: {platform}\n    {}\n",
            fake.channel_yaml
        ));
    }
    std::fs::write(dir.path().join("postcal.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    dir
}

/// The run's time adapter tests pretend it is (`Part::now`, the clock the
/// adapter is built with).
pub const TEST_NOW: &str = "2026-12-03T08:00:00Z";

/// The adapter for `channel` of the workspace at `root`, with a short total
/// timeout so slow-server cases finish quickly.
pub fn adapter(
    root: &std::path::Path,
    channel: &str,
    env: &HashMap<String, String>,
) -> Box<dyn postcal::adapters::Adapter> {
    let ws = postcal::calendar::load(root, "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let channel = ws.config.channels.get(channel).unwrap();
    let timeouts = postcal::adapters::http::Timeouts {
        connect: Duration::from_secs(2),
        total: Duration::from_secs(2),
    };
    postcal::adapters::for_channel(root, channel, env, timeouts, TEST_NOW.parse().unwrap())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A part with everything defaulted, for adapter tests.
pub fn part<'a>(text: &'a str, key: &'a str) -> postcal::adapters::Part<'a> {
    postcal::adapters::Part {
        post: "launch",
        channel: "ch",
        index: 0,
        text,
        cw: None,
        language: None,
        media: &[],
        reply_to: None,
        root: None,
        key,
        prepared: None,
        media_base: None,
        now: TEST_NOW.parse().unwrap(),
    }
}
