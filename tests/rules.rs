//! Each rule fires on the mistake it names and stays quiet on the fix.

use std::path::Path;

use chrono::{DateTime, Utc};
use postcal::calendar::{self, LoadError};
use postcal::diagnostic::Severity;
use postcal::validate::{self, PublishedSet};

const CONFIG: &str = "\
timezone: Europe/Madrid
channels:
  m: { platform: mastodon, instance: https://m.example, token: env:M_TOKEN }
  b: { platform: bluesky, handle: x.bsky.social, app_password: env:B_PW }
  s: { platform: slack, webhook: env:S_HOOK }
";

fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

/// `(rule, line, severity)` of every finding for a workspace made of
/// `config` (plus `extra_config`) and one calendar file.
fn findings_with(extra_config: &str, calendar: &str) -> Vec<(String, u32, Severity)> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), extra_config, calendar);
    let ws = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    validate::validate(&ws, now(), &PublishedSet::new())
        .into_iter()
        .map(|f| (f.rule.as_str().to_owned(), f.loc.line, f.severity))
        .collect()
}

fn write(root: &Path, extra_config: &str, calendar: &str) {
    std::fs::write(root.join("postcal.yaml"), format!("{CONFIG}{extra_config}")).unwrap();
    std::fs::create_dir_all(root.join("calendars")).unwrap();
    std::fs::write(root.join("calendars/c.yaml"), calendar).unwrap();
}

fn rules_of(extra_config: &str, calendar: &str) -> Vec<String> {
    findings_with(extra_config, calendar)
        .into_iter()
        .map(|(r, ..)| r)
        .collect()
}

fn post(id: &str, at: &str, extra: &str) -> String {
    format!(
        "  - id: {id}\n    at: {at}\n    status: approved\n    channels: [m]\n    text: Post {id}\n{extra}"
    )
}

fn cal(posts: &[String]) -> String {
    format!("posts:\n{}", posts.concat())
}

#[test]
fn a_clean_calendar_has_no_findings() {
    assert_eq!(
        rules_of(
            "",
            &cal(&[
                post("a", "2026-12-01 09:00", ""),
                post("b", "2026-12-02 09:00", "")
            ])
        ),
        Vec::<String>::new()
    );
}

#[test]
fn missing_fields() {
    let cal = "posts:\n  - at: 2026-12-01 09:00\n    text: x\n  - id: no-time\n    channels: [m]\n  - id: nowhere\n    at: 2026-12-01 10:00\n";
    let f = findings_with("", cal);
    let missing: Vec<u32> = f
        .iter()
        .filter(|(r, ..)| r == "missing-field")
        .map(|(_, l, _)| *l)
        .collect();
    assert_eq!(missing, vec![2, 4, 6], "{f:?}");
}

#[test]
fn invalid_and_duplicate_ids() {
    let f = findings_with(
        "",
        &cal(&[
            post("Bad_ID", "2026-12-01 09:00", ""),
            post("a", "2026-12-02 09:00", ""),
            post("a", "2026-12-03 09:00", ""),
        ]),
    );
    assert!(
        f.contains(&("invalid-id".into(), 2, Severity::Error)),
        "{f:?}"
    );
    assert!(
        f.contains(&("duplicate-id".into(), 12, Severity::Error)),
        "{f:?}"
    );
    assert!(
        !f.iter().any(|(r, l, _)| r == "duplicate-id" && *l == 7),
        "the first of two is not reported: {f:?}"
    );
}

#[test]
fn unknown_channels_and_variants() {
    let cal = "posts:\n  - id: a\n    at: 2026-12-01 09:00\n    channels: [m, mm]\n    text: x\n    variants:\n      bluesky: { text: y }\n      nowhere: { text: z }\n";
    let f = findings_with("", cal);
    let lines: Vec<u32> = f
        .iter()
        .filter(|(r, ..)| r == "unknown-channel")
        .map(|(_, l, _)| *l)
        .collect();
    assert_eq!(lines, vec![4, 8], "{f:?}");
}

#[test]
fn empty_post_and_empty_thread_part() {
    let cal = "posts:\n  - id: a\n    at: 2026-12-01 09:00\n    channels: [m]\n  - id: b\n    at: 2026-12-02 09:00\n    channels: [m]\n    text: x\n    thread: [\"  \"]\n";
    let f = findings_with("", cal);
    let lines: Vec<u32> = f
        .iter()
        .filter(|(r, ..)| r == "empty-post")
        .map(|(_, l, _)| *l)
        .collect();
    assert_eq!(lines, vec![2, 9], "{f:?}");
}

#[test]
fn too_long_counts_rendered_text_per_platform() {
    // 290 graphemes fit Bluesky, but the UTM parameters appended to the link
    // push it over: counting happens on the rendered text.
    let text = format!("{} https://a.example/x", "y".repeat(268));
    let utm = "links:\n  utm: { utm_source: \"{platform}\", utm_campaign: spring }\n";
    let body = format!(
        "posts:\n  - id: a\n    at: 2026-12-01 09:00\n    channels: [m, b]\n    text: \"{text}\"\n"
    );
    assert_eq!(rules_of("", &body), Vec::<String>::new());
    assert_eq!(rules_of(utm, &body), vec!["too-long"]);
    // Each thread part is counted on its own.
    let thread = format!(
        "posts:\n  - id: a\n    at: 2026-12-01 09:00\n    channels: [b]\n    text: x\n    thread: [\"{}\"]\n",
        "z".repeat(301)
    );
    assert_eq!(
        findings_with("", &thread),
        vec![("too-long".into(), 6, Severity::Error)]
    );
}

#[test]
fn media_on_slack_and_too_many_items() {
    let dir = tempfile::tempdir().unwrap();
    let items: String = (0..5)
        .map(|i| format!("      - {{ file: media/p{i}.png, alt: pic }}\n"))
        .collect();
    let cal = format!(
        "posts:\n  - id: a\n    at: 2026-12-01 09:00\n    channels: [m, s]\n    text: x\n    media:\n{items}"
    );
    write(dir.path(), "", &cal);
    std::fs::create_dir(dir.path().join("media")).unwrap();
    // A real 1x1 PNG.
    let png: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A',
        b'T', 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, b'I',
        b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82,
    ];
    for i in 0..5 {
        std::fs::write(dir.path().join(format!("media/p{i}.png")), png).unwrap();
    }
    let ws = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let f = validate::validate(&ws, now(), &PublishedSet::new());
    let media: Vec<&str> = f
        .iter()
        .filter(|f| f.rule.as_str() == "media")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(media.len(), 2, "{media:?}");
    assert!(
        media
            .iter()
            .any(|m| m.contains("slack cannot attach media")),
        "{media:?}"
    );
    assert!(
        media
            .iter()
            .any(|m| m.contains("5 media items for m; mastodon takes at most 4")),
        "{media:?}"
    );
}

#[test]
fn blackout_rules() {
    let bad = "blackouts:\n  - { from: 2026-12-26, to: 2026-12-24 }\n  - { from: 2026-12-24, to: 2026-12-26, channels: [mastodn] }\n";
    let f = findings_with(bad, &cal(&[post("a", "2026-12-01 09:00", "")]));
    let lines: Vec<u32> = f
        .iter()
        .filter(|(r, ..)| r == "blackout")
        .map(|(_, l, _)| *l)
        .collect();
    assert_eq!(lines, vec![7, 8], "{f:?}");
    // Dates are whole days, inclusive: a post on the last day is inside.
    let ok = "blackouts:\n  - { from: 2026-12-24, to: 2026-12-26 }\n";
    let f = findings_with(
        ok,
        &cal(&[
            post("a", "2026-12-26 23:30", ""),
            post("b", "2026-12-27 00:30", ""),
        ]),
    );
    assert_eq!(f, vec![("in-blackout".into(), 3, Severity::Warning)]);
}

#[test]
fn config_rule_settings_are_checked() {
    let bad = "rules:\n  max-hashtag: warn\n  too-long: off\n  min-gap: { level: warn, max: 3 }\n";
    let f = findings_with(bad, &cal(&[post("a", "2026-12-01 09:00", "")]));
    let lines: Vec<u32> = f
        .iter()
        .filter(|(r, ..)| r == "config")
        .map(|(_, l, _)| *l)
        .collect();
    assert_eq!(lines, vec![7, 8, 9], "{f:?}");
}

#[test]
fn configured_levels_apply() {
    let four = post("a", "2026-12-01 09:00", "").replace("Post a", "\"#a #b #c #d\"");
    assert_eq!(findings_with("", &cal(std::slice::from_ref(&four))), vec![]);
    let strict = "rules:\n  max-hashtags: { level: error, max: 3 }\n";
    assert_eq!(
        findings_with(strict, &cal(std::slice::from_ref(&four))),
        vec![("max-hashtags".into(), 6, Severity::Error)]
    );
    assert_eq!(
        findings_with(
            "rules:\n  max-hashtags: { level: off, max: 1 }\n",
            &cal(&[four])
        ),
        vec![]
    );
}

#[test]
fn schedule_rules() {
    let rules =
        "rules:\n  min-gap: { level: warn, minutes: 90 }\n  max-per-day: { level: warn, max: 2 }\n";
    let posts = [
        post("a", "2026-12-01 09:00", ""),
        post("b", "2026-12-01 10:00", ""),
        post("c", "2026-12-01 12:00", ""),
        // Cancelled posts take no slot.
        post("d", "2026-12-01 12:10", "").replace("approved", "cancelled"),
    ];
    let f = findings_with(rules, &cal(&posts));
    assert_eq!(
        f,
        vec![
            ("min-gap".into(), 8, Severity::Warning),
            ("max-per-day".into(), 13, Severity::Warning)
        ]
    );
}

#[test]
fn duplicate_text_within_days() {
    let same =
        |id: &str, at: &str| post(id, at, "").replace(&format!("Post {id}"), "Same   TEXT here");
    let f = findings_with(
        "",
        &cal(&[
            same("a", "2026-12-01 09:00"),
            same("b", "2026-12-20 09:00"),
            same("c", "2027-03-01 09:00"),
        ]),
    );
    assert_eq!(f, vec![("duplicate-text".into(), 11, Severity::Warning)]);
}

#[test]
fn past_posts_unless_published() {
    let cal = cal(&[
        post("old", "2026-11-01 09:00", ""),
        post("cancelled-old", "2026-11-01 10:00", "").replace("approved", "cancelled"),
    ]);
    assert_eq!(
        findings_with("", &cal),
        vec![("past-post".into(), 3, Severity::Warning)]
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "", &cal);
    let ws = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let published: PublishedSet = [("old".to_owned(), "m".to_owned())].into_iter().collect();
    assert!(validate::validate(&ws, now(), &published).is_empty());
}

#[test]
fn unusable_configuration_is_an_error_not_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), "timezone: Mars/Olympus\n").unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    assert!(matches!(
        calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()),
        Err(LoadError::Unusable { .. })
    ));
    std::fs::write(
        dir.path().join("postcal.yaml"),
        "timezone: UTC\ncalendars: nowhere\n",
    )
    .unwrap();
    assert!(matches!(
        calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()),
        Err(LoadError::Unusable { .. })
    ));
}

#[test]
fn channel_fields_follow_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postcal.yaml"),
        "timezone: UTC\nchannels:\n  t:\n    platform: telegram\n    token: env:T\n    chat_id: channel\n    handle: x\n  w:\n    platform: webhook\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    let ws = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let f: Vec<(u32, String)> = validate::validate(&ws, now(), &PublishedSet::new())
        .into_iter()
        .map(|f| (f.loc.line, f.message))
        .collect();
    assert_eq!(
        f,
        vec![
            (6, "`channel` is not a Telegram chat id".to_owned()),
            (
                7,
                "`handle` is not a field of a telegram channel".to_owned()
            ),
            (9, "channel `w` has no `url`".to_owned()),
        ]
    );
}
