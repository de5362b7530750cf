//! One finding per series, for people: the same problem met in each
//! occurrence of a recurring post (`brew-tip#2026-12-07`, `#2026-12-14`, …)
//! reads once, naming the dates it was met on. What `publish` holds back is
//! decided on the findings as they are; this only changes what is printed.

use crate::diagnostic::{Finding, Subject, series_of};

/// `findings` with those that differ only by which occurrence of a series
/// they are about merged into one, where the first of them was.
pub fn merge(findings: &[Finding]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    // Per output entry: its key and the occurrence dates merged into it.
    let mut keys: Vec<Option<(Finding, Vec<String>)>> = Vec::with_capacity(findings.len());
    for f in findings {
        let Some((series_form, date)) = as_series(f) else {
            out.push(f.clone());
            keys.push(None);
            continue;
        };
        match keys
            .iter_mut()
            .flatten()
            .find(|(k, _)| same(k, &series_form))
        {
            Some((_, dates)) => dates.push(date),
            None => {
                out.push(f.clone());
                keys.push(Some((series_form, vec![date])));
            }
        }
    }
    for (shown, key) in out.iter_mut().zip(keys) {
        if let Some((series_form, dates)) = key
            && dates.len() > 1
        {
            let severity = shown.severity;
            *shown = series_form;
            shown.severity = severity;
            shown.message = format!(
                "{} (in {} occurrences: {})",
                shown.message,
                dates.len(),
                list(&dates)
            );
        }
    }
    out
}

/// The finding written about its series instead of one occurrence, and
/// that occurrence's date; `None` when it is not about an occurrence.
fn as_series(f: &Finding) -> Option<(Finding, String)> {
    let post = match &f.subject {
        Subject::Post(p) | Subject::Delivery { post: p, .. } => p,
        _ => return None,
    };
    let (series, date) = post.split_once('#')?;
    let mut g = f.clone();
    // Every occurrence named (its own, another series' on the same day) reads
    // as its series: the dates are listed once at the end.
    g.message = without_dates(&f.message);
    g.help = f.help.as_deref().map(without_dates);
    g.subject = match &f.subject {
        Subject::Delivery { channel, .. } => Subject::Delivery {
            post: series_of(post).to_owned(),
            channel: channel.clone(),
        },
        _ => Subject::Post(series.to_owned()),
    };
    Some((g, date.to_owned()))
}

/// `a#2026-12-07 is after b#2026-12-07` → `a is after b`.
fn without_dates(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let is_date = after.len() >= 10
            && after.is_char_boundary(10)
            && chrono::NaiveDate::parse_from_str(&after[..10], "%Y-%m-%d").is_ok();
        if is_date {
            rest = &after[10..];
        } else {
            out.push('#');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn same(a: &Finding, b: &Finding) -> bool {
    a.rule == b.rule
        && a.file == b.file
        && a.loc == b.loc
        && a.subject == b.subject
        && a.message == b.message
        && a.help == b.help
}

/// "2026-12-07, 2026-12-14, … 2027-02-22" (the first two and the last).
fn list(dates: &[String]) -> String {
    match dates {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a}, {b}"),
        [a, b, c] => format!("{a}, {b}, {c}"),
        [a, b, .., z] => format!("{a}, {b}, … {z}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{FileId, Loc, RuleId};

    fn about(post: &str, message: &str) -> Finding {
        Finding::error(
            RuleId("too-long"),
            Subject::Post(post.into()),
            FileId(0),
            Loc::UNKNOWN,
            message,
        )
    }

    #[test]
    fn the_same_problem_in_each_occurrence_reads_once_with_its_dates() {
        let findings: Vec<Finding> = ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]
            .iter()
            .map(|d| {
                about(
                    &format!("tip#{d}"),
                    &format!("`tip#{d}` is 600/500 characters"),
                )
            })
            .chain([about("other", "`other` is 600/500 characters")])
            .collect();
        let shown = merge(&findings);
        let messages: Vec<&str> = shown.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`tip` is 600/500 characters (in 4 occurrences: 2026-12-07, 2026-12-14, … 2026-12-28)",
                "`other` is 600/500 characters",
            ]
        );
        assert_eq!(shown[0].subject, Subject::Post("tip".into()));
    }

    #[test]
    fn two_series_meeting_every_week_read_once() {
        let findings: Vec<Finding> = ["2026-12-07", "2026-12-14", "2026-12-21"]
            .iter()
            .map(|d| {
                about(
                    &format!("a#{d}"),
                    &format!("`a#{d}` is 0 min after `b#{d}` on m"),
                )
            })
            .collect();
        let shown = merge(&findings);
        assert_eq!(shown.len(), 1);
        assert_eq!(
            shown[0].message,
            "`a` is 0 min after `b` on m (in 3 occurrences: 2026-12-07, 2026-12-14, 2026-12-21)"
        );
        assert_eq!(
            without_dates("#show-your-brew #2026 a#2026-12-07"),
            "#show-your-brew #2026 a"
        );
    }

    #[test]
    fn a_problem_of_one_occurrence_keeps_its_date() {
        let findings = [
            about(
                "tip#2027-03-28",
                "occurrence 2027-03-28 of `tip`: 02:30 does not exist",
            ),
            about("tip#2026-12-07", "`tip#2026-12-07` is 600/500 characters"),
        ];
        let shown = merge(&findings);
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0].message, findings[0].message);
        assert_eq!(shown[1].message, findings[1].message);
    }
}
