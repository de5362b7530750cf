//! The bulk layouts of the schedulers teams arrive from, read into the rows
//! `import` writes:
//!
//! - Hootsuite's bulk composer: no header, by position the date and time in
//!   one cell (`MM/DD/YYYY HH:MM` by default, a 24-hour clock; the order
//!   is the user's choice in Hootsuite, so `--date-format` gives it), the
//!   message, and an optional link. No channel column: a file is one
//!   profile's.
//! - Buffer's bulk upload: a header `Text,Image URL,Tags,Posting Time`
//!   (and `Board Name` for Pinterest), times `YYYY-MM-DD HH:MM`. No channel
//!   column either; a row without a time is one Buffer queues.
//!
//! A BOM, CRLF line ends and quoted commas and newlines are fine in both.

use super::csv::{Fallbacks, NO_TIME, Row, RowError, error, records};

/// The order of a date's parts (`--date-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrder {
    /// 2026-12-03 (or 2026/12/03)
    Ymd,
    /// 12/03/2026 (Hootsuite's default)
    Mdy,
    /// 03/12/2026
    Dmy,
}

impl DateOrder {
    fn example(self) -> &'static str {
        match self {
            DateOrder::Ymd => "2027-03-14 09:00",
            DateOrder::Mdy => "03/14/2027 09:00",
            DateOrder::Dmy => "14/03/2027 09:00",
        }
    }
}

/// `12/03/2026 9:05` (in `order`) as `2026-12-03 09:05`, the wall time the
/// calendar takes. Seconds are allowed (and must be 0); a two-digit year is
/// 20YY; a 12-hour clock is refused rather than guessed.
pub fn wall_time(cell: &str, order: DateOrder) -> Result<String, String> {
    let cell = cell.trim();
    let fail = |why: &str| {
        format!(
            "`{cell}` is not a date and time in the {} order: {why} (e.g. `{}`; pass `--date-format` for another order)",
            match order {
                DateOrder::Ymd => "year-month-day",
                DateOrder::Mdy => "month/day/year",
                DateOrder::Dmy => "day/month/year",
            },
            order.example()
        )
    };
    let lower = cell.to_ascii_lowercase();
    if lower.ends_with("am") || lower.ends_with("pm") {
        return Err(fail("write the time on a 24-hour clock"));
    }
    let (date, time) = cell
        .split_once([' ', 'T'])
        .ok_or_else(|| fail("the time is missing"))?;
    let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
    let [a, b, c] = parts[..] else {
        return Err(fail("the date has not three parts"));
    };
    if order == DateOrder::Ymd && a.len() != 4 && c.len() == 4 {
        return Err(fail(
            "it starts with the day or the month, not the year: pass `--date-format dmy` or `mdy`",
        ));
    }
    let (y, m, d) = match order {
        DateOrder::Ymd => (a, b, c),
        DateOrder::Mdy => (c, a, b),
        DateOrder::Dmy => (c, b, a),
    };
    let number = |s: &str| s.parse::<u32>().ok().filter(|_| !s.is_empty());
    let (Some(mut year), Some(month), Some(day)) = (number(y), number(m), number(d)) else {
        return Err(fail("the date has a part that is not a number"));
    };
    if y.len() == 2 {
        year += 2000;
    } else if y.len() != 4 {
        return Err(fail("the year has not four digits"));
    }
    let date = i32::try_from(year)
        .ok()
        .and_then(|year| chrono::NaiveDate::from_ymd_opt(year, month, day))
        .ok_or_else(|| fail("there is no such day"))?;
    let clock: Vec<&str> = time.trim().split(':').collect();
    let (hour, minute, second) = match clock[..] {
        [h, m] => (number(h), number(m), Some(0)),
        [h, m, s] => (number(h), number(m), number(s)),
        _ => return Err(fail("the time is not HH:MM")),
    };
    let (Some(hour), Some(minute), Some(0)) = (hour, minute, second) else {
        return Err(fail("the time is not HH:MM (seconds, if any, must be 00)"));
    };
    if hour > 23 || minute > 59 {
        return Err(fail("there is no such time of day"));
    }
    Ok(format!("{} {hour:02}:{minute:02}", date.format("%Y-%m-%d")))
}

fn reader(text: &str, headers: bool) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .has_headers(headers)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes())
}

/// `;` when the first line has more of them than commas (outside quotes):
/// what spreadsheets in much of Europe save as CSV. Else `,`.
pub fn delimiter(text: &str) -> u8 {
    let (mut quoted, mut commas, mut semicolons) = (false, 0, 0);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// When no `--date-format` is given: the first date of a Hootsuite file
/// that reads as two different days, with both readings, if every date in
/// it reads both ways (no day past the 12th tells them apart).
pub fn ambiguous(text: &str) -> Option<(String, String, String)> {
    let mut first = None;
    for record in reader(text, false).records().flatten() {
        let cell = record.get(0).unwrap_or("").trim();
        let (Ok(mdy), Ok(dmy)) = (
            wall_time(cell, DateOrder::Mdy),
            wall_time(cell, DateOrder::Dmy),
        ) else {
            if wall_time(cell, DateOrder::Mdy).is_ok() || wall_time(cell, DateOrder::Dmy).is_ok() {
                return None;
            }
            continue;
        };
        if mdy != dmy && first.is_none() {
            first = Some((cell.to_owned(), mdy, dmy));
        }
    }
    first
}

fn row(line: u64, at: Option<String>, text: String) -> Row {
    Row {
        line,
        id: None,
        at,
        status: None,
        channels: Vec::new(),
        text,
        media: Vec::new(),
        campaign: None,
        tags: Vec::new(),
        image_urls: Vec::new(),
    }
}

/// Hootsuite's bulk composer file. A first row whose first cell reads
/// `date` (a header some templates add) is passed over.
pub fn hootsuite(text: &str, order: DateOrder) -> (Vec<Row>, Vec<RowError>) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let mut reader = reader(text, false);
    for (i, (line, record)) in records(body, &mut reader, &mut errors)
        .into_iter()
        .enumerate()
    {
        let cell = |n: usize| record.get(n).unwrap_or("").trim();
        if i == 0 && cell(0).to_ascii_lowercase().starts_with("date") {
            continue;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() > 3 {
            errors.push(error(
                line,
                "",
                &format!(
                    "{} columns: Hootsuite's layout has three (date and time, message, link)",
                    record.len()
                ),
            ));
            continue;
        }
        let at = wall_time(cell(0), order);
        if let Err(why) = &at {
            errors.push(error(line, "1 (date and time)", why));
        }
        let message = record.get(1).unwrap_or("").replace("\r\n", "\n");
        let message = message.trim().to_owned();
        let link = cell(2);
        let is_link = link.starts_with("https://") || link.starts_with("http://");
        if !link.is_empty() && !is_link {
            errors.push(error(
                line,
                "3 (link)",
                &format!("`{link}` is not a link: write it with `https://`"),
            ));
            continue;
        }
        if message.is_empty() && link.is_empty() {
            errors.push(error(line, "2 (message)", "the message is empty"));
            continue;
        }
        let Ok(at) = at else { continue };
        // The link is posted after the message, as Hootsuite posts it.
        let text = match (
            message.is_empty(),
            link.is_empty() || message.contains(link),
        ) {
            (_, true) => message,
            (true, false) => link.to_owned(),
            (false, false) => format!("{message} {link}"),
        };
        rows.push(row(line, Some(at), text));
    }
    (rows, errors)
}

/// Buffer's columns, as its template writes them.
const BUFFER_COLUMNS: [&str; 5] = ["Text", "Image URL", "Tags", "Posting Time", "Board Name"];

/// Buffer's bulk upload file (its header in any case and order).
pub fn buffer(text: &str, order: DateOrder, fallbacks: Fallbacks) -> (Vec<Row>, Vec<RowError>) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = reader(text, true);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            let why = format!("the header row cannot be read: {e}");
            return (Vec::new(), vec![error(1, "", &why)]);
        }
    };
    let known: Vec<String> = BUFFER_COLUMNS
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut problems: Vec<RowError> = Vec::new();
    for h in header.iter().filter(|h| !known.contains(h)) {
        let hint = match crate::diagnostic::did_you_mean(h, &known) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("Buffer's columns are: {}", BUFFER_COLUMNS.join(", ")),
        };
        problems.push(error(1, h, &format!("unknown column `{h}`: {hint}")));
    }
    if !header.iter().any(|h| h == "text") {
        problems.push(error(
            1,
            "Text",
            &format!(
                "the header has no `Text` column (it has: {}); is this Buffer's bulk upload file?",
                header.join(", ")
            ),
        ));
    }
    if !problems.is_empty() {
        return (Vec::new(), problems);
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (line, record) in records(body, &mut reader, &mut errors) {
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let text = get("text").replace("\r\n", "\n");
        let image = get("image url");
        if text.is_empty() {
            let why = if image.is_empty() {
                "the message is empty".to_owned()
            } else {
                format!(
                    "only an image ({image}): postcal posts files from the workspace, not URLs; download it into the media folder, then add the post by hand"
                )
            };
            errors.push(error(line, "Text", &why));
            continue;
        }
        let at = match get("posting time") {
            "" if fallbacks.queue => None,
            "" => {
                errors.push(error(line, "Posting Time", NO_TIME));
                continue;
            }
            cell => match wall_time(cell, order) {
                Ok(at) => Some(at),
                Err(why) => {
                    errors.push(error(line, "Posting Time", &why));
                    continue;
                }
            },
        };
        let mut r = row(line, at, text);
        r.tags = get("tags")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if !image.is_empty() {
            r.image_urls.push(image.to_owned());
        }
        rows.push(r);
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_the_order_given() {
        assert_eq!(
            wall_time("05/13/2026 19:00", DateOrder::Mdy).unwrap(),
            "2026-05-13 19:00"
        );
        assert_eq!(
            wall_time("13/05/2026 9:05:00", DateOrder::Dmy).unwrap(),
            "2026-05-13 09:05"
        );
        assert_eq!(
            wall_time("2026-05-13 19:00", DateOrder::Ymd).unwrap(),
            "2026-05-13 19:00"
        );
        assert_eq!(
            wall_time("1/23/26 17:30", DateOrder::Mdy).unwrap(),
            "2026-01-23 17:30"
        );
        let wrong = wall_time("13/05/2026 19:00", DateOrder::Mdy).unwrap_err();
        assert!(wrong.contains("there is no such day"), "{wrong}");
        assert!(wrong.contains("month/day/year"), "{wrong}");
        assert!(
            wall_time("05/13/2026 7:00 PM", DateOrder::Mdy)
                .unwrap_err()
                .contains("24-hour clock")
        );
        assert!(
            wall_time("05/13/2026 19:00:30", DateOrder::Mdy)
                .unwrap_err()
                .contains("seconds")
        );
        assert!(wall_time("05/13/2026", DateOrder::Mdy).is_err());
        assert!(wall_time("05/13/2026 24:00", DateOrder::Mdy).is_err());
    }

    #[test]
    fn dates_that_read_both_ways_are_not_guessed_at() {
        let both = "03/04/2027 09:00,A\n05/06/2027 10:00,B\n";
        assert_eq!(
            ambiguous(both),
            Some((
                "03/04/2027 09:00".to_owned(),
                "2027-03-04 09:00".to_owned(),
                "2027-04-03 09:00".to_owned()
            ))
        );
        // One day past the 12th settles the order.
        assert_eq!(ambiguous("03/04/2027 09:00,A\n03/14/2027 10:00,B\n"), None);
        assert_eq!(ambiguous("04/04/2027 09:00,A\n"), None);
        // Semicolons, as European spreadsheets write CSV.
        assert_eq!(delimiter("14/03/2027 09:00;\"Hola, amigos\";x\n"), b';');
        assert_eq!(delimiter("a,b;c,d\n"), b',');
        let (rows, errors) = hootsuite("14/03/2027 09:00;\"Hola, amigos\"\r\n", DateOrder::Dmy);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].text, "Hola, amigos");
        let why = wall_time("14/03/2027 09:00", DateOrder::Ymd).unwrap_err();
        assert!(why.contains("starts with the day or the month"), "{why}");
    }

    #[test]
    fn a_hootsuite_row_is_date_message_and_link() {
        let text = "\u{feff}Date,Message,Link\r\n03/14/2026 09:00,\"Spring sale, 20% off\r\neverything\",https://example.com/sale\r\n03/14/2026 13:30,\"See https://example.com/x\",https://example.com/x\r\n03/15/2026 18:45,Thanks!\r\n";
        let (rows, errors) = hootsuite(text, DateOrder::Mdy);
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<(u64, Option<&str>, &str)> = rows
            .iter()
            .map(|r| (r.line, r.at.as_deref(), r.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    2,
                    Some("2026-03-14 09:00"),
                    "Spring sale, 20% off\neverything https://example.com/sale"
                ),
                (4, Some("2026-03-14 13:30"), "See https://example.com/x"),
                (5, Some("2026-03-15 18:45"), "Thanks!"),
            ]
        );
    }

    #[test]
    fn every_hootsuite_row_that_cannot_be_mapped_is_named() {
        let text = "14/03/2026 09:00,A\n03/14/2026 09:00,,\n03/14/2026 10:00,B,example.com\n03/14/2026 11:00,C,https://x.example,extra\n";
        let (rows, errors) = hootsuite(text, DateOrder::Mdy);
        assert!(rows.is_empty());
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, "1 (date and time)"),
                (2, "2 (message)"),
                (3, "3 (link)"),
                (4, "")
            ]
        );
    }

    #[test]
    fn a_buffer_row_keeps_its_tags_and_says_its_image() {
        let text = "Text,Image URL,Tags,Posting Time\n\"Sale, today\",https://example.com/a.jpg,\"sale, spring\",2026-03-14 09:00\nNo time,,,\n";
        let (rows, errors) = buffer(text, DateOrder::Ymd, Fallbacks::default());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].tags, ["sale", "spring"]);
        assert_eq!(rows[0].image_urls, ["https://example.com/a.jpg"]);
        assert_eq!(rows[0].at.as_deref(), Some("2026-03-14 09:00"));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].line, errors[0].column.as_str()),
            (3, "Posting Time")
        );
        let queued = Fallbacks {
            channel: false,
            queue: true,
        };
        let (rows, errors) = buffer(text, DateOrder::Ymd, queued);
        assert!(errors.is_empty());
        assert_eq!(rows[1].at, None);
        let (_, wrong) = buffer("Text,Posting Tme\n", DateOrder::Ymd, queued);
        assert_eq!(
            wrong[0].why,
            "unknown column `posting tme`: did you mean `posting time`?"
        );
    }
}
