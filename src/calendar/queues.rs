//! `queues:` in postcal.yaml, resolved: channels known, slots `Tue 10:00`,
//! a start date and an optional recycle duration.

use chrono::{NaiveDate, NaiveTime, Weekday};
use indexmap::IndexMap;

use super::model::Queue;
use super::raw::{RawChannel, RawQueue};
use crate::diagnostic::{FileId, Finding, Located, RuleId, Subject, did_you_mean};

/// The queues written, each usable one resolved; a finding for each mistake
/// (about the workspace), and the names of the queues that cannot be used
/// in `broken` (their posts are held, having no time).
pub fn resolve(
    raw: &IndexMap<Located<String>, Located<RawQueue>>,
    channels: &IndexMap<Located<String>, Located<RawChannel>>,
    file: FileId,
    findings: &mut Vec<Finding>,
    broken: &mut Vec<String>,
) -> Vec<Queue> {
    let mut out = Vec::new();
    for (name, q) in raw {
        let before = findings.len();
        let error = |loc, message: String, help: String| {
            Finding::error(RuleId::CONFIG, Subject::Workspace, file, loc, message).with_help(help)
        };
        let known: Vec<&str> = channels.keys().map(|c| c.value.as_str()).collect();
        for c in &q.value.channels {
            if !known.contains(&c.value.as_str()) {
                let help = match did_you_mean(&c.value, &known) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("channels are: {}", known.join(", ")),
                };
                findings.push(error(
                    c.loc,
                    format!(
                        "queue `{}` names `{}`, which is not a channel",
                        name.value, c.value
                    ),
                    help,
                ));
            }
        }
        if q.value.channels.is_empty() {
            findings.push(error(
                q.loc,
                format!("queue `{}` goes to no channel", name.value),
                "list its channels: `channels: [NAME, …]`".to_owned(),
            ));
        }
        let mut slots = Vec::new();
        for s in &q.value.slots {
            match slot(&s.value) {
                Some(slot) if !slots.contains(&slot) => slots.push(slot),
                Some(_) => {}
                None => findings.push(error(
                    s.loc,
                    format!(
                        "`{}` is not a weekly slot: {}",
                        s.value,
                        slot_problem(&s.value)
                    ),
                    "write a weekday and a time in the workspace timezone, e.g. `Tue 10:00`"
                        .to_owned(),
                )),
            }
        }
        if q.value.slots.is_empty() {
            findings.push(error(
                q.loc,
                format!("queue `{}` has no slots", name.value),
                "add `slots: [\"Tue 10:00\", \"Thu 16:00\"]`".to_owned(),
            ));
        }
        slots.sort_by_key(|(day, time): &(Weekday, NaiveTime)| (day.num_days_from_monday(), *time));
        let start = q.value.start.value.trim().parse::<NaiveDate>().ok();
        if start.is_none() {
            findings.push(error(
                q.value.start.loc,
                format!("`{}` is not a date", q.value.start.value),
                "write `start: YYYY-MM-DD`, the first day a slot may be used".to_owned(),
            ));
        }
        let recycle =
            q.value.recycle.as_ref().and_then(|r| {
                match crate::schedule::parse_duration(&r.value) {
                    Ok(d) if d > chrono::Duration::zero() => Some(d),
                    _ => {
                        findings.push(error(
                            r.loc,
                            format!("`{}` is not a duration", r.value),
                            "write e.g. `recycle: 60d`".to_owned(),
                        ));
                        None
                    }
                }
            });
        if findings.len() > before {
            broken.push(name.value.clone());
            continue;
        }
        out.push(Queue {
            name: name.value.clone(),
            channels: q.value.channels.iter().map(|c| c.value.clone()).collect(),
            slots,
            start: start.unwrap_or(NaiveDate::MIN),
            recycle,
        });
    }
    out
}

/// What is wrong with a slot that does not read.
fn slot_problem(input: &str) -> String {
    let mut words = input.split_whitespace();
    let (day, time) = (words.next().unwrap_or(""), words.next());
    let day_ok = slot(&format!("{day} 00:00")).is_some();
    let time_ok = time.is_some_and(|t| NaiveTime::parse_from_str(t, "%H:%M").is_ok());
    match (day_ok, time) {
        (false, _) if time_ok => format!("`{day}` is not a weekday"),
        (false, _) => format!("`{day}` is not a weekday, and it needs a time `HH:MM`"),
        (true, None) => "it has no time".to_owned(),
        (true, Some(t)) => format!("`{t}` is not a time `HH:MM` (00:00 to 23:59)"),
    }
}

/// `Tue 10:00` (any case, three letters or the whole name).
fn slot(input: &str) -> Option<(Weekday, NaiveTime)> {
    let (day, time) = input.trim().split_once(char::is_whitespace)?;
    // `Tue`, `tuesday`, and the habits `Tues`, `Thurs`.
    let day: Weekday = day
        .parse()
        .ok()
        .or_else(|| day.get(..3).and_then(|d| d.parse().ok()))?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    Some((day, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_read_a_weekday_and_a_time() {
        assert_eq!(
            slot("Tue 10:00"),
            Some((Weekday::Tue, NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
        );
        assert_eq!(
            slot("thursday  16:30"),
            Some((Weekday::Thu, NaiveTime::from_hms_opt(16, 30, 0).unwrap()))
        );
        assert_eq!(
            slot("Tues 10:00"),
            Some((Weekday::Tue, NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
        );
        assert_eq!(slot("Tue"), None);
        assert_eq!(slot("Tux 10:00"), None);
        assert_eq!(slot("10:00 Tue"), None);
        assert_eq!(slot("Tue 25:00"), None);
    }
}
