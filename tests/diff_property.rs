//! Properties of the semantic diff: a calendar compared with itself has no
//! changes, moving posts to another file is no change either, and an edit
//! of a recurring post is one change naming every occurrence it affects.

use postcal::calendar;
use postcal::validate::PublishedSet;
use proptest::prelude::*;

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n  b: { platform: bluesky, handle: x.bsky.social, app_password: env:P }\n";
const STATUSES: [&str; 3] = ["draft", "approved", "review"];

fn post_strategy() -> impl Strategy<Value = (u8, u8, u8, String, bool)> {
    (
        0u8..28,
        0u8..24,
        0u8..3,
        "[a-zA-Z ,.!é☕]{1,60}",
        any::<bool>(),
    )
}

fn write(dir: &std::path::Path, files: &[Vec<String>]) {
    std::fs::write(dir.join("postcal.yaml"), CONFIG).unwrap();
    let cal = dir.join("calendars");
    let _ = std::fs::remove_dir_all(&cal);
    std::fs::create_dir(&cal).unwrap();
    for (i, posts) in files.iter().enumerate() {
        std::fs::write(
            cal.join(format!("f{i}.yaml")),
            format!("posts:\n{}", posts.concat()),
        )
        .unwrap();
    }
}

fn render(i: usize, (day, hour, status, text, both): &(u8, u8, u8, String, bool)) -> String {
    let channels = if *both { "[m, b]" } else { "[m]" };
    format!(
        "  - id: p{i}\n    at: 2026-12-{:02} {:02}:00\n    status: {}\n    channels: {channels}\n    text: \"{}\"\n",
        day + 1,
        hour,
        STATUSES[*status as usize],
        text.trim()
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_calendar_has_no_changes_against_itself(posts in prop::collection::vec(post_strategy(), 0..12)) {
        let dir = tempfile::tempdir().unwrap();
        let rendered: Vec<String> = posts.iter().enumerate().map(|(i, p)| render(i, p)).collect();
        write(dir.path(), &[rendered]);
        let ws = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
        prop_assert!(postcal::diff::compare(&ws, &ws, &PublishedSet::new()).is_empty());
    }

    #[test]
    fn moving_posts_between_files_is_no_change(posts in prop::collection::vec(post_strategy(), 1..12), split in 0usize..12) {
        let dir = tempfile::tempdir().unwrap();
        let rendered: Vec<String> = posts.iter().enumerate().map(|(i, p)| render(i, p)).collect();
        write(dir.path(), std::slice::from_ref(&rendered));
        let before = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
        let split = split.min(rendered.len());
        write(dir.path(), &[rendered[split..].to_vec(), rendered[..split].to_vec()]);
        let after = calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
        let changes = postcal::diff::compare(&before, &after, &PublishedSet::new());
        prop_assert!(changes.is_empty(), "{changes:?}");
    }

    #[test]
    fn an_edit_of_a_series_is_one_change(
        every in prop::sample::select(&["1d", "1w", "2w", "1mo", "[mon, thu]"][..]),
        count in 2u32..30,
        edit in 0usize..4,
    ) {
        let series = |text: &str, hour: u8, status: &str, channels: &str| {
            format!(
                "  - id: tip\n    at: 2026-12-07 {hour:02}:00\n    repeat: {{ every: {every}, count: {count} }}\n    status: {status}\n    channels: {channels}\n    text: \"{text}\"\n"
            )
        };
        let dir = tempfile::tempdir().unwrap();
        let now = "2026-12-01T00:00:00Z".parse().unwrap();
        write(dir.path(), &[vec![series("Grind fresh", 9, "draft", "[m]")]]);
        let before = calendar::load(dir.path(), now).unwrap();
        let edited = match edit {
            0 => series("Grind it fresh", 9, "draft", "[m]"),
            1 => series("Grind fresh", 10, "draft", "[m]"),
            2 => series("Grind fresh", 9, "approved", "[m]"),
            _ => series("Grind fresh", 9, "draft", "[m, b]"),
        };
        write(dir.path(), &[vec![edited]]);
        let after = calendar::load(dir.path(), now).unwrap();
        let changes = postcal::diff::compare(&before, &after, &PublishedSet::new());
        let dates: Vec<String> = before
            .posts
            .iter()
            .map(|p| p.id.value.trim_start_matches("tip#").to_owned())
            .collect();
        prop_assert_eq!(dates.len(), count as usize);
        prop_assert_eq!(changes.len(), 1, "{:?}", changes);
        prop_assert_eq!(&changes[0].post, "tip");
        prop_assert_eq!(&changes[0].occurrences, &dates);
    }
}
