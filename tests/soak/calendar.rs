//! The soak's month: a calendar generated from the seed, and what each
//! platform does to each part's first requests (faults and kills).

use std::fmt::Write as _;
use std::time::Duration as Wait;

use chrono::{DateTime, Duration, Utc};

use crate::support::{self, Behaviour, Fake};

/// The simulated month starts here (Madrid is UTC+1 all of January).
pub const START: &str = "2027-01-01T00:00:00Z";
pub const TICK_MINUTES: i64 = 5;
/// Quiet ticks after the month: longer than the default catch-up (2h) and
/// the time a request may still run on a server.
pub const SETTLE_TICKS: i64 = 36;
pub const POSTS_PER_DAY: usize = 10;

pub type Start = fn(Behaviour) -> Fake;

/// (channel, platform, fake).
pub const CHANNELS: [(&str, &str, Start); 6] = [
    ("m", "mastodon", support::mastodon::start),
    ("b", "bluesky", support::bluesky::start),
    ("d", "discord", support::discord::start),
    ("s", "slack", support::slack::start),
    ("t", "telegram", support::telegram::start),
    ("w", "webhook", support::webhook::start),
];
/// The channels the one-day blackout covers.
pub const BLACKED_OUT: [usize; 2] = [0, 1];

pub const WORDS: [&str; 16] = [
    "espresso", "filter", "grind", "roast", "crema", "kettle", "bloom", "origin", "washed",
    "natural", "cupping", "brew", "beans", "morning", "tasting", "notes",
];

/// What a platform does to one create request, besides answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// 429 with a 1 s wait (postcal waits within the run).
    RateLimitedShort,
    /// 429 with a 10 min wait (beyond `max_wait`: left to a later run).
    RateLimitedLong,
    /// 503 with `Retry-After: 1`.
    UnavailableShort,
    /// 503 with `Retry-After: 600`.
    UnavailableLong,
    /// Makes the post, then answers 500, 502 or 504.
    MadeThen5xx(u16),
    /// Makes the post, then answers only after the client's 30 s timeout.
    MadeThenHang,
    /// Makes the post, then closes the connection.
    MadeThenDrop,
}

/// How a run is killed (SIGKILL) on a request of the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kill {
    /// The request has arrived; the server makes the post 90 s later.
    BeforeCommit,
    /// The server has made the post and not answered yet.
    MidRequest,
    /// The server has made the post and answered: 0-3 ms later.
    JustAfter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Fault(Fault),
    Kill(Kill),
}

impl Step {
    pub fn behaviour(self) -> Behaviour {
        match self {
            Step::Fault(Fault::RateLimitedShort) => Behaviour::RateLimited {
                retry_after_secs: 1,
            },
            Step::Fault(Fault::RateLimitedLong) => Behaviour::RateLimited {
                retry_after_secs: 600,
            },
            Step::Fault(Fault::UnavailableShort) => Behaviour::Unavailable {
                retry_after_secs: 1,
            },
            Step::Fault(Fault::UnavailableLong) => Behaviour::Unavailable {
                retry_after_secs: 600,
            },
            Step::Fault(Fault::MadeThen5xx(code)) => Behaviour::CommitThenFail(code),
            Step::Fault(Fault::MadeThenHang) => Behaviour::CommitThenHang(Wait::from_secs(45)),
            Step::Fault(Fault::MadeThenDrop) => Behaviour::CommitThenDrop,
            Step::Kill(Kill::BeforeCommit) => Behaviour::Slow(Wait::from_secs(90)),
            Step::Kill(Kill::MidRequest) => Behaviour::CommitThenHang(Wait::from_secs(600)),
            Step::Kill(Kill::JustAfter) => Behaviour::Ok,
        }
    }
}

pub fn fault(rng: &mut fastrand::Rng) -> Fault {
    // A hang costs a real 30 s (the client's timeout): about one fault in 60.
    match rng.u32(0..57) {
        0..8 => Fault::RateLimitedShort,
        8..16 => Fault::RateLimitedLong,
        16..24 => Fault::UnavailableShort,
        24..32 => Fault::UnavailableLong,
        32..48 => Fault::MadeThen5xx([500, 502, 504][rng.usize(0..3)]),
        48..56 => Fault::MadeThenDrop,
        _ => Fault::MadeThenHang,
    }
}

/// The behaviours of one part's first create requests: usually none; a
/// kill, when there is one, comes after the faults. Threads are killed
/// more often: a kill between two parts is where a thread comes apart.
pub fn plan(rng: &mut fastrand::Rng, thread: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if rng.u32(0..100) < 22 {
        for _ in 0..rng.usize(1..=2) {
            steps.push(Step::Fault(fault(rng)));
        }
    }
    if rng.u32(0..100) < if thread { 12 } else { 4 } {
        let kill = [Kill::BeforeCommit, Kill::MidRequest, Kill::JustAfter][rng.usize(0..3)];
        steps.push(Step::Kill(kill));
    }
    steps
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Approved,
    Draft,
    Review,
    Cancelled,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Cancelled => "cancelled",
        }
    }
}

pub struct Post {
    pub id: String,
    pub at: DateTime<Utc>,
    pub status: Status,
    pub channels: Vec<usize>,
    /// Part texts: the post, then its thread.
    pub texts: Vec<String>,
    /// Bluesky's own first part, when it has a variant.
    pub bsky_text: Option<String>,
    pub catch_up: Option<i64>,
}

impl Post {
    pub fn text(&self, channel: usize, part: usize) -> &str {
        match (&self.bsky_text, CHANNELS[channel].0, part) {
            (Some(t), "b", 0) => t,
            _ => &self.texts[part],
        }
    }

    pub fn window(&self) -> Duration {
        Duration::minutes(self.catch_up.unwrap_or(120))
    }
}

pub fn phrase(rng: &mut fastrand::Rng) -> String {
    let n = rng.usize(4..=8);
    (0..n)
        .map(|_| WORDS[rng.usize(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn generate(rng: &mut fastrand::Rng, start: DateTime<Utc>, days: i64) -> Vec<Post> {
    let mut posts = Vec::new();
    for day in 0..days {
        let mut minutes: Vec<i64> = (0..POSTS_PER_DAY)
            .map(|_| rng.i64(7 * 60..22 * 60))
            .collect();
        minutes.sort_unstable();
        for (k, minute) in minutes.into_iter().enumerate() {
            let id = format!("d{:02}-{k:02}", day + 1);
            let status = match rng.u32(0..100) {
                0..88 => Status::Approved,
                88..95 => Status::Draft,
                95..98 => Status::Review,
                _ => Status::Cancelled,
            };
            let mut channels: Vec<usize> = (0..CHANNELS.len()).collect();
            rng.shuffle(&mut channels);
            channels.truncate(rng.usize(1..=3));
            channels.sort_unstable();
            let follow_ups = if rng.u32(0..100) < 15 {
                rng.usize(1..=2)
            } else {
                0
            };
            let mut texts = vec![format!("{id} {}", phrase(rng))];
            texts.extend((1..=follow_ups).map(|p| format!("{id}/{p} {}", phrase(rng))));
            let bsky_text = (channels.contains(&1) && rng.u32(0..4) == 0)
                .then(|| format!("{id} on Bluesky {}", phrase(rng)));
            // Short windows, some shorter than a tick; threads get them more.
            let short = if follow_ups > 0 { 35 } else { 6 };
            let catch_up = (rng.u32(0..100) < short).then(|| [3, 4, 6, 10, 15][rng.usize(0..5)]);
            posts.push(Post {
                id,
                at: start + Duration::days(day) + Duration::minutes(minute),
                status,
                channels,
                texts,
                bsky_text,
                catch_up,
            });
        }
    }
    posts
}

pub fn calendar_yaml(posts: &[Post]) -> String {
    let mut out = String::from("posts:\n");
    for p in posts {
        let channels: Vec<&str> = p.channels.iter().map(|&c| CHANNELS[c].0).collect();
        let _ = write!(
            out,
            "  - id: {}\n    at: {}\n    status: {}\n    channels: [{}]\n    text: \"{}\"\n",
            p.id,
            p.at.to_rfc3339(),
            p.status.name(),
            channels.join(", "),
            p.texts[0]
        );
        if p.texts.len() > 1 {
            let thread: Vec<String> = p.texts[1..].iter().map(|t| format!("\"{t}\"")).collect();
            let _ = writeln!(out, "    thread: [{}]", thread.join(", "));
        }
        if let Some(t) = &p.bsky_text {
            let _ = writeln!(out, "    variants:\n      b: {{ text: \"{t}\" }}");
        }
        if let Some(m) = p.catch_up {
            let _ = writeln!(out, "    catch_up: {m}m");
        }
    }
    out
}

/// What a delivery is expected to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Approved, outside the blackout: posted once, or reported.
    Due,
    /// Approved, inside the blackout: never posted.
    Blackout,
    /// Draft or review (approval is required): never posted.
    NotApproved,
    Cancelled,
}

pub struct Delivery {
    pub post: usize,
    pub channel: usize,
    pub class: Class,
    /// Per part, the behaviours planned for its first requests.
    pub plans: Vec<Vec<Step>>,
}

impl Fault {
    pub fn label(self) -> String {
        match self {
            Fault::RateLimitedShort => "429, wait 1 s".to_owned(),
            Fault::RateLimitedLong => "429, wait 10 min".to_owned(),
            Fault::UnavailableShort => "503, Retry-After 1 s".to_owned(),
            Fault::UnavailableLong => "503, Retry-After 10 min".to_owned(),
            Fault::MadeThen5xx(code) => format!("{code} after creating"),
            Fault::MadeThenHang => "hang after creating (past the 30 s timeout)".to_owned(),
            Fault::MadeThenDrop => "dropped connection after creating".to_owned(),
        }
    }
}

impl Kill {
    pub fn label(self) -> &'static str {
        match self {
            Kill::BeforeCommit => "request sent, post not made yet",
            Kill::MidRequest => "post made, no answer yet",
            Kill::JustAfter => "0-3 ms after the answer",
        }
    }
}

/// The deliveries of `posts`, each with its class and its parts' plans.
pub fn deliveries(
    rng: &mut fastrand::Rng,
    posts: &[Post],
    start: DateTime<Utc>,
    blackout_day: i64,
) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    for (i, p) in posts.iter().enumerate() {
        for &channel in &p.channels {
            let class = match p.status {
                Status::Cancelled => Class::Cancelled,
                Status::Draft | Status::Review => Class::NotApproved,
                Status::Approved
                    if BLACKED_OUT.contains(&channel)
                        && (p.at - start).num_days() == blackout_day =>
                {
                    Class::Blackout
                }
                Status::Approved => Class::Due,
            };
            let thread = p.texts.len() > 1;
            let plans = (0..p.texts.len())
                .map(|_| match class {
                    Class::Due => plan(rng, thread),
                    _ => Vec::new(),
                })
                .collect();
            deliveries.push(Delivery {
                post: i,
                channel,
                class,
                plans,
            });
        }
    }
    deliveries
}

/// The blackout for postcal.yaml: all of day `day` (Madrid), on `BLACKED_OUT`.
pub fn blackout_yaml(start: DateTime<Utc>, day: i64) -> String {
    let date = (start + Duration::days(day)).format("%Y-%m-%d");
    let covered: Vec<&str> = BLACKED_OUT.iter().map(|&c| CHANNELS[c].0).collect();
    format!(
        "blackouts:\n  - from: {date} 00:00\n    to: {date} 23:59\n    reason: offsite\n    channels: [{}]\n",
        covered.join(", ")
    )
}
