//! `report --suggest-slots` in every format, on the demo workspace's two
//! weeks (`examples/results`): the same slots in Markdown, the table and
//! the HTML page; CSV (a row per delivery) says where they are instead.

use assert_cmd::Command;

fn report(format: &str) -> (String, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "--workspace"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/results"))
        .args(["report", "--now", "2026-11-30T08:00:00+01:00"])
        .args([
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-29",
            "--suggest-slots",
        ])
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_suggested_slots_are_in_every_format_that_can_hold_them() {
    let (markdown, _) = report("markdown");
    let line = "lumen-bsky: `Mon 09:00` (18.5 per post, 2 posts) (only this slot has 2 posts or more behind it)";
    assert!(markdown.contains(line), "{markdown}");
    let (table, _) = report("table");
    assert!(table.contains("Suggested weekly slots"), "{table}");
    assert!(table.contains(&line.replace('`', "")), "{table}");
    let (html, _) = report("html");
    assert!(
        html.contains(r#"<li data-channel="lumen-bsky">lumen-bsky: <code>Mon 09:00</code> (18.5 per post, 2 posts)</li>"#),
        "{html}"
    );
    let (csv, note) = report("csv");
    assert!(!csv.contains("Suggested"));
    assert!(
        note.contains("the suggested slots are in the other formats"),
        "{note}"
    );
}
