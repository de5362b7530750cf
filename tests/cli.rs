//! CLI behaviour as snapshots: stdout, stderr and exit code of the real binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn broken() -> PathBuf {
    repo().join("tests/fixtures/broken")
}

/// Run postcal on `workspace` and render what a user sees.
fn run(workspace: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .env_remove("POSTCAL_WORKSPACE")
        .env_remove("NO_COLOR")
        // The fixtures are workspaces of their own, not folders of this
        // repository: git must not find it above them (GitHub annotation
        // paths would start with tests/fixtures/, and a copy of the sources
        // outside git would differ).
        .env("GIT_CEILING_DIRECTORIES", repo().join("tests"))
        .arg("--color")
        .arg("never")
        .arg("--workspace")
        .arg(workspace)
        .args(args)
        .output()
        .unwrap();
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status
            .code()
            .map_or("signal".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const NOW: &str = "2026-11-22T12:00:00+01:00";

#[test]
fn validate_demo_is_clean() {
    insta::assert_snapshot!(run(&repo(), &["validate", "--now", NOW]));
}

#[test]
fn validate_examples_are_clean() {
    for ws in ["examples/minimal", "examples/agency"] {
        let out = run(&repo().join(ws), &["validate", "--strict", "--now", NOW]);
        assert!(out.starts_with("exit: 0\n"), "{ws}: {out}");
    }
}

#[test]
fn validate_human() {
    insta::assert_snapshot!(run(&broken(), &["validate", "--now", NOW]));
}

#[test]
fn validate_json() {
    insta::assert_snapshot!(run(
        &broken(),
        &["validate", "--format", "json", "--now", NOW]
    ));
}

#[test]
fn validate_github() {
    insta::assert_snapshot!(run(
        &broken(),
        &["validate", "--format", "github", "--now", NOW]
    ));
}

#[test]
fn validate_strict_turns_warnings_into_errors() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir(ws.path().join("calendars")).unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        "timezone: UTC\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n",
    )
    .unwrap();
    std::fs::write(
        ws.path().join("calendars/a.yaml"),
        "posts:\n  - id: old\n    at: 2020-01-01 09:00\n    channels: [m]\n    text: hi\n",
    )
    .unwrap();
    let lenient = run(ws.path(), &["validate", "--now", NOW]);
    assert!(lenient.starts_with("exit: 0\n"), "{lenient}");
    assert!(lenient.contains("warning[past-post]"), "{lenient}");
    let strict = run(ws.path(), &["validate", "--strict", "--now", NOW]);
    assert!(strict.starts_with("exit: 1\n"), "{strict}");
    assert!(strict.contains("error[past-post]"), "{strict}");
}

#[test]
fn preview_table() {
    insta::assert_snapshot!(run(
        &repo(),
        &[
            "preview",
            "--now",
            "2026-12-01T08:00:00+01:00",
            "--days",
            "4"
        ]
    ));
}

#[test]
fn preview_agenda() {
    insta::assert_snapshot!(run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-03",
            "--to",
            "2026-12-04",
            "--format",
            "agenda"
        ]
    ));
}

#[test]
fn preview_month() {
    insta::assert_snapshot!(run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
            "--format",
            "month"
        ]
    ));
}

#[test]
fn preview_json() {
    insta::assert_snapshot!(run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-14",
            "--days",
            "2",
            "--format",
            "json"
        ]
    ));
}

#[test]
fn preview_markdown() {
    insta::assert_snapshot!(run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-08",
            "--days",
            "1",
            "--format",
            "markdown"
        ]
    ));
}

/// A workspace with one post on a Mastodon and a Bluesky channel whose text
/// has a bare domain, an http(s) URL and a hashtag, and UTM parameters on.
fn links_workspace() -> tempfile::TempDir {
    const CONFIG: &str = r#"timezone: UTC
channels:
  masto: { platform: mastodon, instance: https://m.example, token: env:T }
  bsky: { platform: bluesky, handle: shop.bsky.social, app_password: env:P }
links:
  utm: { utm_source: "{platform}" }
"#;
    const CALENDAR: &str = r#"posts:
  - id: beans
    at: 2026-12-01 09:00
    status: approved
    channels: [masto, bsky]
    text: "☕ New beans at example.com, brew guide: https://example.org/x #coffee"
    thread: ["Roasted in Madrid (shop.example.com/madrid)."]
"#;
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir(ws.path().join("calendars")).unwrap();
    std::fs::write(ws.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::write(ws.path().join("calendars/a.yaml"), CALENDAR).unwrap();
    ws
}

#[test]
fn preview_links_markdown() {
    let ws = links_workspace();
    insta::assert_snapshot!(run(
        ws.path(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-01",
            "--days",
            "1",
            "--format",
            "markdown"
        ]
    ));
}

#[test]
fn preview_links_json() {
    let ws = links_workspace();
    insta::assert_snapshot!(run(
        ws.path(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-01",
            "--days",
            "1",
            "--format",
            "json"
        ]
    ));
}

#[test]
fn preview_links_agenda() {
    let ws = links_workspace();
    insta::assert_snapshot!(run(
        ws.path(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-01",
            "--days",
            "1",
            "--format",
            "agenda"
        ]
    ));
}

#[test]
fn preview_filters() {
    insta::assert_snapshot!(run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-01",
            "--days",
            "31",
            "--channel",
            "team-slack",
            "--status",
            "draft",
            "--status",
            "review"
        ]
    ));
}

#[test]
fn a_month_view_shows_the_whole_month_by_default() {
    // Mid-month, with neither --from nor --to: the 1st is there too, and
    // each post by its full id in the legend.
    let out = run(
        &repo(),
        &[
            "preview",
            "--format",
            "month",
            "--now",
            "2026-12-15T08:00:00+01:00",
        ],
    );
    assert!(out.contains("December 2026"), "{out}");
    assert!(
        out.contains("] Tue 01 09:00 team-december-kickoff → team-slack · approved · luis"),
        "{out}"
    );
    assert!(
        out.contains("cupping-club#2026-12-10 → lumen-bsky, lumen-mastodon"),
        "{out}"
    );
    assert!(!out.contains("January 2027"), "{out}");
}

#[test]
fn queue_demo() {
    insta::assert_snapshot!(run(
        &repo(),
        &["queue", "--now", "2026-12-01T08:00:00+01:00"]
    ));
}

#[test]
fn queue_says_when_it_runs_dry() {
    // Two weeks on, the five approved items have gone (as far as the
    // calendar knows: no ledger here, so they are placed from then on).
    let out = run(
        &repo(),
        &["queue", "evergreen", "--now", "2026-12-15T08:00:00+01:00"],
    );
    assert!(
        out.contains("warning: queue `evergreen` runs dry within 14 days"),
        "{out}"
    );
    let out = run(&repo(), &["queue", "nosuch"]);
    assert!(
        out.contains("unknown queue `nosuch`") && out.contains("queues are: evergreen"),
        "{out}"
    );
}

#[test]
fn todo_demo() {
    insta::assert_snapshot!(run(
        &repo(),
        &["todo", "--now", "2026-12-01T08:00:00+01:00", "--days", "10"]
    ));
}

#[test]
fn preview_narrows_by_owner_and_tag() {
    let json = |args: &[&str]| {
        let mut all = vec![
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-01",
            "--days",
            "31",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let out = run(&repo(), &all);
        let body = out
            .split("--- stdout\n")
            .nth(1)
            .unwrap()
            .split("--- stderr")
            .next()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let mut posts: Vec<(String, String, Vec<String>)> = v["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let tags = d["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect();
                (
                    d["post"].as_str().unwrap().to_owned(),
                    d["owner"].as_str().unwrap_or("").to_owned(),
                    tags,
                )
            })
            .collect();
        posts.dedup();
        posts
    };
    let all = json(&[]);
    let sofia = json(&["--owner", "sofia"]);
    assert!(!sofia.is_empty() && sofia.len() < all.len());
    assert!(
        sofia.iter().all(|(_, owner, _)| owner == "sofia"),
        "{sofia:?}"
    );
    let launch = json(&["--tag", "launch", "--tag", "popup"]);
    assert!(!launch.is_empty());
    assert!(
        launch
            .iter()
            .all(|(_, _, tags)| tags.iter().any(|t| t == "launch" || t == "popup")),
        "{launch:?}"
    );
    let both = json(&["--owner", "sofia", "--tag", "launch"]);
    assert!(
        both.iter()
            .all(|(_, owner, tags)| owner == "sofia" && tags.iter().any(|t| t == "launch")),
        "{both:?}"
    );
    assert!(both.len() < sofia.len());
}

#[test]
fn preview_shows_cancelled_only_when_asked() {
    let all = run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-18",
            "--days",
            "1",
            "--format",
            "json",
        ],
    );
    assert!(!all.contains("holiday-flash-sale"), "{all}");
    let cancelled = run(
        &repo(),
        &[
            "preview",
            "--now",
            NOW,
            "--from",
            "2026-12-18",
            "--days",
            "1",
            "--status",
            "cancelled",
            "--format",
            "json",
        ],
    );
    assert!(cancelled.contains("holiday-flash-sale"), "{cancelled}");
}

#[test]
fn preview_unknown_channel_is_a_usage_error() {
    insta::assert_snapshot!(run(
        &repo(),
        &["preview", "--channel", "lumen-mastdon", "--now", NOW]
    ));
}

#[test]
fn bad_now_is_a_usage_error() {
    let out = run(&repo(), &["preview", "--now", "tomorrow"]);
    assert!(out.starts_with("exit: 2\n"), "{out}");
}

#[test]
fn missing_workspace_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(
        run(empty.path(), &["validate"]).replace(&empty.path().display().to_string(), "[TEMP]")
    );
}

#[test]
fn rules_table_is_in_the_readme() {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's rule table is out of date; paste `postcal rules --format markdown` into it:\n{table}"
    );
}

#[test]
fn committed_schemas_are_current() {
    for (kind, file) in [
        ("workspace", "postcal.schema.json"),
        ("calendar", "calendar.schema.json"),
    ] {
        let out = Command::cargo_bin("postcal")
            .unwrap()
            .args(["schema", kind])
            .output()
            .unwrap();
        let committed = std::fs::read_to_string(repo().join("schema").join(file)).unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            committed,
            "schema/{file} is stale: run `postcal schema --out schema`"
        );
    }
}

#[test]
fn schema_is_draft07_and_knows_posts() {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["schema", "calendar"])
        .output()
        .unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema.to_string().contains("\"approved_by\""));
}

#[test]
fn completions_for_bash() {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("preview"));
}

#[test]
fn broken_pipe_exits_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("postcal");
    let script = format!(
        "{} --workspace {} preview --from 2026-12-01 --days 31 --format agenda | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        bin.display(),
        repo().display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A channel postcal.yaml names but cannot set up (here a pasted secret) is
/// not silently dropped: doctor lists it as a problem, preview and status
/// warn that it is left out, and `preview --channel` says why.
#[test]
fn a_channel_with_an_error_is_named_where_it_is_left_out() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        "timezone: UTC\nchannels:\n  good:\n    platform: mastodon\n    instance: https://m.example\n    token: env:GOOD_TOKEN\n  bad:\n    platform: facebook\n    page_id: 1234\n    page_token: EAAGpastedTOKEN123456\n",
    )
    .unwrap();
    std::fs::create_dir(ws.path().join("calendars")).unwrap();
    std::fs::write(
        ws.path().join("calendars/a.yaml"),
        "posts:\n  - id: p\n    at: 2026-12-02 09:00\n    status: approved\n    channels: [good, bad]\n    text: Hello.\n",
    )
    .unwrap();
    let doctor = run(ws.path(), &["doctor", "--offline"]);
    assert!(doctor.starts_with("exit: 1\n"), "{doctor}");
    assert!(doctor.contains("│ bad"), "{doctor}");
    assert!(doctor.contains("postcal.yaml:10:17"), "{doctor}");
    assert!(!doctor.contains("EAAGpastedTOKEN"), "{doctor}");
    for args in [
        &["preview", "--now", NOW, "--from", "2026-12-01"][..],
        &["status", "--now", "2026-12-01T00:00:00Z"],
    ] {
        let out = run(ws.path(), args);
        assert!(
            out.contains("warning: channel `bad` is left out: postcal.yaml:10"),
            "{args:?}: {out}"
        );
    }
    let one = run(ws.path(), &["preview", "--channel", "bad"]);
    assert!(one.contains("channel `bad` cannot be previewed"), "{one}");
}

/// `doctor --offline` reads a LinkedIn channel's recorded `expires_at` even
/// where its token is not in the environment (a laptop without the secrets).
#[test]
fn doctor_offline_says_an_expiry_without_the_token() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        "timezone: UTC\nchannels:\n  li:\n    platform: linkedin\n    author: urn:li:person:abc\n    token: env:POSTCAL_TEST_UNSET_LI_TOKEN\n    expires_at: 2026-11-01\n",
    )
    .unwrap();
    std::fs::create_dir(ws.path().join("calendars")).unwrap();
    let out = run(
        ws.path(),
        &["doctor", "--offline", "--now", "2026-12-01T00:00:00Z"],
    );
    assert!(out.starts_with("exit: 1\n"), "{out}");
    assert!(
        out.contains("POSTCAL_TEST_UNSET_LI_TOKEN is not set"),
        "{out}"
    );
    assert!(out.contains("EXPIRED on 2026-11-01"), "{out}");
}
