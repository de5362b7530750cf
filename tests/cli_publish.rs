//! What publish, status and doctor print, as snapshots (server addresses
//! replaced by [SERVER]).

mod support;

use std::path::Path;

use assert_cmd::Command;
use support::{Behaviour, Fake, mastodon, slack};

fn run(root: &Path, fakes: &[&Fake], args: &[&str]) -> String {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE").env_remove("NO_COLOR");
    for fake in fakes {
        cmd.envs(&fake.env);
    }
    let out = cmd
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for fake in fakes {
        text = text.replace(&fake.base, "[SERVER]");
    }
    text
}

const CALENDAR: &str = "\
posts:
  - id: launch
    at: 2026-12-01 09:50
    status: approved
    channels: [m, s]
    text: Winter Blend is here
    thread: [Tasting notes follow]
  - id: late
    at: 2026-12-01 06:00
    status: approved
    channels: [m]
    text: Too late
  - id: tomorrow
    at: 2026-12-02 09:00
    status: approved
    channels: [m]
    text: Tomorrow
";

#[test]
fn publish_status_and_doctor_output() {
    let m = mastodon::start(Behaviour::Ok);
    let s = slack::start(Behaviour::Invalid);
    let ws = support::workspace(&[("m", "mastodon", &m), ("s", "slack", &s)]);
    std::fs::write(ws.path().join("calendars/c.yaml"), CALENDAR).unwrap();
    let now = ["--now", "2026-12-01T10:00:00+01:00"];
    insta::assert_snapshot!(
        "publish_dry_run",
        run(
            ws.path(),
            &[&m, &s],
            &["publish", "--dry-run", now[0], now[1]]
        )
    );
    insta::assert_snapshot!(
        "publish",
        run(ws.path(), &[&m, &s], &["publish", now[0], now[1]])
    );
    insta::assert_snapshot!(
        "publish_again_is_quiet",
        run(ws.path(), &[&m, &s], &["publish", now[0], now[1]])
    );
    insta::assert_snapshot!(
        "status",
        run(ws.path(), &[&m, &s], &["status", now[0], now[1]])
    );
    insta::assert_snapshot!(
        "status_json",
        run(
            ws.path(),
            &[&m, &s],
            &["status", "--format", "json", now[0], now[1]]
        )
    );
    insta::assert_snapshot!("doctor", run(ws.path(), &[&m, &s], &["doctor"]));
    insta::assert_snapshot!(
        "doctor_without_credentials",
        run(ws.path(), &[], &["doctor", "--offline"])
    );
}
