//! What a run may touch: a finding holds back exactly what it is about (an
//! error in a file's `defaults:` holds back every post of that file, each
//! reported), and `--channel` never touches another channel's deliveries.

mod support;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use support::{Behaviour, Fake, mastodon};

/// 10:00 in Madrid.
const NOW: &str = "2026-12-01T10:00:00+01:00";

fn publish(root: &Path, fakes: &[&Fake], args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE");
    for fake in fakes {
        cmd.envs(&fake.env);
    }
    let out = cmd
        .args(["--color", "never", "--now", NOW, "--workspace"])
        .arg(root)
        .args(["publish", "--format", "json"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `(post@channel, outcome, error)` of every reported delivery.
fn outcomes(json: &serde_json::Value) -> Vec<(String, String, String)> {
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
                d["outcome"].as_str().unwrap().to_owned(),
                d["error"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn ledger(root: &Path) -> String {
    std::fs::read_to_string(root.join(".postcal/ledger.jsonl")).unwrap_or_default()
}

/// Two due posts that inherit `defaults:`, and a good file beside them.
fn two_files(root: &Path, defaults: &str) {
    std::fs::write(
        root.join("calendars/a-broken.yaml"),
        format!(
            "defaults:\n{defaults}\nposts:\n  - id: first\n    at: 2026-12-01 09:50\n    status: approved\n    text: One\n  - id: second\n    at: 2026-12-01 09:55\n    status: approved\n    text: Two\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("calendars/b-fine.yaml"),
        "defaults:\n  channels: [m]\nposts:\n  - id: fine\n    at: 2026-12-01 09:50\n    status: approved\n    text: Fine\n",
    )
    .unwrap();
}

fn assert_file_held_back(defaults: &str, what: &str) {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    two_files(ws.path(), defaults);
    let (code, json, stderr) = publish(ws.path(), &[&fake], &[]);
    let got = outcomes(&json);
    assert_eq!(code, 1, "{got:?}\n{stderr}");
    for post in ["first", "second"] {
        let (_, outcome, error) = got
            .iter()
            .find(|(d, _, _)| d.starts_with(&format!("{post}@")))
            .unwrap_or_else(|| panic!("{post} is not reported: {got:?}"));
        assert_eq!(outcome, "failed", "{got:?}");
        assert!(
            error.contains("a-broken.yaml:") && error.contains(what),
            "{post}: {error}"
        );
    }
    assert!(
        got.contains(&("fine@m".into(), "published".into(), String::new())),
        "{got:?}"
    );
    let posted: Vec<String> = (fake.posts)()
        .iter()
        .map(|p| p["content"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        posted.len(),
        1,
        "only the good file's post goes out: {posted:?}"
    );
}

#[test]
fn a_bad_language_in_defaults_holds_back_every_post_of_the_file() {
    assert_file_held_back("  channels: [m]\n  language: Spanish", "ISO 639-1");
}

#[test]
fn an_unknown_channel_in_defaults_holds_back_every_post_of_the_file() {
    assert_file_held_back("  channels: [m, mastdon]", "unknown channel `mastdon`");
}

#[test]
fn defaults_written_after_posts_still_hold_back_the_whole_file() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "posts:\n  - id: first\n    at: 2026-12-01 09:50\n    status: approved\n    text: One\n  - id: last\n    at: 2026-12-01 09:55\n    status: approved\n    text: Two\ndefaults:\n  channels: [m]\n  catch_up: soon\n",
    )
    .unwrap();
    let (code, json, _) = publish(ws.path(), &[&fake], &[]);
    let got = outcomes(&json);
    assert_eq!(code, 1, "{got:?}");
    assert!(
        got.iter()
            .all(|(_, o, e)| o == "failed" && e.contains("not a duration")),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");
    assert!((fake.posts)().is_empty());
}

#[test]
fn an_error_on_one_delivery_holds_back_only_that_delivery() {
    let short = mastodon::start(Behaviour::Ok);
    let long = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("short", "mastodon", &short), ("long", "mastodon", &long)]);
    let config = std::fs::read_to_string(ws.path().join("postcal.yaml")).unwrap();
    // `short` allows 20 characters: the post is too long there only.
    let config = config.replacen(
        "platform: mastodon",
        "platform: mastodon\n    max_chars: 20",
        1,
    );
    std::fs::write(ws.path().join("postcal.yaml"), config).unwrap();
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "posts:\n  - id: p\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [short, long]\n    text: A text that is longer than twenty characters\n",
    )
    .unwrap();
    let (code, json, _) = publish(ws.path(), &[&short, &long], &[]);
    let got = outcomes(&json);
    assert_eq!(code, 1, "{got:?}");
    assert!(
        got.iter()
            .any(|(d, o, e)| d == "p@short" && o == "failed" && e.contains("allows 20")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(d, o, _)| d == "p@long" && o == "published"),
        "{got:?}"
    );
    assert!((short.posts)().is_empty());
    assert_eq!((long.posts)().len(), 1);
}

#[test]
fn channel_narrows_every_kind_of_outcome() {
    let m = mastodon::start(Behaviour::Ok);
    let n = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &m), ("n", "mastodon", &n)]);
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "defaults:\n  channels: [m, n]\n  status: approved\nposts:\n  - id: due\n    at: 2026-12-01 09:50\n    text: Due\n  - id: late\n    at: 2026-12-01 06:00\n    text: Past catch-up\n  - id: no-time\n    at: 2026-03-29 02:30\n    text: In the spring-forward gap\n",
    )
    .unwrap();
    let (_, json, _) = publish(ws.path(), &[&m, &n], &["--channel", "m"]);
    let got = outcomes(&json);
    assert!(!got.is_empty());
    assert!(
        got.iter().all(|(d, _, _)| d.ends_with("@m")),
        "only channel m is reported: {got:?}"
    );
    let ledger = ledger(ws.path());
    assert!(ledger.contains("\"channel\":\"m\""), "{ledger}");
    assert!(
        !ledger.contains("\"channel\":\"n\""),
        "nothing is recorded for n, missed included: {ledger}"
    );
    assert!((n.posts)().is_empty());
    // Channel n, asked for later, still gets its own outcomes.
    let (_, json, _) = publish(ws.path(), &[&m, &n], &["--channel", "n"]);
    let got = outcomes(&json);
    assert!(
        got.iter().any(|(d, o, _)| d == "late@n" && o == "missed"),
        "{got:?}"
    );
    assert!(
        got.iter().any(|(d, o, _)| d == "due@n" && o == "published"),
        "{got:?}"
    );
}
