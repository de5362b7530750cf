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

/// Start a publish, wait until its request has reached the platform (which
/// has not done the work yet), and kill the process with SIGKILL.
fn kill_once_requested(root: &Path, fake: &Fake) {
    let mut child: Child = command(root, fake, &["--now", NOW]).spawn().unwrap();
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
    kill_once_requested(ws.path(), &fake);
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
    rerun_finds_it(ws.path(), &fake, "found by its record key");
    assert!(
        fake.requests_to("com.atproto.repo.createRecord").len() == 1,
        "no second create"
    );
}

/// After a kill that left only an `attempt`: the next run finds the post
/// the killed run made (`how`) and records it, sending nothing again.
fn rerun_finds_it(root: &Path, fake: &Fake, how: &str) {
    assert_eq!(events(root), ["attempt"]);
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(
        root,
        fake,
        &["--now", "2026-12-01T10:05:00+01:00", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"published\""), "{out}");
    assert_eq!((fake.posts)().len(), 1, "{how}, not posted again");
    assert_eq!(fake.create_requests(), 1, "no second create");
    assert_eq!(events(root), ["attempt", "published"]);
}

/// A LinkedIn channel's `postcal.yaml` with `from` replaced by `to`.
fn edit_config(root: &Path, from: &str, to: &str) {
    let path = root.join("postcal.yaml");
    let config = std::fs::read_to_string(&path).unwrap();
    assert!(config.contains(from), "{config}");
    std::fs::write(path, config.replace(from, to)).unwrap();
}

fn ledger_lines(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(root.join(".postcal/ledger.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn linkedin_organization_killed_mid_request_is_found_among_its_posts() {
    use support::linkedin::{ORG, PERSON};
    let fake = support::linkedin::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "linkedin");
    edit_config(ws.path(), PERSON, ORG);
    kill_mid_request(ws.path(), &fake);
    rerun_finds_it(ws.path(), &fake, "found among the page's posts");
    let published = ledger_lines(ws.path()).pop().unwrap();
    assert_eq!(published["remote_id"], (fake.posts)()[0]["id"]);
}

#[test]
fn linkedin_member_killed_mid_request_is_settled_by_the_duplicate_refusal() {
    // A member token cannot list its posts; the channel prefers a resend,
    // and LinkedIn refuses it as a duplicate of the post the killed run made.
    let fake = support::linkedin::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "linkedin");
    edit_config(
        ws.path(),
        "token: env:FAKE_LINKEDIN_TOKEN",
        "token: env:FAKE_LINKEDIN_TOKEN\n    on_ambiguous: retry",
    );
    kill_mid_request(ws.path(), &fake);
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T10:05:00+01:00"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!((fake.posts)().len(), 1, "{out}");
    assert_eq!(fake.created(), 1, "the resend made nothing");
    assert_eq!(fake.create_requests(), 2);
    assert_eq!(events(ws.path()), ["attempt", "attempt", "published"]);
    let published = ledger_lines(ws.path()).pop().unwrap();
    assert_eq!(published["remote_id"], (fake.posts)()[0]["id"]);
}

#[test]
fn linkedin_member_killed_mid_request_waits_for_a_human_who_can_record_it() {
    let fake = support::linkedin::start(Behaviour::CommitThenHang(Duration::from_secs(60)));
    let ws = setup(&fake, "linkedin");
    kill_mid_request(ws.path(), &fake);
    (fake.set_behaviour)(Behaviour::Ok);
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T10:05:00+01:00"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--retry-unknown launch@ch"), "{out}");
    assert_eq!(fake.create_requests(), 1, "never re-sent by itself");

    // Told to retry, postcal sends again; LinkedIn names the post it has,
    // and postcal says how to record it rather than guessing.
    let (code, out) = run(
        ws.path(),
        &fake,
        &[
            "--now",
            "2026-12-01T10:06:00+01:00",
            "--retry-unknown",
            "launch@ch",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let urn = (fake.posts)()[0]["id"].as_str().unwrap().to_owned();
    assert!(
        out.contains(&urn) && out.contains("--mark-published launch@ch"),
        "{out}"
    );
    assert_eq!(fake.created(), 1);

    let url = format!("https://www.linkedin.com/feed/update/{urn}/");
    let (code, out) = run(
        ws.path(),
        &fake,
        &["--mark-published", "launch@ch", "--url", &url],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        ledger_lines(ws.path()).pop().unwrap()["remote_id"],
        urn.as_str()
    );
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T10:07:00+01:00"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!((fake.posts)().len(), 1);
}

/// The Page's clock at `at` (RFC 3339), so its posts' times match the run's.
fn page_clock(graph: &support::facebook::Graph, at: &str) {
    graph.set_clock(chrono::DateTime::parse_from_rfc3339(at).unwrap().into());
}

#[test]
fn facebook_killed_mid_request_is_found_on_the_page_and_not_sent_again() {
    let (fake, graph) =
        support::facebook::start_with(Behaviour::CommitThenHang(Duration::from_secs(60)));
    page_clock(&graph, NOW);
    let ws = setup(&fake, "facebook");
    kill_mid_request(ws.path(), &fake);
    assert_eq!(events(ws.path()), ["attempt"]);
    (fake.set_behaviour)(Behaviour::Ok);
    let later = "2026-12-01T10:05:00+01:00";
    page_clock(&graph, later);
    let (code, out) = run(ws.path(), &fake, &["--now", later, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"published\""), "{out}");
    assert_eq!(
        (fake.posts)().len(),
        1,
        "found in the feed, not posted again"
    );
    assert_eq!(fake.create_requests(), 1);
    assert_eq!(events(ws.path()), ["attempt", "published"]);
}

#[test]
fn facebook_rerun_while_the_first_request_still_runs_waits_for_it() {
    // The Page has not made the post yet when the run dies; its request
    // goes on. A run 10 s later must not send a second one.
    let (fake, graph) =
        support::facebook::start_with(Behaviour::Slow(Duration::from_secs(10 * 60)));
    page_clock(&graph, NOW);
    let ws = setup(&fake, "facebook");
    kill_once_requested(ws.path(), &fake);
    (fake.set_behaviour)(Behaviour::Ok);
    fake.advance(Duration::from_secs(10));
    let (code, out) = run(ws.path(), &fake, &["--now", "2026-12-01T10:00:10+01:00"]);
    assert!(code == 0 || code == 1, "{out}");
    assert_eq!(
        fake.create_requests(),
        1,
        "sent again while it may still run: {out}"
    );
    // Ten minutes on, the first request has made the post; the next run
    // finds it.
    fake.advance(Duration::from_secs(10 * 60));
    let (code, out) = run(
        ws.path(),
        &fake,
        &["--now", "2026-12-01T10:10:30+01:00", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"published\""), "{out}");
    assert_eq!((fake.create_requests(), fake.created()), (1, 1));
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
    rerun_finds_it(ws.path(), &fake, "found on the timeline");
    let posts = (fake.posts)();
    let ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    assert!(
        ledger.contains(posts[0]["id"].as_str().unwrap()),
        "{ledger}"
    );
    assert!(!fake.requests_to("/2/users/").is_empty(), "looked up");
}
