//! A change to a recurring post reads as one change: the changes of its
//! occurrences (`brew-tip#2026-12-07`, …) that are alike — the same kind,
//! the same words, the same time of day — merge into one change of the
//! series, naming the occurrences it affects.

use super::Change;
use crate::diagnostic::series_of;

/// `changes` (in order) with alike changes of one series' occurrences
/// merged, where the first of them was.
pub fn group(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    let mut shapes: Vec<Option<String>> = Vec::with_capacity(changes.len());
    for c in changes {
        let Some((series, date)) = c.post.split_once('#') else {
            shapes.push(None);
            out.push(c);
            continue;
        };
        let shape = shape(&c, series);
        let date = date.to_owned();
        match out
            .iter_mut()
            .zip(&shapes)
            .find(|(_, s)| s.as_deref() == Some(shape.as_str()))
        {
            Some((first, _)) => {
                first.occurrences.push(date);
                first.published |= c.published;
            }
            None => {
                let mut merged = c;
                merged.occurrences = vec![date];
                shapes.push(Some(shape));
                out.push(merged);
            }
        }
    }
    for c in &mut out {
        match c.occurrences.len() {
            0 => {}
            // Alone: the occurrence as it is (`post` is still its id).
            1 => c.occurrences.clear(),
            _ => {
                c.post = series_of(&c.post).to_owned();
                c.before = c.before.as_deref().map(without_dates);
                c.after = c.after.as_deref().map(without_dates);
            }
        }
    }
    out
}

/// What makes two occurrences' changes alike: everything but their dates.
fn shape(c: &Change, series: &str) -> String {
    format!(
        "{series}|{:?}|{}|{:?}|{:?}|{:?}",
        c.kind,
        c.file,
        c.before.as_deref().map(without_dates),
        c.after.as_deref().map(without_dates),
        c.rewordings
    )
}

/// `Mon 07 Dec 2026 09:00 on m` → `09:00 on m`: the dates `diff::when`
/// writes taken out, the times of day kept.
fn without_dates(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        if is_date_at(rest) {
            rest = &rest[16..];
            continue;
        }
        let ch = rest.chars().next().unwrap_or(' ');
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// Whether `s` starts with `Www DD Mmm YYYY ` (16 ASCII bytes).
fn is_date_at(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 16 {
        return false;
    }
    let alpha = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_alphabetic);
    let digit = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    alpha(0..3)
        && b[3] == b' '
        && digit(4..6)
        && b[6] == b' '
        && alpha(7..10)
        && b[10] == b' '
        && digit(11..15)
        && b[15] == b' '
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Kind;

    fn change(post: &str, kind: Kind, after: &str) -> Change {
        Change {
            post: post.to_owned(),
            kind,
            file: "c.yaml".to_owned(),
            line: 2,
            before: None,
            after: Some(after.to_owned()),
            published: false,
            at: None,
            rewordings: Vec::new(),
            occurrences: Vec::new(),
        }
    }

    #[test]
    fn alike_changes_of_a_series_are_one_and_others_stay() {
        let changes = vec![
            change(
                "tip#2027-04-12",
                Kind::Added,
                "Mon 12 Apr 2027 09:00 on m [approved]",
            ),
            change(
                "other",
                Kind::Added,
                "Tue 13 Apr 2027 09:00 on m [approved]",
            ),
            change(
                "tip#2027-04-19",
                Kind::Added,
                "Mon 19 Apr 2027 09:00 on m [approved]",
            ),
            change(
                "tip#2027-04-26",
                Kind::Added,
                "Mon 26 Apr 2027 10:00 on m [approved]",
            ),
        ];
        let got = group(changes);
        let summary: Vec<(String, Option<String>, Vec<String>)> = got
            .into_iter()
            .map(|c| (c.post, c.after, c.occurrences))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "tip".to_owned(),
                    Some("09:00 on m [approved]".to_owned()),
                    vec!["2027-04-12".to_owned(), "2027-04-19".to_owned()]
                ),
                (
                    "other".to_owned(),
                    Some("Tue 13 Apr 2027 09:00 on m [approved]".to_owned()),
                    vec![]
                ),
                (
                    "tip#2027-04-26".to_owned(),
                    Some("Mon 26 Apr 2027 10:00 on m [approved]".to_owned()),
                    vec![]
                ),
            ]
        );
    }
}
