//! `postcal import csv` (SPEC §7): a bulk CSV becomes a calendar file of
//! drafts; every row that cannot be mapped is named and nothing is
//! written; and export csv then import csv gives the same posts (a
//! property over generated texts with commas, quotes, newlines, emoji).

use std::path::Path;

use assert_cmd::Command;
use proptest::prelude::*;

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n  b: { platform: bluesky, handle: x.bsky.social, app_password: env:P }\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    dir
}

fn postcal(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (id, at, status, channels, text, campaign) of a post.
type Seen = (
    String,
    Option<String>,
    String,
    Vec<String>,
    String,
    Option<String>,
);

/// What every post is.
fn posts(root: &Path) -> Vec<Seen> {
    let ws = postcal::calendar::load(root, "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    assert!(
        ws.findings.is_empty(),
        "{:?}",
        ws.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    ws.posts
        .iter()
        .map(|p| {
            (
                p.id.value.clone(),
                p.at.map(|t| t.to_rfc3339()),
                p.status.name().to_owned(),
                p.channels.iter().map(|c| c.value.clone()).collect(),
                p.text.as_ref().map(|t| t.value.clone()).unwrap_or_default(),
                p.campaign.as_deref().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn every_row_that_cannot_be_mapped_is_named_and_nothing_is_written() {
    let ws = workspace();
    let csv = ws.path().join("plan.csv");
    // A BOM, CRLF ends, a quoted newline and comma, then four bad rows.
    std::fs::write(
        &csv,
        "\u{feff}at,text,channels\r\n2026-12-03 09:00,\"Winter Blend, at last!\r\nDark chocolate\",m b\r\n2027-03-28 02:30,In the gap,b\r\n2026-12-05 10:00,,m\r\n2026-12-06 10:00,Hi,x\r\nsoon,Hi,m\r\n",
    )
    .unwrap();
    let (code, _, err) = postcal(ws.path(), &["import", "csv", csv.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    for expected in [
        "plan.csv:4, column `at`: 2027-03-28 02:30 does not exist in Europe/Madrid",
        "plan.csv:5, column `text`: the message is empty",
        "plan.csv:6, column `channels`: unknown channel `x` (channels are: m, b)",
        "plan.csv:7, column `at`: `soon` is not a date and time",
        "4 problem(s) in the file; nothing was written",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    assert!(!ws.path().join("calendars/imported-plan.yaml").exists());
    // The good row alone imports, as a draft, with the text as written.
    std::fs::write(&csv, "\u{feff}at,text,channels\r\n2026-12-03 09:00,\"Winter Blend, at last!\r\nDark chocolate\",m b\r\n").unwrap();
    let (code, _, err) = postcal(ws.path(), &["import", "csv", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("wrote 1 post(s) to calendars/imported-plan.yaml"),
        "{err}"
    );
    assert_eq!(
        posts(ws.path()),
        [(
            "winter-blend-at-last-dark-chocolate".to_owned(),
            Some("2026-12-03T08:00:00+00:00".to_owned()),
            "draft".to_owned(),
            vec!["m".to_owned(), "b".to_owned()],
            "Winter Blend, at last!\nDark chocolate".to_owned(),
            None
        )]
    );
    // The same file again: the ids are taken now, so they are made unique,
    // and the file to write must not exist.
    let (code, _, err) = postcal(ws.path(), &["import", "csv", csv.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("calendars/imported-plan.yaml already exists"),
        "{err}"
    );
    let (code, yaml, err) = postcal(
        ws.path(),
        &[
            "import",
            "csv",
            csv.to_str().unwrap(),
            "--into",
            "calendars/again.yaml",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        yaml.contains("- id: winter-blend-at-last-dark-chocolate-2\n"),
        "{yaml}"
    );
    assert!(
        !ws.path().join("calendars/again.yaml").exists(),
        "a dry run writes nothing"
    );
    // Into a folder that does not exist yet: it is made.
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "csv",
            csv.to_str().unwrap(),
            "--into",
            "calendars/2027/jan.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(ws.path().join("calendars/2027/jan.yaml").is_file());
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(
            &[
                "a",
                "Z",
                "é",
                "☕",
                ",",
                ";",
                "\"",
                "'",
                "\n",
                " ",
                "#tag",
                "https://x.example/p?q=1",
                "\\",
                ":",
                "- ",
                "{",
                "}",
            ][..],
        ),
        1..20,
    )
    .prop_map(|v| v.concat())
    .prop_filter("has a word", |s| s.chars().any(char::is_alphanumeric))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn export_csv_then_import_csv_gives_the_same_posts(
        posts_in in prop::collection::vec((0u32..60, 0u32..24, 0usize..3, any::<bool>(), text_strategy()), 1..6),
    ) {
        let source = workspace();
        // One file with a campaign, one without: each post keeps its own.
        let mut cal = String::from("campaign: winter-2026\nposts:\n");
        let mut other = String::from("posts:\n");
        for (i, (day, hour, status, both, text)) in posts_in.iter().enumerate() {
            let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Duration::days(i64::from(*day));
            let text = serde_json::to_string(text).unwrap();
            let into = if i % 2 == 0 { &mut cal } else { &mut other };
            into.push_str(&format!(
                "  - id: p{i}\n    at: {at} {hour:02}:15\n    status: {}\n    channels: {}\n    text: {text}\n",
                ["draft", "review", "approved"][*status],
                if *both { "[m, b]" } else { "[b]" },
            ));
        }
        std::fs::write(source.path().join("calendars/c.yaml"), cal).unwrap();
        if other == "posts:\n" {
            other = "posts: []\n".to_owned();
        }
        std::fs::write(source.path().join("calendars/d.yaml"), other).unwrap();
        let (code, csv, err) = postcal(source.path(), &["export", "csv", "--now", "2026-12-01T00:00:00Z"]);
        prop_assert_eq!(code, 0, "{}", err);
        let target = workspace();
        let file = target.path().join("plan.csv");
        std::fs::write(&file, &csv).unwrap();
        let (code, _, err) = postcal(target.path(), &["import", "csv", file.to_str().unwrap(), "--into", "calendars/c.yaml"]);
        prop_assert_eq!(code, 0, "{}\n{}", err, csv);
        let mut before = posts(source.path());
        let mut after = posts(target.path());
        before.sort();
        after.sort();
        prop_assert_eq!(before, after);
    }
}

#[test]
fn a_misspelt_column_and_a_missing_channels_column_are_told_apart() {
    let ws = workspace();
    let csv = ws.path().join("plan.csv");
    std::fs::write(&csv, "at,text,stauts\n2026-12-03 09:00,Hello,approved\n").unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &["import", "csv", csv.to_str().unwrap(), "--channel", "m"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "plan.csv:1, column `stauts`: unknown column `stauts`: did you mean `status`?"
        ),
        "{err}"
    );
    // Without a channels column, --channel gives every row its channel.
    std::fs::write(&csv, "at,text,status\n2026-12-03 09:00,Hello,Approved\n").unwrap();
    let (code, yaml, err) = postcal(
        ws.path(),
        &[
            "import",
            "csv",
            csv.to_str().unwrap(),
            "--channel",
            "m",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        yaml.contains("    status: approved\n    channels: [m]\n"),
        "{yaml}"
    );
}
