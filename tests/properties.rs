//! Properties of the pure parts of postcal, checked on generated input:
//!
//! - `platform::count_text` never panics, whatever the text, platform, content
//!   warning or limit; and Mastodon never counts more than the text's
//!   graphemes (plus the content warning's) plus 23 per URL.
//! - `platform::bluesky_facets::detect_facets` never panics; its facets are
//!   sorted, on character boundaries, and link to their text as written (with
//!   `https://` in front of a bare domain); Bluesky counts a text with bare
//!   domains as its graphemes, links or not.
//! - `platform::links_in` never panics; on every platform its links are
//!   sorted, apart, on character boundaries and lead to `http(s)://`.
//! - Wall times and DST (`schedule::resolve_wall`): an instant's own wall time
//!   resolves back to that instant, or is reported ambiguous with that instant
//!   as one of its two readings; a wall time is reported nonexistent only when
//!   no instant has it, and the gap or fold named in the error contains it.
//! - `schedule::parse_written` / `parse_at` never panic on any string.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use postcal::platform::bluesky_facets::{Feature, detect_facets};
use postcal::platform::{Platform, count_text, http_links, links_in};
use postcal::schedule::{TimeError, parse_at, parse_written, resolve_wall};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

// ------------------------------------------------------------------ counting

/// Pieces that stress counting: emoji sequences, combining marks, mentions,
/// hashtags, URL fragments, separators, other scripts.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "_",
    "-",
    ".",
    "/",
    "=",
    "?",
    " ",
    "\n",
    "\t",
    "@",
    "#",
    "http://",
    "https://",
    "HTTPS://",
    "http://a.io",
    "https://example.com/path?q=1#frag",
    "example.com",
    "bit.ly/3x",
    "(",
    ")",
    "$AB",
    "@ana.test",
    "@ana",
    "@ana@mastodon.social",
    "ana@example.com",
    "#tag",
    "😀",
    "👨\u{200D}👩\u{200D}👧\u{200D}👦",
    "🏳\u{FE0F}\u{200D}🌈",
    "🇪🇸",
    "🇪",
    "\u{1F3FD}",
    "\u{200D}",
    "\u{FE0F}",
    "e\u{301}",
    "\u{301}",
    "\u{20DD}",
    "\u{0308}\u{0308}\u{0308}",
    "ß",
    "İ",
    "日本語",
    "한",
    "\u{1100}\u{1161}\u{11A8}",
    "ॐ",
    "क्षि",
    "مرحبا",
    "\u{202E}",
    "\u{0600}",
    "\r\n",
    "\u{0}",
    "\u{FFFD}",
    "\u{10FFFF}",
];

fn pieced_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC*",
        any::<String>(),
        pieced_text(),
        // Mostly URL-ish text around unusual characters.
        (
            "\\PC{0,8}",
            pieced_text(),
            "[a-z0-9./?=#&%-]{0,30}",
            "\\PC{0,8}"
        )
            .prop_map(|(a, b, c, d)| format!("{a}https://{b}{c} {d}")),
    ]
}

fn graphemes(s: &str) -> usize {
    s.graphemes(true).count()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn count_text_never_panics(
        text in any_text(),
        cw in proptest::option::of(any_text()),
        max_chars in proptest::option::of(prop_oneof![Just(0usize), 1usize..100_000, Just(usize::MAX)]),
        caption in any::<bool>(),
    ) {
        for platform in Platform::ALL {
            for cw in [None, cw.as_deref()] {
                let len = count_text(platform, &text, cw, max_chars, caption);
                prop_assert_eq!(len.bytes, text.len(), "{} bytes", platform);
                let _ = len.is_over();
            }
        }
    }

    #[test]
    fn mastodon_never_counts_more_than_graphemes_plus_23_per_url(
        text in any_text(),
        cw in proptest::option::of(any_text()),
    ) {
        let urls = http_links(&text).count();
        for cw in [None, cw.as_deref()] {
            let len = count_text(Platform::Mastodon, &text, cw, None, false);
            let bound = graphemes(&text) + cw.map_or(0, graphemes) + 23 * urls;
            prop_assert!(
                len.count <= bound,
                "count {} > {} graphemes + {} cw graphemes + 23 × {} URLs, for {:?} (cw {:?})",
                len.count, graphemes(&text), cw.map_or(0, graphemes), urls, text, cw
            );
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bluesky_facets_are_sorted_on_boundaries_and_link_their_text(text in any_text()) {
        let facets = detect_facets(&text);
        for pair in facets.windows(2) {
            prop_assert!(pair[0].0.start <= pair[1].0.start, "sorted: {:?}", facets);
        }
        for (range, feature) in &facets {
            let span = text.get(range.clone());
            prop_assert!(span.is_some_and(|s| !s.is_empty()), "{:?} in {:?}", range, text);
            if let (Some(span), Feature::Link(uri)) = (span, feature) {
                prop_assert!(uri == span || *uri == format!("https://{span}"), "{} for {:?}", uri, span);
                prop_assert!(uri.starts_with("http"), "{}", uri);
            }
        }
        let len = count_text(Platform::Bluesky, &text, None, None, false);
        prop_assert_eq!(len.count, graphemes(&text));
    }

    #[test]
    fn links_are_apart_on_boundaries_and_lead_to_the_web(text in any_text()) {
        for platform in Platform::ALL {
            let links = links_in(platform, &text);
            for pair in links.windows(2) {
                prop_assert!(pair[0].range.end <= pair[1].range.start, "{}: {:?}", platform, links);
            }
            for link in &links {
                let span = text.get(link.range.clone());
                prop_assert!(span.is_some_and(|s| !s.is_empty()), "{}: {:?} in {:?}", platform, link, text);
                prop_assert!(link.uri.to_ascii_lowercase().starts_with("http"), "{}: {}", platform, link.uri);
            }
        }
    }
}

// ------------------------------------------------------------------ time

const ZONES: [&str; 7] = [
    "Europe/Madrid",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "UTC",
];

fn zone(i: usize) -> Tz {
    ZONES[i % ZONES.len()].parse().expect("zone name")
}

fn ts(y: i32, m: u32, d: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("date")
        .and_utc()
        .timestamp()
}

/// 2020-01-01T00:00:00Z ..= 2035-12-31T23:59:59Z
fn range() -> (i64, i64) {
    (ts(2020, 1, 1), ts(2036, 1, 1) - 1)
}

fn offset_secs(zone: Tz, t: i64) -> i64 {
    let utc = DateTime::<Utc>::from_timestamp(t, 0).expect("instant");
    i64::from(
        zone.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// The instants (UTC seconds) at which each zone's offset changes, 2020–2035:
/// found day by day, then bisected to the second.
fn transitions(zone_index: usize) -> &'static [i64] {
    static ALL: OnceLock<Vec<Vec<i64>>> = OnceLock::new();
    &ALL.get_or_init(|| {
        (0..ZONES.len())
            .map(|i| {
                let tz = zone(i);
                let (start, end) = range();
                let mut out = Vec::new();
                let mut t = start;
                while t < end {
                    let next = (t + 86_400).min(end);
                    if offset_secs(tz, t) != offset_secs(tz, next) {
                        let (mut lo, mut hi) = (t, next);
                        let first = offset_secs(tz, lo);
                        while hi - lo > 1 {
                            let mid = lo + (hi - lo) / 2;
                            if offset_secs(tz, mid) == first {
                                lo = mid;
                            } else {
                                hi = mid;
                            }
                        }
                        out.push(hi);
                    }
                    t = next;
                }
                out
            })
            .collect()
    })[zone_index % ZONES.len()]
}

/// An instant in 2020–2035: uniform, or within three hours of one of the
/// zone's offset changes (where DST bugs live).
fn instant_in(zone_index: usize, near: bool, uniform: i64, pick: usize, delta: i64) -> i64 {
    let changes = transitions(zone_index);
    if near && !changes.is_empty() {
        changes[pick % changes.len()] + delta
    } else {
        uniform
    }
}

fn wall_of(zone: Tz, t: i64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp(t, 0)
        .expect("instant")
        .with_timezone(&zone)
        .naive_local()
}

/// Every instant within ±3h (of the wall time read as UTC, shifted by the
/// zone's offset there) whose wall clock in `zone` reads `wall`.
fn instants_with_wall(zone: Tz, wall: NaiveDateTime) -> Vec<i64> {
    let as_utc = wall.and_utc().timestamp();
    let guess = as_utc - offset_secs(zone, as_utc);
    (-180..=180)
        .map(|k| guess + k * 60)
        .filter(|&t| wall_of(zone, t) == wall)
        .collect()
}

fn wall_strategy() -> impl Strategy<Value = (usize, bool, i64, usize, i64, u32)> {
    let (start, end) = range();
    (
        0..ZONES.len(),
        any::<bool>(),
        start..=end,
        any::<usize>(),
        // Offsets from an offset change: anywhere within 3h, or right on the
        // edges of a 30/45/60-minute gap or fold.
        prop_oneof![
            -3 * 3600i64..=3 * 3600,
            prop::sample::select(
                &[
                    -3600i64, -3599, -2700, -1800, -1799, -60, -1, 0, 1, 59, 60, 1800, 2700, 3600,
                ][..]
            ),
        ],
        0u32..4,
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_instant_round_trips_through_its_wall_time(
        (zone_index, near, uniform, pick, delta, _) in wall_strategy(),
    ) {
        let tz = zone(zone_index);
        let t = instant_in(zone_index, near, uniform, pick, delta);
        let instant = DateTime::<Utc>::from_timestamp(t, 0).expect("instant");
        let wall = wall_of(tz, t);
        match resolve_wall(wall, tz) {
            Ok(back) => prop_assert_eq!(
                back, instant,
                "{} in {} is wall {}, which resolves to {}", instant, tz, wall, back
            ),
            Err(TimeError::Ambiguous { earlier, later, .. }) => {
                let (earlier, later) = (earlier.with_timezone(&Utc), later.with_timezone(&Utc));
                prop_assert!(earlier < later, "earlier {} is not before later {}", earlier, later);
                prop_assert!(
                    earlier == instant || later == instant,
                    "{} in {} is wall {}, reported ambiguous between {} and {}",
                    instant, tz, wall, earlier, later
                );
            }
            Err(e) => prop_assert!(
                false,
                "{} in {} is wall {}, which an instant has, yet: {}", instant, tz, wall, e
            ),
        }
    }

    #[test]
    fn resolve_wall_is_right_about_gaps_and_folds(
        (zone_index, near, uniform, pick, delta, seconds_kind) in wall_strategy(),
    ) {
        let tz = zone(zone_index);
        // A wall time: the reading of some instant, then shifted by up to ±3h
        // on the wall clock, so it may fall into a gap.
        let base = instant_in(zone_index, near, uniform, pick, 0);
        let mut wall = wall_of(tz, base) + Duration::seconds(delta);
        if seconds_kind != 0 {
            // Mostly whole minutes, as people write them.
            wall -= Duration::seconds(i64::from(chrono::Timelike::second(&wall)));
        }
        let having = instants_with_wall(tz, wall);
        match resolve_wall(wall, tz) {
            Ok(t) => {
                prop_assert_eq!(wall_of(tz, t.timestamp()), wall, "{} resolves to {}", wall, t);
                prop_assert_eq!(
                    having.clone(), vec![t.timestamp()],
                    "{} in {} resolves to {} but these instants have it: {:?}", wall, tz, t, having
                );
            }
            Err(err @ TimeError::Nonexistent { .. }) => {
                prop_assert!(
                    having.is_empty(),
                    "{} in {} is called nonexistent ({}), but instants {:?} have it",
                    wall, tz, err, having
                );
                let TimeError::Nonexistent { gap_start, gap_end, .. } = &err else { unreachable!() };
                let (gap_start, gap_end) = (*gap_start, *gap_end);
                prop_assert!(
                    gap_start <= wall && wall < gap_end,
                    "{} in {}: the gap named ({} to {}) does not contain it", wall, tz, gap_start, gap_end
                );
                prop_assert!(!err.to_string().is_empty() && !err.help().is_empty());
            }
            Err(err @ TimeError::Ambiguous { .. }) => {
                let TimeError::Ambiguous { earlier, later, fold_start, fold_end, .. } = &err else {
                    unreachable!()
                };
                let pair = vec![earlier.timestamp(), later.timestamp()];
                prop_assert_eq!(
                    having.clone(), pair,
                    "{} in {}: ambiguous between {} and {}, but these instants have it: {:?}",
                    wall, tz, earlier, later, having
                );
                let (fold_start, fold_end) = (*fold_start, *fold_end);
                prop_assert!(
                    fold_start <= wall && wall < fold_end,
                    "{} in {}: the fold named ({} to {}) does not contain it", wall, tz, fold_start, fold_end
                );
                prop_assert!(!err.to_string().is_empty() && !err.help().is_empty());
            }
            Err(err) => prop_assert!(false, "{} in {}: unexpected {:?}", wall, tz, err),
        }
    }

    #[test]
    fn resolve_wall_never_panics_on_any_wall_time(
        zone_index in 0..ZONES.len(),
        days in -200_000i64..200_000,
        secs in 0i64..86_400,
    ) {
        let wall = NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date")
            + Duration::days(days)
            + Duration::seconds(secs);
        let tz = zone(zone_index);
        if let Err(e) = resolve_wall(wall, tz) {
            let _ = (e.to_string(), e.help());
        }
    }
}

// ------------------------------------------------------------------ parsing

/// Strings shaped like times, valid or nearly.
fn timeish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}([ Tt][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3}(\\.[0-9]{0,12})?)?)?([Zz]|[+-][0-9]{1,2}(:?[0-9]{1,2})?)?",
        "\\s{0,3}20[0-9]{2}-(0[1-9]|1[0-2])-([0-2][0-9]|3[01])[ T]([01][0-9]|2[0-4]):[0-5][0-9](:[0-6][0-9])?([Zz]|[+-](0[0-9]|1[0-4]):[0-5][0-9])?\\s{0,3}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_written_never_panics(s in prop_oneof!["\\PC*", any::<String>(), timeish()]) {
        if let Err(e) = parse_written(&s) {
            let _ = (e.to_string(), e.help());
        }
    }

    #[test]
    fn parse_at_never_panics(s in timeish(), zone_index in 0..ZONES.len()) {
        match parse_at(&s, zone(zone_index)) {
            Ok(t) => { let _ = t.to_rfc3339(); }
            Err(e) => { let _ = (e.to_string(), e.help()); }
        }
    }
}

// ------------------------------------------------------------------ every transition

/// The bounds `resolve_wall` names for a gap or fold must be exact.
fn assert_close(
    got: (NaiveDateTime, NaiveDateTime),
    want: (NaiveDateTime, NaiveDateTime),
    zone: &str,
    wall: NaiveDateTime,
) {
    assert!(
        got == want,
        "{zone} {wall}: bounds {got:?}, expected {want:?}"
    );
}

/// Not random: every offset change of every zone in 2020–2035, checked in
/// the middle of its gap or fold, so the cases the generators above may
/// rarely hit are always covered.
#[test]
fn every_transition_2020_2035_is_named_as_a_gap_or_a_fold() {
    for (i, name) in ZONES.iter().enumerate() {
        let tz = zone(i);
        let changes = transitions(i);
        let expected = match *name {
            "Asia/Kolkata" | "America/Sao_Paulo" | "UTC" => 0,
            _ => 32,
        };
        assert_eq!(changes.len(), expected, "{name}: offset changes 2020–2035");
        for &at in changes {
            let (before, after) = (offset_secs(tz, at - 1), offset_secs(tz, at));
            let wall_before = DateTime::<Utc>::from_timestamp(at + before, 0)
                .expect("instant")
                .naive_utc();
            let wall_after = DateTime::<Utc>::from_timestamp(at + after, 0)
                .expect("instant")
                .naive_utc();
            let middle =
                wall_before.min(wall_after) + Duration::seconds((before - after).abs() / 2);
            match resolve_wall(middle, tz) {
                Err(TimeError::Nonexistent {
                    gap_start, gap_end, ..
                }) => {
                    assert!(
                        after > before,
                        "{name} {middle}: a gap where clocks go back"
                    );
                    assert_close(
                        (gap_start, gap_end),
                        (wall_before, wall_after),
                        name,
                        middle,
                    );
                }
                Err(TimeError::Ambiguous {
                    earlier,
                    later,
                    fold_start,
                    fold_end,
                    ..
                }) => {
                    assert!(
                        after < before,
                        "{name} {middle}: a fold where clocks go forward"
                    );
                    assert_close(
                        (fold_start, fold_end),
                        (wall_after, wall_before),
                        name,
                        middle,
                    );
                    let wall_secs = middle.and_utc().timestamp();
                    assert_eq!(earlier.timestamp(), wall_secs - before, "{name} {middle}");
                    assert_eq!(later.timestamp(), wall_secs - after, "{name} {middle}");
                }
                other => panic!("{name} {middle} (change at {at}): {other:?}"),
            }
            // Just outside the gap or fold, the wall time is unique again.
            let outside_before = wall_before.min(wall_after) - Duration::minutes(1);
            let outside_after = wall_before.max(wall_after);
            for wall in [outside_before, outside_after] {
                assert!(
                    resolve_wall(wall, tz).is_ok(),
                    "{name} {wall} should be unique"
                );
            }
        }
    }
}
