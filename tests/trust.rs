//! The promises users pick postcal for, each where it was found broken: the
//! crisis switch, a torn or unwritable ledger, ids recorded by hand, a
//! thread resumed, a rescheduled pending attempt, and a status that tells
//! the truth. The real binary against local servers that follow the
//! platforms.

mod support;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use support::{Behaviour, Fake, bluesky, mastodon};

/// 10:00 in Madrid.
const NOW: &str = "2026-12-01T10:00:00+01:00";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn outcomes(&self) -> Vec<(String, String, String)> {
        let json: serde_json::Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", self.stdout, self.stderr));
        json["deliveries"]
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
                    d["outcome"]
                        .as_str()
                        .or(d["state"].as_str())
                        .unwrap()
                        .to_owned(),
                    d["error"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }
}

fn postcal(root: &Path, fakes: &[&Fake], env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE");
    for fake in fakes {
        cmd.envs(&fake.env);
    }
    cmd.envs(env.iter().copied());
    let out = cmd
        .args(["--color", "never", "--workspace"])
        .arg(root)
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

fn ledger_path(root: &Path) -> std::path::PathBuf {
    root.join(".postcal/ledger.jsonl")
}

fn ledger(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(ledger_path(root))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn append_ledger(root: &Path, records: &[serde_json::Value]) {
    std::fs::create_dir_all(root.join(".postcal")).unwrap();
    let mut text = std::fs::read_to_string(ledger_path(root)).unwrap_or_default();
    for r in records {
        text.push_str(&r.to_string());
        text.push('\n');
    }
    std::fs::write(ledger_path(root), text).unwrap();
}

const DUE: &str = "posts:\n  - id: due\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: Hello\n";

fn mastodon_workspace() -> (Fake, tempfile::TempDir) {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    (fake, ws)
}

#[test]
fn the_crisis_switch_takes_the_values_it_says_and_refuses_others() {
    for (value, frozen) in [
        ("yes", true),
        ("On", true),
        ("TRUE", true),
        ("1", true),
        ("no", false),
        ("0", false),
        ("", false),
    ] {
        let (fake, ws) = mastodon_workspace();
        calendar(ws.path(), DUE);
        let run = postcal(
            ws.path(),
            &[&fake],
            &[("POSTCAL_FREEZE", value)],
            &["--now", NOW, "publish"],
        );
        assert_eq!(
            run.code, 0,
            "POSTCAL_FREEZE={value}: {}{}",
            run.stdout, run.stderr
        );
        assert_eq!(
            (fake.posts)().is_empty(),
            frozen,
            "POSTCAL_FREEZE={value}: {}",
            run.stdout
        );
    }
    let (fake, ws) = mastodon_workspace();
    calendar(ws.path(), DUE);
    let run = postcal(
        ws.path(),
        &[&fake],
        &[("POSTCAL_FREEZE", "maybe")],
        &["--now", NOW, "publish"],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("POSTCAL_FREEZE"), "{}", run.stderr);
    assert!(fake.requests().is_empty(), "nothing is sent");
}

#[test]
fn a_ledger_cut_inside_a_character_does_not_stop_publishing() {
    let (fake, ws) = mastodon_workspace();
    calendar(ws.path(), DUE);
    let first = serde_json::json!({"ts": "2026-12-01T08:00:00Z", "post": "old", "channel": "m", "part": 0, "event": "failed", "error": "caf\u{e9} \u{2615}"});
    append_ledger(ws.path(), &[first]);
    let mut bytes = std::fs::read(ledger_path(ws.path())).unwrap();
    let torn = br#"{"ts":"2026-12-01T08:01:00Z","post":"old","channel":"m","part":0,"event":"failed","error":"caf"#;
    bytes.extend_from_slice(torn);
    bytes.extend_from_slice(&"\u{e9} \u{2615}".as_bytes()[..4]); // cut inside ☕
    std::fs::write(ledger_path(ws.path()), bytes).unwrap();
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outcomes()[0].1, "published");
    // The torn tail was cut off before the new records: every line parses.
    assert_eq!(ledger(ws.path()).len(), 3);
}

#[test]
fn a_bad_line_in_the_middle_of_the_ledger_stops_everything_and_names_it() {
    let (fake, ws) = mastodon_workspace();
    calendar(ws.path(), DUE);
    let r = serde_json::json!({"ts": "2026-12-01T08:00:00Z", "post": "old", "channel": "m", "part": 0, "event": "missed"});
    std::fs::create_dir_all(ws.path().join(".postcal")).unwrap();
    std::fs::write(ledger_path(ws.path()), format!("{r}\n<<<<<<< HEAD\n{r}\n")).unwrap();
    let run = postcal(ws.path(), &[&fake], &[], &["--now", NOW, "publish"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("ledger.jsonl:2"), "{}", run.stderr);
    assert!(fake.requests().is_empty());
}

#[test]
fn a_ledger_that_cannot_be_written_stops_new_requests_and_says_why() {
    // A file-size limit the ledger outgrows after its first records (the
    // shell ignores SIGXFSZ, so the write fails with EFBIG as on a full disk).
    let (fake, ws) = mastodon_workspace();
    let mut cal = String::from("defaults:\n  channels: [m]\n  status: approved\nposts:\n");
    for i in 0..6 {
        cal.push_str(&format!(
            "  - id: p{i}\n    at: 2026-12-01 09:5{i}\n    text: Post {i}\n"
        ));
    }
    calendar(ws.path(), &cal);
    let bin = assert_cmd::cargo::cargo_bin("postcal");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 2; exec '{}' --color never --workspace '{}' --now {NOW} publish --format json",
            bin.display(),
            ws.path().display()
        ))
        .envs(&fake.env)
        .env_remove("POSTCAL_FREEZE")
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("cannot write the ledger"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("file too large"),
        "the cause: {}",
        run.stderr
    );
    let outcomes = run.outcomes();
    assert_eq!(
        outcomes.len(),
        6,
        "every delivery is reported: {outcomes:?}"
    );
    let sent = fake.requests_to("/api/v1/statuses").len();
    assert!(sent < 6, "no new request after the failure: {sent} sent");
    let published = outcomes.iter().filter(|o| o.1 == "published").count();
    assert_eq!(
        published,
        (fake.posts)().len().min(published),
        "{outcomes:?}"
    );
    for (d, outcome, error) in &outcomes {
        assert!(
            outcome == "published" || !error.is_empty(),
            "{d}: {outcome} says why: {outcomes:?}"
        );
    }
    // What came after the failure was not tried, and says so: those are
    // not in doubt, the next run simply sends them.
    assert!(
        outcomes
            .iter()
            .any(|(_, outcome, error)| outcome == "skipped" && error.contains("not attempted")),
        "{outcomes:?}"
    );
}

#[test]
fn an_address_marked_by_hand_becomes_the_id_a_retraction_deletes() {
    let (fake, ws) = mastodon_workspace();
    calendar(ws.path(), DUE);
    let base = fake.base.clone();
    // An address postcal cannot read records nothing.
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &[
            "publish",
            "--mark-published",
            "due@m",
            "--url",
            "https://elsewhere.example/@lumen/77",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(ledger(ws.path()).is_empty());
    let url = format!("{base}/@lumen/109876543210");
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["publish", "--mark-published", "due@m", "--url", &url],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let marked = ledger(ws.path()).pop().unwrap();
    assert_eq!(marked["remote_id"], "109876543210");
    assert_eq!(marked["url"], url.as_str());
    // Retracting it deletes that status, by its id.
    calendar(ws.path(), &DUE.replace("approved", "retracted"));
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    let deletes = fake.requests_to("/api/v1/statuses/109876543210");
    assert_eq!(deletes.len(), 1, "{}", run.stdout);
    assert_eq!(deletes[0].method, "DELETE");
}

#[test]
fn a_retraction_never_trusts_an_id_that_is_not_the_platforms() {
    // An older postcal stored the address as the id: a delete of it would
    // answer 404, which must not read as "gone".
    let (fake, ws) = mastodon_workspace();
    calendar(ws.path(), &DUE.replace("approved", "retracted"));
    let url = format!("{}/@lumen/5", fake.base);
    append_ledger(
        ws.path(),
        &[
            serde_json::json!({"ts": "2026-12-01T08:00:00Z", "post": "due", "channel": "m", "part": 0, "event": "published", "remote_id": url, "url": url}),
        ],
    );
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    let outcomes = run.outcomes();
    assert_eq!(outcomes[0].1, "failed", "{outcomes:?}");
    assert!(outcomes[0].2.contains("delete it by hand"), "{outcomes:?}");
    assert!(fake.requests().iter().all(|r| r.method != "DELETE"));
    assert!(ledger(ws.path()).iter().all(|r| r["event"] != "retracted"));
}

#[test]
fn a_thread_marked_by_hand_resumes_after_the_last_part_it_names() {
    let (fake, ws) = mastodon_workspace();
    calendar(
        ws.path(),
        "posts:\n  - id: t\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: One\n    thread: [Two, Three]\n",
    );
    let base = fake.base.clone();
    let (one, two) = (format!("{base}/@lumen/1001"), format!("{base}/@lumen/1002"));
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &[
            "publish",
            "--mark-published",
            "t@m",
            "--url",
            &one,
            "--url",
            &two,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    assert_eq!(run.outcomes()[0].1, "published", "{}", run.stdout);
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1, "only part three went out");
    assert_eq!(posts[0]["content"], "Three");
    assert_eq!(posts[0]["in_reply_to_id"], "1002", "a reply to part two");
}

#[test]
fn a_thread_never_continues_as_a_reply_to_nothing() {
    let (fake, ws) = mastodon_workspace();
    calendar(
        ws.path(),
        "posts:\n  - id: t\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [m]\n    text: One\n    thread: [Two]\n",
    );
    // Part 0 recorded without an id (by hand, by an older postcal).
    append_ledger(
        ws.path(),
        &[
            serde_json::json!({"ts": "2026-12-01T08:00:00Z", "post": "t", "channel": "m", "part": 0, "event": "published"}),
        ],
    );
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    let outcomes = run.outcomes();
    assert_eq!(outcomes[0].1, "failed", "{outcomes:?}");
    assert!(
        outcomes[0].2.contains("cannot continue the thread"),
        "{outcomes:?}"
    );
    assert!((fake.posts)().is_empty());
}

#[test]
fn a_rescheduled_post_with_a_pending_attempt_is_settled_with_the_stored_key() {
    // The run died mid-request under record key K (it landed); then the
    // post was moved an hour later. The next run must ask about K, not a
    // key derived from the new time, and must not post again.
    let fake = bluesky::start(Behaviour::Ok);
    let ws = support::workspace(&[("b", "bluesky", &fake)]);
    let post = |at: &str| {
        format!(
            "posts:\n  - id: p\n    at: {at}\n    status: approved\n    channels: [b]\n    text: Moved\n"
        )
    };
    calendar(ws.path(), &post("2026-12-01 09:50"));
    let at: chrono::DateTime<chrono::Utc> = "2026-12-01T08:50:00Z".parse().unwrap();
    let key = postcal::publish::identity::bluesky_rkey("p", "b", 0, at);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    adapter.post(&support::part("Moved", &key)).unwrap();
    append_ledger(
        ws.path(),
        &[
            serde_json::json!({"ts": "2026-12-01T08:51:00Z", "post": "p", "channel": "b", "part": 0, "event": "attempt", "key": key}),
        ],
    );
    calendar(ws.path(), &post("2026-12-01 10:50"));
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &[
            "--now",
            "2026-12-01T11:00:00+01:00",
            "publish",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        run.outcomes()[0].1,
        "published",
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!((fake.posts)().len(), 1, "posted once");
    let last = ledger(ws.path()).pop().unwrap();
    assert!(
        last["remote_id"].as_str().unwrap().ends_with(&key),
        "{last}"
    );
}

#[test]
fn a_run_without_credentials_never_hides_a_pending_attempt() {
    // A run died mid-request on Slack, which cannot be asked whether the
    // message landed; the next run lacks the channel's credentials. The
    // run after that must still treat the attempt as unknown, not send the
    // message again.
    let fake = support::slack::start(Behaviour::Ok);
    let ws = support::workspace(&[("s", "slack", &fake)]);
    calendar(ws.path(), &DUE.replace("[m]", "[s]"));
    append_ledger(
        ws.path(),
        &[
            serde_json::json!({"ts": "2026-12-01T08:55:00Z", "post": "due", "channel": "s", "part": 0, "event": "attempt", "key": "postcal-0123456789abcdef0123456789abcdef"}),
        ],
    );
    let run = postcal(
        ws.path(),
        &[],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    let outcomes = run.outcomes();
    assert_eq!(outcomes[0].1, "unknown", "{outcomes:?}");
    assert!(fake.requests().is_empty(), "sent again: {outcomes:?}");
}

#[test]
fn status_says_what_happened_to_every_delivery_that_did_not_go_out() {
    let (fake, ws) = mastodon_workspace();
    calendar(
        ws.path(),
        "defaults:\n  channels: [m]\nposts:\n  - id: never-run\n    at: 2026-11-30 09:00\n    status: approved\n    text: Missed before any run\n  - id: waiting\n    at: 2026-12-01 09:30\n    status: review\n    text: Nobody approved it\n  - id: no-token\n    at: 2026-12-01 09:50\n    status: approved\n    text: Credentials missing\n",
    );
    // A publish run without credentials.
    let run = postcal(
        ws.path(),
        &[],
        &[],
        &["--now", NOW, "publish", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    let reported = run.outcomes();
    assert!(
        reported
            .iter()
            .any(|(d, o, e)| d == "waiting@m" && o == "skipped" && e.contains("not approved")),
        "{reported:?}"
    );
    let run = postcal(
        ws.path(),
        &[&fake],
        &[],
        &["--now", NOW, "status", "--format", "json"],
    );
    let states = run.outcomes();
    let state = |d: &str| {
        states
            .iter()
            .find(|s| s.0 == d)
            .cloned()
            .unwrap_or_else(|| panic!("{d} absent: {states:?}"))
    };
    assert_eq!(state("never-run@m").1, "missed");
    assert_eq!(state("waiting@m").1, "unapproved");
    let (_, s, e) = state("no-token@m");
    assert_eq!(s, "failed");
    assert!(e.contains("FAKE_MASTODON_TOKEN"), "{e}");
}

#[test]
fn doctor_offline_checks_the_shape_of_a_webhook() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postcal.yaml"),
        "timezone: UTC\nchannels:\n  d:\n    platform: discord\n    webhook: env:HOOK\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    let run = postcal(
        dir.path(),
        &[],
        &[("HOOK", "notaurl")],
        &["doctor", "--offline"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("not a URL"), "{}", run.stdout);
    assert!(!run.stdout.contains("present"), "{}", run.stdout);
    let run = postcal(
        dir.path(),
        &[],
        &[("HOOK", "http://discord.com/api/webhooks/1/tok")],
        &["doctor", "--offline"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("clear text"), "{}", run.stdout);
}
