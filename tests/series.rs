//! Recurring posts (SPEC §6) end to end: occurrences are posts of their own
//! for validate and publish, anchored on `at`, keeping the wall time across
//! DST, and a simulated two months of cron ticks publishes each exactly
//! once, on time.

mod support;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use support::{Behaviour, Fake, mastodon};

fn run(root: &Path, fake: Option<&Fake>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE");
    if let Some(fake) = fake {
        cmd.envs(&fake.env);
    }
    let out = cmd
        .args(["--color", "never", "--workspace"])
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

fn workspace(fake: &Fake, catch_up: &str, posts: &str) -> tempfile::TempDir {
    let ws = support::workspace(&[("m", "mastodon", fake)]);
    let config = std::fs::read_to_string(ws.path().join("postcal.yaml")).unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        config.replace("catch_up: 2h", &format!("catch_up: {catch_up}")),
    )
    .unwrap();
    std::fs::write(ws.path().join("calendars/c.yaml"), posts).unwrap();
    ws
}

/// `post` of every `published` ledger record, in order.
fn published(root: &Path) -> Vec<String> {
    std::fs::read_to_string(root.join(".postcal/ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["event"] == "published")
        .map(|r| r["post"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_occurrence_in_a_spring_forward_gap_is_named_and_the_others_keep_their_wall_time() {
    let fake = mastodon::start(Behaviour::Ok);
    // Sundays at 02:30 in Madrid: 2027-03-28 02:30 does not exist.
    let ws = workspace(
        &fake,
        "2h",
        "posts:\n  - id: night\n    at: 2027-03-14 02:30\n    repeat: { every: 1w, count: 4 }\n    status: approved\n    channels: [m]\n    text: Night owls\n",
    );
    let (code, out, _) = run(
        ws.path(),
        None,
        &["validate", "--now", "2027-03-01T00:00:00Z"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "occurrence 2027-03-28 of `night`: 2027-03-28 02:30 does not exist in Europe/Madrid"
        ),
        "{out}"
    );
    assert!(out.contains("add 2027-03-28 to `skip:`"), "{out}");
    // The others are at 02:30 wall time, before and after the change.
    let (_, json, _) = run(
        ws.path(),
        None,
        &[
            "preview",
            "--now",
            "2027-03-01T00:00:00Z",
            "--days",
            "60",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let times: Vec<(&str, &str)> = v["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["post"].as_str().unwrap(), d["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        times,
        [
            ("night#2027-03-14", "2027-03-14T02:30:00+01:00"),
            ("night#2027-03-21", "2027-03-21T02:30:00+01:00"),
            ("night#2027-04-04", "2027-04-04T02:30:00+02:00"),
        ]
    );
    // Skipping it makes the calendar valid.
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "posts:\n  - id: night\n    at: 2027-03-14 02:30\n    repeat: { every: 1w, count: 4 }\n    skip: [2027-03-28]\n    status: approved\n    channels: [m]\n    text: Night owls\n",
    )
    .unwrap();
    let (code, out, _) = run(
        ws.path(),
        None,
        &["validate", "--now", "2027-03-01T00:00:00Z"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_broken_series_says_where_and_how_to_fix_it() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = workspace(
        &fake,
        "2h",
        "\
defaults:
  channels: [m]
  status: approved
posts:
  - id: both
    at: 2026-12-07 09:00
    repeat: { every: 1w, until: 2027-01-01, count: 3 }
    text: a
  - id: backwards
    at: 2026-12-07 09:00
    repeat: { every: 1w, until: 2026-11-01 }
    text: b
  - id: rhythm
    at: 2026-12-07 09:00
    repeat: { every: 1y }
    text: c
  - id: offbeat
    at: 2026-12-07 09:00
    repeat: { every: 2w }
    skip: [2026-12-14]
    text: d
  - id: lonely
    at: 2026-12-07 09:00
    skip: [2026-12-14]
    text: e
  - id: number
    at: 2026-12-07 09:00
    repeat: { every: 7, count: -1 }
    text: f
  - id: never
    at: 2026-12-07 09:00
    repeat: { every: 1d, count: 0 }
    text: g
",
    );
    let (code, out, _) = run(
        ws.path(),
        None,
        &["validate", "--now", "2026-12-01T00:00:00Z"],
    );
    assert_eq!(code, 1, "{out}");
    for expected in [
        "error[repeat]: `both` has both `until` and `count`\n --> calendars/c.yaml:7:52",
        "error[repeat]: `backwards` ends on 2026-11-01, before it starts (2026-12-07)",
        "error[repeat]: `1y` is not an interval",
        "error[repeat]: `offbeat` does not fall on 2026-12-14: nothing to skip",
        "= help: skip a date the series falls on (every 2 weeks from 2026-12-07)",
        "error[repeat]: `lonely` has `skip:` but no `repeat:`",
        // A number where a rhythm goes reads as the rhythm it is not, and
        // the rest of the file is still checked.
        "error[repeat]: `7` is not an interval",
        "error[repeat]: `never` has `count: 0`: it would never be posted",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // A broken series is held whole: nothing of it is published.
    let (_, plan, _) = run(
        ws.path(),
        Some(&fake),
        &["publish", "--dry-run", "--now", "2026-12-07T09:05:00+01:00"],
    );
    for held in ["both", "backwards", "rhythm", "number", "never"] {
        assert!(
            !plan.contains(&format!("would-publish 2026-12-07 09:00  {held}")),
            "{plan}"
        );
    }
}

#[test]
fn a_problem_met_in_every_occurrence_is_said_once_and_a_series_is_not_its_own_duplicate() {
    let fake = mastodon::start(Behaviour::Ok);
    let long = "x".repeat(520);
    let ws = workspace(
        &fake,
        "2h",
        &format!(
            "posts:\n  - id: long\n    at: 2026-12-07 09:00\n    repeat: {{ every: 1w, count: 5 }}\n    status: approved\n    channels: [m]\n    text: {long}\n  - id: long\n    at: 2026-12-08 09:00\n    channels: [m]\n    text: other\n"
        ),
    );
    let config = ws.path().join("postcal.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap();
    yaml.push_str("blackouts:\n  - from: 2026-12-14\n    to: 2026-12-28\n    reason: holidays\n");
    std::fs::write(&config, yaml).unwrap();
    let (code, out, _) = run(
        ws.path(),
        None,
        &["validate", "--now", "2026-12-01T00:00:00Z"],
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("error[too-long]").count(), 1, "{out}");
    assert_eq!(out.matches("warning[in-blackout]").count(), 1, "{out}");
    assert!(
        out.contains("`long` on m falls in a blackout (holidays) (in 3 occurrences: 2026-12-14, 2026-12-21, 2026-12-28)"),
        "{out}"
    );
    // The one-off post reuses the series' id: that is a duplicate id, once.
    assert_eq!(
        out.matches("error[duplicate-id]: post id `long` is already used")
            .count(),
        1,
        "{out}"
    );
    // The series posts the same text each week: said once per channel.
    assert_eq!(out.matches("warning[duplicate-text]").count(), 1, "{out}");
    assert!(
        out.contains("`long` posts the same text at every occurrence on m"),
        "{out}"
    );
}

#[test]
fn two_months_of_cron_ticks_publish_each_occurrence_and_queue_item_once_on_time() {
    let fake = mastodon::start(Behaviour::Ok);
    // Mondays and Thursdays at 09:00 from 2027-03-01: the ticks cross
    // 2027-03-28, when Madrid goes from +01:00 to +02:00. A queue with
    // Tuesday 10:00 and Friday 15:00 slots and three items that come back
    // 21 days after they went out; a dated post takes Tue 9 March 10:00.
    let ws = workspace(
        &fake,
        "3h",
        "\
posts:
  - id: tip
    at: 2027-03-01 09:00
    repeat: { every: [mon, thu], until: 2027-04-29 }
    skip: [2027-04-01]
    status: approved
    channels: [m]
    text: Brew tip of the week
  - id: monthly
    at: 2027-03-31 18:00
    repeat: { every: 1mo }
    status: approved
    channels: [m]
    text: Month's end roundup
  - id: dated
    at: 2027-03-09 10:00
    status: approved
    channels: [m]
    text: A dated post in a queue slot
",
    );
    // The queue's items in a file of their own, as a team keeps them: a
    // cron tick must read it although none of its posts has a time.
    std::fs::write(
        ws.path().join("calendars/queue.yaml"),
        "posts:\n  - id: qa\n    queue: q\n    status: approved\n    text: Evergreen A\n  - id: qb\n    queue: q\n    status: approved\n    text: Evergreen B\n  - id: qc\n    queue: q\n    status: approved\n    text: Evergreen C\n",
    )
    .unwrap();
    let config = ws.path().join("postcal.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap();
    yaml.push_str("queues:\n  q:\n    channels: [m]\n    slots: [\"Tue 10:00\", \"Fri 15:00\"]\n    start: 2027-03-01\n    recycle: 21d\n");
    std::fs::write(&config, yaml).unwrap();
    // A tick every 2 hours, 2027-03-01 00:00Z to 2027-05-01 00:00Z.
    let start: DateTime<Utc> = "2027-03-01T00:00:00Z".parse().unwrap();
    let mut now = start;
    let end: DateTime<Utc> = "2027-05-01T00:00:00Z".parse().unwrap();
    let mut ticks = 0;
    while now < end {
        let at = now.to_rfc3339();
        let (code, out, err) = run(ws.path(), Some(&fake), &["publish", "--now", &at]);
        assert_eq!(code, 0, "tick {at}\n{out}{err}");
        now += chrono::Duration::hours(2);
        ticks += 1;
    }
    assert_eq!(ticks, 732);
    let mut expected: Vec<String> = Vec::new();
    let mut day: chrono::NaiveDate = "2027-03-01".parse().unwrap();
    while day <= "2027-04-29".parse().unwrap() {
        use chrono::Datelike;
        if matches!(day.weekday(), chrono::Weekday::Mon | chrono::Weekday::Thu)
            && day != "2027-04-01".parse().unwrap()
        {
            expected.push(format!("tip#{day}"));
        }
        day = day.succ_opt().unwrap();
    }
    assert_eq!(expected.len(), 17);
    let got = published(ws.path());
    let tips: Vec<String> = got
        .iter()
        .filter(|p| p.starts_with("tip#"))
        .cloned()
        .collect();
    assert_eq!(tips, expected, "each occurrence once, in order");
    assert_eq!(
        got.iter()
            .filter(|p| p.starts_with("monthly#"))
            .collect::<Vec<_>>(),
        ["monthly#2027-03-31", "monthly#2027-04-30"],
        "a series on the 31st falls on April's last day"
    );
    let queued: Vec<&String> = got.iter().filter(|p| p.starts_with('q')).collect();
    assert_eq!(
        queued,
        [
            "qa#2027-03-02",
            "qb#2027-03-05",
            // Tue 9 March 10:00 is the dated post's.
            "qc#2027-03-12",
            "qa#2027-03-23",
            "qb#2027-03-26",
            "qc#2027-04-02",
            "qa#2027-04-13",
            "qb#2027-04-16",
            "qc#2027-04-23",
        ],
        "each item in its slot, and again 21 days after"
    );
    assert_eq!(
        (fake.posts)().len(),
        19 + 1 + 9,
        "the platform got each occurrence and placement once"
    );
    // On time: published at the first tick at or after 09:00 local,
    // which the ledger's times show (within the 2-hour tick).
    let ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    for line in ledger.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        if r["event"] != "published" {
            continue;
        }
        let post = r["post"].as_str().unwrap();
        let at: DateTime<Utc> = r["ts"].as_str().unwrap().parse().unwrap();
        if let Some(date) = post
            .strip_prefix('q')
            .and_then(|p| p.split_once('#'))
            .map(|(_, d)| d)
        {
            // A queue slot: Tuesday 10:00 or Friday 15:00, Madrid time.
            let local = at.with_timezone(&chrono_tz::Europe::Madrid);
            let slot = if local.format("%a").to_string() == "Tue" {
                "10:00"
            } else {
                "15:00"
            };
            let due =
                chrono::NaiveDateTime::parse_from_str(&format!("{date} {slot}"), "%Y-%m-%d %H:%M")
                    .unwrap()
                    .and_local_timezone(chrono_tz::Europe::Madrid)
                    .unwrap()
                    .with_timezone(&Utc);
            assert!(at >= due && at - due < chrono::Duration::hours(2), "{line}");
            continue;
        }
        if !post.starts_with("tip#") {
            continue;
        }
        let date = &r["post"].as_str().unwrap()[4..];
        let due = chrono::NaiveDateTime::parse_from_str(&format!("{date} 09:00"), "%Y-%m-%d %H:%M")
            .unwrap()
            .and_local_timezone(chrono_tz::Europe::Madrid)
            .unwrap()
            .with_timezone(&Utc);
        let at: DateTime<Utc> = r["ts"].as_str().unwrap().parse().unwrap();
        assert!(at >= due && at - due < chrono::Duration::hours(2), "{line}");
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_edit_of_a_series_reads_as_one_change_with_its_occurrences() {
    let fake = mastodon::start(Behaviour::Ok);
    let series = |text: &str, count: u32| {
        format!(
            "posts:\n  - id: tip\n    at: 2026-12-07 09:00\n    repeat: {{ every: 1w, count: {count} }}\n    skip: [2026-12-28]\n    status: approved\n    channels: [m]\n    text: {text}\n  - id: launch\n    at: 2026-12-09 10:00\n    status: approved\n    channels: [m]\n    text: Winter Blend is here\n"
        )
    };
    let ws = workspace(&fake, "2h", &series("Grind fresh", 8));
    git(ws.path(), &["init", "-q"]);
    git(ws.path(), &["add", "-A"]);
    git(ws.path(), &["commit", "-qm", "base"]);
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        series("Grind it fresh, every time", 10),
    )
    .unwrap();
    let (code, human, err) = run(ws.path(), None, &["diff", "--now", "2026-12-01T00:00:00Z"]);
    assert_eq!(code, 0, "{human}{err}");
    insta::assert_snapshot!("series_diff_human", human);
    let (_, json, _) = run(
        ws.path(),
        None,
        &["diff", "--now", "2026-12-01T00:00:00Z", "--format", "json"],
    );
    insta::assert_snapshot!("series_diff_json", json);
}

#[test]
fn a_queued_post_retracted_after_it_went_out_is_deleted() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = workspace(
        &fake,
        "2h",
        "posts:\n  - id: dated\n    at: 2026-12-20 10:00\n    status: approved\n    channels: [m]\n    text: Later\n",
    );
    let config = ws.path().join("postcal.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap();
    yaml.push_str(
        "queues:\n  q:\n    channels: [m]\n    slots: [\"Tue 10:00\"]\n    start: 2026-12-01\n",
    );
    std::fs::write(&config, yaml).unwrap();
    let item = |status: &str| {
        format!("posts:\n  - id: faq\n    queue: q\n    status: {status}\n    text: Evergreen\n")
    };
    std::fs::write(ws.path().join("calendars/queue.yaml"), item("approved")).unwrap();
    let (code, out, err) = run(
        ws.path(),
        Some(&fake),
        &["publish", "--now", "2026-12-01T10:05:00+01:00"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!((fake.posts)().len(), 1, "{out}");
    // Retracted: the next tick (through the index, as cron runs) deletes it.
    std::fs::write(ws.path().join("calendars/queue.yaml"), item("retracted")).unwrap();
    let (code, out, err) = run(
        ws.path(),
        Some(&fake),
        &["publish", "--now", "2026-12-02T10:05:00+01:00"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("faq#2026-12-01@m"), "{out}");
    assert_eq!((fake.posts)().len(), 0, "deleted: {out}");
}
