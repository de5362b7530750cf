//! `postcal metrics pull` and `postcal report` (SPEC §8) against a local
//! Mastodon server that counts favourites, reblogs and replies as
//! `GET /api/v1/statuses/:id` reports them: a snapshot per published
//! delivery, "not offered" said once for a Slack webhook, a deleted post
//! recorded as gone and not asked about again, a 429 reported without
//! writing anything, and the weekly report (Markdown, snapshot-tested, and
//! JSON) deterministic for a given metrics file and `--now`.

mod support;

use std::path::Path;
use std::process::Command;

use support::{Behaviour, mastodon, slack};

const CALENDAR: &str = "\
posts:
  - id: launch
    at: 2026-12-01 09:00
    status: approved
    campaign: winter
    owner: ana
    tags: [launch]
    channels: [m, s]
    text: Winter Blend is here
  - id: tip
    at: 2026-12-02 18:30
    status: approved
    owner: luis
    channels: [m]
    text: Grind right before you brew
  - id: recap
    at: 2026-12-03 09:00
    status: approved
    campaign: winter
    channels: [m]
    text: Thank you for a great week
";

fn postcal(
    root: &Path,
    env: &std::collections::HashMap<String, String>,
    args: &[&str],
) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .env_remove("POSTCAL_WORKSPACE")
        .envs(env)
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

fn snapshots(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(root.join(".postcal/metrics.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Three posts published for real to a local Mastodon (one also to Slack),
/// and people's answers to them there.
struct Published {
    ws: tempfile::TempDir,
    env: std::collections::HashMap<String, String>,
    m: support::Fake,
    instance: mastodon::Instance,
    _s: support::Fake,
}

impl Published {
    fn id_of(&self, text: &str) -> String {
        (self.m.posts)()
            .iter()
            .find(|p| p["content"] == text)
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .unwrap()
    }
}

fn published() -> Published {
    let (m, instance) = mastodon::start_with(Behaviour::Ok);
    let s = slack::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &m), ("s", "slack", &s)]);
    std::fs::write(ws.path().join("calendars/c.yaml"), CALENDAR).unwrap();
    let mut env = m.env.clone();
    env.extend(s.env.clone());
    // Published as they came due.
    for now in [
        "2026-12-01T09:01:00+01:00",
        "2026-12-02T18:31:00+01:00",
        "2026-12-03T09:01:00+01:00",
    ] {
        let (code, _, err) = postcal(ws.path(), &env, &["publish", "--now", now]);
        assert_eq!(code, 0, "{err}");
    }
    let p = Published {
        ws,
        env,
        m,
        instance,
        _s: s,
    };
    p.instance
        .engage(&p.id_of("Winter Blend is here"), 40, 12, 5);
    p.instance
        .engage(&p.id_of("Grind right before you brew"), 3, 0, 1);
    p.instance
        .engage(&p.id_of("Thank you for a great week"), 10, 2, 0);
    p
}

#[test]
fn a_pull_records_each_published_post_and_the_report_says_what_worked() {
    let p = published();
    let (ws, env, m, instance) = (&p.ws, &p.env, &p.m, &p.instance);
    let id_of = |text: &str| p.id_of(text);
    let now = "2026-12-07T08:00:00+01:00";
    let (code, out, err) = postcal(ws.path(), env, &["-v", "metrics", "pull", "--now", now]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert_eq!(
        err.matches("no metrics offered by: s (slack)").count(),
        1,
        "{err}"
    );
    let got: Vec<(String, String, u64, u64, u64)> = snapshots(ws.path())
        .iter()
        .map(|s| {
            (
                s["post"].as_str().unwrap().to_owned(),
                s["channel"].as_str().unwrap().to_owned(),
                s["metrics"]["likes"].as_u64().unwrap(),
                s["metrics"]["reposts"].as_u64().unwrap(),
                s["metrics"]["replies"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |p: &str, l, r, re| (p.to_owned(), "m".to_owned(), l, r, re);
    assert_eq!(
        got,
        [
            row("launch", 40, 12, 5),
            row("recap", 10, 2, 0),
            row("tip", 3, 0, 1)
        ]
    );
    // Without -v, a quiet pull prints nothing (cron mails nothing).
    let (code, out, err) = postcal(ws.path(), env, &["metrics", "pull", "--now", now]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));

    // The weekly report, as a team reads it in an issue.
    let (code, report, err) = postcal(ws.path(), env, &["report", "--now", now]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("weekly_report", report);
    let (_, json, _) = postcal(
        ws.path(),
        env,
        &[
            "report", "--by", "campaign", "--format", "json", "--now", now,
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["total"]["posts"], 3);
    assert_eq!(doc["total"]["engagement"], 73);
    let groups: Vec<(&str, u64)> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap(),
                g["engagement"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(groups, [("winter", 69), ("(none)", 4)]);
    assert_eq!(doc["best"][0]["post"], "launch");
    // Thursday 09:00 Madrid: the recap's 12 engagements.
    assert_eq!(doc["heat"][3][9][1], 12.0);

    // A spreadsheet's rows: one per delivery with its numbers.
    let (_, csv, _) = postcal(ws.path(), env, &["report", "--format", "csv", "--now", now]);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "post,channel,platform,at,likes,reposts,replies,quotes,views,engagement,campaign,owner,tags,text"
    );
    assert_eq!(
        rows[1],
        "launch,m,mastodon,2026-12-01 09:01,40,12,5,,,57,winter,ana,launch,Winter Blend is here"
    );
    assert_eq!(rows.len(), 4);
    let (_, table, _) = postcal(
        ws.path(),
        env,
        &["report", "--format", "table", "--now", now],
    );
    assert!(
        table.contains("│ all     ┆ 3     ┆ 73         ┆ 24.3     │"),
        "{table}"
    );

    // A post deleted on the server is recorded as gone, once.
    let tip = id_of("Grind right before you brew");
    instance.remove(&tip);
    let (code, _, err) = postcal(
        ws.path(),
        env,
        &["metrics", "pull", "--now", "2026-12-08T08:00:00+01:00"],
    );
    assert_eq!(code, 0, "{err}");
    let gone: Vec<&str> = snapshots(ws.path())
        .iter()
        .filter(|s| s["gone"] == true)
        .map(|s| s["post"].as_str().unwrap().to_owned().leak() as &str)
        .collect();
    assert_eq!(gone, ["tip"]);
    let reads = || -> Vec<support::Recorded> {
        m.requests()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path == "/api/v1/statuses")
            .collect()
    };
    let asked = reads().len();
    let (code, _, err) = postcal(
        ws.path(),
        env,
        &["metrics", "pull", "--now", "2026-12-09T08:00:00+01:00"],
    );
    assert_eq!(code, 0, "{err}");
    // One batched read (Mastodon 4.3), without the gone post.
    let now_read = reads();
    assert_eq!(now_read.len(), asked + 1);
    let ids: Vec<String> = url::form_urlencoded::parse(now_read[asked].query.as_bytes())
        .filter(|(k, _)| k == "id[]")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(!ids.contains(&tip), "the gone post is not asked about");

    // Rate limited: said, exit 1, nothing written; publishing is not touched.
    let before = snapshots(ws.path()).len();
    (m.set_behaviour)(Behaviour::RateLimited {
        retry_after_secs: 600,
    });
    let (code, _, err) = postcal(
        ws.path(),
        env,
        &["metrics", "pull", "--now", "2026-12-09T09:00:00+01:00"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("m: metrics could not be read"), "{err}");
    assert!(!err.contains(mastodon::TOKEN), "the token is never printed");
    assert_eq!(snapshots(ws.path()).len(), before);

    // A short wait is waited out: the same pull then reads the posts.
    (m.set_behaviour)(Behaviour::RateLimited {
        retry_after_secs: 1,
    });
    let (code, err) = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(300));
            (m.set_behaviour)(Behaviour::Ok);
        });
        let (code, _, err) = postcal(
            ws.path(),
            env,
            &["metrics", "pull", "--now", "2026-12-09T10:00:00+01:00"],
        );
        (code, err)
    });
    assert_eq!(code, 0, "{err}");
    assert_eq!(snapshots(ws.path()).len(), before + 2);
}

#[test]
fn bluesky_metrics_come_from_the_appview_in_batches_of_25() {
    let appview = support::appview::start();
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("postcal.yaml"),
        format!(
            "timezone: Europe/Madrid\nchannels:\n  b:\n    platform: bluesky\n    handle: x.bsky.social\n    app_password: env:P\n    service: http://127.0.0.1:9\n    appview: {}\n",
            appview.base
        ),
    )
    .unwrap();
    std::fs::create_dir_all(ws.path().join("calendars")).unwrap();
    std::fs::create_dir_all(ws.path().join(".postcal")).unwrap();
    let mut calendar = String::from("posts:\n");
    let mut ledger = String::new();
    for i in 0..30 {
        calendar.push_str(&format!(
            "  - id: p{i:02}\n    at: 2026-12-01 {:02}:00\n    status: approved\n    channels: [b]\n    text: Post {i}\n",
            8 + i % 12
        ));
        let uri = format!("at://did:plc:test/app.bsky.feed.post/3lpost{i:02}");
        ledger.push_str(&format!(
            "{{\"ts\":\"2026-12-01T{:02}:00:01Z\",\"post\":\"p{i:02}\",\"channel\":\"b\",\"part\":0,\"event\":\"published\",\"remote_id\":\"{uri}\"}}\n",
            7 + i % 12
        ));
        if i != 7 {
            appview.set(&uri, i, 1, 2, 3);
        }
    }
    std::fs::write(ws.path().join("calendars/c.yaml"), calendar).unwrap();
    std::fs::write(ws.path().join(".postcal/ledger.jsonl"), ledger).unwrap();
    let env: std::collections::HashMap<String, String> =
        [("P".to_owned(), "app-pass".to_owned())].into();
    let (code, _, err) = postcal(
        ws.path(),
        &env,
        &["metrics", "pull", "--now", "2026-12-05T08:00:00Z"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(appview.batches(), [25, 5]);
    let all = snapshots(ws.path());
    assert_eq!(all.len(), 30);
    let p03 = all.iter().find(|s| s["post"] == "p03").unwrap();
    assert_eq!(
        p03["metrics"],
        serde_json::json!({"likes": 3, "reposts": 1, "replies": 2, "quotes": 3})
    );
    let gone: Vec<&serde_json::Value> = all.iter().filter(|s| s["gone"] == true).collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["post"], "p07");
}

/// `(attribute, value)` pairs of every element of `class` in a DOM.
fn marks(dom: &str, class: &str) -> Vec<Vec<(String, String)>> {
    dom.split(&format!("class=\"{class}\""))
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            tag.split(" data-")
                .skip(1)
                .filter_map(|a| {
                    let (k, v) = a.split_once("=\"")?;
                    Some((k.to_owned(), v.split('"').next()?.to_owned()))
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_html_report_draws_what_the_numbers_say() {
    let p = published();
    let now = "2026-12-07T08:00:00+01:00";
    let (code, _, err) = postcal(p.ws.path(), &p.env, &["metrics", "pull", "--now", now]);
    assert_eq!(code, 0, "{err}");
    let (code, page, err) = postcal(
        p.ws.path(),
        &p.env,
        &[
            "report", "--by", "campaign", "--format", "html", "--now", now,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!page.contains("<script"), "no script");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing fetched"
    );
    // The site shows the same page, linked from every page's navigation.
    let site = p.ws.path().join("public");
    let (code, _, err) = postcal(
        p.ws.path(),
        &p.env,
        &[
            "site",
            "--out",
            site.to_str().unwrap(),
            "--from",
            "2026-11-30",
            "--to",
            "2026-12-06",
            "--now",
            now,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let results = std::fs::read_to_string(site.join("results.html")).unwrap();
    assert!(
        results.contains("<h1>Results, Mon 30 Nov 2026"),
        "{results}"
    );
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"results.html\">Results</a>"),
        "{index}"
    );
    let file = p.ws.path().join("report.html");
    std::fs::write(&file, &page).unwrap();
    let Some(chromium) = support::chromium::find() else {
        return;
    };
    let dom = support::chromium::browse(
        &chromium,
        &p.ws.path().join("profile"),
        &file,
        &["--dump-dom"],
    );
    let get = |m: &Vec<(String, String)>, k: &str| {
        m.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let bars: Vec<(String, String, String)> = marks(&dom, "bar")
        .iter()
        .map(|m| (get(m, "name"), get(m, "posts"), get(m, "engagement")))
        .collect();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        bars,
        [
            (s("winter"), s("2"), s("69")),
            (s("(none)"), s("1"), s("4"))
        ]
    );
    let cells: Vec<(String, String, String, String)> = marks(&dom, "cell")
        .iter()
        .map(|m| {
            (
                get(m, "day"),
                get(m, "hour"),
                get(m, "posts"),
                get(m, "per-post"),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            (s("Tue"), s("9"), s("1"), s("57.0")),
            (s("Wed"), s("18"), s("1"), s("4.0")),
            (s("Thu"), s("9"), s("1"), s("12.0")),
        ]
    );
    let days: Vec<(String, String)> = marks(&dom, "point")
        .iter()
        .map(|m| (get(m, "date"), get(m, "engagement")))
        .collect();
    assert_eq!(days.len(), 7);
    assert_eq!(days[1], (s("2026-12-01"), s("57")));
    assert_eq!(
        days.iter()
            .map(|(_, v)| v.parse::<u64>().unwrap())
            .sum::<u64>(),
        73
    );
    assert!(dom.contains("<h1>"), "a heading");
}

#[test]
fn x_metrics_are_one_signed_request_for_up_to_100_posts() {
    let (x, account) = support::x::start_with(Behaviour::Ok);
    let ws = support::workspace(&[("x", "x", &x)]);
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "posts:\n  - id: one\n    at: 2026-12-01 09:00\n    status: approved\n    channels: [x]\n    text: First post\n  - id: two\n    at: 2026-12-01 10:00\n    status: approved\n    channels: [x]\n    text: Second post\n",
    )
    .unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &x.env,
        &["publish", "--now", "2026-12-01T10:01:00+01:00"],
    );
    assert_eq!(code, 0, "{err}");
    let ids = account.ids();
    account.engage(&ids[0], 7, 2, 1, 1, 900);
    // A post of the ledger that X no longer has.
    let mut ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    ledger.push_str(r#"{"ts":"2026-12-01T08:00:00Z","post":"old","channel":"x","part":0,"event":"published","remote_id":"1999"}"#);
    ledger.push('\n');
    std::fs::write(ws.path().join(".postcal/ledger.jsonl"), ledger).unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &x.env,
        &["metrics", "pull", "--now", "2026-12-02T08:00:00+01:00"],
    );
    assert_eq!(code, 0, "{err}");
    let reads = x
        .requests_to("/2/tweets")
        .into_iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(reads, 1, "one batched read");
    let all = snapshots(ws.path());
    let of = |post: &str| all.iter().find(|s| s["post"] == post).unwrap().clone();
    assert_eq!(
        of("one")["metrics"],
        serde_json::json!({"likes": 7, "reposts": 2, "replies": 1, "quotes": 1, "views": 900})
    );
    assert_eq!(of("two")["metrics"]["likes"], 0);
    assert_eq!(of("old")["gone"], true);
}

#[test]
fn facebook_metrics_are_reactions_comments_and_shares() {
    let (fb, graph) = support::facebook::start_with(Behaviour::Ok);
    let ws = support::workspace(&[("f", "facebook", &fb)]);
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "posts:\n  - id: one\n    at: 2026-12-01 09:00\n    status: approved\n    channels: [f]\n    text: Our winter menu\n  - id: two\n    at: 2026-12-01 10:00\n    status: approved\n    channels: [f]\n    text: Open late on Friday\n",
    )
    .unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &fb.env,
        &["publish", "--now", "2026-12-01T10:01:00+01:00"],
    );
    assert_eq!(code, 0, "{err}");
    let ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    let id_of = |post: &str| {
        ledger
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|r| r["post"] == post && r["event"] == "published")
            .unwrap()["remote_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    graph.engage(&id_of("one"), 25, 4, 3);
    let (code, _, err) = postcal(
        ws.path(),
        &fb.env,
        &["metrics", "pull", "--now", "2026-12-02T08:00:00+01:00"],
    );
    assert_eq!(code, 0, "{err}");
    let all = snapshots(ws.path());
    let of = |post: &str| all.iter().find(|s| s["post"] == post).unwrap()["metrics"].clone();
    assert_eq!(
        of("one"),
        serde_json::json!({"likes": 25, "reposts": 3, "replies": 4})
    );
    assert_eq!(
        of("two"),
        serde_json::json!({"likes": 0, "reposts": 0, "replies": 0})
    );
    assert_eq!(graph.post_ids().len(), 2);
}

#[test]
fn mastodon_metrics_are_read_twenty_at_a_time_or_one_by_one_before_4_3() {
    let (m, instance) = mastodon::start_with(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &m)]);
    let mut adapter = support::adapter(ws.path(), "m", &m.env);
    let ids: Vec<String> = (0..45)
        .map(|i| {
            let (text, key) = (format!("post {i}"), format!("key-{i}"));
            adapter.post(&support::part(&text, &key)).unwrap().id
        })
        .collect();
    instance.engage(&ids[7], 4, 2, 1);
    instance.remove(&ids[30]);
    let asked: Vec<&str> = ids.iter().map(String::as_str).collect();
    let batches = || -> Vec<usize> {
        m.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/api/v1/statuses")
            .map(|r| {
                url::form_urlencoded::parse(r.query.as_bytes())
                    .filter(|(k, _)| k == "id[]")
                    .count()
            })
            .collect()
    };
    let got = adapter.metrics(&asked).unwrap();
    assert_eq!(batches(), [20, 20, 5]);
    assert_eq!(got.len(), 45);
    assert_eq!(got[30], None, "the deleted status is gone");
    assert_eq!(got.iter().filter(|g| g.is_some()).count(), 44);
    let seventh = got[7].as_ref().unwrap();
    assert_eq!(
        (seventh.likes, seventh.reposts, seventh.replies),
        (Some(4), Some(2), Some(1))
    );
    // A server before 4.3 has no batch endpoint: one status at a time, the
    // same answers.
    instance.before_4_3();
    let singles_before = m.requests_to("/api/v1/statuses/").len();
    assert_eq!(adapter.metrics(&asked).unwrap(), got);
    assert_eq!(batches().len(), 4, "asked once, then no more");
    assert_eq!(
        m.requests_to("/api/v1/statuses/").len() - singles_before,
        45
    );
}
