//! What `validate` knows about X: its channel fields, its length as X counts
//! it (280 weighted), its media (4 photos, or one GIF; types and sizes; alt
//! text ≤ 1000), and what the plan costs (`x-cost-budget`, `preview`,
//! `validate -v`).

mod support;

use std::path::Path;

use assert_cmd::Command;
use postcal::diagnostic::Severity;
use postcal::validate::{self, PublishedSet};

const CONFIG: &str = "\
timezone: Europe/Madrid
channels:
  x:
    platform: x
    api_key: env:X_KEY
    api_secret: env:X_SECRET
    access_token: env:X_TOKEN
    access_secret: env:X_TOKEN_SECRET
";

/// `(rule, severity, message)` of every finding.
fn findings(
    config: &str,
    calendar: &str,
    files: &[(&str, Vec<u8>)],
) -> Vec<(String, Severity, String)> {
    let dir = workspace(config, calendar, files);
    let ws = postcal::calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    validate::validate(
        &ws,
        "2026-11-22T12:00:00Z".parse().unwrap(),
        &PublishedSet::new(),
    )
    .into_iter()
    .map(|f| (f.rule.as_str().to_owned(), f.severity, f.message))
    .collect()
}

fn workspace(config: &str, calendar: &str, files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), config).unwrap();
    std::fs::create_dir_all(dir.path().join("calendars")).unwrap();
    std::fs::write(dir.path().join("calendars/c.yaml"), calendar).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn rules(found: &[(String, Severity, String)]) -> Vec<&str> {
    found.iter().map(|(r, ..)| r.as_str()).collect()
}

fn post(id: &str, at: &str, text: &str, extra: &str) -> String {
    format!(
        "  - id: {id}\n    at: {at}\n    status: approved\n    channels: [x]\n    text: {text:?}\n{extra}"
    )
}

fn cal(posts: &[String]) -> String {
    format!("posts:\n{}", posts.concat())
}

#[test]
fn an_x_channel_needs_its_four_credentials_as_references() {
    let config = "timezone: UTC\nchannels:\n  x:\n    platform: x\n    api_key: env:K\n    api_secret: hunter2-pasted-secret\n    access_token: env:T\n    token: env:NOPE\n";
    let found = findings(config, "posts: []\n", &[]);
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("has no `access_secret`")),
        "{found:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`token` is not a field of a x channel")),
        "{found:?}"
    );
    assert!(rules(&found).contains(&"literal-secret"), "{found:?}");
    assert!(
        !format!("{found:?}").contains("hunter2"),
        "a pasted secret is never echoed"
    );
    assert_eq!(findings(CONFIG, "posts: []\n", &[]), vec![]);
}

#[test]
fn length_is_x_weighted_280() {
    let cjk = |n: usize| "日".repeat(n);
    let long_url = format!("Read https://lumen.coffee/{}", "a".repeat(300));
    let found = findings(
        CONFIG,
        &cal(&[
            post("fits", "2026-12-01 09:00", &cjk(140), ""),
            post("over", "2026-12-02 09:00", &cjk(141), ""),
            post("link", "2026-12-03 09:00", &long_url, ""),
            post("emoji", "2026-12-04 09:00", &"👍🏽".repeat(140), ""),
        ]),
        &[],
    );
    assert_eq!(rules(&found), ["too-long"], "{found:?}");
    assert!(
        found[0]
            .2
            .contains("282 weighted characters on x (x allows 280)"),
        "{found:?}"
    );
}

fn png_of(bytes: usize) -> Vec<u8> {
    let mut v = support::png::png(2, 2);
    v.resize(bytes.max(v.len()), 0);
    v
}

#[test]
fn media_is_four_photos_or_one_gif_of_the_types_and_sizes_x_takes() {
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let bmp = {
        let mut b = b"BM".to_vec();
        b.resize(64, 0);
        b
    };
    let files = [
        ("a.png", png_of(100)),
        ("big.png", png_of(5_000_001)),
        ("anim.gif", gif),
        ("old.bmp", bmp),
    ];
    let media = |items: &[&str]| {
        let list: String = items
            .iter()
            .map(|f| format!("      - {{ file: {f}, alt: A picture }}\n"))
            .collect();
        format!("    media:\n{list}")
    };
    let long_alt = format!(
        "    media:\n      - {{ file: a.png, alt: {:?} }}\n",
        "a".repeat(1001)
    );
    let ok_alt = format!(
        "    media:\n      - {{ file: a.png, alt: {:?} }}\n",
        "a".repeat(1000)
    );
    let cases = [
        ("four", media(&["a.png"; 4]), 0),
        ("five", media(&["a.png"; 5]), 1),
        ("gif-alone", media(&["anim.gif"]), 0),
        ("gif-and-photo", media(&["anim.gif", "a.png"]), 1),
        ("bmp", media(&["old.bmp"]), 1),
        ("too-big", media(&["big.png"]), 1),
        ("alt-1001", long_alt, 1),
        ("alt-1000", ok_alt, 0),
    ];
    for (id, extra, expected) in cases {
        let found = findings(
            CONFIG,
            &cal(&[post(id, "2026-12-01 09:00", "Look", &extra)]),
            &files,
        );
        let media: Vec<_> = found.iter().filter(|(r, ..)| r == "media").collect();
        assert_eq!(media.len(), expected, "{id}: {found:?}");
        assert!(media.iter().all(|(_, s, _)| *s == Severity::Error), "{id}");
    }
    let found = findings(
        CONFIG,
        &cal(&[post(
            "g",
            "2026-12-01 09:00",
            "Look",
            &media(&["anim.gif", "a.png"]),
        )]),
        &files,
    );
    assert!(
        found[0]
            .2
            .contains("`image/gif` only as the post's one attachment"),
        "{found:?}"
    );
    let found = findings(
        CONFIG,
        &cal(&[post("b", "2026-12-01 09:00", "Look", &media(&["old.bmp"]))]),
        &files,
    );
    assert!(found[0].2.contains("does not take image/bmp"), "{found:?}");
}

/// A text with a link, its own for each post.
fn link(id: &str) -> String {
    format!("Winter Blend, {id}: https://lumen.coffee/winter")
}

#[test]
fn the_cost_budget_is_off_until_set_and_warns_at_the_post_that_goes_over() {
    let posts = cal(&[
        post("one", "2026-12-01 09:00", &link("one"), ""),
        post("two", "2026-12-02 09:00", &link("two"), ""),
        post(
            "three",
            "2026-12-03 09:00",
            "No link",
            "    thread: [\"Nor here\", \"Still none\"]\n",
        ),
        post("four", "2026-12-04 09:00", &link("four"), ""),
        post(
            "gone",
            "2026-12-05 09:00",
            &link("gone"),
            "    status: cancelled\n",
        )
        .replace("    status: approved\n", ""),
        post("next-month", "2027-01-04 09:00", &link("next-month"), ""),
    ]);
    assert_eq!(findings(CONFIG, &posts, &[]), vec![], "off by default");

    let budget = |usd: &str| {
        format!("{CONFIG}rules:\n  x-cost-budget: {{ level: warn, max_usd_per_month: {usd} }}\n")
    };
    // December: 3 links ($0.60) and 3 parts without ($0.045) = $0.645.
    let found = findings(&budget("0.5"), &posts, &[]);
    assert_eq!(rules(&found), ["x-cost-budget"], "{found:?}");
    let (_, severity, message) = &found[0];
    assert_eq!(*severity, Severity::Warning);
    assert!(
        message.contains("December 2026 costs about $0.645"),
        "{message}"
    );
    assert!(message.contains("6 posts, 3 with a link"), "{message}");
    assert!(message.contains("it goes over with `four`"), "{message}");
    assert_eq!(
        findings(&budget("0.645"), &posts, &[]),
        vec![],
        "at the budget is fine"
    );
    assert_eq!(findings(&budget("1"), &posts, &[]), vec![]);

    let bad = findings(&budget("-1"), &posts, &[]);
    assert!(
        bad.iter()
            .any(|(r, _, m)| r == "config" && m.contains("max_usd_per_month")),
        "{bad:?}"
    );
    let elsewhere = format!("{CONFIG}rules:\n  min-gap: {{ level: warn, max_usd_per_month: 3 }}\n");
    let bad = findings(&elsewhere, &posts, &[]);
    assert!(
        bad.iter()
            .any(|(_, _, m)| m.contains("`max_usd_per_month` is not an option of rule `min-gap`")),
        "{bad:?}"
    );
}

fn postcal(root: &Path, args: &[&str]) -> (String, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn preview_and_validate_v_show_each_months_estimated_cost() {
    let posts = cal(&[
        post("one", "2026-12-01 09:00", &link("one"), ""),
        post("two", "2026-12-20 09:00", "No link", ""),
        post("next-month", "2027-01-04 09:00", &link("next-month"), ""),
    ]);
    let dir = workspace(CONFIG, &posts, &[]);
    let (out, err) = postcal(
        dir.path(),
        &["preview", "--now", "2026-11-30T12:00:00Z", "--days", "7"],
    );
    assert!(out.contains("one"), "{out}");
    // The whole of each month the window touches, however little of it.
    assert!(
        err.contains("estimated X cost: x: December 2026, about $0.215 (2 posts, 1 with a link)"),
        "{err}"
    );
    assert!(!err.contains("January"), "{err}");
    let (_, err) = postcal(
        dir.path(),
        &["preview", "--from", "2026-12-28", "--days", "14"],
    );
    assert!(
        err.contains("December 2026")
            && err.contains("January 2027, about $0.20 (1 post, 1 with a link)"),
        "{err}"
    );

    let (_, quiet) = postcal(dir.path(), &["validate", "--now", "2026-11-22T12:00:00Z"]);
    assert!(!quiet.contains("estimated X cost"), "{quiet}");
    let (_, verbose) = postcal(
        dir.path(),
        &["validate", "-v", "--now", "2026-11-22T12:00:00Z"],
    );
    assert!(
        verbose.contains("x: December 2026, about $0.215"),
        "{verbose}"
    );
    assert!(
        verbose.contains("x: January 2027, about $0.20"),
        "{verbose}"
    );
}
