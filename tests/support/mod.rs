//! Local HTTP servers that reproduce each platform's documented contract
//! (PLATFORMS.md), for adapter and end-to-end tests. Each platform's fake
//! lives in its own file and answers according to a [`Behaviour`].

#![allow(dead_code)]
// A fake platform is the other side: it has its own clock.
#![allow(clippy::disallowed_methods)]

pub mod bluesky;
pub mod discord;
pub mod mastodon;
pub mod server;
pub mod slack;
pub mod telegram;
pub mod webhook;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a fake server answers the publishing call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Success, as documented.
    Ok,
    /// Bad credentials (the platform's own status and body).
    Unauthorized,
    /// A validation error (Mastodon 422, Bluesky 400, Discord 400, …).
    Invalid,
    /// 429 with the platform's way of saying how long to wait.
    RateLimited { retry_after_secs: u64 },
    /// 500 once, then success (to see retries recover).
    FailOnceThenOk,
    /// 503 every time.
    ServerError,
    /// 200 with a body that is not the documented JSON.
    Garbage,
    /// Answers only after this long.
    Slow(Duration),
    /// Does the work (the post exists), then answers only after this long:
    /// the client gives up or dies without knowing it landed.
    CommitThenHang(Duration),
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

/// The adapter for `channel` of the workspace at `root`, with a short total
/// timeout so slow-server cases finish quickly.
pub fn adapter(
    root: &std::path::Path,
    channel: &str,
    env: &HashMap<String, String>,
) -> Box<dyn postcal::adapters::Adapter> {
    let ws = postcal::calendar::load(root).unwrap();
    let channel = ws.config.channels.get(channel).unwrap();
    let timeouts = postcal::adapters::http::Timeouts {
        connect: Duration::from_secs(2),
        total: Duration::from_secs(2),
    };
    postcal::adapters::for_channel(root, channel, env, timeouts).unwrap_or_else(|e| panic!("{e}"))
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
        now: "2026-12-03T08:00:00Z".parse().unwrap(),
    }
}
