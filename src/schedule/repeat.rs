//! Recurring posts (SPEC §6): which dates a series falls on.
//!
//! A series is anchored on the date of its `at` (never on when a run
//! happened): occurrence *k* of `every: 1mo` is the anchor plus *k* months,
//! computed from the anchor each time, so a series on the 31st comes back to
//! the 31st after a short month. The wall time is the anchor's; turning each
//! date into an instant (and refusing a gap or a fold) is the caller's, with
//! [`super::resolve_wall`].

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// How often a series comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Every {
    Days(u32),
    Weeks(u32),
    Months(u32),
    /// On these weekdays, every week (sorted, no repeats).
    Weekdays(Vec<Weekday>),
}

/// Where a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The last date it may fall on (inclusive).
    Until(NaiveDate),
    /// How many occurrences it has, skipped ones included (as iCalendar's
    /// COUNT with EXDATE).
    Count(u32),
    /// No end: expanded only as far as the horizon the caller gives.
    Open,
}

/// Read `every` written as an interval: `1d`, `1w`, `2w`, `1mo`, `3mo`.
pub fn parse_interval(input: &str) -> Result<Every, String> {
    let s = input.trim().to_ascii_lowercase();
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let (n, unit) = s.split_at(digits);
    let n: u32 = n
        .parse()
        .map_err(|_| format!("`{input}` is not an interval"))?;
    if n == 0 {
        return Err(format!(
            "`{input}` never comes back: the interval must be at least 1"
        ));
    }
    match unit {
        "d" => Ok(Every::Days(n)),
        "w" => Ok(Every::Weeks(n)),
        "mo" => Ok(Every::Months(n)),
        _ => Err(format!("`{input}` is not an interval")),
    }
}

/// Read `every` written as weekdays: `[mon, thu]` (names in English, three
/// letters or whole).
pub fn parse_weekdays<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Every, String> {
    let mut days = Vec::new();
    for name in names {
        let day: Weekday = name
            .trim()
            .parse()
            .map_err(|_| format!("`{name}` is not a weekday"))?;
        if !days.contains(&day) {
            days.push(day);
        }
    }
    if days.is_empty() {
        return Err("the list of weekdays is empty".to_owned());
    }
    days.sort_by_key(Weekday::num_days_from_monday);
    Ok(Every::Weekdays(days))
}

/// The most occurrences a series with an end may have; more is a mistake
/// (a daily post `until: 2099-12-31`), and reading them all would make
/// every run slow.
pub const MAX_OCCURRENCES: usize = 5_000;

/// The dates of a series anchored on `first`, in order: all of them when it
/// has an end (at most [`MAX_OCCURRENCES`] + 1, to tell it has too many),
/// up to `horizon` (inclusive) when it has none.
pub fn dates(first: NaiveDate, every: &Every, end: End, horizon: NaiveDate) -> Vec<NaiveDate> {
    let last = match end {
        End::Until(until) => until,
        End::Count(_) => NaiveDate::MAX,
        End::Open => horizon,
    };
    let max = match end {
        End::Count(n) => (n as usize).min(MAX_OCCURRENCES + 1),
        End::Until(_) => MAX_OCCURRENCES + 1,
        End::Open => usize::MAX,
    };
    let mut out = Vec::new();
    for k in 0u32.. {
        if out.len() >= max {
            break;
        }
        let Some(date) = nth(first, every, k) else {
            break;
        };
        if date > last {
            break;
        }
        if date >= first {
            out.push(date);
        }
    }
    out
}

/// The `k`-th candidate date from `first` (weekday series: the `k`-th
/// listed weekday from the anchor's week on, which may fall before it).
fn nth(first: NaiveDate, every: &Every, k: u32) -> Option<NaiveDate> {
    match every {
        Every::Days(n) => first.checked_add_days(Days::new(u64::from(*n) * u64::from(k))),
        Every::Weeks(n) => first.checked_add_days(Days::new(7 * u64::from(*n) * u64::from(k))),
        Every::Months(n) => first.checked_add_months(Months::new(n.checked_mul(k)?)),
        Every::Weekdays(days) => {
            let per_week = days.len() as u32;
            let monday = first.week(Weekday::Mon).first_day();
            let week = u64::from(k / per_week);
            let day = days[(k % per_week) as usize];
            monday.checked_add_days(Days::new(7 * week + u64::from(day.num_days_from_monday())))
        }
    }
}

/// Whether `date` is one a series anchored on `first` can fall on
/// (whatever its end), for telling a `skip:` date that matches nothing.
pub fn falls_on(first: NaiveDate, every: &Every, date: NaiveDate) -> bool {
    if date < first {
        return false;
    }
    let days = (date - first).num_days();
    match every {
        Every::Days(n) => days % i64::from(*n) == 0,
        Every::Weeks(n) => days % (7 * i64::from(*n)) == 0,
        Every::Months(n) => {
            let months =
                (date.year() - first.year()) * 12 + date.month() as i32 - first.month() as i32;
            months % *n as i32 == 0
                && first
                    .checked_add_months(Months::new(months as u32))
                    .is_some_and(|d| d == date)
        }
        Every::Weekdays(list) => list.contains(&date.weekday()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn strs(v: &[NaiveDate]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn intervals_parse_and_zero_is_refused() {
        assert_eq!(parse_interval("1d"), Ok(Every::Days(1)));
        assert_eq!(parse_interval("2w"), Ok(Every::Weeks(2)));
        assert_eq!(parse_interval("1MO"), Ok(Every::Months(1)));
        assert!(parse_interval("0w").unwrap_err().contains("at least 1"));
        assert!(parse_interval("w").is_err());
        assert!(parse_interval("1y").is_err());
        assert!(parse_interval("1 w").is_err());
    }

    #[test]
    fn weekdays_parse_sorted_and_unique() {
        assert_eq!(
            parse_weekdays(["thu", "mon", "Monday"]),
            Ok(Every::Weekdays(vec![Weekday::Mon, Weekday::Thu]))
        );
        assert!(
            parse_weekdays(["mon", "funday"])
                .unwrap_err()
                .contains("funday")
        );
        assert!(parse_weekdays([]).is_err());
    }

    #[test]
    fn weekly_until_is_inclusive() {
        let got = dates(
            d("2026-12-07"),
            &Every::Weeks(1),
            End::Until(d("2026-12-28")),
            d("2030-01-01"),
        );
        assert_eq!(
            strs(&got),
            ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]
        );
    }

    #[test]
    fn count_bounds_the_series_and_the_horizon_bounds_an_open_one() {
        let got = dates(
            d("2026-12-01"),
            &Every::Days(2),
            End::Count(3),
            d("2030-01-01"),
        );
        assert_eq!(strs(&got), ["2026-12-01", "2026-12-03", "2026-12-05"]);
        let open = dates(
            d("2026-12-01"),
            &Every::Weeks(2),
            End::Open,
            d("2026-12-31"),
        );
        assert_eq!(strs(&open), ["2026-12-01", "2026-12-15", "2026-12-29"]);
        // A series with an end is read whole, past the horizon, within a cap.
        let bounded = dates(
            d("2026-12-01"),
            &Every::Months(1),
            End::Count(3),
            d("2026-12-31"),
        );
        assert_eq!(strs(&bounded), ["2026-12-01", "2027-01-01", "2027-02-01"]);
        let huge = dates(
            d("2026-12-01"),
            &Every::Days(1),
            End::Until(d("2099-12-31")),
            d("2026-12-31"),
        );
        assert_eq!(huge.len(), MAX_OCCURRENCES + 1);
    }

    #[test]
    fn months_come_back_to_the_anchor_day_after_a_short_month() {
        let got = dates(
            d("2027-01-31"),
            &Every::Months(1),
            End::Count(4),
            d("2030-01-01"),
        );
        assert_eq!(
            strs(&got),
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
        );
        assert!(falls_on(
            d("2027-01-31"),
            &Every::Months(1),
            d("2027-03-31")
        ));
        assert!(falls_on(
            d("2027-01-31"),
            &Every::Months(1),
            d("2027-02-28")
        ));
        assert!(!falls_on(
            d("2027-01-31"),
            &Every::Months(1),
            d("2027-03-30")
        ));
    }

    #[test]
    fn weekday_series_start_on_the_anchor_and_count_each_day() {
        // 2026-12-02 is a Wednesday: the Monday before it is not an occurrence.
        let every = parse_weekdays(["mon", "thu"]).unwrap();
        let got = dates(d("2026-12-02"), &every, End::Count(4), d("2030-01-01"));
        assert_eq!(
            strs(&got),
            ["2026-12-03", "2026-12-07", "2026-12-10", "2026-12-14"]
        );
        assert!(falls_on(d("2026-12-02"), &every, d("2026-12-07")));
        assert!(!falls_on(d("2026-12-02"), &every, d("2026-12-08")));
    }

    #[test]
    fn skip_dates_are_checked_against_the_rhythm() {
        assert!(falls_on(d("2026-12-07"), &Every::Weeks(2), d("2026-12-21")));
        assert!(!falls_on(
            d("2026-12-07"),
            &Every::Weeks(2),
            d("2026-12-14")
        ));
        assert!(!falls_on(d("2026-12-07"), &Every::Days(1), d("2026-12-06")));
    }
}
