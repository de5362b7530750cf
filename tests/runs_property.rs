//! Property: for any sequence of `publish` runs at increasing times, against
//! six platforms that misbehave as real ones do (create then answer 5xx,
//! create then hang past the client's timeout, time out before creating,
//! 429, 503 with `Retry-After`), every delivery is posted at most once, and
//! every approved one whose window [at, at + catch_up] holds a run is
//! posted. Counted on what the strict fakes made, not on what postcal says.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration as Wait;

use chrono::{DateTime, Duration, Utc};
use postcal::adapters::http::Timeouts;
use postcal::publish::engine::Backoff;
use postcal::publish::{self, Silent};
use proptest::prelude::*;
use support::{Behaviour, Fake};

const STATUSES: [&str; 4] = ["approved", "draft", "review", "cancelled"];

/// Starts a platform's fake.
type Start = fn(Behaviour) -> Fake;

/// (channel, platform, fake).
const CHANNELS: [(&str, &str, Start); 6] = [
    ("m", "mastodon", support::mastodon::start),
    ("b", "bluesky", support::bluesky::start),
    ("d", "discord", support::discord::start),
    ("s", "slack", support::slack::start),
    ("t", "telegram", support::telegram::start),
    ("w", "webhook", support::webhook::start),
];

/// The client gives up after this; a hanging server answers after `HANG`.
const TIMEOUT: Wait = Wait::from_millis(1000);
const HANG: Wait = Wait::from_millis(1500);

/// What a platform does to one create request.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Makes the post, then answers 500, 502 or 504.
    MadeThen5xx(u16),
    /// Makes the post, then answers after the client gave up.
    MadeThenHang,
    /// Makes the post after the client gave up.
    SlowToMake,
    /// 429, nothing made.
    RateLimited,
    /// 503 with `Retry-After`, nothing made.
    Unavailable,
}

impl Fault {
    fn behaviour(self) -> Behaviour {
        match self {
            Fault::MadeThen5xx(status) => Behaviour::CommitThenFail(status),
            Fault::MadeThenHang => Behaviour::CommitThenHang(HANG),
            Fault::SlowToMake => Behaviour::Slow(HANG),
            Fault::RateLimited => Behaviour::RateLimited {
                retry_after_secs: 0,
            },
            Fault::Unavailable => Behaviour::Unavailable {
                retry_after_secs: 0,
            },
        }
    }
}

/// Any fault; those that cost a client timeout less often.
fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => prop::sample::select(vec![500u16, 502, 504]).prop_map(Fault::MadeThen5xx),
        1 => Just(Fault::MadeThenHang),
        1 => Just(Fault::SlowToMake),
        2 => Just(Fault::RateLimited),
        2 => Just(Fault::Unavailable),
    ]
}

/// The faults of one delivery's first requests: often none.
fn faults() -> impl Strategy<Value = Vec<Fault>> {
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(fault(), 1..=2),
    ]
}

/// An index into `STATUSES`, approved half the time.
fn status() -> impl Strategy<Value = usize> {
    prop_oneof![3 => Just(0usize), 1 => Just(1usize), 1 => Just(2usize), 1 => Just(3usize)]
}

#[derive(Debug, Clone)]
struct Post {
    /// Minutes from `base()`.
    offset: i64,
    status: usize,
    catch_up: i64,
    /// Per channel, in `CHANNELS` order.
    faults: Vec<Vec<Fault>>,
}

fn post() -> impl Strategy<Value = Post> {
    (
        -240i64..240,
        status(),
        10i64..180,
        prop::collection::vec(faults(), CHANNELS.len()),
    )
        .prop_map(|(offset, status, catch_up, faults)| Post {
            offset,
            status,
            catch_up,
            faults,
        })
}

fn base() -> DateTime<Utc> {
    "2026-12-01T11:00:00Z".parse().unwrap()
}

fn text(i: usize) -> String {
    format!("Post {i}")
}

fn calendar(posts: &[Post]) -> String {
    let channels: Vec<&str> = CHANNELS.iter().map(|(c, ..)| *c).collect();
    let mut cal = String::from("posts:\n");
    for (i, p) in posts.iter().enumerate() {
        let at = base() + Duration::minutes(p.offset);
        cal.push_str(&format!(
            "  - id: p{i}\n    at: {}\n    status: {}\n    catch_up: {}m\n    channels: [{}]\n    text: {}\n",
            at.to_rfc3339(),
            STATUSES[p.status],
            p.catch_up,
            channels.join(", "),
            text(i)
        ));
    }
    cal
}

/// The ledger's events per (post, channel).
fn events(root: &std::path::Path) -> BTreeMap<(String, String), Vec<String>> {
    let mut by_delivery: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let ledger = std::fs::read_to_string(root.join(".postcal/ledger.jsonl")).unwrap_or_default();
    for line in ledger.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let field = |k: &str| r[k].as_str().unwrap_or("?").to_owned();
        by_delivery
            .entry((field("post"), field("channel")))
            .or_default()
            .push(field("event"));
    }
    by_delivery
}

/// What happened, for a failure message: the runs, then per delivery its
/// window, its faults, what the platform received and made, and the ledger.
fn story(posts: &[Post], runs: &[DateTime<Utc>], fakes: &[Fake], root: &std::path::Path) -> String {
    let hm = |t: &DateTime<Utc>| t.format("%H:%M").to_string();
    let mut out = format!(
        "\nruns at {}\n",
        runs.iter().map(hm).collect::<Vec<_>>().join(", ")
    );
    let ledger = events(root);
    for (i, p) in posts.iter().enumerate() {
        let at = base() + Duration::minutes(p.offset);
        let _ = writeln!(
            out,
            "p{i}: {}, at {}, catch-up {}m",
            STATUSES[p.status],
            hm(&at),
            p.catch_up
        );
        for (c, ((channel, ..), fake)) in CHANNELS.iter().zip(fakes).enumerate() {
            let key = (format!("p{i}"), (*channel).to_owned());
            let _ = writeln!(
                out,
                "  @{channel}: faults {:?}; {} requests, {} posts made; ledger {:?}",
                p.faults[c],
                fake.create_requests_for(&text(i)),
                fake.created_for(&text(i)),
                ledger.get(&key).cloned().unwrap_or_default()
            );
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 20,
        // Each case runs real servers: keep a failure's shrinking short, and
        // write no regression file (the failure shows the whole sequence).
        max_shrink_iters: 64,
        max_shrink_time: 20_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn posted_at_most_once_and_never_dropped(
        posts in prop::collection::vec(post(), 1..7),
        steps in prop::collection::vec(0i64..150, 1..6),
    ) {
        let fakes: Vec<Fake> = CHANNELS.iter().map(|(.., start)| start(Behaviour::Ok)).collect();
        let channels: Vec<(&str, &str, &Fake)> = CHANNELS
            .iter()
            .zip(&fakes)
            .map(|((channel, platform, _), fake)| (*channel, *platform, fake))
            .collect();
        let ws = support::workspace(&channels);
        std::fs::write(ws.path().join("calendars/c.yaml"), calendar(&posts)).unwrap();
        for (i, p) in posts.iter().enumerate() {
            for (fake, faults) in fakes.iter().zip(&p.faults) {
                fake.control.plan(&text(i), faults.iter().map(|f| f.behaviour()));
            }
        }
        let env: std::collections::HashMap<String, String> =
            fakes.iter().flat_map(|f| f.env.clone()).collect();
        let workspace = postcal::calendar::load(ws.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
        let mut options = publish::Options::new(Wait::from_secs(5));
        options.timeouts = Timeouts { connect: TIMEOUT, total: TIMEOUT };
        options.backoff = Backoff {
            base: Wait::from_millis(10),
            cap: Wait::from_millis(100),
            max_wait: Wait::from_secs(5),
        };
        let mut now = base() - Duration::hours(3);
        let mut runs = Vec::new();
        for step in &steps {
            now += Duration::minutes(*step);
            // The platforms live through the same minutes as the runs.
            for fake in &fakes {
                fake.advance(Wait::from_secs(*step as u64 * 60));
            }
            runs.push(now);
            let findings = postcal::validate::validate(&workspace, now, &Default::default());
            publish::publish(&workspace, &findings, now, &options, &env, &Silent).unwrap();
        }
        // Requests the client gave up on finish on the server.
        for fake in &fakes {
            fake.settle(Wait::from_secs(10));
        }
        for (i, p) in posts.iter().enumerate() {
            let at = base() + Duration::minutes(p.offset);
            let in_window = runs
                .iter()
                .any(|t| at <= *t && *t - at <= Duration::minutes(p.catch_up));
            let should = STATUSES[p.status] == "approved" && in_window;
            for ((channel, ..), fake) in CHANNELS.iter().zip(&fakes) {
                let made = fake.created_for(&text(i));
                prop_assert!(
                    made <= 1,
                    "p{}@{} posted {} times{}", i, channel, made, story(&posts, &runs, &fakes, ws.path())
                );
                prop_assert!(
                    (made == 1) == should,
                    "p{}@{} {}{}",
                    i,
                    channel,
                    if should { "was never posted" } else { "was posted though it should not be" },
                    story(&posts, &runs, &fakes, ws.path())
                );
            }
        }
    }
}
