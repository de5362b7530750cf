//! What publish, status and doctor print, as snapshots (server addresses
//! replaced by [SERVER], and tables redrawn to fit: a user with a server at
//! an address that long would see them so).

mod support;

use std::path::Path;

use assert_cmd::Command;
use support::{Behaviour, Fake, mastodon, slack};

fn run(root: &Path, fakes: &[&Fake], args: &[&str]) -> String {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE").env_remove("NO_COLOR");
    for fake in fakes {
        cmd.envs(&fake.env);
    }
    let out = cmd
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for fake in fakes {
        text = text.replace(&fake.base, "[SERVER]");
    }
    realign_tables(&text)
}

/// Redraw each box table (comfy-table's `UTF8_FULL_CONDENSED`) that holds
/// `[SERVER]` so its borders fit its cells again: the substitution narrows
/// one cell but not the table. Widths are counted in chars, which is right
/// for these tables (ASCII and box-drawing only).
fn realign_tables(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let end = lines[i..]
            .iter()
            .position(|l| l.starts_with('└'))
            .map(|n| i + n);
        match end {
            Some(end) if lines[i].starts_with('┌') => {
                let table = &lines[i..=end];
                if table.iter().any(|l| l.contains("[SERVER]")) {
                    out.extend(redraw(table));
                } else {
                    out.extend(table.iter().map(|l| (*l).to_owned()));
                }
                i = end + 1;
            }
            _ => {
                out.push(lines[i].to_owned());
                i += 1;
            }
        }
    }
    out.join("\n")
}

/// One table's lines, redrawn to the widest cell of each column.
fn redraw(table: &[&str]) -> Vec<String> {
    let cells = |line: &str| -> Vec<String> {
        let inner: String = {
            let mut chars = line.chars();
            chars.next();
            chars.next_back();
            chars.collect()
        };
        inner
            .split('┆')
            .map(|c| c.strip_prefix(' ').unwrap_or(c).trim_end().to_owned())
            .collect()
    };
    let rows: Vec<Vec<String>> = table
        .iter()
        .filter(|l| l.starts_with('│'))
        .map(|l| cells(l))
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    table
        .iter()
        .map(|line| {
            if line.starts_with('│') {
                let row = cells(line);
                let padded: Vec<String> = widths
                    .iter()
                    .enumerate()
                    .map(|(c, w)| format!(" {:<w$} ", row.get(c).map_or("", String::as_str)))
                    .collect();
                format!("│{}│", padded.join("┆"))
            } else {
                // A border: its corner, fill, junction and corner again.
                let chars: Vec<char> = line.chars().collect();
                let (first, fill, last) = (chars[0], chars[1], chars[chars.len() - 1]);
                let junction = chars[1..chars.len() - 1]
                    .iter()
                    .copied()
                    .find(|c| *c != fill)
                    .unwrap_or(fill);
                let segments: Vec<String> = widths
                    .iter()
                    .map(|w| fill.to_string().repeat(w + 2))
                    .collect();
                format!("{first}{}{last}", segments.join(&junction.to_string()))
            }
        })
        .collect()
}

#[test]
fn tables_are_redrawn_to_fit_after_substitution() {
    let aligned = "\
┌─────┬──────────────────────┐
│ a   ┆ b                    │
╞═════╪══════════════════════╡
│ one ┆ http://[SERVER]/x    │
│ two ┆ 2                    │
└─────┴──────────────────────┘";
    let fitted = "\
┌─────┬───────────────────┐
│ a   ┆ b                 │
╞═════╪═══════════════════╡
│ one ┆ http://[SERVER]/x │
│ two ┆ 2                 │
└─────┴───────────────────┘";
    assert_eq!(
        realign_tables(&format!("x\n{aligned}\ny\n")),
        format!("x\n{fitted}\ny\n")
    );
    assert_eq!(
        realign_tables(fitted),
        fitted,
        "a fitted table stays as it is"
    );
    let plain = aligned.replace("[SERVER]", "example.org");
    assert_eq!(
        realign_tables(&plain),
        plain,
        "tables without [SERVER] are left alone"
    );
}

const CALENDAR: &str = "\
posts:
  - id: launch
    at: 2026-12-01 09:50
    status: approved
    channels: [m, s]
    text: Winter Blend is here
    thread: [Tasting notes follow]
  - id: late
    at: 2026-12-01 06:00
    status: approved
    channels: [m]
    text: Too late
  - id: tomorrow
    at: 2026-12-02 09:00
    status: approved
    channels: [m]
    text: Tomorrow
";

#[test]
fn publish_status_and_doctor_output() {
    let m = mastodon::start(Behaviour::Ok);
    let s = slack::start(Behaviour::Invalid);
    let ws = support::workspace(&[("m", "mastodon", &m), ("s", "slack", &s)]);
    std::fs::write(ws.path().join("calendars/c.yaml"), CALENDAR).unwrap();
    let now = ["--now", "2026-12-01T10:00:00+01:00"];
    insta::assert_snapshot!(
        "publish_dry_run",
        run(
            ws.path(),
            &[&m, &s],
            &["publish", "--dry-run", now[0], now[1]]
        )
    );
    insta::assert_snapshot!(
        "publish",
        run(ws.path(), &[&m, &s], &["publish", now[0], now[1]])
    );
    insta::assert_snapshot!(
        "publish_again_is_quiet",
        run(ws.path(), &[&m, &s], &["publish", now[0], now[1]])
    );
    insta::assert_snapshot!(
        "status",
        run(ws.path(), &[&m, &s], &["status", now[0], now[1]])
    );
    insta::assert_snapshot!(
        "status_json",
        run(
            ws.path(),
            &[&m, &s],
            &["status", "--format", "json", now[0], now[1]]
        )
    );
    insta::assert_snapshot!("doctor", run(ws.path(), &[&m, &s], &["doctor"]));
    insta::assert_snapshot!(
        "doctor_without_credentials",
        run(ws.path(), &[], &["doctor", "--offline"])
    );
}
