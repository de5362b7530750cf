//! The engine against a scripted platform: what a run sends, records and
//! reports when a platform rate-limits, refuses, or answers in a way that
//! leaves the outcome open (SPEC §4 "Retries", "Ambiguous failures", "Never
//! twice"), each answer chosen by the test.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Backoff, Engine, Step};
use crate::adapters::redact::Redactor;
use crate::adapters::{Adapter, AdapterError, ErrorKind, Part, Remote};
use crate::calendar::Workspace;
use crate::delivery::{self, Delivery};
use crate::publish::ledger::{Event, Ledger, Record};
use crate::publish::outcome::{DeliveryOutcome, OutcomeKind, Silent};
use crate::publish::plan::Send;

/// A platform that answers from scripts, one answer a call; a call past
/// its script is refused, so a request too many shows in the count.
struct Scripted {
    posts: VecDeque<Result<Remote, AdapterError>>,
    /// Empty: the platform cannot look posts up.
    lookups: VecDeque<Result<Option<Remote>, AdapterError>>,
    deletes: VecDeque<Result<(), AdapterError>>,
    /// `resend_is_safe(age, may_be_running)`.
    safe: fn(chrono::Duration, bool) -> bool,
    calls: Vec<&'static str>,
    redactor: Redactor,
}

impl Scripted {
    fn new() -> Scripted {
        Scripted {
            posts: VecDeque::new(),
            lookups: VecDeque::new(),
            deletes: VecDeque::new(),
            safe: |_, _| false,
            calls: Vec::new(),
            redactor: Redactor::new(&[]),
        }
    }

    fn count(&self, call: &str) -> usize {
        self.calls.iter().filter(|c| **c == call).count()
    }
}

fn exhausted() -> AdapterError {
    AdapterError::permanent("the script has no answer for this request")
}

impl Adapter for Scripted {
    fn post(&mut self, _part: &Part<'_>) -> Result<Remote, AdapterError> {
        self.calls.push("post");
        self.posts.pop_front().unwrap_or_else(|| Err(exhausted()))
    }

    fn resend_is_safe(&self, age: chrono::Duration, may_be_running: bool) -> bool {
        (self.safe)(age, may_be_running)
    }

    fn lookup(
        &mut self,
        _part: &Part<'_>,
        _since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        self.calls.push("lookup");
        self.lookups
            .pop_front()
            .unwrap_or_else(|| Err(AdapterError::unsupported("no look-up")))
    }

    fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    fn delete(
        &mut self,
        _remote: &Remote,
        _published_at: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> Result<(), AdapterError> {
        self.calls.push("delete");
        self.deletes.pop_front().unwrap_or_else(|| Err(exhausted()))
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        Ok("scripted".to_owned())
    }
}

fn remote(id: &str) -> Remote {
    Remote {
        id: id.to_owned(),
        url: Some(format!("https://m.example/@lumen/{id}")),
    }
}

fn transient(secs: u64) -> AdapterError {
    AdapterError::new(
        ErrorKind::Transient {
            retry_after: Some(Duration::from_secs(secs)),
        },
        "HTTP 429",
    )
}

fn ambiguous() -> AdapterError {
    AdapterError::new(ErrorKind::Ambiguous, "HTTP 502")
}

/// 10:00 UTC; the post is at 09:50 with a 2h catch-up.
fn now() -> DateTime<Utc> {
    "2026-12-01T10:00:00Z".parse().unwrap()
}

/// A workspace with one post, `launch` at 09:50, on channel `m`
/// (Mastodon) and `r` (Slack, `on_ambiguous: retry`).
struct Fixture {
    dir: tempfile::TempDir,
    ws: Workspace,
    env: HashMap<String, String>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("postcal.yaml"),
            "timezone: UTC\npublish:\n  catch_up: 2h\nchannels:\n  m:\n    platform: mastodon\n    instance: https://m.example\n    token: env:T\n  r:\n    platform: slack\n    webhook: env:W\n    on_ambiguous: retry\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("calendars")).unwrap();
        std::fs::write(
            dir.path().join("calendars/c.yaml"),
            "posts:\n  - id: launch\n    at: 2026-12-01T09:50:00Z\n    status: approved\n    channels: [m, r]\n    text: Hello\n",
        )
        .unwrap();
        let ws = crate::calendar::load(dir.path()).unwrap();
        Fixture {
            dir,
            ws,
            env: HashMap::new(),
        }
    }

    fn delivery(&self, channel: &str) -> Delivery<'_> {
        let channel = self.ws.config.channels.get(channel).unwrap();
        delivery::on_channel(&self.ws.posts[0], channel, &self.ws.config).unwrap()
    }

    fn engine(&self) -> Engine<'_> {
        Engine {
            root: self.dir.path(),
            now: now(),
            env: &self.env,
            timeouts: Default::default(),
            trace: None,
            backoff: Backoff {
                base: Duration::from_millis(1),
                cap: Duration::from_millis(4),
                max_wait: Duration::from_secs(1),
            },
            ledger: Mutex::new(Ledger::open(self.dir.path()).unwrap()),
            progress: &Silent,
            stopped: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// The ledger's events, in order.
    fn events(&self) -> Vec<Event> {
        self.records().iter().map(|r| r.event).collect()
    }

    fn records(&self) -> Vec<Record> {
        std::fs::read_to_string(self.dir.path().join(".postcal/ledger.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// The outcome a step ended with.
fn ended(step: Step) -> DeliveryOutcome {
    match step {
        Step::Stopped(outcome) => outcome,
        Step::Sent(remote) => panic!("sent {remote:?} and went on"),
        Step::LedgerFailed => panic!("the ledger failed"),
    }
}

/// Send part 0 of `d` from scratch, or settling `pending` (`late` past
/// its window).
fn publish(
    fx: &Fixture,
    adapter: &mut Scripted,
    channel: &str,
    pending: Option<Record>,
    late: bool,
) -> DeliveryOutcome {
    let d = fx.delivery(channel);
    let key = "postcal-k".to_owned();
    let send = Send {
        delivery: d,
        from: 0,
        pending,
        late,
        root: None,
        parent: None,
        keys: vec![key],
    };
    ended(fx.engine().publish(adapter, &send))
}

/// An attempt of part 0 on `channel` that `ago` before now got no answer.
fn attempt(channel: &str, ago: chrono::Duration) -> Record {
    let mut r = Record::new(now() - ago, "launch", channel, 0, Event::Attempt);
    r.key = Some("postcal-k".to_owned());
    r
}

// Sending: transient failures are retried within the run, with the
// platform's wait, up to four requests; a long wait is left to the next
// run; a refusal is final until the post changes.

#[test]
fn a_rate_limited_request_is_retried_and_posts_once() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(transient(0)), Ok(remote("1"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 2);
    assert_eq!(
        fx.events(),
        [Event::Attempt, Event::Attempt, Event::Published],
        "an attempt before each request"
    );
}

#[test]
fn a_platform_that_stays_rate_limited_gets_four_requests_then_the_next_run() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = (0..4).map(|_| Err(transient(0))).collect();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert_eq!(platform.count("post"), 4);
    let last = fx.records().pop().unwrap();
    assert_eq!(last.event, Event::Failed);
    assert!(last.transient, "a later run retries it: {last:?}");
}

#[test]
fn a_wait_longer_than_max_wait_is_left_to_the_next_run() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(transient(2))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(platform.count("post"), 1, "no waiting inside the run");
    assert!(
        outcome
            .error
            .as_deref()
            .unwrap()
            .contains("left to the next run"),
        "{outcome:?}"
    );
    assert!(fx.records().pop().unwrap().transient);
}

#[test]
fn a_refused_request_is_a_permanent_failure() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(AdapterError::permanent("HTTP 422"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Failed);
    assert_eq!(platform.count("post"), 1);
    let last = fx.records().pop().unwrap();
    assert_eq!((last.event, last.transient), (Event::Failed, false));
}

#[test]
fn backoff_doubles_from_its_base_up_to_its_cap_with_jitter() {
    let backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(800),
        max_wait: Duration::from_secs(60),
    };
    for (attempt, expected) in [(1, 100), (2, 200), (3, 400), (4, 800), (9, 800)] {
        for _ in 0..20 {
            let wait = backoff.wait(attempt, None).as_secs_f64() * 1000.0;
            let (low, high) = (expected as f64 * 0.75, expected as f64 * 1.25);
            assert!(
                (low..=high).contains(&wait),
                "retry {attempt}: {wait} ms, not within 25% of {expected} ms"
            );
        }
    }
    assert_eq!(
        backoff.wait(1, Some(Duration::from_secs(7))),
        Duration::from_secs(7),
        "the platform's word wins"
    );
}

// An ambiguous answer in this run: never re-sent blindly.

#[test]
fn an_ambiguous_answer_then_found_is_published_once() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(ambiguous())].into();
    platform.lookups = [Ok(Some(remote("7")))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
    let last = fx.records().pop().unwrap();
    assert_eq!(
        (last.event, last.remote_id.as_deref()),
        (Event::Published, Some("7"))
    );
}

#[test]
fn an_ambiguous_answer_not_found_yet_is_left_for_a_later_run() {
    // The request may still be creating it: not resent, not given up.
    for lookup in [Ok(None), Err(transient(0))] {
        let fx = Fixture::new();
        let mut platform = Scripted::new();
        platform.posts = [Err(ambiguous())].into();
        platform.lookups = [lookup].into();
        let outcome = publish(&fx, &mut platform, "m", None, false);
        assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
        assert!(
            outcome
                .error
                .as_deref()
                .unwrap()
                .contains("may have been posted"),
            "{outcome:?}"
        );
        assert_eq!(platform.count("post"), 1);
        assert_eq!(fx.events(), [Event::Attempt], "the attempt stays open");
    }
}

#[test]
fn an_ambiguous_answer_where_nobody_can_tell_is_unknown() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(ambiguous())].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
    assert_eq!(fx.events(), [Event::Attempt, Event::Unknown]);
}

#[test]
fn an_ambiguous_answer_is_resent_where_that_cannot_make_a_copy_or_the_team_says_so() {
    // A platform whose key makes a resend safe (Bluesky's record key)…
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = |_, _| true;
    platform.posts = [Err(ambiguous()), Ok(remote("2"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 2);
    // …and a channel with `on_ambiguous: retry`.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(ambiguous()), Ok(remote("3"))].into();
    let outcome = publish(&fx, &mut platform, "r", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 2);
}

// An attempt a run left open (it died mid-request): settled before
// anything is sent again.

#[test]
fn a_pending_attempt_that_landed_is_recorded_not_resent() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(Some(remote("5")))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(fx.events(), [Event::Published]);
}

#[test]
fn a_pending_attempt_not_found_is_sent_once_its_request_has_surely_ended() {
    // Still inside the request's lifetime: a "not found" is not the last word.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    let pending = attempt("m", chrono::Duration::seconds(30));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty(), "left open");
    // Later, not found: it did not land, so it is sent.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    platform.posts = [Ok(remote("6"))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
}

#[test]
fn a_pending_attempt_not_found_past_its_window_is_missed() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), true);
    assert_eq!(outcome.kind, OutcomeKind::Missed, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(fx.events(), [Event::Missed]);
}

#[test]
fn a_pending_attempt_that_cannot_be_checked_now_is_left_open() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Err(transient(0))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty());
}

#[test]
fn a_pending_attempt_nobody_can_look_up() {
    let minutes = chrono::Duration::minutes;
    // Nothing makes a resend safe: unknown, for a person to settle.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    let outcome = publish(
        &fx,
        &mut platform,
        "m",
        Some(attempt("m", minutes(5))),
        false,
    );
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(fx.events(), [Event::Unknown]);
    // A key the platform honours once the request has ended (Mastodon's):
    // resent then, not while the request may still be running.
    let honoured =
        |age: chrono::Duration, running: bool| !running && age < chrono::Duration::hours(1);
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = honoured;
    let pending = attempt("m", chrono::Duration::seconds(30));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty(), "left for a later run");
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = honoured;
    platform.posts = [Ok(remote("8"))].into();
    let outcome = publish(
        &fx,
        &mut platform,
        "m",
        Some(attempt("m", minutes(5))),
        false,
    );
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
    // Past its window, even a safe resend is not made: unknown.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = honoured;
    let outcome = publish(
        &fx,
        &mut platform,
        "m",
        Some(attempt("m", minutes(5))),
        true,
    );
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    // `on_ambiguous: retry`: resent once the request has surely ended.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    let pending = attempt("r", chrono::Duration::seconds(30));
    let outcome = publish(&fx, &mut platform, "r", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Ok(remote("9"))].into();
    let outcome = publish(
        &fx,
        &mut platform,
        "r",
        Some(attempt("r", minutes(5))),
        false,
    );
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
}

// Retraction: deletes are retried like posts, and a refusal is a failure.

/// `launch` part 0 published on `m` as status 42.
fn published() -> Vec<Record> {
    let mut r = Record::new(now(), "launch", "m", 0, Event::Published);
    r.remote_id = Some("42".to_owned());
    r.url = Some("https://m.example/@lumen/42".to_owned());
    vec![r]
}

fn retract(fx: &Fixture, platform: &mut Scripted) -> DeliveryOutcome {
    ended(
        fx.engine()
            .retract(platform, &fx.delivery("m"), &published()),
    )
}

#[test]
fn a_rate_limited_delete_is_retried_and_the_post_is_gone() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = [Err(transient(0)), Ok(())].into();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Retracted, "{outcome:?}");
    assert_eq!(platform.count("delete"), 2);
    assert_eq!(
        fx.events(),
        [
            Event::RetractAttempt,
            Event::RetractAttempt,
            Event::Retracted
        ]
    );
}

#[test]
fn a_delete_that_stays_rate_limited_is_left_to_the_next_run() {
    // Four requests, then a failure; the publication stays on record, so
    // the next run retracts it again.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = (0..4).map(|_| Err(transient(0))).collect();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert_eq!(platform.count("delete"), 4);
    assert_eq!(fx.events().last(), Some(&Event::Failed));
    // A wait beyond max_wait is not waited for.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = [Err(transient(2))].into();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert_eq!(platform.count("delete"), 1);
}

#[test]
fn a_refused_delete_is_a_failure_that_says_why() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = [Err(AdapterError::permanent("HTTP 403"))].into();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert!(
        outcome.error.as_deref().unwrap().contains("cannot retract"),
        "{outcome:?}"
    );
    let last = fx.records().pop().unwrap();
    assert_eq!(last.event, Event::Failed);
    assert!(last.error.unwrap().contains("HTTP 403"));
}
