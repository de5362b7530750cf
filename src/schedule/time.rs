//! Wall times, offsets and timezones: the rules of SPEC §2 "Time rules".

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Why a time in a calendar cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{input}` is not a date and time")]
    Unparseable { input: String },
    #[error("`{input}` has a date but no time of day")]
    DateOnly { input: String },
    #[error(
        "{wall} does not exist in {zone}: clocks go forward from {gap_start} to {gap_end} \
         ({before} → {after})",
        wall = fmt_wall(wall), gap_start = gap_start.format("%H:%M"), gap_end = gap_end.format("%H:%M")
    )]
    Nonexistent {
        wall: NaiveDateTime,
        zone: Tz,
        gap_start: NaiveDateTime,
        gap_end: NaiveDateTime,
        before: String,
        after: String,
    },
    #[error(
        "{wall} happens twice in {zone}: clocks go back from {fold_end} to {fold_start} \
         ({before} → {after})",
        wall = fmt_wall(wall), fold_end = fold_end.format("%H:%M"), fold_start = fold_start.format("%H:%M")
    )]
    Ambiguous {
        wall: NaiveDateTime,
        zone: Tz,
        fold_start: NaiveDateTime,
        fold_end: NaiveDateTime,
        before: String,
        after: String,
        earlier: DateTime<FixedOffset>,
        later: DateTime<FixedOffset>,
    },
}

impl TimeError {
    /// How to fix it, in one line.
    pub fn help(&self) -> String {
        match self {
            TimeError::Unparseable { .. } => {
                "write `YYYY-MM-DD HH:MM` (wall time in the file's timezone) or RFC 3339 with an offset, \
                 e.g. `2026-11-27T09:00:00+01:00`"
                    .to_owned()
            }
            TimeError::DateOnly { input } => format!("add the time of day, e.g. `{input} 09:00`"),
            TimeError::Nonexistent { wall, gap_start, gap_end, .. } => {
                let shifted = *wall + (*gap_end - *gap_start);
                format!("pick a time outside the skipped hour, e.g. `{}`", fmt_wall(&shifted))
            }
            TimeError::Ambiguous { earlier, later, before, after, .. } => format!(
                "write it with an explicit offset: `{}` (the first, {before}) or `{}` (the second, {after})",
                earlier.to_rfc3339(),
                later.to_rfc3339()
            ),
        }
    }
}

fn fmt_wall(wall: &NaiveDateTime) -> String {
    if wall.and_utc().timestamp() % 60 == 0 {
        wall.format("%Y-%m-%d %H:%M").to_string()
    } else {
        wall.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

const WALL_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
];

/// What a time field says, before a zone is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenTime {
    /// An instant: RFC 3339 with an offset (or `Z`).
    Instant(DateTime<FixedOffset>),
    /// A wall-clock time, to be read in the file's timezone.
    Wall(NaiveDateTime),
    /// A date alone (accepted where a whole day makes sense, e.g. blackouts).
    Date(NaiveDate),
}

/// Parse a time as written in a calendar.
pub fn parse_written(input: &str) -> Result<WrittenTime, TimeError> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(WrittenTime::Instant(t));
    }
    for fmt in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(WrittenTime::Instant(t));
        }
    }
    if let Some(naive) = s.strip_suffix(['Z', 'z'])
        && let Some(wall) = parse_wall(naive)
    {
        return Ok(WrittenTime::Instant(wall.and_utc().fixed_offset()));
    }
    if let Some(wall) = parse_wall(s) {
        return Ok(WrittenTime::Wall(wall));
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(WrittenTime::Date(date));
    }
    Err(TimeError::Unparseable {
        input: s.to_owned(),
    })
}

fn parse_wall(s: &str) -> Option<NaiveDateTime> {
    WALL_FORMATS
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
}

/// Parse a post's `at`: an instant, or a wall time resolved in `zone`.
pub fn parse_at(input: &str, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    match parse_written(input)? {
        WrittenTime::Instant(t) => Ok(t.with_timezone(&Utc)),
        WrittenTime::Wall(wall) => resolve_wall(wall, zone),
        WrittenTime::Date(_) => Err(TimeError::DateOnly {
            input: input.trim().to_owned(),
        }),
    }
}

/// Resolve a wall time in `zone`, refusing times in a gap or a fold.
pub fn resolve_wall(wall: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => {
            let tr = transition_near(zone, wall);
            Err(TimeError::Nonexistent {
                wall,
                zone,
                gap_start: tr.wall_before,
                gap_end: tr.wall_after,
                before: tr.before,
                after: tr.after,
            })
        }
        LocalResult::Ambiguous(a, b) => {
            let (earlier, later) = if a < b { (a, b) } else { (b, a) };
            let tr = transition_near(zone, wall);
            Err(TimeError::Ambiguous {
                wall,
                zone,
                fold_start: tr.wall_after,
                fold_end: tr.wall_before,
                before: tr.before,
                after: tr.after,
                earlier: earlier.fixed_offset(),
                later: later.fixed_offset(),
            })
        }
    }
}

struct Transition {
    /// The wall clock just before the change, and what it reads just after.
    wall_before: NaiveDateTime,
    wall_after: NaiveDateTime,
    before: String,
    after: String,
}

/// Find the offset change around `wall` (which lies in a gap or fold) by
/// bisecting on UTC instants.
fn transition_near(zone: Tz, wall: NaiveDateTime) -> Transition {
    // Bisect on whole seconds: transitions happen on whole seconds, so the
    // bounds come out exact.
    let at = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .unwrap_or_default()
            .naive_utc()
    };
    let offset_at = |secs: i64| zone.offset_from_utc_datetime(&at(secs));
    let centre = wall.and_utc().timestamp();
    let (mut lo, mut hi) = (centre - 27 * 3600, centre + 27 * 3600);
    let first = offset_at(lo).fix();
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_at(mid).fix() == first {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (old, new) = (offset_at(lo), offset_at(hi));
    let instant = at(hi);
    let label = |o: &chrono_tz::TzOffset| format!("{o} {}", o.fix());
    Transition {
        wall_before: instant + Duration::seconds(i64::from(old.fix().local_minus_utc())),
        wall_after: instant + Duration::seconds(i64::from(new.fix().local_minus_utc())),
        before: label(&old),
        after: label(&new),
    }
}

/// Parse an IANA zone name, or say which names come closest.
pub fn parse_zone(name: &str) -> Result<Tz, Vec<&'static str>> {
    name.parse::<Tz>().map_err(|_| suggest_zones(name))
}

fn suggest_zones(name: &str) -> Vec<&'static str> {
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let lower = name.to_ascii_lowercase().replace(' ', "_");
    if let Some(exact) = names().find(|n| n.to_ascii_lowercase() == lower) {
        return vec![exact];
    }
    let by_city: Vec<_> = names()
        .filter(|n| {
            n.rsplit('/')
                .next()
                .is_some_and(|city| city.eq_ignore_ascii_case(&lower))
        })
        .take(3)
        .collect();
    if !by_city.is_empty() {
        return by_city;
    }
    let mut scored: Vec<(f64, &'static str)> = names()
        .map(|n| (strsim::jaro_winkler(&n.to_ascii_lowercase(), &lower), n))
        .filter(|(score, _)| *score > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Parse a duration like `2h`, `30m` or `1h 30m`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let std = humantime::parse_duration(input.trim()).map_err(|e| e.to_string())?;
    Duration::from_std(std).map_err(|_| "the duration is too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn madrid() -> Tz {
        "Europe/Madrid".parse().unwrap()
    }

    #[test]
    fn wall_time_resolves_in_zone() {
        let t = parse_at("2026-11-27 09:00", madrid()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T08:00:00+00:00");
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let t = parse_at("2026-11-27T09:00:00-06:00", madrid()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T15:00:00+00:00");
        let z = parse_at("2026-11-27T09:00:00Z", madrid()).unwrap();
        assert_eq!(z.to_rfc3339(), "2026-11-27T09:00:00+00:00");
    }

    #[test]
    fn spring_forward_gap_is_named() {
        let err = parse_at("2026-03-29 02:30", madrid()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2026-03-29 02:30 does not exist in Europe/Madrid: clocks go forward from 02:00 to 03:00 \
             (CET +01:00 → CEST +02:00)"
        );
        assert_eq!(
            err.help(),
            "pick a time outside the skipped hour, e.g. `2026-03-29 03:30`"
        );
    }

    #[test]
    fn fall_back_fold_asks_for_offset() {
        let err = parse_at("2026-10-25 02:30", madrid()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2026-10-25 02:30 happens twice in Europe/Madrid: clocks go back from 03:00 to 02:00 \
             (CEST +02:00 → CET +01:00)"
        );
        assert!(
            err.help().contains("2026-10-25T02:30:00+02:00"),
            "{}",
            err.help()
        );
        assert!(
            err.help().contains("2026-10-25T02:30:00+01:00"),
            "{}",
            err.help()
        );
        // Either explicit offset is accepted.
        assert!(parse_at("2026-10-25T02:30:00+01:00", madrid()).is_ok());
    }

    #[test]
    fn date_without_time_is_refused() {
        assert!(matches!(
            parse_at("2026-11-27", madrid()),
            Err(TimeError::DateOnly { .. })
        ));
        assert!(matches!(
            parse_at("next friday", madrid()),
            Err(TimeError::Unparseable { .. })
        ));
    }

    #[test]
    fn unknown_zones_get_suggestions() {
        assert_eq!(
            parse_zone("europe/madrid").unwrap_err(),
            vec!["Europe/Madrid"]
        );
        assert_eq!(parse_zone("Madrid").unwrap_err(), vec!["Europe/Madrid"]);
        assert!(
            parse_zone("Europe/Madird")
                .unwrap_err()
                .contains(&"Europe/Madrid")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h").unwrap(), Duration::hours(2));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::minutes(90));
        assert!(parse_duration("soon").is_err());
    }
}
