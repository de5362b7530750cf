//! Property: for any sequence of `publish` runs at increasing times, every
//! delivery is posted at most once, and every approved one whose window
//! [at, at + catch_up] holds a run is posted.

mod support;

use chrono::{DateTime, Duration, Utc};
use postcal::publish::{self, Silent};
use proptest::prelude::*;
use support::{Behaviour, mastodon};

const STATUSES: [&str; 4] = ["approved", "draft", "review", "cancelled"];

fn base() -> DateTime<Utc> {
    "2026-12-01T11:00:00Z".parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn posted_at_most_once_and_never_dropped(
        posts in prop::collection::vec((-240i64..240, 0usize..4, 10i64..180), 1..7),
        steps in prop::collection::vec(0i64..150, 1..6),
    ) {
        let fake = mastodon::start(Behaviour::Ok);
        let ws = support::workspace(&[("m", "mastodon", &fake)]);
        let mut cal = String::from("posts:\n");
        for (i, (offset, status, catch_up)) in posts.iter().enumerate() {
            let at = base() + Duration::minutes(*offset);
            cal.push_str(&format!(
                "  - id: p{i}\n    at: {}\n    status: {}\n    catch_up: {catch_up}m\n    channels: [m]\n    text: Post {i}\n",
                at.to_rfc3339(),
                STATUSES[*status]
            ));
        }
        std::fs::write(ws.path().join("calendars/c.yaml"), cal).unwrap();
        let workspace = postcal::calendar::load(ws.path()).unwrap();
        let mut now = base() - Duration::hours(3);
        let mut run_times = Vec::new();
        for step in &steps {
            now += Duration::minutes(*step);
            run_times.push(now);
            let findings = postcal::validate::validate(&workspace, now, &Default::default());
            let options = publish::Options::new(std::time::Duration::from_secs(5));
            publish::publish(&workspace, &findings, now, &options, &fake.env, &Silent).unwrap();
        }
        let texts: Vec<String> = (fake.posts)().iter().map(|p| p["content"].as_str().unwrap().to_owned()).collect();
        for (i, (offset, status, catch_up)) in posts.iter().enumerate() {
            let text = format!("Post {i}");
            let times = texts.iter().filter(|t| **t == text).count();
            prop_assert!(times <= 1, "{text} posted {times} times");
            let at = base() + Duration::minutes(*offset);
            let in_window = run_times.iter().any(|t| at <= *t && *t - at <= Duration::minutes(*catch_up));
            let should = STATUSES[*status] == "approved" && in_window;
            prop_assert_eq!(times == 1, should, "{} ({}, at {}, catch-up {}m, runs {:?})", text, STATUSES[*status], at, catch_up, run_times);
        }
    }
}
