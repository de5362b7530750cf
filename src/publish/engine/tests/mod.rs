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
    /// Empty: the platform prepares nothing.
    prepares: VecDeque<Result<Option<String>, AdapterError>>,
    /// What each `prepare` and `post` call was given in `part.prepared`.
    given: Vec<(&'static str, Option<String>)>,
    /// `resend_is_safe(age, may_be_running)`.
    safe: fn(chrono::Duration, bool) -> bool,
    calls: Vec<&'static str>,
    /// Each post request: part, and the ids it replies to and is rooted at.
    sent: Vec<(u32, Option<String>, Option<String>)>,
    redactor: Redactor,
}

impl Scripted {
    fn new() -> Scripted {
        Scripted {
            posts: VecDeque::new(),
            lookups: VecDeque::new(),
            deletes: VecDeque::new(),
            prepares: VecDeque::new(),
            given: Vec::new(),
            safe: |_, _| false,
            calls: Vec::new(),
            sent: Vec::new(),
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
    fn prepare(&mut self, part: &Part<'_>) -> Result<Option<String>, AdapterError> {
        self.given
            .push(("prepare", part.prepared.map(str::to_owned)));
        self.prepares.pop_front().unwrap_or(Ok(None))
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        self.calls.push("post");
        self.given.push(("post", part.prepared.map(str::to_owned)));
        let id = |r: Option<&Remote>| r.map(|r| r.id.clone());
        self.sent
            .push((part.index, id(part.reply_to), id(part.root)));
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

/// A workspace with a post, `launch` at 09:50, on channel `m` (Mastodon)
/// and `r` (Slack, `on_ambiguous: retry`), and a three-part `thread` on `m`.
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
            "posts:\n  - id: launch\n    at: 2026-12-01T09:50:00Z\n    status: approved\n    channels: [m, r]\n    text: Hello\n  - id: thread\n    at: 2026-12-01T09:55:00Z\n    status: approved\n    channels: [m]\n    text: One\n    thread: [Two, Three]\n",
        )
        .unwrap();
        let ws = crate::calendar::load(dir.path(), now()).unwrap();
        Fixture {
            dir,
            ws,
            env: HashMap::new(),
        }
    }

    fn delivery(&self, channel: &str) -> Delivery<'_> {
        self.delivery_of("launch", channel)
    }

    fn delivery_of(&self, post: &str, channel: &str) -> Delivery<'_> {
        let channel = self.ws.config.channels.get(channel).unwrap();
        let post = self.ws.posts.iter().find(|p| p.id.value == post).unwrap();
        delivery::on_channel(post, channel, &self.ws.config).unwrap()
    }

    fn engine(&self) -> Engine<'_> {
        Engine {
            root: self.dir.path(),
            media_base: None,
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
            claims_end: None,
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
        opened: None,
    };
    ended(fx.engine().publish(adapter, &send))
}

/// An attempt of part 0 on `channel` that `ago` before now got no answer.
fn attempt(channel: &str, ago: chrono::Duration) -> Record {
    let mut r = Record::new(now() - ago, "launch", channel, 0, Event::Attempt);
    r.key = Some("postcal-k".to_owned());
    r
}

mod prepare;
mod retract;
mod send;
mod settle;
