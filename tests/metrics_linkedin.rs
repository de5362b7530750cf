//! LinkedIn's engagement (SPEC §8) from the strict local LinkedIn
//! (tests/support/linkedin/stats.rs): an organization's posts twenty at a
//! time from share statistics, a post without activity counted as 0 and a
//! deleted one as gone; a member's posts from member post analytics, which
//! needs `r_member_postAnalytics` (said plainly when the token lacks it),
//! in both answer shapes LinkedIn's versions give; and `metrics pull`
//! writing the snapshots.

mod support;

use postcal::adapters::{Adapter, ErrorKind};
use support::linkedin::{self, Behaviour, ORG, PERSON, Stats, workspace};
use support::{Fake, part};

fn adapter(fake: &Fake, ws: &tempfile::TempDir) -> Box<dyn Adapter> {
    support::adapter(ws.path(), "li", &fake.env)
}

/// `count` posts made through the adapter, their URNs in order.
fn posts(adapter: &mut dyn Adapter, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let text = format!("Roast notes, day {i}");
            adapter.post(&part(&text, &format!("k{i}"))).unwrap().id
        })
        .collect()
}

/// Delete the post `urn` as the channel's author.
fn delete(adapter: &mut dyn Adapter, urn: &str) {
    let t = support::TEST_NOW.parse().unwrap();
    let remote = postcal::adapters::Remote {
        id: urn.to_owned(),
        url: None,
    };
    adapter.delete(&remote, t, t).unwrap();
}

fn stats(likes: u64, comments: u64, shares: u64, impressions: u64) -> Stats {
    Stats {
        likes,
        comments,
        shares,
        impressions,
        clicks: likes / 2,
    }
}

#[test]
fn an_organizations_posts_are_read_twenty_at_a_time() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    let ws = workspace(&fake, ORG, "");
    let mut adapter = adapter(&fake, &ws);
    let ids = posts(adapter.as_mut(), 25);
    handle.engage(&ids[3], stats(40, 6, 2, 1200));
    handle.engage(&ids[21], stats(1, 0, 0, 80));
    delete(adapter.as_mut(), &ids[9]);
    let asked: Vec<&str> = ids.iter().map(String::as_str).collect();
    let got = adapter.metrics(&asked).unwrap();

    let batches: Vec<String> = fake
        .requests_to("/rest/organizationalEntityShareStatistics")
        .iter()
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(batches.len(), 2, "{batches:?}");
    let listed = |q: &str| q.split("%3Ashare%3A").count() - 1;
    assert_eq!((listed(&batches[0]), listed(&batches[1])), (20, 5));
    assert!(
        batches[0].contains("&shares=List(urn%3Ali%3Ashare%3A"),
        "a Rest.li list of encoded URNs: {}",
        batches[0]
    );

    assert_eq!(got.len(), 25);
    let third = got[3].as_ref().unwrap();
    assert_eq!(
        (
            third.likes,
            third.replies,
            third.reposts,
            third.views,
            third.clicks
        ),
        (Some(40), Some(6), Some(2), Some(1200), Some(20))
    );
    assert_eq!(got[21].as_ref().unwrap().views, Some(80));
    assert_eq!(got[9], None, "the deleted post is gone");
    let quiet = got[0]
        .as_ref()
        .expect("a post without activity is still there");
    assert_eq!((quiet.likes, quiet.views), (Some(0), Some(0)));
    assert_eq!(got.iter().filter(|g| g.is_none()).count(), 1);
}

#[test]
fn a_member_needs_post_analytics_and_gets_four_counts_a_post() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    let ws = workspace(&fake, PERSON, "");
    let mut adapter = adapter(&fake, &ws);
    let ids = posts(adapter.as_mut(), 2);
    handle.engage(&ids[1], stats(9, 3, 1, 450));
    let asked: Vec<&str> = ids.iter().map(String::as_str).collect();

    let refused = adapter.metrics(&asked).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Permanent);
    assert!(
        refused.message.contains("r_member_postAnalytics"),
        "{}",
        refused.message
    );
    assert!(!refused.message.contains(linkedin::TOKEN));

    handle.grant_post_analytics();
    let before = fake.requests_to("/rest/memberCreatorPostAnalytics").len();
    let got = adapter.metrics(&asked).unwrap();
    assert_eq!(
        fake.requests_to("/rest/memberCreatorPostAnalytics").len() - before,
        8,
        "reactions, comments, reshares and impressions for each post"
    );
    let second = got[1].as_ref().unwrap();
    assert_eq!(
        (
            second.likes,
            second.replies,
            second.reposts,
            second.views,
            second.clicks
        ),
        (Some(9), Some(3), Some(1), Some(450), None)
    );
    assert_eq!(got[0].as_ref().unwrap().likes, Some(0));
}

#[test]
fn older_versions_name_the_metric_in_an_object_and_read_the_same() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    let ws = workspace(&fake, PERSON, "\n    linkedin_version: \"202601\"");
    let mut adapter = adapter(&fake, &ws);
    let ids = posts(adapter.as_mut(), 1);
    handle.grant_post_analytics();
    handle.engage(&ids[0], stats(5, 2, 0, 300));
    let got = adapter.metrics(&[ids[0].as_str()]).unwrap();
    let m = got[0].as_ref().unwrap();
    assert_eq!((m.likes, m.replies, m.views), (Some(5), Some(2), Some(300)));
}

#[test]
fn metrics_pull_records_linkedin_snapshots_and_a_deleted_post_as_gone() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    let ws = workspace(&fake, PERSON, "");
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        "posts:\n  - id: one\n    at: 2026-12-01 09:00\n    status: approved\n    channels: [li]\n    text: Our winter roast is in\n  - id: two\n    at: 2026-12-01 10:00\n    status: approved\n    channels: [li]\n    text: Cupping on Friday at five\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_postcal"))
            .env_remove("POSTCAL_WORKSPACE")
            .envs(&fake.env)
            .args(["--color", "never", "--workspace"])
            .arg(ws.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["publish", "--now", "2026-12-01T10:01:00Z"]);
    assert_eq!(code, 0, "{err}");
    let posts = (fake.posts)();
    let urn_of = |text: &str| {
        posts.iter().find(|p| p["text"] == text).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Without the permission: said with what to do, exit 1, nothing written.
    let (code, err) = run(&["metrics", "pull", "--now", "2026-12-02T07:00:00Z"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("r_member_postAnalytics"), "{err}");
    assert!(err.contains("leave the channel out with `--skip`"), "{err}");
    assert!(!ws.path().join(".postcal/metrics.jsonl").exists());
    let (code, err) = run(&["metrics", "pull", "--skip", "li"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--skip leaves no channel to read"), "{err}");

    handle.grant_post_analytics();
    handle.engage(&urn_of("Our winter roast is in"), stats(12, 4, 2, 900));
    delete(
        adapter(&fake, &ws).as_mut(),
        &urn_of("Cupping on Friday at five"),
    );
    let (code, err) = run(&["metrics", "pull", "--now", "2026-12-02T08:00:00Z"]);
    assert_eq!(code, 0, "{err}");
    let file = std::fs::read_to_string(ws.path().join(".postcal/metrics.jsonl")).unwrap();
    let all: Vec<serde_json::Value> = file
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |post: &str| all.iter().find(|s| s["post"] == post).unwrap().clone();
    assert_eq!(
        of("one")["metrics"],
        serde_json::json!({"likes": 12, "reposts": 2, "replies": 4, "views": 900})
    );
    assert_eq!(of("two")["gone"], true);
}
