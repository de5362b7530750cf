//! The index in `.postcal/cache/` is a cache, never trusted: every way it
//! can be wrong (truncated, written by another version, a file edited with
//! its size and mtime kept, a file removed, postcal.yaml changed, a media
//! file replaced) gives the same findings as a run without it, and a run
//! with it over random edits says exactly what a run without it says.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use proptest::prelude::*;

const NOW: &str = "2026-12-01T10:00:00+01:00";

fn postcal(root: &Path, no_index: bool, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_WORKSPACE")
        .env_remove("POSTCAL_FREEZE");
    if no_index {
        cmd.env("POSTCAL_NO_INDEX", "1");
    } else {
        cmd.env_remove("POSTCAL_NO_INDEX");
    }
    let out = cmd
        .args(["--color", "never", "-v", "--now", NOW, "--workspace"])
        .arg(root)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `validate --format json`, with and without the index: they must agree.
fn validate_both(root: &Path) -> (String, String) {
    let with = postcal(root, false, &["validate", "--format", "json"]);
    let without = postcal(root, true, &["validate", "--format", "json"]);
    assert_eq!(with.0, without.0, "exit codes\n{}\n{}", with.1, without.1);
    assert_eq!(with.1, without.1, "findings with and without the index");
    (with.1, with.2)
}

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m:\n    platform: mastodon\n    instance: https://mastodon.social\n    token: env:M\n    max_chars: 40\nrules:\n  max-per-day: { level: warn, max: 1 }\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir_all(dir.path().join("calendars")).unwrap();
    std::fs::create_dir_all(dir.path().join("media")).unwrap();
    for (name, text) in [
        ("a.yaml", "Short"),
        ("b.yaml", "Fine too"),
        ("c.yaml", "Third"),
    ] {
        write_cal(dir.path(), name, text);
    }
    dir
}

fn write_cal(root: &Path, name: &str, text: &str) {
    let id = name.trim_end_matches(".yaml");
    std::fs::write(
        root.join("calendars").join(name),
        format!("defaults:\n  channels: [m]\nposts:\n  - id: {id}\n    at: 2026-12-02 09:00\n    status: approved\n    text: {text}\n"),
    )
    .unwrap();
}

fn reused(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.contains("from the index"))
        .unwrap_or_else(|| panic!("{stderr}"));
    line.split(": ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

fn index_path(root: &Path) -> std::path::PathBuf {
    root.join(".postcal/cache/index.bin")
}

#[test]
fn a_second_run_reads_the_index_and_says_the_same() {
    let ws = workspace();
    let (first, err) = validate_both(ws.path());
    assert_eq!(reused(&err), 0, "{err}");
    assert!(index_path(ws.path()).is_file());
    let (second, err) = validate_both(ws.path());
    assert_eq!(first, second);
    assert_eq!(reused(&err), 3, "{err}");
    assert!(err.contains("checks across files from the index"), "{err}");
}

#[test]
fn a_truncated_or_foreign_index_is_rebuilt_not_trusted() {
    let ws = workspace();
    let (clean, _) = validate_both(ws.path());
    let bytes = std::fs::read(index_path(ws.path())).unwrap();
    let version_at = b"postcal-index\n".len() + 4 + 1;
    let mut foreign = bytes.clone();
    foreign[version_at] = b'9';
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    for broken in [
        bytes[..bytes.len() / 2].to_vec(),
        b"garbage".to_vec(),
        foreign,
        flipped,
    ] {
        std::fs::write(index_path(ws.path()), &broken).unwrap();
        let (code, out, err) = postcal(ws.path(), false, &["validate", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, clean);
        assert_eq!(reused(&err), 0, "not trusted: {err}");
    }
}

#[test]
fn an_edit_that_keeps_size_and_mtime_is_seen() {
    let ws = workspace();
    validate_both(ws.path());
    let path = ws.path().join("calendars/a.yaml");
    let before = std::fs::metadata(&path).unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Short", "Shore");
    std::fs::write(&path, &text).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(before.modified().unwrap()).unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), before.len());
    let (_, err) = validate_both(ws.path());
    assert_eq!(reused(&err), 2, "the edited file is parsed again: {err}");
    write_cal(
        ws.path(),
        "a.yaml",
        "A text that is far longer than forty characters",
    );
    let (out, _) = validate_both(ws.path());
    assert!(out.contains("too-long"), "{out}");
}

#[test]
fn a_removed_file_and_a_changed_postcal_yaml_are_seen() {
    let ws = workspace();
    // Three posts on one day break max-per-day 1: a warning across files.
    let (out, _) = validate_both(ws.path());
    assert!(out.contains("max-per-day"), "{out}");
    std::fs::remove_file(ws.path().join("calendars/b.yaml")).unwrap();
    std::fs::remove_file(ws.path().join("calendars/c.yaml")).unwrap();
    let (out, err) = validate_both(ws.path());
    assert!(
        !out.contains("max-per-day"),
        "the removed posts are gone: {out}"
    );
    assert_eq!(reused(&err), 1, "{err}");
    // A changed postcal.yaml: every file again.
    let config = CONFIG.replace("max_chars: 40", "max_chars: 3");
    std::fs::write(ws.path().join("postcal.yaml"), config).unwrap();
    let (out, err) = validate_both(ws.path());
    assert_eq!(reused(&err), 0, "{err}");
    assert!(out.contains("too-long"), "{out}");
}

#[test]
fn a_replaced_media_file_is_checked_again() {
    let ws = workspace();
    let png = |len: usize| {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        b.resize(len, 0);
        b
    };
    std::fs::write(ws.path().join("media/a.png"), png(1000)).unwrap();
    std::fs::write(
        ws.path().join("calendars/a.yaml"),
        "posts:\n  - id: a\n    at: 2026-12-02 09:00\n    status: approved\n    channels: [m]\n    text: Pic\n    media:\n      - { file: media/a.png, alt: A picture }\n",
    )
    .unwrap();
    let (out, _) = validate_both(ws.path());
    assert!(!out.contains("\"rule\": \"media\""), "{out}");
    // Over Mastodon's 16 MiB for images, the calendar untouched.
    std::fs::write(ws.path().join("media/a.png"), png(17 * 1024 * 1024)).unwrap();
    let (out, _) = validate_both(ws.path());
    assert!(out.contains("\"rule\": \"media\""), "{out}");
}

#[test]
fn a_comment_keeps_the_checks_across_files_and_a_new_text_runs_them_again() {
    let ws = workspace();
    let (first, _) = validate_both(ws.path());
    assert!(first.contains("max-per-day"), "{first}");
    // A comment changes the file's bytes, not what its posts are.
    let a = ws.path().join("calendars/a.yaml");
    let text = std::fs::read_to_string(&a).unwrap();
    std::fs::write(&a, format!("{text}# moved here from the old plan\n")).unwrap();
    let (second, err) = validate_both(ws.path());
    assert_eq!(first, second);
    assert_eq!(reused(&err), 2, "{err}");
    assert!(err.contains("checks across files from the index"), "{err}");
    // A post's text is what the checks across files read: run them again.
    write_cal(ws.path(), "b.yaml", "Short");
    let (third, err) = validate_both(ws.path());
    assert!(!err.contains("checks across files from the index"), "{err}");
    assert!(third.contains("duplicate-text"), "{third}");
}

/// One random edit to a little workspace.
#[derive(Debug, Clone)]
enum Edit {
    Text(usize, String),
    Time(usize, u32),
    Status(usize, &'static str),
    Remove(usize),
    Garbage(usize),
    Comment(usize),
    Rule(&'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..4usize, "[a-z ]{0,60}").prop_map(|(i, t)| Edit::Text(i, t)),
        (0..4usize, 0..48u32).prop_map(|(i, h)| Edit::Time(i, h)),
        (
            0..4usize,
            prop_oneof![Just("approved"), Just("draft"), Just("cancelled")]
        )
            .prop_map(|(i, s)| Edit::Status(i, s)),
        (0..4usize).prop_map(Edit::Remove),
        (0..4usize).prop_map(Edit::Garbage),
        (0..4usize).prop_map(Edit::Comment),
        prop_oneof![Just("warn"), Just("error"), Just("off")].prop_map(Edit::Rule),
    ]
}

fn apply(root: &Path, e: &Edit) {
    let file = |i: usize| root.join(format!("calendars/f{i}.yaml"));
    let post = |i: usize, text: &str, hour: u32, status: &str| {
        // Around now (10:00 on 1 December): some due, some missed, some later.
        let day = 1 + hour / 24;
        format!(
            "posts:\n  - id: p{i}\n    at: 2026-12-{day:02} {:02}:30\n    status: {status}\n    channels: [m]\n    text: \"{text}\"\n",
            hour % 24
        )
    };
    match e {
        Edit::Text(i, t) => std::fs::write(file(*i), post(*i, t, 9, "approved")).unwrap(),
        Edit::Time(i, h) => std::fs::write(file(*i), post(*i, "Moved", *h, "approved")).unwrap(),
        Edit::Status(i, s) => std::fs::write(file(*i), post(*i, "Status", 8, s)).unwrap(),
        Edit::Remove(i) => {
            let _ = std::fs::remove_file(file(*i));
        }
        Edit::Garbage(i) => std::fs::write(file(*i), "posts: [unclosed\n").unwrap(),
        Edit::Comment(i) => {
            let text = std::fs::read_to_string(file(*i)).unwrap_or_default();
            std::fs::write(file(*i), format!("{text}# a note\n")).unwrap();
        }
        Edit::Rule(level) => std::fs::write(
            root.join("postcal.yaml"),
            CONFIG.replace("level: warn", &format!("level: {level}")),
        )
        .unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever the edits, validate and a dry-run publish say the same with
    /// the index as without it.
    #[test]
    fn the_index_never_changes_an_answer(edits in prop::collection::vec(edit(), 1..6)) {
        let ws = workspace();
        for e in &edits {
            apply(ws.path(), e);
            validate_both(ws.path());
            let with = postcal(ws.path(), false, &["publish", "--dry-run", "--format", "json"]);
            let without = postcal(ws.path(), true, &["publish", "--dry-run", "--format", "json"]);
            prop_assert_eq!((with.0, &with.1), (without.0, &without.1), "after {:?}", e);
        }
    }
}
