//! People (SPEC §6): who owns a post, who approved it, and who may. With
//! `approval.approvers`, `status: approved` needs an `approved_by` that may
//! approve for each channel, or the delivery is held and validate fails.

mod support;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use support::{Behaviour, Fake, mastodon};

fn run(root: &Path, fake: &Fake, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE")
        .envs(&fake.env)
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

const POSTS: &str = "\
defaults:
  status: approved
posts:
  - id: nobody
    at: 2026-12-01 10:00
    channels: [m]
    text: Approved by nobody
  - id: stranger
    at: 2026-12-01 10:05
    approved_by: bob
    channels: [m]
    text: Approved by bob
  - id: narrow
    at: 2026-12-01 10:10
    approved_by: luis
    channels: [m, n]
    owner: ana
    tags: [launch]
    text: Luis may approve for m, not n
  - id: fine
    at: 2026-12-01 10:15
    approved_by: ana
    owner: ana
    channels: [m, n]
    text: Ana may approve anywhere
";

fn workspace(m: &Fake, n: &Fake, approval: &str) -> tempfile::TempDir {
    let ws = support::workspace(&[("m", "mastodon", m), ("n", "mastodon", n)]);
    let config = ws.path().join("postcal.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap();
    yaml.push_str(approval);
    std::fs::write(&config, yaml).unwrap();
    std::fs::write(ws.path().join("calendars/c.yaml"), POSTS).unwrap();
    ws
}

#[test]
fn an_approval_needs_an_approver_of_each_channel_or_the_delivery_is_held() {
    let (m, n) = (
        mastodon::start(Behaviour::Ok),
        mastodon::start(Behaviour::Ok),
    );
    let ws = workspace(
        &m,
        &n,
        "approval:\n  approvers: [ana, luis]\n  channels:\n    n: [ana]\n",
    );
    let (code, out) = run(
        ws.path(),
        &m,
        &["validate", "--now", "2026-12-01T08:00:00Z"],
    );
    assert_eq!(code, 1, "{out}");
    for expected in [
        "error[approver]: `nobody` is approved but does not say who approved it",
        "= help: add `approved_by: NAME` (approvers: ana, luis)",
        "error[approver]: `stranger` is approved by bob, who may not approve posts for m",
        "error[approver]: `narrow` is approved by luis, who may not approve posts for n",
        "= help: have ana approve it, or add luis to `approval` in postcal.yaml",
    ] {
        assert!(out.contains(expected), "missing {expected:?}:\n{out}");
    }
    assert!(!out.contains("`fine`"), "{out}");
    assert!(
        !out.contains("may not approve posts for m\n --> calendars/c.yaml:14"),
        "{out}"
    );

    // Publishing holds exactly what validate refuses.
    let mut env = m.env.clone();
    env.extend(n.env.clone());
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .envs(&env)
        .args(["--color", "never", "--workspace"])
        .arg(ws.path())
        .args([
            "publish",
            "--now",
            "2026-12-01T10:20:00+01:00",
            "--format",
            "json",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut outcomes: Vec<String> = v["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            // Held back: not sent, and the reason names the approval.
            let why = d["error"].as_str().unwrap_or("");
            let held = why.contains("does not validate") && why.contains("approve");
            format!(
                "{}@{} {}",
                d["post"].as_str().unwrap(),
                d["channel"].as_str().unwrap(),
                if held {
                    "held"
                } else {
                    d["outcome"].as_str().unwrap()
                }
            )
        })
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            "fine@m published",
            "fine@n published",
            "narrow@m published",
            "narrow@n held",
            "nobody@m held",
            "stranger@m held",
        ],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!((n.posts)().len(), 1, "only `fine` went to n");
}

#[test]
fn without_approvers_anyone_may_approve_and_a_wrong_channel_in_approval_is_an_error() {
    let (m, n) = (
        mastodon::start(Behaviour::Ok),
        mastodon::start(Behaviour::Ok),
    );
    let ws = workspace(&m, &n, "");
    let (code, out) = run(
        ws.path(),
        &m,
        &["validate", "--now", "2026-12-01T08:00:00Z"],
    );
    assert_eq!(code, 0, "{out}");
    let ws = workspace(
        &m,
        &n,
        "approval:\n  approvers: [ana]\n  channels:\n    mastodn: [ana]\n",
    );
    let (code, out) = run(
        ws.path(),
        &m,
        &["validate", "--now", "2026-12-01T08:00:00Z"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("`approval.channels` names `mastodn`, which is not a channel"),
        "{out}"
    );
}

#[test]
fn status_shows_and_narrows_by_owner_and_tag() {
    let (m, n) = (
        mastodon::start(Behaviour::Ok),
        mastodon::start(Behaviour::Ok),
    );
    let ws = workspace(&m, &n, "");
    let status = |args: &[&str]| {
        let mut all = vec![
            "status",
            "--now",
            "2026-12-01T08:00:00Z",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let (_, out) = run(ws.path(), &m, &all);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        v["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}@{} {}",
                    d["post"].as_str().unwrap(),
                    d["channel"].as_str().unwrap(),
                    d["owner"].as_str().unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        status(&["--owner", "ana"]),
        ["narrow@m ana", "narrow@n ana", "fine@m ana", "fine@n ana"]
    );
    assert_eq!(
        status(&["--tag", "launch"]),
        ["narrow@m ana", "narrow@n ana"]
    );
    assert_eq!(status(&["--owner", "nobody-at-all"]), Vec::<String>::new());
    assert_eq!(status(&[]).len(), 6);
}

#[test]
fn todo_lists_what_needs_someone_soonest_first() {
    use support::slack;
    let ok = mastodon::start(Behaviour::Ok);
    let refusing = mastodon::start(Behaviour::Invalid);
    let unclear = slack::start(Behaviour::CommitThenFail(502));
    let ws = support::workspace(&[
        ("m", "mastodon", &ok),
        ("bad", "mastodon", &refusing),
        ("s", "slack", &unclear),
    ]);
    let config = ws.path().join("postcal.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap();
    yaml.push_str("  li:\n    platform: linkedin\n    token: env:LI_TOKEN\n    author: urn:li:person:abc123\n    expires_at: 2026-12-06\napproval:\n  approvers: [ana, luis]\n");
    std::fs::write(&config, yaml).unwrap();
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "\
posts:
  - id: refused
    at: 2026-12-01 09:00
    status: approved
    approved_by: ana
    owner: luis
    channels: [bad]
    text: The platform refuses this
  - id: unclear
    at: 2026-12-01 09:10
    status: approved
    approved_by: ana
    owner: ana
    channels: [s]
    text: Nobody knows
  - id: forgotten
    at: 2026-12-01 09:20
    status: review
    owner: ana
    channels: [m]
    text: Reached its time in review
  - id: draft-soon
    at: 2026-12-03 09:00
    owner: ana
    channels: [m]
    text: Still a draft
  - id: review-soon
    at: 2026-12-02 12:00
    status: review
    owner: luis
    channels: [m]
    text: Waiting for review
  - id: held-soon
    at: 2026-12-02 09:00
    status: approved
    owner: ana
    channels: [m]
    text: Approved by nobody
  - id: later
    at: 2026-12-30 09:00
    owner: ana
    channels: [m]
    text: A draft, but not due soon
",
    )
    .unwrap();
    let mut env = ok.env.clone();
    env.extend(refusing.env.clone());
    env.extend(unclear.env.clone());
    let run_with = |args: &[&str]| {
        let out = Command::cargo_bin("postcal")
            .unwrap()
            .envs(&env)
            .env_remove("POSTCAL_FREEZE")
            .args(["--color", "never", "--workspace"])
            .arg(ws.path())
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run_with(&["publish", "--now", "2026-12-01T09:30:00+01:00"]);
    let table = run_with(&["todo", "--now", "2026-12-01T10:00:00+01:00"]);
    insta::assert_snapshot!("todo_table", table);
    let digest = run_with(&[
        "todo",
        "--now",
        "2026-12-01T10:00:00+01:00",
        "--owner",
        "ana",
        "--format",
        "markdown",
    ]);
    insta::assert_snapshot!("todo_markdown_for_ana", digest);
    let json: serde_json::Value = serde_json::from_str(&run_with(&[
        "todo",
        "--now",
        "2026-12-01T10:00:00+01:00",
        "--format",
        "json",
    ]))
    .unwrap();
    let kinds: Vec<String> = json["todo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["kind"].as_str().unwrap(),
                i["post"].as_str().or(i["channel"].as_str()).unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "failed refused",
            "unknown unclear",
            "unapproved forgotten",
            "invalid held-soon",
            "review review-soon",
            "draft draft-soon",
            "credentials li",
        ]
    );
}

#[test]
fn a_dry_run_says_when_a_real_run_could_not_start_the_channel() {
    let (m, n) = (
        mastodon::start(Behaviour::Ok),
        mastodon::start(Behaviour::Ok),
    );
    let ws = workspace(&m, &n, "");
    // `m`'s token is set, `n`'s names a variable that is not.
    let config = ws.path().join("postcal.yaml");
    let yaml = std::fs::read_to_string(&config).unwrap();
    let at = yaml.find("  n:").unwrap();
    let (head, tail) = yaml.split_at(at);
    let tail = tail.replacen("env:FAKE_MASTODON_TOKEN", "env:N_TOKEN_NOT_SET", 1);
    std::fs::write(&config, format!("{head}{tail}")).unwrap();
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .envs(&m.env)
        .env_remove("POSTCAL_FREEZE")
        .args(["--color", "never", "--workspace"])
        .arg(ws.path())
        .args(["publish", "--dry-run", "--now", "2026-12-01T10:20:00+01:00"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let fine_n = text
        .lines()
        .find(|l| l.contains("fine@n"))
        .unwrap_or_default();
    assert!(fine_n.starts_with("would-publish"), "{text}");
    assert!(fine_n.contains("but a real run cannot start n:"), "{text}");
    assert!(fine_n.contains("is not set"), "{text}");
    let fine_m = text
        .lines()
        .find(|l| l.contains("fine@m"))
        .unwrap_or_default();
    assert!(!fine_m.contains("cannot start"), "{text}");
    assert_eq!(
        (m.posts)().len() + (n.posts)().len(),
        0,
        "a dry run sends nothing"
    );
}
