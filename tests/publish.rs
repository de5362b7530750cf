//! `postcal publish` end to end: the real binary against local servers that
//! follow the platforms' contracts, with the ledger on disk (SPEC §4).

mod support;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use support::{Behaviour, Fake, mastodon, slack};

/// 10:00 in Madrid.
const NOW: &str = "2026-12-01T10:00:00+01:00";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// `(post@channel, outcome)` pairs of a `--format json` run.
    fn outcomes(&self) -> Vec<(String, String)> {
        self.json()["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    format!(
                        "{}@{}",
                        d["post"].as_str().unwrap(),
                        d["channel"].as_str().unwrap()
                    ),
                    d["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn publish(root: &Path, fakes: &[&Fake], args: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE");
    for fake in fakes {
        cmd.envs(&fake.env);
    }
    let out = cmd
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .arg("publish")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn calendar(root: &Path, body: &str) {
    std::fs::write(root.join("calendars/c.yaml"), body).unwrap();
}

fn ledger(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(root.join(".postcal/ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const MIXED: &str = "\
defaults:
  channels: [m]
posts:
  - id: due
    at: 2026-12-01 09:50
    status: approved
    text: Due ten minutes ago
  - id: thread
    at: 2026-12-01 09:55
    status: approved
    text: A thread, part one
    thread: [Part two, Part three]
  - id: draft
    at: 2026-12-01 09:00
    text: Never goes out
  - id: cancelled
    at: 2026-12-01 09:00
    status: cancelled
    text: Never goes out either
  - id: review
    at: 2026-12-01 09:00
    status: review
    text: Needs approval first
  - id: later
    at: 2026-12-01 18:00
    status: approved
    text: Not yet
  - id: too-late
    at: 2026-12-01 07:00
    status: approved
    text: Three hours late is past catch-up
";

#[test]
fn publishes_due_deliveries_once_in_order_and_reports_missed() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(ws.path(), MIXED);

    let first = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(
        first.code, 1,
        "a newly missed delivery makes the run exit 1\n{}{}",
        first.stdout, first.stderr
    );
    assert_eq!(
        first.outcomes(),
        vec![
            ("too-late@m".into(), "missed".into()),
            // A draft and a review post reach their time unapproved: said once.
            ("draft@m".into(), "skipped".into()),
            ("review@m".into(), "skipped".into()),
            ("due@m".into(), "published".into()),
            ("thread@m".into(), "published".into())
        ]
    );
    assert!(first.stdout.contains("not approved"), "{}", first.stdout);
    let posts = (fake.posts)();
    let texts: Vec<&str> = posts
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Due ten minutes ago",
            "A thread, part one",
            "Part two",
            "Part three"
        ]
    );
    assert_eq!(
        posts[2]["in_reply_to_id"], posts[1]["id"],
        "part two replies to part one"
    );
    assert_eq!(
        posts[3]["in_reply_to_id"], posts[2]["id"],
        "part three replies to part two"
    );

    // Every request was preceded by an attempt record and followed by its outcome.
    let events: Vec<String> = ledger(ws.path())
        .iter()
        .map(|r| {
            format!(
                "{}#{} {}",
                r["post"].as_str().unwrap(),
                r["part"],
                r["event"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            "too-late#0 missed",
            "draft#0 unapproved",
            "review#0 unapproved",
            "due#0 attempt",
            "due#0 published",
            "thread#0 attempt",
            "thread#0 published",
            "thread#1 attempt",
            "thread#1 published",
            "thread#2 attempt",
            "thread#2 published"
        ]
    );

    // A second run at the same time has nothing to do, and says nothing.
    let second = publish(ws.path(), &[&fake], &["--now", NOW]);
    assert_eq!(
        (second.code, second.stdout.as_str()),
        (0, ""),
        "{}",
        second.stderr
    );
    assert_eq!((fake.posts)().len(), 4);
    assert_eq!(
        ledger(ws.path()).len(),
        11,
        "the missed and unapproved records are written once"
    );
}

#[test]
fn one_channel_posts_one_delivery_after_the_other_in_time_order() {
    // SPEC §4 "Order": the earlier post goes out first even when its
    // request is slow; the next one waits for it.
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(
        ws.path(),
        "defaults:\n  channels: [m]\n  status: approved\nposts:\n  - id: second\n    at: 2026-12-01 09:55\n    text: Second\n  - id: first\n    at: 2026-12-01 09:50\n    text: First\n  - id: third\n    at: 2026-12-01 09:58\n    text: Third\n",
    );
    fake.control
        .plan("First", [Behaviour::Slow(Duration::from_millis(400))]);
    let run = publish(ws.path(), &[&fake], &["--now", NOW]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let posts = (fake.posts)();
    let texts: Vec<&str> = posts
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["First", "Second", "Third"]);
}

#[test]
fn dry_run_sends_and_writes_nothing() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(ws.path(), MIXED);
    let run = publish(ws.path(), &[&fake], &["--now", NOW, "--dry-run"]);
    assert!(run.stdout.contains("would-publish"), "{}", run.stdout);
    assert!(
        run.stdout.contains("dry run: 2 would-publish, 1 missed"),
        "{}",
        run.stdout
    );
    assert!(fake.requests().is_empty());
    assert!(
        !ws.path().join(".postcal").exists(),
        "no ledger, no lock file"
    );
}

#[test]
fn review_goes_out_when_approval_is_not_required() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let config = std::fs::read_to_string(ws.path().join("postcal.yaml")).unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        config.replace(
            "  catch_up: 2h\n",
            "  catch_up: 2h\n  require_approval: false\n",
        ),
    )
    .unwrap();
    calendar(ws.path(), MIXED);
    let run = publish(
        ws.path(),
        &[&fake],
        &[
            "--now", NOW, "--format", "json", "--post", "review", "--post", "draft",
        ],
    );
    assert_eq!(
        run.outcomes(),
        vec![
            ("draft@m".into(), "skipped".into()),
            ("review@m".into(), "published".into())
        ]
    );
}

#[test]
fn frozen_workspace_publishes_nothing_and_exits_0() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(ws.path(), MIXED);
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    let out = cmd
        .envs(&fake.env)
        .env("POSTCAL_FREEZE", "1")
        .arg("--workspace")
        .arg(ws.path())
        .args(["publish", "--now", NOW])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("frozen"));
    assert!(fake.requests().is_empty());
    assert!(ledger(ws.path()).is_empty());
}

#[test]
fn a_second_run_while_one_holds_the_lock_exits_75() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(ws.path(), MIXED);
    std::fs::create_dir_all(ws.path().join(".postcal")).unwrap();
    let lock = std::fs::File::create(ws.path().join(".postcal/lock")).unwrap();
    lock.try_lock().unwrap();
    let run = publish(ws.path(), &[&fake], &["--now", NOW]);
    assert_eq!(run.code, 75, "{}", run.stderr);
    assert!(
        run.stderr.contains("another postcal publish is running"),
        "{}",
        run.stderr
    );
    assert!(fake.requests().is_empty());
    // With --wait, it goes ahead once the lock is released.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        drop(lock);
    });
    let run = publish(ws.path(), &[&fake], &["--now", NOW, "--wait", "10s"]);
    releaser.join().unwrap();
    assert_eq!(run.code, 1, "published, and one missed: {}", run.stderr);
    assert_eq!((fake.posts)().len(), 4);
}

#[test]
fn a_500_is_never_sent_again_blindly() {
    // Mastodon answers 500 (it may have created the status). The run does
    // not resend; a run while the first request may still be running does
    // not either; a later one resends with the same key, which the server
    // honours once the first request has ended.
    let fake = mastodon::start(Behaviour::FailOnceThenOk);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(
        ws.path(),
        "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Hello\n",
    );
    let run = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(run.outcomes(), vec![("due@m".into(), "failed".into())]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("may have been posted"),
        "{}",
        run.stdout
    );
    assert_eq!(fake.requests_to("/api/v1/statuses").len(), 1);
    let soon = "2026-12-01T10:01:00+01:00";
    let run = publish(ws.path(), &[&fake], &["--now", soon, "--format", "json"]);
    assert_eq!(run.outcomes(), vec![("due@m".into(), "skipped".into())]);
    assert_eq!(
        fake.requests_to("/api/v1/statuses").len(),
        1,
        "still nothing resent"
    );
    let later = "2026-12-01T10:05:00+01:00";
    let run = publish(ws.path(), &[&fake], &["--now", later, "--format", "json"]);
    assert_eq!(
        run.outcomes(),
        vec![("due@m".into(), "published".into())],
        "{}",
        run.stderr
    );
    let requests = fake.requests_to("/api/v1/statuses");
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].headers.get("idempotency-key"),
        requests[1].headers.get("idempotency-key"),
        "the resend carries the first attempt's key"
    );
    let events: Vec<String> = ledger(ws.path())
        .iter()
        .map(|r| r["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        events,
        ["attempt", "attempt", "published"],
        "an attempt record before each request, the first left open"
    );
}

#[test]
fn a_long_retry_after_is_left_to_the_next_run() {
    let fake = mastodon::start(Behaviour::RateLimited {
        retry_after_secs: 600,
    });
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(
        ws.path(),
        "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Hello\n",
    );
    let run = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.outcomes(), vec![("due@m".into(), "failed".into())]);
    assert!(
        run.stdout.contains("left to the next run"),
        "{}",
        run.stdout
    );
    assert_eq!(
        fake.requests_to("/api/v1/statuses").len(),
        1,
        "no waiting ten minutes inside the run"
    );
    // The next run, once the platform is willing, publishes it.
    (fake.set_behaviour)(Behaviour::Ok);
    let next = publish(
        ws.path(),
        &[&fake],
        &["--now", "2026-12-01T10:05:00+01:00", "--format", "json"],
    );
    assert_eq!(next.outcomes(), vec![("due@m".into(), "published".into())]);
}

#[test]
fn permanent_failures_wait_for_a_change_or_retry() {
    let fake = mastodon::start(Behaviour::Invalid);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let cal = "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Hello\n";
    calendar(ws.path(), cal);
    let run = publish(ws.path(), &[&fake], &["--now", NOW]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("failed") && run.stdout.contains("HTTP 422"),
        "{}",
        run.stdout
    );
    (fake.set_behaviour)(Behaviour::Ok);
    let again = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(
        again.outcomes(),
        vec![("due@m".into(), "skipped".into())],
        "not retried by itself"
    );
    assert_eq!(again.code, 0);
    let retried = publish(
        ws.path(),
        &[&fake],
        &["--now", NOW, "--format", "json", "--retry", "due@m"],
    );
    assert_eq!(
        retried.outcomes(),
        vec![("due@m".into(), "published".into())]
    );

    // An edited post is retried without being asked.
    let fake = mastodon::start(Behaviour::Invalid);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(ws.path(), cal);
    publish(ws.path(), &[&fake], &["--now", NOW]);
    (fake.set_behaviour)(Behaviour::Ok);
    calendar(ws.path(), &cal.replace("Hello", "Hello, fixed"));
    let edited = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(
        edited.outcomes(),
        vec![("due@m".into(), "published".into())]
    );
}

#[test]
fn an_edit_to_the_content_warning_or_the_media_counts_as_an_edit() {
    // A permanently failed post is retried once the user changes what it
    // says; the content warning and the attachments are part of that.
    let cal = "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Hello\n    cw: Spoilers\n    media:\n      - { file: media/a.png, alt: A cup }\n";
    for edited in [
        cal.replace("cw: Spoilers", "cw: Spoilers ahead"),
        cal.replace("alt: A cup", "alt: A cup of coffee"),
        cal.replace("media/a.png", "media/b.png"),
    ] {
        let fake = mastodon::start(Behaviour::Invalid);
        let ws = support::workspace(&[("m", "mastodon", &fake)]);
        std::fs::create_dir(ws.path().join("media")).unwrap();
        for png in ["a.png", "b.png"] {
            std::fs::write(ws.path().join("media").join(png), support::png::png(8, 8)).unwrap();
        }
        calendar(ws.path(), cal);
        let failed = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
        assert_eq!(failed.outcomes(), vec![("due@m".into(), "failed".into())]);
        (fake.set_behaviour)(Behaviour::Ok);
        let again = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
        assert_eq!(
            again.outcomes(),
            vec![("due@m".into(), "skipped".into())],
            "unchanged: not retried by itself"
        );
        calendar(ws.path(), &edited);
        let run = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
        assert_eq!(
            run.outcomes(),
            vec![("due@m".into(), "published".into())],
            "{edited}{}",
            run.stdout
        );
        let posts = (fake.posts)();
        assert!(
            posts[0]["spoiler_text"]
                .as_str()
                .is_some_and(|cw| cw.starts_with("Spoilers")),
            "the content warning goes out with the post: {posts:?}"
        );
        assert_eq!(
            posts[0]["media_attachments"].as_array().map(Vec::len),
            Some(1),
            "{posts:?}"
        );
    }
}

#[test]
fn one_failing_channel_does_not_stop_the_others() {
    let good = mastodon::start(Behaviour::Ok);
    let bad = slack::start(Behaviour::Unauthorized);
    let ws = support::workspace(&[("m", "mastodon", &good), ("s", "slack", &bad)]);
    calendar(
        ws.path(),
        "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m, s]\n    text: Hello\n",
    );
    // At the highest verbosity: secrets stay out of every log.
    let run = publish(
        ws.path(),
        &[&good, &bad],
        &["--now", NOW, "--format", "json", "-vv"],
    );
    assert_eq!(run.code, 1);
    let mut outcomes = run.outcomes();
    outcomes.sort();
    assert_eq!(
        outcomes,
        vec![
            ("due@m".into(), "published".into()),
            ("due@s".into(), "failed".into())
        ]
    );
    for secret in bad.secrets.iter().chain(&good.secrets) {
        assert!(
            !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
            "secret printed: {}{}",
            run.stdout,
            run.stderr
        );
        let ledger_text = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
        assert!(
            !ledger_text.contains(secret.as_str()),
            "secret in the ledger"
        );
    }
}

#[test]
fn missing_credentials_fail_the_channel_without_a_request() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    calendar(
        ws.path(),
        "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Hello\n",
    );
    let run = publish(ws.path(), &[], &["--now", NOW]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("FAKE_MASTODON_TOKEN is not set"),
        "{}",
        run.stdout
    );
    assert!(fake.requests().is_empty());
    // Nothing was attempted; the failure is recorded (transient: the next
    // run tries again) so that `status` shows it with its reason.
    let records = ledger(ws.path());
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["event"], "failed");
    assert_eq!(records[0]["transient"], true);
    assert!(
        records[0]["error"]
            .as_str()
            .unwrap()
            .contains("FAKE_MASTODON_TOKEN is not set"),
        "{records:?}"
    );
}

#[test]
fn posts_that_do_not_validate_are_not_published() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let long = "x".repeat(501);
    calendar(
        ws.path(),
        &format!(
            "posts:\n  - id: ok\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Fine\n  - id: long\n    at: 2026-12-01 09:51\n    status: approved\n    channels: [m]\n    text: {long}\n"
        ),
    );
    std::fs::write(ws.path().join("calendars/broken.yaml"), "posts: [\n").unwrap();
    let run = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.outcomes(),
        vec![
            ("ok@m".into(), "published".into()),
            ("long@m".into(), "failed".into())
        ]
    );
    assert!(run.stdout.contains("does not validate"), "{}", run.stdout);
    assert!(
        run.stderr.contains("calendars/broken.yaml"),
        "a file that does not load is reported: {}",
        run.stderr
    );
}

#[test]
fn retraction_deletes_what_was_published() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let cal = "posts:\n  - id: oops\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Oops\n    thread: [More oops]\n";
    calendar(ws.path(), cal);
    publish(ws.path(), &[&fake], &["--now", NOW]);
    assert_eq!((fake.posts)().len(), 2);
    calendar(ws.path(), &cal.replace("approved", "retracted"));
    let dry = publish(
        ws.path(),
        &[&fake],
        &[
            "--now",
            "2026-12-01T11:00:00+01:00",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        dry.outcomes(),
        vec![("oops@m".into(), "would-retract".into())]
    );
    let run = publish(
        ws.path(),
        &[&fake],
        &["--now", "2026-12-01T11:00:00+01:00", "--format", "json"],
    );
    assert_eq!(run.outcomes(), vec![("oops@m".into(), "retracted".into())]);
    assert!((fake.posts)().is_empty());
    let again = publish(ws.path(), &[&fake], &["--now", "2026-12-01T11:05:00+01:00"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

#[test]
fn a_retraction_deletes_only_its_own_post() {
    // Retracting one post deletes what it published, never another post
    // on the same channel.
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let cal = "defaults:\n  channels: [m]\nposts:\n  - id: oops\n    at: 2026-12-01 09:50\n    status: approved\n    text: Oops\n    thread: [More oops]\n  - id: keep\n    at: 2026-12-01 09:51\n    status: approved\n    text: Keep\n";
    calendar(ws.path(), cal);
    publish(ws.path(), &[&fake], &["--now", NOW]);
    assert_eq!((fake.posts)().len(), 3);
    calendar(
        ws.path(),
        &cal.replacen("status: approved", "status: retracted", 1),
    );
    let run = publish(
        ws.path(),
        &[&fake],
        &["--now", "2026-12-01T11:00:00+01:00", "--format", "json"],
    );
    assert_eq!(run.outcomes(), vec![("oops@m".into(), "retracted".into())]);
    let left = (fake.posts)();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["content"], "Keep");
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        2
    );
}

#[test]
fn slack_cannot_retract_and_says_so() {
    let fake = slack::start(Behaviour::Ok);
    let ws = support::workspace(&[("s", "slack", &fake)]);
    let cal = "posts:\n  - id: oops\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [s]\n    text: Oops\n";
    calendar(ws.path(), cal);
    publish(ws.path(), &[&fake], &["--now", NOW]);
    calendar(ws.path(), &cal.replace("approved", "retracted"));
    let run = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(run.outcomes(), vec![("oops@s".into(), "skipped".into())]);
    assert!(run.stdout.contains("cannot delete"), "{}", run.stdout);
    // Said in plain output too, every run: a person has to delete it by hand.
    let human = publish(ws.path(), &[&fake], &["--now", NOW]);
    assert!(
        human.stdout.contains("skipped") && human.stdout.contains("cannot retract"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_thread_cut_short_resumes_where_it_stopped() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    // The channel allows 1000 characters, the server only 500: part two is
    // refused, and the thread stops after part one.
    let config = std::fs::read_to_string(ws.path().join("postcal.yaml")).unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        config.replace(
            "token: env:FAKE_MASTODON_TOKEN",
            "token: env:FAKE_MASTODON_TOKEN\n    max_chars: 1000",
        ),
    )
    .unwrap();
    let long = "y".repeat(600);
    let cal = format!(
        "posts:\n  - id: t\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: One\n    thread: [\"{long}\", Three]\n"
    );
    calendar(ws.path(), &cal);
    let first = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(first.outcomes(), vec![("t@m".into(), "failed".into())]);
    assert_eq!((fake.posts)().len(), 1);

    calendar(ws.path(), &cal.replace(&long, "Two"));
    let second = publish(ws.path(), &[&fake], &["--now", NOW, "--format", "json"]);
    assert_eq!(
        second.outcomes(),
        vec![("t@m".into(), "published".into())],
        "{}",
        second.stderr
    );
    let posts = (fake.posts)();
    let texts: Vec<&str> = posts
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["One", "Two", "Three"],
        "part one is not posted again"
    );
    assert_eq!(
        posts[1]["in_reply_to_id"], posts[0]["id"],
        "the resumed part replies to part one"
    );
    assert_eq!(posts[2]["in_reply_to_id"], posts[1]["id"]);
}

#[test]
fn an_approved_post_with_an_impossible_time_is_reported_not_dropped() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    // 02:30 does not exist in Madrid on 29 March 2026.
    calendar(
        ws.path(),
        "posts:\n  - id: spring\n    at: 2026-03-29 02:30\n    status: approved\n    channels: [m]\n    text: Clocks change\n",
    );
    let run = publish(
        ws.path(),
        &[&fake],
        &["--now", "2026-03-29T10:00:00+02:00", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.outcomes(), vec![("spring@m".into(), "failed".into())]);
    assert!(run.stdout.contains("is not a valid time"), "{}", run.stdout);
    assert!(fake.requests().is_empty());
}
