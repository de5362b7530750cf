//! `postcal diff` on real git repositories made in temp dirs.

use std::path::Path;
use std::process::Command;

use assert_cmd::Command as Bin;

const CONFIG: &str = "\
timezone: Europe/Madrid
channels:
  m: { platform: mastodon, instance: https://m.example, token: env:M_TOKEN }
  b: { platform: bluesky, handle: x.bsky.social, app_password: env:B_PW }
";

const BASE: &str = "\
posts:
  - id: launch
    at: 2026-12-03 09:00
    status: draft
    channels: [m]
    text: Winter Blend is here. Dark chocolate and orange peel.
  - id: workshop
    at: 2026-12-04 10:00
    status: approved
    channels: [m, b]
    text: Latte-art workshop on Saturday.
  - id: old-name
    at: 2026-12-05 10:00
    status: approved
    channels: [m]
    text: Same words, new id.
  - id: goodbye
    at: 2026-12-06 10:00
    status: approved
    channels: [m]
    text: This one is dropped.
  - id: tips
    at: 2026-12-07 10:00
    status: approved
    channels: [m]
    text: Brew tip
";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo() -> tempfile::TempDir {
    repo_with_workspace_in("")
}

/// A repository whose workspace is the folder `sub` (`""`: its top).
fn repo_with_workspace_in(sub: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    git(top, &["init", "-q", "-b", "main"]);
    git(top, &["config", "user.email", "t@example.com"]);
    git(top, &["config", "user.name", "T"]);
    let p = top.join(sub);
    std::fs::create_dir_all(p.join("calendars")).unwrap();
    std::fs::write(p.join("postcal.yaml"), CONFIG).unwrap();
    std::fs::write(p.join("calendars/december.yaml"), BASE).unwrap();
    git(top, &["add", "."]);
    git(top, &["commit", "-q", "-m", "base"]);
    dir
}

fn diff(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Bin::cargo_bin("postcal")
        .unwrap()
        .env_remove("NO_COLOR")
        .args(["--color", "never", "--workspace"])
        .arg(dir)
        .arg("diff")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every kind of change at once, in the working tree (uncommitted).
fn edit(p: &Path) {
    let text = BASE
        .replace("status: draft", "status: approved")
        .replace("at: 2026-12-04 10:00", "at: 2026-12-05 18:00")
        .replace("Dark chocolate and orange peel.", "Dark chocolate, orange peel and a long finish.")
        .replace("id: old-name", "id: new-name")
        .replace("    channels: [m]\n    text: Brew tip", "    channels: [m, b]\n    cw: Caffeine\n    text: Brew tip")
        .replace("  - id: goodbye\n    at: 2026-12-06 10:00\n    status: approved\n    channels: [m]\n    text: This one is dropped.\n", "");
    std::fs::write(p.join("calendars/december.yaml"), text).unwrap();
    // An untracked file counts too.
    std::fs::write(
        p.join("calendars/extra.yaml"),
        "posts:\n  - id: fresh\n    at: 2026-12-08 12:00\n    status: review\n    channels: [b]\n    text: Brand new\n",
    )
    .unwrap();
}

#[test]
fn every_kind_of_change_in_three_formats() {
    let dir = repo();
    edit(dir.path());
    let (code, human) = diff(dir.path(), &[]);
    assert_eq!(code, 0, "changes are not an error without --exit-code");
    insta::assert_snapshot!("human", human);
    insta::assert_snapshot!("markdown", diff(dir.path(), &["--format", "markdown"]).1);
    let json = diff(dir.path(), &["--format", "json"]).1;
    insta::assert_snapshot!("json", json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for c in v["changes"].as_array().unwrap() {
        assert_ne!(c["before"], c["after"], "a change shows what changed: {c}");
    }
    assert_eq!(diff(dir.path(), &["--exit-code"]).0, 1);
}

#[test]
fn no_changes_and_exit_code() {
    let dir = repo();
    let (code, out) = diff(dir.path(), &["--exit-code"]);
    assert_eq!((code, out.as_str()), (0, "no changes to posts\n"));
}

#[test]
fn between_branches_and_moving_posts_between_files() {
    let dir = repo();
    let p = dir.path();
    git(p, &["checkout", "-q", "-b", "feature"]);
    // Move the file (git mv) and split a post out to another file: no change.
    git(
        p,
        &["mv", "calendars/december.yaml", "calendars/2026-12.yaml"],
    );
    let text = std::fs::read_to_string(p.join("calendars/2026-12.yaml")).unwrap();
    let tips = "  - id: tips\n    at: 2026-12-07 10:00\n    status: approved\n    channels: [m]\n    text: Brew tip\n";
    std::fs::write(p.join("calendars/2026-12.yaml"), text.replace(tips, "")).unwrap();
    std::fs::write(p.join("calendars/tips.yaml"), format!("posts:\n{tips}")).unwrap();
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "reorganise"]);
    let (code, out) = diff(p, &["main", "feature", "--exit-code"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "no changes to posts\n"),
        "moving posts between files is no change"
    );

    std::fs::write(
        p.join("calendars/tips.yaml"),
        format!("posts:\n{}", tips.replace("10:00", "11:00")),
    )
    .unwrap();
    git(p, &["commit", "-q", "-am", "move tips"]);
    let (code, out) = diff(p, &["main", "feature", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{out}");
    assert_eq!(changes[0]["kind"], "rescheduled");
    assert_eq!(changes[0]["file"], "calendars/tips.yaml");
    assert_eq!(changes[0]["before"], "Mon 07 Dec 2026 10:00");
    assert_eq!(changes[0]["after"], "Mon 07 Dec 2026 11:00");
}

#[test]
fn changes_to_published_posts_are_flagged() {
    let dir = repo();
    let p = dir.path();
    std::fs::create_dir(p.join(".postcal")).unwrap();
    std::fs::write(
        p.join(".postcal/ledger.jsonl"),
        r#"{"ts":"2026-12-04T09:00:00Z","post":"workshop","channel":"m","part":0,"event":"published","remote_id":"1","url":"https://m.example/@x/1"}"#.to_owned() + "\n",
    )
    .unwrap();
    std::fs::write(
        p.join("calendars/december.yaml"),
        BASE.replace(
            "Latte-art workshop on Saturday.",
            "Latte-art workshop on Sunday.",
        ),
    )
    .unwrap();
    let (_, out) = diff(p, &[]);
    assert!(out.contains("ALREADY PUBLISHED"), "{out}");
    let (_, json) = diff(p, &["--format", "json"]);
    assert!(json.contains("\"published\": true"), "{json}");
}

#[test]
fn a_shallow_clone_says_how_to_fetch_history() {
    let dir = repo();
    let p = dir.path();
    std::fs::write(
        p.join("calendars/december.yaml"),
        BASE.replace("Brew tip", "Brew tip two"),
    )
    .unwrap();
    git(p, &["commit", "-q", "-am", "second"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", p.display());
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let (code, out) = diff(&clone.path().join("c"), &["HEAD~1"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("shallow") && out.contains("fetch-depth: 0"),
        "{out}"
    );
    let (code, out) = diff(p, &["no-such-branch"]);
    assert_eq!(code, 2);
    assert!(out.contains("no-such-branch"), "{out}");
}

#[test]
fn a_base_without_a_workspace_shows_every_post_added() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["config", "user.email", "t@example.com"]);
    git(p, &["config", "user.name", "T"]);
    std::fs::write(p.join("README"), "x").unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "empty"]);
    std::fs::write(p.join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir(p.join("calendars")).unwrap();
    std::fs::write(p.join("calendars/december.yaml"), BASE).unwrap();
    let (_, json) = diff(p, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["changes"].as_array().unwrap().len(), 5);
    assert!(
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] == "added")
    );
}

fn validate(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Bin::cargo_bin("postcal")
        .unwrap()
        .args(["--color", "never", "--workspace"])
        .arg(dir)
        .args(["validate", "--now", "2026-11-22T12:00:00Z"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn validate_changed_since_reports_only_what_the_change_brings() {
    let dir = repo();
    let p = dir.path();
    // An old problem, committed: an unknown channel on `tips`.
    std::fs::write(
        p.join("calendars/december.yaml"),
        BASE.replace(
            "    channels: [m]\n    text: Brew tip",
            "    channels: [mm]\n    text: Brew tip",
        ),
    )
    .unwrap();
    git(p, &["commit", "-q", "-am", "old problem"]);
    // The change: a new post with a problem, and an edited post with one.
    std::fs::write(
        p.join("calendars/new.yaml"),
        "posts:\n  - id: fresh\n    at: 2026-12-09 10:00\n    channels: [x]\n    text: New\n",
    )
    .unwrap();
    let edited = std::fs::read_to_string(p.join("calendars/december.yaml"))
        .unwrap()
        .replace(
            "text: Latte-art workshop on Saturday.",
            "text: \"Latte-art workshop on Saturday! #a #b #c #d #e #f\"",
        );
    std::fs::write(p.join("calendars/december.yaml"), edited).unwrap();

    let rules = |json: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["rule"].as_str().unwrap(), f["line"]))
            .collect()
    };
    let (_, all) = validate(p, &["--format", "json"]);
    assert_eq!(rules(&all).len(), 3, "{all}");
    let (code, changed) = validate(p, &["--format", "json", "--changed-since", "HEAD"]);
    assert_eq!(code, 1);
    let mut found = rules(&changed);
    found.sort();
    assert_eq!(found, ["max-hashtags:11", "unknown-channel:4"], "{changed}");
}

#[test]
fn github_annotations_beyond_the_limit_stay_in_the_log() {
    let dir = repo();
    let p = dir.path();
    let posts: String = (0..13)
        .map(|i| {
            format!(
                "  - id: p{i}\n    at: 2026-12-10 {:02}:00\n    channels: [nope]\n    text: x\n",
                8 + i
            )
        })
        .collect();
    std::fs::write(
        p.join("calendars/december.yaml"),
        format!("posts:\n{posts}"),
    )
    .unwrap();
    let (code, out) = validate(p, &["--format", "github"]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::error ")).count(),
        10,
        "{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("calendars/december.yaml:")
                && l.contains("error[unknown-channel]"))
            .count(),
        3,
        "{out}"
    );
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("::notice title=postcal::3 more findings"),
        "{out}"
    );
}

/// The README's agency layout: the workspace is a folder of the repository
/// (`--workspace brand`), so git paths carry the folder and workspace paths
/// do not.
#[test]
fn a_workspace_in_a_subfolder_of_the_repository() {
    let dir = repo_with_workspace_in("brand");
    let top = dir.path();
    let ws = top.join("brand");
    // A post at the repository's top level with the same file name is not the
    // workspace's.
    std::fs::create_dir(top.join("calendars")).unwrap();
    std::fs::write(top.join("calendars/december.yaml"), "not: a calendar\n").unwrap();
    git(top, &["add", "."]);
    git(top, &["commit", "-q", "-m", "unrelated"]);
    assert_eq!(diff(&ws, &["HEAD~1", "HEAD", "--exit-code"]).0, 0);

    edit(&ws);
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "edit"]);
    let kinds = |out: &str| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}:{}:{}",
                    c["post"].as_str().unwrap(),
                    c["kind"].as_str().unwrap(),
                    c["file"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (code, committed) = diff(&ws, &["HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(code, 0, "{committed}");
    let expected = [
        "launch:reworded:calendars/december.yaml",
        "launch:status:calendars/december.yaml",
        "new-name:renamed:calendars/december.yaml",
        "workshop:rescheduled:calendars/december.yaml",
        "goodbye:removed:calendars/december.yaml",
        "tips:retargeted:calendars/december.yaml",
        "tips:other:calendars/december.yaml",
        "fresh:added:calendars/extra.yaml",
    ];
    assert_eq!(kinds(&committed), expected, "{committed}");

    // The working tree against HEAD, from inside the folder and from the top.
    std::fs::write(
        ws.join("calendars/extra.yaml"),
        "posts:\n  - id: fresh\n    at: 2026-12-08 13:00\n    status: review\n    channels: [b]\n    text: Brand new\n",
    )
    .unwrap();
    let (_, uncommitted) = diff(&ws, &["--format", "json"]);
    assert_eq!(
        kinds(&uncommitted),
        ["fresh:rescheduled:calendars/extra.yaml"],
        "{uncommitted}"
    );

    // validate --changed-since reads the base revision at the same paths:
    // a problem already committed is not the change's.
    let text = std::fs::read_to_string(ws.join("calendars/december.yaml")).unwrap();
    std::fs::write(
        ws.join("calendars/december.yaml"),
        text.replace(
            "id: launch\n    at: 2026-12-03 09:00\n    status: approved\n    channels: [m]",
            "id: launch\n    at: 2026-12-03 09:00\n    status: approved\n    channels: [mm]",
        ),
    )
    .unwrap();
    git(top, &["commit", "-q", "-am", "an old problem"]);
    let (code, out) = validate(&ws, &["--format", "json", "--changed-since", "HEAD~1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown-channel"), "{out}");
    let (code, out) = validate(&ws, &["--format", "json", "--changed-since", "HEAD"]);
    assert_eq!(
        code, 0,
        "only fresh changed since HEAD, and it is fine: {out}"
    );
}

#[test]
fn github_annotations_name_files_from_the_repository_top() {
    // GitHub places an annotation by the file's path from the repository's
    // top; the workspace is `brand/` in it.
    let dir = repo_with_workspace_in("brand");
    let ws = dir.path().join("brand");
    std::fs::write(
        ws.join("calendars/december.yaml"),
        BASE.replace("channels: [m, b]", "channels: [m, nope]"),
    )
    .unwrap();
    let (code, out) = validate(&ws, &["--format", "github"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("::error file=brand/calendars/december.yaml,line=10,col=19,"),
        "{out}"
    );
    // The JSON report keeps paths from the workspace (SPEC §3).
    let (_, json) = validate(&ws, &["--format", "json"]);
    assert!(
        json.contains("\"file\": \"calendars/december.yaml\""),
        "{json}"
    );
}

/// Reading only the files that differ gives the diff reading every file
/// gives (forced by a postcal.yaml changed by a comment only): edits,
/// a post moved between files, a post renamed into another file, a file
/// removed, a file added, and in the working tree an untracked and a
/// git-ignored calendar file.
#[test]
fn reading_only_changed_files_changes_nothing() {
    let dir = repo_with_workspace_in("ws");
    let top = dir.path();
    let ws = top.join("ws");
    let cal = ws.join("calendars");
    let post = |id: &str, day: u32, text: &str| {
        format!(
            "  - id: {id}\n    at: 2026-12-{day:02} 10:00\n    status: approved\n    channels: [m, b]\n    text: {text}\n"
        )
    };
    std::fs::write(
        cal.join("a.yaml"),
        format!(
            "posts:\n{}{}",
            post("a1", 8, "First."),
            post("a2", 9, "Second.")
        ),
    )
    .unwrap();
    std::fs::write(
        cal.join("b.yaml"),
        format!("posts:\n{}", post("b1", 10, "Moves to c.")),
    )
    .unwrap();
    std::fs::write(
        cal.join("gone.yaml"),
        format!("posts:\n{}", post("g1", 11, "Removed with its file.")),
    )
    .unwrap();
    std::fs::write(
        cal.join("same.yaml"),
        format!("posts:\n{}", post("s1", 12, "Untouched.")),
    )
    .unwrap();
    git(top, &["add", "."]);
    git(top, &["commit", "-q", "-m", "files"]);

    std::fs::write(
        cal.join("a.yaml"),
        format!(
            "posts:\n{}{}",
            post("a1", 8, "First, reworded."),
            post("a2", 9, "Second.")
        ),
    )
    .unwrap();
    std::fs::write(cal.join("b.yaml"), "posts: []\n").unwrap();
    std::fs::write(
        cal.join("c.yaml"),
        format!(
            "posts:\n{}{}",
            post("b1", 10, "Moves to c."),
            post("renamed", 9, "Second, again.")
        ),
    )
    .unwrap();
    std::fs::remove_file(cal.join("gone.yaml")).unwrap();
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "edits"]);
    let config = std::fs::read_to_string(ws.join("postcal.yaml")).unwrap();
    std::fs::write(ws.join("postcal.yaml"), format!("{config}# a comment\n")).unwrap();
    git(top, &["commit", "-q", "-am", "config comment"]);

    let only_changed = diff(&ws, &["HEAD~2", "HEAD~1", "--format", "json"]);
    let everything = diff(&ws, &["HEAD~2", "HEAD", "--format", "json"]);
    assert_eq!(only_changed, everything);
    assert!(
        everything.1.contains("\"a1\"") && everything.1.contains("\"g1\""),
        "{}",
        everything.1
    );
    assert!(!everything.1.contains("\"s1\""), "{}", everything.1);

    // The working tree: an untracked file and an ignored one are read too.
    std::fs::write(
        cal.join("new.yaml"),
        format!("posts:\n{}", post("n1", 13, "Not yet committed.")),
    )
    .unwrap();
    std::fs::write(top.join(".gitignore"), "ws/calendars/ignored.yaml\n").unwrap();
    std::fs::write(
        cal.join("ignored.yaml"),
        format!("posts:\n{}", post("i1", 14, "Ignored by git.")),
    )
    .unwrap();
    let tree = diff(&ws, &["HEAD", "--format", "json"]);
    assert!(
        tree.1.contains("\"n1\"") && tree.1.contains("\"i1\""),
        "{}",
        tree.1
    );
    let config = std::fs::read_to_string(ws.join("postcal.yaml")).unwrap();
    std::fs::write(ws.join("postcal.yaml"), format!("{config}# another\n")).unwrap();
    assert_eq!(diff(&ws, &["HEAD", "--format", "json"]), tree);
}
