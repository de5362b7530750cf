//! `postcal export ics` read back by a real, independent iCalendar parser
//! (Python's `icalendar` package, which `.ci/run` installs): every delivery
//! in the window is an event with its UID, start, summary and status; text
//! survives escaping and folding; a changed post's SEQUENCE goes up and the
//! others' stay. Without the package the test says so and passes, unless
//! `POSTCAL_REQUIRE_ICALENDAR=1` (as `.ci/run` sets).

use std::path::Path;
use std::process::Command;

const PARSE: &str = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = []
for e in cal.walk('VEVENT'):
    out.append({
        'uid': str(e['UID']),
        'start': e['DTSTART'].dt.isoformat(),
        'summary': str(e['SUMMARY']),
        'status': str(e['STATUS']),
        'sequence': int(e['SEQUENCE']),
        'description': str(e['DESCRIPTION']),
    })
print(json.dumps(out))
"#;

fn parser_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import icalendar"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        #[allow(clippy::disallowed_methods)] // a test's own switch
        let required = std::env::var("POSTCAL_REQUIRE_ICALENDAR").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "POSTCAL_REQUIRE_ICALENDAR=1 but Python's icalendar is missing: pip install icalendar"
        );
        #[allow(clippy::print_stderr)] // why the test did nothing
        {
            eprintln!(
                "skipped: Python's icalendar package is not installed (pip install icalendar)"
            );
        }
    }
    ok
}

fn events(file: &Path) -> Vec<serde_json::Value> {
    let out = Command::new("python3")
        .args(["-c", PARSE])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

fn export(root: &Path, out: &Path) {
    let status = assert_cmd::Command::cargo_bin("postcal")
        .unwrap()
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args([
            "export",
            "ics",
            "--now",
            "2026-12-01T08:00:00+01:00",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n  b: { platform: bluesky, handle: x.bsky.social, app_password: env:P }\nqueues:\n  q:\n    channels: [m]\n    slots: [\"Fri 12:00\"]\n    start: 2026-12-01\n";

fn calendar(launch_text: &str) -> String {
    format!(
        "\
posts:
  - id: launch
    at: 2026-12-03 09:00
    status: approved
    channels: [m, b]
    text: \"{launch_text}\"
  - id: tip
    at: 2026-12-07 10:00
    repeat: {{ every: 1w, count: 2 }}
    status: draft
    channels: [b]
    text: A tip
  - id: gone
    at: 2026-12-04 18:00
    status: cancelled
    channels: [m]
    text: Called off
  - id: faq
    queue: q
    status: approved
    text: Evergreen
"
    )
}

#[test]
fn every_delivery_is_an_event_a_real_parser_reads_and_a_change_bumps_its_sequence() {
    if !parser_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    // (A YAML `\n` is a newline in the text.)
    let words = "Winter Blend is here, at last; dark chocolate\\nand orange peel — ☕❄️ a long line that must be folded somewhere past seventy-five octets";
    std::fs::write(dir.path().join("calendars/c.yaml"), calendar(words)).unwrap();
    let out = dir.path().join("out.ics");
    export(dir.path(), &out);
    let first = events(&out);
    let summary: Vec<(String, String, String, i64)> = first
        .iter()
        .map(|e| {
            (
                e["uid"].as_str().unwrap().to_owned(),
                e["start"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
                e["sequence"].as_i64().unwrap(),
            )
        })
        .collect();
    let row = |uid: &str, start: &str, status: &str| {
        (uid.to_owned(), start.to_owned(), status.to_owned(), 0)
    };
    assert_eq!(
        summary,
        [
            row("launch@b@postcal", "2026-12-03T08:00:00+00:00", "CONFIRMED"),
            row("launch@m@postcal", "2026-12-03T08:00:00+00:00", "CONFIRMED"),
            row(
                "faq#2026-12-04@m@postcal",
                "2026-12-04T11:00:00+00:00",
                "CONFIRMED"
            ),
            row("gone@m@postcal", "2026-12-04T17:00:00+00:00", "CANCELLED"),
            row(
                "tip#2026-12-07@b@postcal",
                "2026-12-07T09:00:00+00:00",
                "TENTATIVE"
            ),
            row(
                "tip#2026-12-14@b@postcal",
                "2026-12-14T09:00:00+00:00",
                "TENTATIVE"
            ),
        ]
    );
    let launch = &first[1];
    assert!(
        launch["summary"]
            .as_str()
            .unwrap()
            .starts_with("[m] Winter Blend is here, at last;")
    );
    let text = launch["description"].as_str().unwrap();
    assert!(
        text.starts_with("Winter Blend is here, at last; dark chocolate\nand orange peel — ☕❄️ a long line that must be folded somewhere past seventy-five octets\n\nm (mastodon) · approved"),
        "{text}"
    );
    // Every physical line is at most 75 octets.
    let raw = std::fs::read_to_string(&out).unwrap();
    assert!(raw.split("\r\n").all(|l| l.len() <= 75), "{raw}");

    // The launch is reworded: its two events' SEQUENCE goes up, no other's.
    std::fs::write(
        dir.path().join("calendars/c.yaml"),
        calendar("Winter Blend is here"),
    )
    .unwrap();
    export(dir.path(), &out);
    let second = events(&out);
    let sequences: Vec<(String, i64)> = second
        .iter()
        .map(|e| {
            (
                e["uid"].as_str().unwrap().to_owned(),
                e["sequence"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sequences,
        [
            ("launch@b@postcal".to_owned(), 1),
            ("launch@m@postcal".to_owned(), 1),
            ("faq#2026-12-04@m@postcal".to_owned(), 0),
            ("gone@m@postcal".to_owned(), 0),
            ("tip#2026-12-07@b@postcal".to_owned(), 0),
            ("tip#2026-12-14@b@postcal".to_owned(), 0),
        ]
    );
    // Exported again unchanged: nothing goes up.
    export(dir.path(), &out);
    let third = events(&out);
    assert_eq!(
        third
            .iter()
            .map(|e| e["sequence"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 1, 0, 0, 0, 0]
    );
}

#[test]
fn export_json_is_the_preview_json_with_campaign_and_the_published_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir_all(dir.path().join("calendars")).unwrap();
    std::fs::create_dir_all(dir.path().join(".postcal")).unwrap();
    let yaml = calendar("Winter Blend").replace(
        "    text: \"Winter Blend\"",
        "    text: \"Winter Blend\"\n    campaign: winter",
    );
    std::fs::write(dir.path().join("calendars/c.yaml"), yaml).unwrap();
    std::fs::write(
        dir.path().join(".postcal/ledger.jsonl"),
        r#"{"ts":"2026-12-03T08:00:02Z","post":"launch","channel":"m","part":0,"event":"published","remote_id":"1","url":"https://m.example/@x/1"}"#.to_owned() + "\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("postcal")
            .unwrap()
            .args(["--color", "never", "--workspace"])
            .arg(dir.path())
            .args(args)
            .args(["--now", "2026-12-01T08:00:00+01:00"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let export = run(&["export", "json", "--to", "2026-12-08"]);
    let preview = run(&[
        "preview",
        "--format",
        "json",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-08",
    ]);
    let rows: Vec<(&str, &str, &serde_json::Value, &serde_json::Value)> = export["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["post"].as_str().unwrap(),
                d["channel"].as_str().unwrap(),
                &d["campaign"],
                &d["url"],
            )
        })
        .collect();
    let null = serde_json::Value::Null;
    let winter = serde_json::json!("winter");
    let url = serde_json::json!("https://m.example/@x/1");
    assert_eq!(
        rows,
        [
            ("launch", "b", &winter, &null),
            ("launch", "m", &winter, &url),
            ("faq#2026-12-04", "m", &null, &null),
            ("gone", "m", &null, &null),
            ("tip#2026-12-07", "b", &null, &null),
        ]
    );
    // Apart from the two fields, each delivery is what preview says of it
    // (preview leaves cancelled posts out; an export keeps them, as the
    // calendar feed does).
    let mut stripped = export.clone();
    for d in stripped["deliveries"].as_array_mut().unwrap() {
        let d = d.as_object_mut().unwrap();
        d.remove("campaign");
        d.remove("url");
    }
    let kept: Vec<&serde_json::Value> = preview["deliveries"].as_array().unwrap().iter().collect();
    assert_eq!(
        stripped["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["status"] != "cancelled")
            .collect::<Vec<_>>(),
        kept
    );
}
