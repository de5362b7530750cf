//! Recurring posts across DST, on generated input: in any IANA zone with
//! offset changes, a series anchored near one of them is loaded as exactly
//! the dates its rhythm gives (none twice, none missing), each at the
//! anchor's wall time, or — when that wall time does not exist or happens
//! twice that day — held with an `invalid-time` finding naming the date.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use postcal::diagnostic::{RuleId, Subject};
use postcal::schedule::repeat::{self, End};
use postcal::schedule::resolve_wall;
use proptest::prelude::*;

/// Every zone's offset changes in 2026–2030, for the zones that have any.
fn transitions() -> &'static [(Tz, Vec<i64>)] {
    static CHANGES: OnceLock<Vec<(Tz, Vec<i64>)>> = OnceLock::new();
    CHANGES.get_or_init(|| {
        let start = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp();
        let end = Utc
            .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp();
        let offset = |tz: Tz, t: i64| {
            tz.offset_from_utc_datetime(&DateTime::from_timestamp(t, 0).unwrap().naive_utc())
                .fix()
                .local_minus_utc()
        };
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|&tz| {
                let mut out = Vec::new();
                let mut t = start;
                while t < end {
                    let next = t + 86_400;
                    if offset(tz, t) != offset(tz, next) {
                        let (mut lo, mut hi) = (t, next);
                        while hi - lo > 1 {
                            let mid = lo + (hi - lo) / 2;
                            if offset(tz, mid) == offset(tz, lo) {
                                lo = mid;
                            } else {
                                hi = mid;
                            }
                        }
                        out.push(hi);
                    }
                    t = next;
                }
                (tz, out)
            })
            .filter(|(_, changes)| !changes.is_empty())
            .collect()
    })
}

const RHYTHMS: [&str; 6] = ["1d", "1w", "2w", "1mo", "[mon, thu]", "[sun]"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn an_occurrence_never_lands_twice_or_goes_missing_across_dst(
        zone_pick in any::<usize>(),
        change_pick in any::<usize>(),
        weeks_before in 0i64..6,
        minutes in -120i64..=120,
        rhythm in 0usize..RHYTHMS.len(),
        count in 1u32..40,
    ) {
        let zones = transitions();
        let (tz, changes) = &zones[zone_pick % zones.len()];
        let change = changes[change_pick % changes.len()];
        // The wall time of the change (as the clock read just before it),
        // give or take two hours, a few weeks before it.
        let before = DateTime::from_timestamp(change - 1, 0).unwrap().with_timezone(tz).naive_local();
        let near = before + Duration::minutes(minutes);
        let time = near.time().with_second(0).unwrap_or(near.time());
        let date = near.date() - Duration::weeks(weeks_before);
        let anchor = NaiveDateTime::new(date, time);
        prop_assume!(resolve_wall(anchor, *tz).is_ok());
        let every = RHYTHMS[rhythm];

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("postcal.yaml"),
            format!("timezone: {}\nchannels:\n  m:\n    platform: mastodon\n    instance: https://m.example\n    token: env:T\n", tz.name()),
        ).unwrap();
        std::fs::create_dir(dir.path().join("calendars")).unwrap();
        std::fs::write(
            dir.path().join("calendars/c.yaml"),
            format!(
                "posts:\n  - id: p\n    at: {}\n    repeat: {{ every: {every}, count: {count} }}\n    status: approved\n    channels: [m]\n    text: hi\n",
                anchor.format("%Y-%m-%d %H:%M")
            ),
        ).unwrap();
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let ws = postcal::calendar::load(dir.path(), now).unwrap();

        let parsed = if every.starts_with('[') {
            repeat::parse_weekdays(every.trim_matches(['[', ']']).split(", "))
        } else {
            repeat::parse_interval(every)
        }.unwrap();
        let want = repeat::dates(date, &parsed, End::Count(count), NaiveDate::MAX);
        let ids: Vec<&str> = ws.posts.iter().map(|p| p.id.value.as_str()).collect();
        let want_ids: Vec<String> = want.iter().map(|d| format!("p#{d}")).collect();
        prop_assert_eq!(&ids, &want_ids, "in {} from {}", tz.name(), anchor);

        let mut last: Option<DateTime<Utc>> = None;
        for (post, day) in ws.posts.iter().zip(&want) {
            let wall = NaiveDateTime::new(*day, time);
            match post.at {
                Some(at) => {
                    prop_assert_eq!(at.with_timezone(tz).naive_local(), wall, "{} in {}", post.id.value, tz.name());
                    prop_assert!(last.is_none_or(|l| l < at), "{} not after the one before", post.id.value);
                    last = Some(at);
                }
                None => {
                    prop_assert!(resolve_wall(wall, *tz).is_err(), "{} held though {} exists", post.id.value, wall);
                    let named = ws.findings.iter().any(|f| {
                        f.rule == RuleId::INVALID_TIME
                            && f.subject == Subject::Post(post.id.value.clone())
                            && f.message.contains(&day.to_string())
                    });
                    prop_assert!(named, "{} has no finding naming {}: {:?}", post.id.value, day, ws.findings);
                }
            }
        }
    }
}
