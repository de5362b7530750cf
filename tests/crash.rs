//! Crash safety on the real binary (SPEC §4 "Never twice"): kill -9 a
//! `postcal publish` while its request is in flight, run again, and check that
//! nothing was posted twice and nothing lost; run two at once.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Behaviour, Fake, mastodon, slack};

const NOW: &str = "2026-12-01T10:00:00+01:00";
const ONE_POST: &str = "posts:\n  - id: launch\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [ch]\n    text: Launch day\n";

fn command(root: &Path, fake: &Fake, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("postcal"));
    cmd.envs(&fake.env)
        .env_remove("POSTCAL_FREEZE")
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .arg("publish")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(root: &Path, fake: &Fake, args: &[&str]) -> (i32, String) {
    let out = command(root, fake, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Start a publish, wait until the platform has done the work (the post
/// exists) but not answered, and kill the process with SIGKILL.
fn kill_mid_request(root: &Path, fake: &Fake) {
    let mut child: Child = command(root, fake, &["--now", NOW]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while (fake.posts)().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the request never reached the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

fn events(root: &Path) -> Vec<String> {
    std::fs::read_to_string(root.join(".postcal/ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Five minutes after a kill, with the platform answering again: the next
/// run settles the open attempt as published.
fn rerun_finds_it(root: &Path, fake: &Fake) {
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(
        root,
        fake,
        &["--now", "2026-12-01T10:05:00+01:00", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"published\""), "{out}");
}

fn setup(fake: &Fake, platform: &str) -> tempfile::TempDir {
    let ws = support::workspace(&[("ch", platform, fake)]);
    std::fs::write(ws.path().join("calendars/c.yaml"), ONE_POST).unwrap();
    ws
}

#[test]
fn mastodon_killed_mid_request_is_resolved_by_its_idempotency_key() {
    let fake = mastodon::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "mastodon");
    kill_mid_request(ws.path(), &fake);
    assert_eq!(
        events(ws.path()),
        ["attempt"],
        "the attempt was durable before the request"
    );

    // Five minutes later for the instance too (its key lives an hour).
    fake.advance(Duration::from_secs(5 * 60));
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(
        ws.path(),
        &fake,
        &["--now", "2026-12-01T10:05:00+01:00", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"published\""), "{out}");
    assert_eq!(
        (fake.posts)().len(),
        1,
        "the re-send with the same key returned the original status"
    );
    assert_eq!(fake.created(), 1);
    assert_eq!(events(ws.path()), ["attempt", "attempt", "published"]);
    let keys: Vec<String> = fake
        .requests_to("/api/v1/statuses")
        .iter()
        .map(|r| r.headers["idempotency-key"].clone())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
}

#[test]
fn mastodon_attempt_older_than_an_hour_is_unknown_not_resent() {
    let fake = mastodon::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "mastodon");
    // A catch-up long enough that the delivery is still due 90 minutes later.
    let config = std::fs::read_to_string(ws.path().join("postcal.yaml")).unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        config.replace("catch_up: 2h", "catch_up: 6h"),
    )
    .unwrap();
    kill_mid_request(ws.path(), &fake);
    // 90 minutes later for the instance too: the key has expired, so a
    // re-send would post again.
    fake.advance(Duration::from_secs(90 * 60));
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T11:30:00+01:00"]);
    assert_eq!(code, 1, "an unknown outcome needs a human: {out}");
    assert!(
        out.contains("unknown") && out.contains("--retry-unknown launch@ch"),
        "{out}"
    );
    assert_eq!(
        fake.requests_to("/api/v1/statuses").len(),
        1,
        "nothing re-sent once the key may have expired"
    );
    assert_eq!((fake.posts)().len(), 1);

    // The human checks the channel, sees the post, and records its address;
    // postcal keeps the status id it reads from it.
    let posted = (fake.posts)()[0].clone();
    let url = posted["url"].as_str().unwrap().to_owned();
    let (code, out) = run(
        ws.path(),
        &fake,
        &["--mark-published", "launch@ch", "--url", &url],
    );
    assert_eq!(code, 0, "{out}");
    let ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    let marked: serde_json::Value = serde_json::from_str(ledger.lines().last().unwrap()).unwrap();
    assert_eq!(marked["remote_id"], posted["id"], "{marked}");
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T11:35:00+01:00"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!((fake.posts)().len(), 1);
}

#[test]
fn mastodon_rerun_while_the_first_request_still_runs_does_not_post_twice() {
    // The instance is still inside the killed run's request and has not
    // created the status yet: the key is stored only once it exists
    // (PLATFORMS.md §1), so a re-send with the key now makes a second status
    // when the first request finishes.
    let fake = mastodon::start(Behaviour::Slow(Duration::from_secs(10 * 60)));
    let ws = setup(&fake, "mastodon");
    let mut child = command(ws.path(), &fake, &["--now", NOW]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.create_requests() == 0 {
        assert!(
            Instant::now() < deadline,
            "the request never reached the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    fake.advance(Duration::from_secs(10));
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T10:00:10+01:00"]);
    assert!(code == 0 || code == 1, "{out}");
    // Ten minutes later, the killed run's request has finished.
    fake.advance(Duration::from_secs(10 * 60));
    assert_eq!(
        fake.created(),
        1,
        "re-sent 10 s after an attempt whose request was still running: {out}"
    );
}

#[test]
fn slack_killed_mid_request_is_unknown_and_never_resent_by_itself() {
    let fake = slack::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "slack");
    kill_mid_request(ws.path(), &fake);
    (fake.set_behaviour)(Behaviour::Ok);
    for minute in ["10:01", "10:02"] {
        let (code, out) = run(
            ws.path(),
            &fake,
            &["--now", &format!("2026-12-01T{minute}:00+01:00")],
        );
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("unknown"), "{out}");
    }
    assert_eq!(
        (fake.posts)().len(),
        1,
        "Slack has no idempotency: never re-sent without a human"
    );
    assert_eq!(events(ws.path()), ["attempt", "unknown"]);

    // The human looked and it is not there (say): --retry-unknown sends it.
    let (code, out) = run(
        ws.path(),
        &fake,
        &[
            "--now",
            "2026-12-01T10:03:00+01:00",
            "--retry-unknown",
            "launch@ch",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        (fake.posts)().len(),
        2,
        "sent again because the user said so"
    );
}

#[test]
fn two_publishes_at_once_never_post_twice() {
    let fake = mastodon::start(Behaviour::Slow(Duration::from_millis(300)));
    let ws = support::workspace(&[("ch", "mastodon", &fake)]);
    let posts: String = (0..6)
        .map(|i| format!("  - id: p{i}\n    at: 2026-12-01 09:5{i}\n    status: approved\n    channels: [ch]\n    text: Post {i}\n"))
        .collect();
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        format!("posts:\n{posts}"),
    )
    .unwrap();
    let children: Vec<Child> = (0..2)
        .map(|_| {
            command(ws.path(), &fake, &["--now", NOW, "--wait", "30s"])
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut texts: Vec<String> = (fake.posts)()
        .iter()
        .map(|p| p["content"].as_str().unwrap().to_owned())
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        (0..6).map(|i| format!("Post {i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        fake.requests_to("/api/v1/statuses").len(),
        6,
        "the second run waited, then found nothing due"
    );
}

#[test]
fn bluesky_killed_mid_request_is_resolved_by_its_record_key() {
    let fake = support::bluesky::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "bluesky");
    kill_mid_request(ws.path(), &fake);
    assert_eq!(events(ws.path()), ["attempt"]);
    rerun_finds_it(ws.path(), &fake);
    assert_eq!(
        (fake.posts)().len(),
        1,
        "found by its record key, not posted again"
    );
    assert_eq!(events(ws.path()), ["attempt", "published"]);
    assert!(
        fake.requests_to("com.atproto.repo.createRecord").len() == 1,
        "no second create"
    );
}

#[test]
fn x_killed_mid_request_is_found_on_the_timeline_not_posted_again() {
    let fake = support::x::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    // The look-up asks for posts since the attempt, on the run's clock: the
    // fake's must not be behind it.
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
    if let Ok(behind) = (now - fake.control.now()).to_std() {
        fake.advance(behind);
    }
    let ws = setup(&fake, "x");
    kill_mid_request(ws.path(), &fake);
    assert_eq!(events(ws.path()), ["attempt"]);
    rerun_finds_it(ws.path(), &fake);
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1, "found on the timeline, not posted again");
    assert_eq!(fake.create_requests(), 1, "no second create");
    assert_eq!(events(ws.path()), ["attempt", "published"]);
    let ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    assert!(
        ledger.contains(posts[0]["id"].as_str().unwrap()),
        "{ledger}"
    );
    assert!(!fake.requests_to("/2/users/").is_empty(), "looked up");
}
