//! A thread whose run was killed, settled by a later run after its
//! catch-up window closed: the parts that never went out must be reported
//! (unknown, failed or missed), not folded into `published`. Found by the
//! soak (tests/soak.rs: SOAK_SEED=31 `d29-04@b`, the first test's path on
//! part 1 of 3; SOAK_SEED=11 `d15-09@b` and `d15-09@w`, one each). The real
//! binary against local fakes.
//!
//! Both failed before the fix (the rest of the thread was never posted and
//! status said `published`); now the run records the thread as cut short,
//! and status says `missed`, with why.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Behaviour, Fake};

/// A two-part thread at 10:00 UTC with a 3-minute catch-up.
const THREAD: &str = "posts:\n  - id: launch\n    at: 2027-01-05T10:00:00Z\n    status: approved\n    catch_up: 3m\n    channels: [ch]\n    text: Launch day\n    thread: [\"Doors open at nine\"]\n";
const FIRST_RUN: &str = "2027-01-05T10:00:00Z";
/// The next cron tick, past the window.
const NEXT_RUN: &str = "2027-01-05T10:05:00Z";

fn postcal(root: &Path, fake: &Fake, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postcal"));
    cmd.envs(&fake.env)
        .env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(root: &Path, fake: &Fake, args: &[&str]) -> String {
    let out = postcal(root, fake, args).output().unwrap();
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `status --format json`'s state for launch@ch.
fn state(root: &Path, fake: &Fake) -> String {
    let out = postcal(
        root,
        fake,
        &["status", "--format", "json", "--now", NEXT_RUN],
    )
    .output()
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["post"] == "launch")
        .map_or("(not listed)".to_owned(), |d| {
            d["state"].as_str().unwrap().to_owned()
        })
}

fn ledger(root: &Path) -> String {
    std::fs::read_to_string(root.join(".postcal/ledger.jsonl")).unwrap_or_default()
}

fn setup(fake: &Fake, platform: &str) -> tempfile::TempDir {
    let ws = support::workspace(&[("ch", platform, fake)]);
    std::fs::write(ws.path().join("calendars/c.yaml"), THREAD).unwrap();
    ws
}

#[test]
fn bluesky_thread_killed_mid_request_and_settled_late_reports_the_rest() {
    let fake = support::bluesky::start(Behaviour::Ok);
    let ws = setup(&fake, "bluesky");
    // 10:00: part 0 is made, and the run is killed before the answer.
    fake.control.plan(
        "Launch day",
        [Behaviour::CommitThenHang(Duration::from_secs(600))],
    );
    let mut child = postcal(ws.path(), &fake, &["publish", "--now", FIRST_RUN])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.created_for("Launch day") == 0 {
        assert!(Instant::now() < deadline, "part 0 never reached the server");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // 10:05, past the 3-minute window: getRecord finds part 0.
    fake.advance(Duration::from_secs(5 * 60));
    let next = run(ws.path(), &fake, &["publish", "--now", NEXT_RUN]);
    let state = state(ws.path(), &fake);
    assert!(
        fake.created_for("Doors open at nine") == 1 || state != "published",
        "part 1 was never posted, yet status says `{state}`\nnext run: {next}\nledger:\n{}",
        ledger(ws.path())
    );
}

#[test]
fn thread_cut_between_two_records_and_found_late_is_not_published() {
    let fake = support::slack::start(Behaviour::Ok);
    let ws = setup(&fake, "slack");
    // 10:00: part 0 goes out; part 1's request is refused (nothing made).
    fake.control.plan(
        "Doors open at nine",
        [Behaviour::RateLimited {
            retry_after_secs: 600,
        }],
    );
    let first = run(ws.path(), &fake, &["publish", "--now", FIRST_RUN]);
    // What a SIGKILL between part 0's `published` record and part 1's
    // `attempt` leaves: drop part 1's records (attempt, failed).
    let text = ledger(ws.path());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{first}\n{text}");
    assert!(lines[1].contains("\"published\"") && lines[2].contains("\"part\":1"));
    std::fs::write(
        ws.path().join(".postcal/ledger.jsonl"),
        format!("{}\n{}\n", lines[0], lines[1]),
    )
    .unwrap();
    // 10:05, past the window.
    let next = run(ws.path(), &fake, &["publish", "--now", NEXT_RUN]);
    let state = state(ws.path(), &fake);
    assert!(
        fake.created_for("Doors open at nine") == 1 || state != "published",
        "part 1 was never posted, yet status says `{state}`\nnext run: {next}\nledger:\n{}",
        ledger(ws.path())
    );
}
