//! The generic CSV layout of SPEC §7, both ways: a header row with `at`,
//! `text`, `channels` and optionally `media`, `alt`, `id`, `status`,
//! `campaign`. `channels` lists names apart by spaces (or commas or
//! semicolons); several media and their alt texts are apart by `|`.
//! Export writes what import reads, so export then import gives the same
//! posts.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::calendar::Post;

/// The columns, in the order export writes them.
pub const COLUMNS: [&str; 8] = [
    "id", "at", "status", "channels", "text", "media", "alt", "campaign",
];

/// One post as a CSV row describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    pub id: Option<String>,
    /// As written: `YYYY-MM-DD HH:MM` in the workspace zone, or RFC 3339;
    /// none when the row goes to the `--queue`.
    pub at: Option<String>,
    pub status: Option<String>,
    pub channels: Vec<String>,
    pub text: String,
    pub media: Vec<(String, String)>,
    pub campaign: Option<String>,
    /// Buffer's `Tags`.
    pub tags: Vec<String>,
    /// Images a bulk layout gives by URL, which postcal does not fetch:
    /// they go into the post's notes for someone to download.
    pub image_urls: Vec<String>,
}

/// What the command line gives for rows that leave a column empty: a
/// channel (`--channel`), a queue (`--queue`) for rows without a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fallbacks {
    pub channel: bool,
    pub queue: bool,
}

/// What is said of a row without a time when there is no `--queue`.
pub const NO_TIME: &str = "no time: write `YYYY-MM-DD HH:MM` (workspace timezone) or RFC 3339, or pass `--queue NAME` to queue rows without one";

/// A row that cannot be read: where, which column, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub why: String,
}

/// Read `text` (a BOM and CRLF line ends are fine) into the rows that read,
/// and every problem met; a header without a required column is an error
/// and no rows.
pub fn read(text: &str, fallbacks: Fallbacks) -> (Vec<Row>, Vec<RowError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(super::bulk::delimiter(text))
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return (
                Vec::new(),
                vec![error(1, "", &format!("the header row cannot be read: {e}"))],
            );
        }
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let required: &[&str] = if fallbacks.channel {
        &["at", "text"]
    } else {
        &["at", "text", "channels"]
    };
    let mut missing: Vec<RowError> = required
        .iter()
        .filter(|c| col(c).is_none())
        .map(|c| {
            error(
                1,
                c,
                &format!(
                    "the header has no `{c}` column (it has: {})",
                    header.join(", ")
                ),
            )
        })
        .collect();
    // A misspelt column would drop its values without a word.
    for h in header.iter().filter(|h| !COLUMNS.contains(&h.as_str())) {
        let hint = match crate::diagnostic::did_you_mean(h, &COLUMNS) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("the columns are: {}", COLUMNS.join(", ")),
        };
        missing.push(error(1, h, &format!("unknown column `{h}`: {hint}")));
    }
    if !missing.is_empty() {
        return (Vec::new(), missing);
    }
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (line, record) in records(text, &mut reader, &mut errors) {
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let at = get("at");
        let text = col("text")
            .and_then(|i| record.get(i))
            .unwrap_or("")
            .replace("\r\n", "\n");
        let channels: Vec<String> = get("channels")
            .unwrap_or_default()
            .split([' ', ',', ';'])
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        let files: Vec<String> = get("media").map_or(Vec::new(), |m| {
            m.split('|').map(|f| f.trim().to_owned()).collect()
        });
        let alts: Vec<String> = get("alt").map_or(Vec::new(), |a| {
            a.split('|').map(|t| t.trim().to_owned()).collect()
        });
        let mut bad = false;
        if at.is_none() && !fallbacks.queue {
            errors.push(error(line, "at", NO_TIME));
            bad = true;
        }
        if text.trim().is_empty() && files.is_empty() {
            errors.push(error(line, "text", "the message is empty"));
            bad = true;
        }
        if alts.len() > files.len() {
            errors.push(error(
                line,
                "alt",
                "more alt texts than media files (separate several with `|`)",
            ));
            bad = true;
        }
        if bad {
            continue;
        }
        let media = files
            .into_iter()
            .enumerate()
            .map(|(i, f)| (f, alts.get(i).cloned().unwrap_or_default()))
            .collect();
        rows.push(Row {
            line,
            id: get("id"),
            at,
            status: get("status"),
            channels,
            text,
            media,
            campaign: get("campaign"),
            tags: Vec::new(),
            image_urls: Vec::new(),
        });
    }
    (rows, errors)
}

/// The records `reader` reads of `text` (BOM already stripped), each with
/// its 1-based line; a record that cannot be read is an error of its line.
/// The line comes from the byte offset: the reader's own line count is one
/// short after CRLF line ends.
pub fn records(
    text: &str,
    reader: &mut csv::Reader<&[u8]>,
    errors: &mut Vec<RowError>,
) -> Vec<(u64, csv::StringRecord)> {
    let mut out = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => out.push((line_of(text, r.position().map_or(0, |p| p.byte())), r)),
            Err(e) => {
                let line = line_of(text, e.position().map_or(0, |p| p.byte()));
                errors.push(error(line, "", &format!("the row cannot be read: {e}")));
            }
        }
    }
    out
}

/// The 1-based line of the record at byte `offset` of `text` (the reader
/// may point at the line end before it, after a CRLF).
fn line_of(text: &str, offset: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
        end += 1;
    }
    1 + bytes[..end].iter().filter(|b| **b == b'\n').count() as u64
}

pub fn error(line: u64, column: &str, why: &str) -> RowError {
    RowError {
        line,
        column: column.to_owned(),
        why: why.to_owned(),
    }
}

/// Posts as rows of the layout (occurrences and placements under ids of
/// their own: `#` becomes `-`), times in `zone`, with only the channels
/// `keep` accepts; CRLF line ends and a BOM, as spreadsheets expect.
pub fn write(posts: &[&Post], zone: Tz, keep: impl Fn(&str) -> bool) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    for p in posts {
        let at = p.at.map_or(String::new(), |t: DateTime<Utc>| {
            t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
        });
        let channels: Vec<&str> = p
            .channels
            .iter()
            .map(|c| c.value.as_str())
            .filter(|c| keep(c))
            .collect();
        let media: Vec<&str> = p.media.iter().map(|m| m.file.value.as_str()).collect();
        let alts: Vec<&str> = p
            .media
            .iter()
            .map(|m| m.alt.as_ref().map_or("", |a| a.value.as_str()))
            .collect();
        let status = p.status.name();
        let _ = w.write_record([
            p.id.value.replace('#', "-").as_str(),
            &at,
            status,
            &channels.join(" "),
            p.text.as_ref().map_or("", |t| t.value.as_str()),
            &media.join("|"),
            &alts.join("|"),
            p.campaign.as_deref().unwrap_or(""),
        ]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8(bytes).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_crlf_quoted_newlines_and_commas_are_read() {
        let text =
            "\u{feff}at,text,channels\r\n2026-12-03 09:00,\"Hello, world\r\nsecond line\",m b\r\n";
        let (rows, errors) = read(text, Fallbacks::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].text, "Hello, world\nsecond line");
        assert_eq!(rows[0].channels, ["m", "b"]);
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn every_row_that_cannot_be_mapped_is_named() {
        let text = "at,text,channels,alt\n,no time,m,\n2026-12-03 09:00,,m,\n2026-12-03 09:00,ok,m,an alt\n";
        let (rows, errors) = read(text, Fallbacks::default());
        assert!(rows.is_empty());
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(got, [(2, "at"), (3, "text"), (4, "alt")]);
        let (_, missing) = read("when,text\n", Fallbacks::default());
        let why: Vec<&str> = missing.iter().map(|e| e.why.as_str()).collect();
        assert_eq!(
            why,
            [
                "the header has no `at` column (it has: when, text)",
                "the header has no `channels` column (it has: when, text)",
                "unknown column `when`: the columns are: id, at, status, channels, text, media, alt, campaign",
            ]
        );
        let (_, misspelt) = read(
            "at,text,stauts\n",
            Fallbacks {
                channel: true,
                queue: false,
            },
        );
        assert_eq!(
            misspelt[0].why,
            "unknown column `stauts`: did you mean `status`?"
        );
    }
}
