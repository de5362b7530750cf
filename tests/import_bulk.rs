//! `postcal import hootsuite|buffer` (SPEC §7): the bulk files teams bring
//! from Hootsuite and Buffer (fixtures in tests/fixtures/import: a BOM, CRLF
//! line ends, quoted newlines and commas) become a calendar file of drafts;
//! a date in the other order, an empty message and an unknown channel are
//! named with their row, and then nothing is written.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n  b: { platform: bluesky, handle: x.bsky.social, app_password: env:P }\nqueues:\n  evergreen:\n    channels: [m]\n    slots: [\"Tue 10:00\"]\n    start: 2027-03-01\n";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    dir
}

fn postcal(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .args(["--now", "2027-03-01T12:00:00+01:00"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (id, at, status, channels, text, queue, tags) of each post written.
fn posts(root: &Path) -> Vec<(String, String, String, String, String, String, String)> {
    let ws = postcal::calendar::load(root, "2027-03-01T00:00:00Z".parse().unwrap()).unwrap();
    assert!(
        ws.findings.is_empty(),
        "{:?}",
        ws.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    ws.posts
        .iter()
        .map(|p| {
            (
                p.id.value.clone(),
                p.at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                p.status.name().to_owned(),
                p.channels
                    .iter()
                    .map(|c| c.value.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                p.text.as_ref().map(|t| t.value.clone()).unwrap_or_default(),
                p.queue.as_deref().unwrap_or_default().to_owned(),
                p.extra
                    .as_ref()
                    .map(|e| e.tags.join(" "))
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn s(v: &str) -> String {
    v.to_owned()
}

#[test]
fn a_hootsuite_file_in_day_month_order_becomes_drafts_on_the_channels_given() {
    let ws = workspace();
    let file = fixture("hootsuite-dmy.csv");
    let args = [
        "import",
        "hootsuite",
        file.to_str().unwrap(),
        "--date-format",
        "dmy",
        "--channel",
        "m",
        "--channel",
        "b",
    ];
    let (code, out, err) = postcal(ws.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("wrote 4 post(s) to calendars/imported-hootsuite-dmy.yaml"),
        "{err}"
    );
    let draft = |id: &str, at: &str, text: &str| {
        (s(id), s(at), s("draft"), s("m b"), s(text), s(""), s(""))
    };
    assert_eq!(
        posts(ws.path()),
        [
            draft(
                "spring-sale-starts-today-20-off",
                "2027-03-14T08:00:00+00:00",
                "Spring sale starts today: 20% off everything, all weekend https://example.com/sale"
            ),
            draft(
                "reminder-free-shipping-ends-at-midnight",
                "2027-03-14T12:30:00+00:00",
                "Reminder:\nfree shipping ends at midnight"
            ),
            draft(
                "thanks-for-a-great-weekend-smallbiz",
                "2027-03-15T17:45:00+00:00",
                "Thanks for a great weekend! #smallbiz https://example.com/blog/weekend"
            ),
            // The same words again get an id of their own.
            draft(
                "thanks-for-a-great-weekend-smallbiz-2",
                "2027-03-15T17:50:00+00:00",
                "Thanks for a great weekend! #smallbiz"
            ),
        ]
    );
}

#[test]
fn a_date_in_the_other_order_an_empty_message_and_an_unknown_channel_are_named() {
    let ws = workspace();
    // Read in Hootsuite's default order (month first), the fixture's 14/03
    // and 15/03 are no dates; each row is named, and nothing is written.
    let file = fixture("hootsuite-dmy.csv");
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "hootsuite",
            file.to_str().unwrap(),
            "--channel",
            "m",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let name = file.display().to_string();
    assert_eq!(
        lines,
        [
            format!(
                "error: {name}:1, column `1 (date and time)`: `14/03/2027 09:00` is not a date and time in the month/day/year order: there is no such day (e.g. `03/14/2027 09:00`; pass `--date-format` for another order)"
            ),
            format!(
                "error: {name}:2, column `1 (date and time)`: `14/03/2027 13:30` is not a date and time in the month/day/year order: there is no such day (e.g. `03/14/2027 09:00`; pass `--date-format` for another order)"
            ),
            format!(
                "error: {name}:4, column `1 (date and time)`: `15/03/2027 18:45` is not a date and time in the month/day/year order: there is no such day (e.g. `03/14/2027 09:00`; pass `--date-format` for another order)"
            ),
            format!(
                "error: {name}:5, column `1 (date and time)`: `15/03/2027 18:50` is not a date and time in the month/day/year order: there is no such day (e.g. `03/14/2027 09:00`; pass `--date-format` for another order)"
            ),
            "4 problem(s) in the file; nothing was written: fix it and run again".to_owned(),
        ]
    );
    assert!(posts(ws.path()).is_empty());

    let bad = ws.path().join("bad.csv");
    std::fs::write(&bad, "03/14/2027 09:00,\"\",\n03/14/2027 10:00,Fine\n").unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "hootsuite",
            bad.to_str().unwrap(),
            "--channel",
            "m",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.csv:1, column `2 (message)`: the message is empty"),
        "{err}"
    );
    // A channel the workspace does not have is refused before any row.
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "hootsuite",
            bad.to_str().unwrap(),
            "--channel",
            "x",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("unknown channel `x`"), "{err}");
    assert!(err.contains("channels are: m, b"), "{err}");
    // A Hootsuite file names no channel: one must be given.
    let (code, _, err) = postcal(ws.path(), &["import", "hootsuite", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("a hootsuite file names no channel"), "{err}");
    assert!(posts(ws.path()).is_empty());
}

#[test]
fn the_most_hootsuite_takes_350_rows_all_land_with_unique_ids() {
    let ws = workspace();
    let file = ws.path().join("big.csv");
    let mut text = String::new();
    for i in 0..350 {
        let (day, hour) = (1 + i / 14, 8 + i % 14);
        text.push_str(&format!(
            "04/{day:02}/2027 {hour:02}:05,\"Daily tip, again\",\r\n"
        ));
    }
    std::fs::write(&file, text).unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "hootsuite",
            file.to_str().unwrap(),
            "--channel",
            "b",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let seen = posts(ws.path());
    assert_eq!(seen.len(), 350);
    assert_eq!(seen[0].0, "daily-tip-again");
    assert_eq!(seen[349].0, "daily-tip-again-350");
    assert_eq!(seen[349].1, "2027-04-25T19:05:00+00:00");
}

#[test]
fn a_buffer_file_keeps_tags_queues_rows_without_a_time_and_notes_an_image_url() {
    let ws = workspace();
    let file = fixture("buffer.csv");
    let path = file.to_str().unwrap();
    // Without --queue, the row with no Posting Time cannot be placed.
    let (code, _, err) = postcal(ws.path(), &["import", "buffer", path, "--channel", "m"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("buffer.csv:4, column `Posting Time`: no time:"),
        "{err}"
    );
    assert!(err.contains("pass `--queue NAME`"), "{err}");

    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "buffer",
            path,
            "--channel",
            "m",
            "--queue",
            "evergreen",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 post(s) had an image by URL"), "{err}");
    let seen = posts(ws.path());
    let got: Vec<(&str, &str, &str, &str)> = seen
        .iter()
        .map(|p| (p.0.as_str(), p.1.as_str(), p.5.as_str(), p.6.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "spring-sale-starts-today-20-off",
                "2027-03-14T08:00:00+00:00",
                "",
                ""
            ),
            (
                "reminder-free-shipping-ends-at-midnight",
                "2027-03-14T12:30:00+00:00",
                "",
                ""
            ),
            (
                "new-on-the-blog-5-spring-cleaning-tips",
                "",
                "evergreen",
                "blog tips"
            ),
        ]
    );
    let yaml = std::fs::read_to_string(ws.path().join("calendars/imported-buffer.yaml")).unwrap();
    assert!(
        yaml.contains("notes: \"Imported with an image by URL, not yet in the workspace: https://example.com/img/sale.jpg."),
        "{yaml}"
    );
    // What was written is a plan `validate` accepts.
    let (code, out, err) = postcal(ws.path(), &["validate"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn dates_that_read_both_ways_and_a_file_not_in_utf8_are_refused_with_what_to_do() {
    let ws = workspace();
    let file = ws.path().join("both.csv");
    std::fs::write(
        &file,
        "03/04/2027 09:00,April the third?\n05/06/2027 10:00,June fifth?\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, _, err) = postcal(ws.path(), &["import", "hootsuite", path, "--channel", "m"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "`03/04/2027 09:00` is 2027-03-04 09:00 month first and 2027-04-03 09:00 day first"
        ),
        "{err}"
    );
    assert!(err.contains("--date-format dmy"), "{err}");
    assert!(posts(ws.path()).is_empty());
    // Said, it is read that way (any case).
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "hootsuite",
            path,
            "--channel",
            "m",
            "--date-format",
            "DMY",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(posts(ws.path())[0].1, "2027-04-03T07:00:00+00:00");

    // Windows-1252 from a spreadsheet: where, and how to save it.
    let latin = ws.path().join("latin.csv");
    std::fs::write(&latin, b"14/03/2027 09:00,Hola\n15/03/2027 09:00,Caf\xe9\n").unwrap();
    let (code, _, err) = postcal(
        ws.path(),
        &[
            "import",
            "hootsuite",
            latin.to_str().unwrap(),
            "--channel",
            "m",
            "--date-format",
            "dmy",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("latin.csv:2 is not UTF-8"), "{err}");
    assert!(err.contains("CSV UTF-8"), "{err}");
}
