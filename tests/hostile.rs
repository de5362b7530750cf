//! Hostile input: whatever is in a workspace, `postcal validate` never panics,
//! hangs or eats memory, and answers with a finding that names
//! `file:line:column`, the rule and a fix, and with the right exit code
//! (SPEC §1–§3).
//!
//! Every case builds a throw-away workspace (postcal.yaml with one Mastodon
//! channel `m` and a `calendars/` folder), drops the hostile file in, runs the
//! real binary with a fixed `--now`, and reads `validate --format json`. Each
//! case also runs the human and GitHub formats, so no renderer panics on it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const NOW: &str = "2026-11-01T00:00:00Z";

/// No case may take longer than this; a hang is a failure, not a stuck suite.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Address-space cap for the runs that guard against memory blow-ups.
const MEMORY_CAP_KIB: u64 = 512 * 1024;

const FORMATS: [&str; 3] = ["human", "json", "github"];

const CONFIG: &str = "\
timezone: Europe/Madrid
calendars: calendars
channels:
  m:
    platform: mastodon
    instance: https://mastodon.social
    token: env:M_TOKEN
";

/// A throw-away workspace: `ws/` inside a temp dir, so that `..` and absolute
/// paths have somewhere outside the workspace (but inside the temp dir) to go.
struct Ws {
    outer: TempDir,
    root: PathBuf,
}

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// `validate --format json`, parsed.
struct Report {
    code: i32,
    json: Value,
    stderr: String,
}

impl Ws {
    fn new() -> Ws {
        Ws::with_config(CONFIG)
    }

    fn with_config(config: &str) -> Ws {
        let outer = tempfile::tempdir().expect("temp dir");
        let root = outer.path().join("ws");
        fs::create_dir_all(root.join("calendars")).expect("create ws/calendars/");
        fs::write(root.join("postcal.yaml"), config).expect("write postcal.yaml");
        Ws { outer, root }
    }

    fn root(&self) -> &Path {
        &self.root
    }

    /// A path in the temp dir, outside the workspace.
    fn outside(&self, name: &str) -> PathBuf {
        self.outer.path().join(name)
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent");
        }
        fs::write(&path, contents).expect("write file");
        path
    }

    fn args<'a>(&'a self, format: &'a str) -> Vec<&'a std::ffi::OsStr> {
        let root = self.root().as_os_str();
        [
            "--workspace".as_ref(),
            root,
            "--now".as_ref(),
            NOW.as_ref(),
            "--color".as_ref(),
            "never".as_ref(),
            "validate".as_ref(),
            "--format".as_ref(),
            format.as_ref(),
        ]
        .to_vec()
    }

    fn base(mut cmd: Command, root: &Path) -> Command {
        cmd.current_dir(root)
            .env_remove("POSTCAL_WORKSPACE")
            .env_remove("NO_COLOR")
            .env_remove("M_TOKEN")
            .env_remove("B_PASS")
            .timeout(TIMEOUT);
        cmd
    }

    /// `postcal validate --format FORMAT`.
    fn run(&self, format: &str) -> Run {
        let mut cmd = Ws::base(Command::cargo_bin("postcal").expect("binary"), self.root());
        cmd.args(self.args(format));
        finish(&mut cmd, &format!("validate --format {format}"))
    }

    /// The same run under `ulimit -v`: a memory blow-up aborts it.
    fn run_capped(&self, format: &str) -> Run {
        let bin = assert_cmd::cargo::cargo_bin("postcal");
        let mut cmd = Ws::base(Command::new("sh"), self.root());
        cmd.arg("-c")
            .arg(format!("ulimit -v {MEMORY_CAP_KIB} && exec \"$0\" \"$@\""))
            .arg(bin)
            .args(self.args(format));
        finish(
            &mut cmd,
            &format!("validate --format {format} (under ulimit -v {MEMORY_CAP_KIB})"),
        )
    }

    fn report(&self) -> Report {
        let run = self.run("json");
        let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of validate --format json is not JSON ({e}):\n{}\nstderr:\n{}",
                run.stdout, run.stderr
            )
        });
        Report {
            code: run.code,
            json,
            stderr: run.stderr,
        }
    }

    /// Every format ends with `code`, in time, without a panic.
    fn all_formats_exit(&self, code: i32) {
        for format in FORMATS {
            let run = self.run(format);
            assert_eq!(
                run.code, code,
                "validate --format {format}: exit code\nstdout:\n{}\nstderr:\n{}",
                run.stdout, run.stderr
            );
        }
    }
}

fn finish(cmd: &mut Command, what: &str) -> Run {
    let start = Instant::now();
    let output = cmd.output().expect("spawn postcal");
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let Some(code) = output.status.code() else {
        panic!(
            "{what}: killed ({:?}) after {elapsed:?} — a hang (timeout {TIMEOUT:?}), a crash or a memory blow-up\nstdout:\n{stdout}\nstderr:\n{stderr}",
            output.status
        );
    };
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack overflow"),
        "{what}: the binary crashed (exit {code})\nstderr:\n{stderr}"
    );
    assert_ne!(
        code, 101,
        "{what}: exit 101 is a Rust panic\nstderr:\n{stderr}"
    );
    assert!(
        elapsed < TIMEOUT,
        "{what}: took {elapsed:?}\nstderr:\n{stderr}"
    );
    Run {
        code,
        stdout,
        stderr,
        elapsed,
    }
}

impl Report {
    fn findings(&self) -> &[Value] {
        self.json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings array in {:#}", self.json))
    }

    /// The findings of `rule`, at least one.
    fn with_rule(&self, rule: &str) -> Vec<&Value> {
        let found: Vec<&Value> = self
            .findings()
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect();
        assert!(
            !found.is_empty(),
            "no `{rule}` finding in:\n{:#}\nstderr:\n{}",
            self.json,
            self.stderr
        );
        found
    }

    /// The one finding of `rule`.
    fn one(&self, rule: &str) -> &Value {
        let found = self.with_rule(rule);
        assert_eq!(
            found.len(),
            1,
            "expected one `{rule}` finding in:\n{:#}",
            self.json
        );
        found[0]
    }

    /// The finding of `rule` at `line`.
    fn at_line(&self, rule: &str, line: u64) -> &Value {
        self.with_rule(rule)
            .into_iter()
            .find(|f| f["line"] == line)
            .unwrap_or_else(|| panic!("no `{rule}` finding at line {line} in:\n{:#}", self.json))
    }

    fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "exit code of validate --format json\nstdout:\n{:#}\nstderr:\n{}",
            self.json, self.stderr
        );
    }

    fn assert_counts_match(&self) {
        let errors = self
            .findings()
            .iter()
            .filter(|f| f["severity"] == "error")
            .count();
        let warnings = self
            .findings()
            .iter()
            .filter(|f| f["severity"] == "warning")
            .count();
        assert_eq!(self.json["errors"], errors as u64, "{:#}", self.json);
        assert_eq!(self.json["warnings"], warnings as u64, "{:#}", self.json);
    }
}

fn text<'a>(f: &'a Value, key: &str) -> &'a str {
    f[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {f:#}"))
}

/// A finding is a located error with a message and a fix hint.
fn assert_located(f: &Value, file: &str, rule: &str, line: u64, column: u64) {
    assert_eq!(f["file"], file, "file of {f:#}");
    assert_eq!(f["rule"], rule, "rule of {f:#}");
    assert_eq!(f["severity"], "error", "severity of {f:#}");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(line), Some(column)),
        "line:column of {f:#}"
    );
    assert!(
        !text(f, "message").trim().is_empty(),
        "empty message in {f:#}"
    );
    assert!(!text(f, "help").trim().is_empty(), "no help in {f:#}");
}

const CAL: &str = "calendars/a.yaml";

// ---------------------------------------------------------------- syntax

#[test]
fn unclosed_flow_sequence_points_at_the_bracket() {
    let ws = Ws::new();
    ws.write(CAL, "defaults:\n  channels: [m\n");
    let report = ws.report();
    report.assert_code(1);
    assert_located(report.one("yaml"), CAL, "yaml", 2, 13);
    report.assert_counts_match();
    ws.all_formats_exit(1);
}

#[test]
fn unclosed_flow_sequence_mid_post_is_reported_near_it() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m\n    text: hi\n",
    );
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_eq!(f["file"], CAL);
    let line = f["line"].as_u64().unwrap();
    assert!((4..=5).contains(&line), "the `[` is on line 4: {f:#}");
    assert!(f["column"].as_u64().unwrap() >= 1, "{f:#}");
    ws.all_formats_exit(1);
}

#[test]
fn wrong_type_posts_is_a_number() {
    let ws = Ws::new();
    ws.write(CAL, "posts: 5\n");
    let report = ws.report();
    report.assert_code(1);
    assert_located(report.one("yaml"), CAL, "yaml", 1, 8);
    ws.all_formats_exit(1);
}

#[test]
fn wrong_type_text_is_a_list() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: [1, 2]\n",
    );
    let report = ws.report();
    report.assert_code(1);
    assert_located(report.one("yaml"), CAL, "yaml", 5, 11);
    ws.all_formats_exit(1);
}

#[test]
fn wrong_type_channels_is_a_string() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: m\n    text: hi\n",
    );
    let report = ws.report();
    report.assert_code(1);
    assert_located(report.one("yaml"), CAL, "yaml", 4, 15);
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    txet: hi\n",
    );
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("unknown-key");
    assert_located(f, CAL, "unknown-key", 5, 5);
    assert!(text(f, "message").contains("txet"), "{f:#}");
    assert!(
        text(f, "help").contains("did you mean `text`"),
        "help should suggest `text`: {f:#}"
    );
    ws.all_formats_exit(1);
}

#[test]
fn misspelt_status_suggests_approved() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    status: aproved\n    text: hi\n",
    );
    let report = ws.report();
    report.assert_code(1);
    assert_eq!(report.findings().len(), 1, "{:#}", report.json);
    let f = &report.findings()[0];
    assert_eq!(f["file"], CAL);
    assert_eq!(f["severity"], "error");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(5), Some(13)),
        "{f:#}"
    );
    assert!(text(f, "message").contains("aproved"), "{f:#}");
    assert!(
        text(f, "help").contains("did you mean `approved`"),
        "help should suggest `approved`: {f:#}"
    );
    ws.all_formats_exit(1);
}

// ---------------------------------------------------------------- size

fn twenty_megabytes_of_posts() -> String {
    let post = format!(
        "  - id: p\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: {}\n",
        "x".repeat(200)
    );
    let mut yaml = String::from("posts:\n");
    while yaml.len() < 20 * 1024 * 1024 {
        yaml.push_str(&post);
    }
    yaml
}

#[test]
fn twenty_megabyte_calendar_is_refused_quickly() {
    let ws = Ws::new();
    ws.write(CAL, twenty_megabytes_of_posts());
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_located(f, CAL, "yaml", 1, 1);
    let message = text(f, "message");
    assert!(
        message.contains("larger than") || message.contains("too large"),
        "the message should say the file is too large: {f:#}"
    );
    let capped = ws.run_capped("json");
    assert_eq!(capped.code, 1, "stderr:\n{}", capped.stderr);
    assert!(
        capped.elapsed < Duration::from_secs(10),
        "a refused file should not take {:?}",
        capped.elapsed
    );
    ws.all_formats_exit(1);
}

#[test]
fn twenty_megabyte_config_is_a_configuration_error() {
    let ws = Ws::with_config(&format!(
        "{CONFIG}{}",
        "# padding padding padding\n".repeat(800_000)
    ));
    let report = ws.report();
    report.assert_code(2);
    let f = report.one("yaml");
    assert_located(f, "postcal.yaml", "yaml", 1, 1);
    ws.all_formats_exit(2);
}

// ---------------------------------------------------------------- alias bombs

/// Nine levels of nine aliases each: 9^9 "lol"s once expanded.
fn billion_laughs(indent: &str, first_key: &str) -> String {
    let mut yaml =
        format!("{indent}{first_key}: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(", ");
        yaml.push_str(&format!("{indent}{}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    yaml
}

#[test]
fn billion_laughs_at_top_level_is_refused_without_hanging() {
    let ws = Ws::new();
    ws.write(CAL, format!("{}posts: *i\n", billion_laughs("", "a")));
    let report = ws.report();
    report.assert_code(1);
    let f = &report.findings()[0];
    assert_eq!(f["file"], CAL, "{f:#}");
    assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
    let capped = ws.run_capped("json");
    assert_eq!(capped.code, 1, "stderr:\n{}", capped.stderr);
    ws.all_formats_exit(1);
}

#[test]
fn billion_laughs_inside_posts_is_refused_without_hanging() {
    // Each post's `tags` nests the previous post's tags nine times.
    let mut yaml = String::from(
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    tags: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    let names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(", ");
        yaml.push_str(&format!(
            "  - id: {}\n    at: 2026-11-27 09:00\n    channels: [m]\n    tags: &{} [{refs}]\n",
            pair[1], pair[1]
        ));
    }
    let ws = Ws::new();
    ws.write(CAL, yaml);
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_eq!(f["file"], CAL, "{f:#}");
    // The first alias used where a tag (a string) belongs: post `b`, line 9.
    assert_eq!(f["line"], 9, "{f:#}");
    let capped = ws.run_capped("json");
    assert_eq!(capped.code, 1, "stderr:\n{}", capped.stderr);
    ws.all_formats_exit(1);
}

#[test]
fn too_many_aliases_break_the_budget() {
    let mut yaml = String::from("defaults:\n  tags: &t [x]\nposts:\n");
    for i in 0..2000 {
        yaml.push_str(&format!(
            "  - {{id: p{i}, at: \"2026-11-27 09:00\", channels: [m], tags: *t}}\n"
        ));
    }
    let ws = Ws::new();
    ws.write(CAL, yaml);
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_eq!(f["file"], CAL, "{f:#}");
    // The 1001st alias: post p1000, on line 4 + 1000.
    assert_eq!(f["line"], 1004, "{f:#}");
    assert!(!text(f, "help").is_empty());
    let capped = ws.run_capped("json");
    assert_eq!(capped.code, 1, "stderr:\n{}", capped.stderr);
    ws.all_formats_exit(1);
}

// ---------------------------------------------------------------- nesting

fn assert_deep_nesting_refused(ws: &Ws, file: &str, code: i32) -> Value {
    let report = ws.report();
    report.assert_code(code);
    let f = report.findings()[0].clone();
    assert_eq!(f["file"], file, "{f:#}");
    // `yaml` (too deep), or `unknown-key` when a key is refused before the
    // depth is reached: either way a located error.
    assert!(f["rule"] == "yaml" || f["rule"] == "unknown-key", "{f:#}");
    assert_eq!(f["severity"], "error", "{f:#}");
    assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
    let capped = ws.run_capped("json");
    assert_eq!(capped.code, code, "stderr:\n{}", capped.stderr);
    ws.all_formats_exit(code);
    f
}

#[test]
fn ten_thousand_nested_flow_sequences_do_not_overflow_the_stack() {
    let ws = Ws::new();
    ws.write(
        CAL,
        format!("posts: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    let f = assert_deep_nesting_refused(&ws, CAL, 1);
    assert_eq!(
        (&f["rule"], &f["line"]),
        (&"yaml".into(), &1.into()),
        "{f:#}"
    );
    assert!(text(&f, "help").contains("nesting"), "{f:#}");
}

#[test]
fn ten_thousand_unclosed_brackets_do_not_overflow_the_stack() {
    let ws = Ws::new();
    ws.write(CAL, format!("posts: {}\n", "[".repeat(10_000)));
    assert_deep_nesting_refused(&ws, CAL, 1);
}

#[test]
fn a_million_brackets_do_not_overflow_the_stack() {
    let ws = Ws::new();
    ws.write(CAL, format!("posts: {}\n", "[".repeat(1_000_000)));
    assert_deep_nesting_refused(&ws, CAL, 1);
}

#[test]
fn ten_thousand_nested_flow_maps_do_not_overflow_the_stack() {
    let ws = Ws::new();
    ws.write(
        CAL,
        format!(
            "posts:\n  - id: a\n    variants: {}1{}\n",
            "{a: ".repeat(10_000),
            "}".repeat(10_000)
        ),
    );
    assert_deep_nesting_refused(&ws, CAL, 1);
}

#[test]
fn ten_thousand_compact_block_sequences_do_not_overflow_the_stack() {
    let ws = Ws::new();
    ws.write(CAL, format!("posts:\n{}x\n", "- ".repeat(10_000)));
    assert_deep_nesting_refused(&ws, CAL, 1);
}

#[test]
fn deep_nesting_in_postcal_yaml_is_a_configuration_error() {
    let ws = Ws::with_config(&format!("{CONFIG}blackouts: {}\n", "[".repeat(10_000)));
    let f = assert_deep_nesting_refused(&ws, "postcal.yaml", 2);
    assert_eq!(
        (&f["rule"], &f["line"]),
        (&"yaml".into(), &8.into()),
        "{f:#}"
    );
}

// ---------------------------------------------------------------- bytes

/// Deterministic pseudo-random bytes (xorshift), with NULs sprinkled in.
fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if i % 97 == 0 { 0 } else { (state >> 24) as u8 }
        })
        .collect()
}

#[test]
fn binary_garbage_is_a_finding() {
    let ws = Ws::new();
    ws.write(CAL, garbage(64 * 1024));
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_eq!(f["file"], CAL, "{f:#}");
    assert_eq!(f["severity"], "error", "{f:#}");
    assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
    assert!(!text(f, "help").is_empty());
    ws.all_formats_exit(1);
}

#[test]
fn binary_garbage_with_a_yaml_extension_among_good_files() {
    let ws = Ws::new();
    ws.write(
        "calendars/0-good.yaml",
        "posts:\n  - id: good\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: hi\n",
    );
    ws.write("calendars/1-logo.yml", garbage(4096));
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_eq!(f["file"], "calendars/1-logo.yml", "{f:#}");
    assert_eq!(
        report.findings().len(),
        1,
        "the good file has no finding: {:#}",
        report.json
    );
}

#[test]
fn nul_characters_in_valid_utf8_are_located() {
    let ws = Ws::new();
    ws.write(CAL, "posts: []\n\0\0\0\n");
    let report = ws.report();
    report.assert_code(1);
    assert_located(report.one("yaml"), CAL, "yaml", 2, 1);
    ws.all_formats_exit(1);
}

#[test]
fn invalid_utf8_is_located_at_the_bad_byte() {
    let ws = Ws::new();
    let mut bytes = b"campaign: x\ndefaults: {}\nposts: [] ".to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"\n");
    ws.write(CAL, bytes);
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("yaml");
    assert_located(f, CAL, "yaml", 3, 11);
    assert!(text(f, "message").contains("UTF-8"), "{f:#}");
    ws.all_formats_exit(1);
}

#[test]
fn invalid_utf8_after_multibyte_text_counts_characters() {
    let ws = Ws::new();
    let mut bytes = "campaign: x\ndefaults: {}\n# café ".as_bytes().to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"\n");
    ws.write(CAL, bytes);
    let report = ws.report();
    report.assert_code(1);
    assert_located(report.one("yaml"), CAL, "yaml", 3, 8);
}

// ---------------------------------------------------------------- time

#[test]
fn unknown_timezone_in_a_calendar_suggests_the_right_one() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "timezone: Europe/Madird\nposts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: hi\n",
    );
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("unknown-timezone");
    assert_located(f, CAL, "unknown-timezone", 1, 11);
    assert!(text(f, "message").contains("Europe/Madird"), "{f:#}");
    assert!(text(f, "help").contains("`Europe/Madrid`"), "{f:#}");
    ws.all_formats_exit(1);
}

#[test]
fn unknown_timezone_in_postcal_yaml_exits_2() {
    let ws = Ws::with_config(&CONFIG.replace("Europe/Madrid", "Europe/Madird"));
    ws.write(
        CAL,
        "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: hi\n",
    );
    let report = ws.report();
    report.assert_code(2);
    let f = report.one("unknown-timezone");
    assert_located(f, "postcal.yaml", "unknown-timezone", 1, 11);
    assert!(text(f, "help").contains("`Europe/Madrid`"), "{f:#}");
    ws.all_formats_exit(2);
}

#[test]
fn nonexistent_and_ambiguous_wall_times() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "timezone: Europe/Madrid\nposts:\n  - id: gap\n    at: 2026-03-29 02:30\n    channels: [m]\n    text: hi\n  - id: fold\n    at: 2026-10-25 02:30\n    channels: [m]\n    text: hi\n",
    );
    let report = ws.report();
    report.assert_code(1);

    let gap = report.at_line("invalid-time", 4);
    assert_located(gap, CAL, "invalid-time", 4, 9);
    assert!(text(gap, "message").contains("does not exist"), "{gap:#}");

    let fold = report.at_line("invalid-time", 8);
    assert_located(fold, CAL, "invalid-time", 8, 9);
    assert!(text(fold, "message").contains("happens twice"), "{fold:#}");
    let help = text(fold, "help");
    assert!(help.contains("2026-10-25T02:30:00+02:00"), "{fold:#}");
    assert!(help.contains("2026-10-25T02:30:00+01:00"), "{fold:#}");
    ws.all_formats_exit(1);
}

#[test]
fn either_explicit_offset_resolves_the_fold() {
    let ws = Ws::new();
    ws.write(
        CAL,
        "posts:\n  - id: first\n    at: 2026-10-25T02:30:00+02:00\n    channels: [m]\n    text: one\n  - id: second\n    at: 2026-10-25T02:30:00+01:00\n    channels: [m]\n    text: two\n",
    );
    let report = ws.report();
    assert!(
        report
            .findings()
            .iter()
            .all(|f| f["rule"] != "invalid-time"),
        "{:#}",
        report.json
    );
}

// ---------------------------------------------------------------- media

#[test]
fn media_paths_may_not_leave_the_workspace() {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let ws = Ws::new();
    // `../outside.png` exists (it is the file linked to and named by its
    // absolute path too), so "does not exist" would not be the answer.
    let outside_png = ws.outside("outside.png");
    fs::write(&outside_png, PNG).expect("write outside.png");
    ws.write("media/ok.png", PNG);
    std::os::unix::fs::symlink(&outside_png, ws.root().join("media/link.png")).expect("symlink");
    ws.write(
        CAL,
        format!(
            "posts:\n  - id: a\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: hi\n    media:\n      - file: ../outside.png\n        alt: x\n      - file: {}\n        alt: x\n      - file: media/link.png\n        alt: x\n      - file: media/ok.png\n        alt: x\n",
            outside_png.display()
        ),
    );
    let report = ws.report();
    report.assert_code(1);
    let media = report.with_rule("media");
    assert_eq!(media.len(), 3, "{:#}", report.json);
    for (line, name) in [
        (7, "../outside.png"),
        (9, "outside.png"),
        (11, "media/link.png"),
    ] {
        let f = report.at_line("media", line);
        assert_located(f, CAL, "media", line, 15);
        assert!(text(f, "message").contains(name), "{f:#}");
    }
    assert!(
        report.findings().iter().all(|f| f["line"] != 13),
        "media/ok.png is fine: {:#}",
        report.json
    );
    ws.all_formats_exit(1);
}

// ---------------------------------------------------------------- secrets

const SECRET: &str = "sk_live_abcdef123456";

#[test]
fn literal_secret_is_masked_in_snippets_of_any_finding() {
    // A slack channel with a `token` field it does not take: two findings
    // point at the line, and neither snippet may show the value.
    let config = CONFIG
        .replace("env:M_TOKEN", SECRET)
        .replace("platform: mastodon", "platform: slack");
    let ws = Ws::with_config(&config);
    let run = ws.run("human");
    assert!(run.stdout.contains("literal-secret"), "{}", run.stdout);
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("********************"),
        "{}",
        run.stdout
    );
}

#[test]
fn literal_secret_is_an_error_and_never_printed() {
    let ws = Ws::with_config(&CONFIG.replace("env:M_TOKEN", SECRET));
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("literal-secret");
    assert_located(f, "postcal.yaml", "literal-secret", 7, 12);
    // The human format's source snippet masks the value.
    for format in ["human", "json", "github"] {
        let run = ws.run(format);
        assert_eq!(
            run.code, 1,
            "validate --format {format}\nstderr:\n{}",
            run.stderr
        );
        assert!(
            !run.stdout.contains(SECRET),
            "validate --format {format} printed the secret on stdout:\n{}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(SECRET),
            "validate --format {format} printed the secret on stderr:\n{}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------- endpoints

#[test]
fn http_instance_on_a_public_host_is_insecure() {
    let ws = Ws::with_config(&CONFIG.replace("https://mastodon.social", "http://mastodon.social"));
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("insecure-endpoint");
    assert_located(f, "postcal.yaml", "insecure-endpoint", 6, 15);
    ws.all_formats_exit(1);
}

#[test]
fn http_on_loopback_is_accepted() {
    for host in [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ] {
        let ws = Ws::with_config(&CONFIG.replace("https://mastodon.social", host));
        let report = ws.report();
        report.assert_code(0);
        assert!(
            report.findings().is_empty(),
            "{host} is loopback: {:#}",
            report.json
        );
    }
}

// ---------------------------------------------------------------- workspace

#[test]
fn no_postcal_yaml_exits_2_with_a_message() {
    let empty = tempfile::tempdir().expect("temp dir");
    for format in FORMATS {
        let mut cmd = Ws::base(Command::cargo_bin("postcal").expect("binary"), empty.path());
        cmd.arg("--workspace").arg(empty.path()).args([
            "--now", NOW, "--color", "never", "validate", "--format", format,
        ]);
        let run = finish(
            &mut cmd,
            &format!("validate --format {format} (no workspace)"),
        );
        assert_eq!(
            run.code, 2,
            "stdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains("postcal.yaml"),
            "stderr should say postcal.yaml is missing:\n{}",
            run.stderr
        );
    }
}

#[test]
fn duplicate_id_is_reported_on_the_later_file() {
    let ws = Ws::new();
    ws.write(
        "calendars/a.yaml",
        "posts:\n  - id: dup\n    at: 2026-11-27 09:00\n    channels: [m]\n    text: one\n",
    );
    ws.write(
        "calendars/b.yaml",
        "campaign: c\nposts:\n  - id: other\n    at: 2026-11-28 09:00\n    channels: [m]\n    text: two\n  - id: dup\n    at: 2026-11-29 09:00\n    channels: [m]\n    text: three\n",
    );
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("duplicate-id");
    assert_located(f, "calendars/b.yaml", "duplicate-id", 7, 9);
    assert!(text(f, "message").contains("dup"), "{f:#}");
    assert!(text(f, "help").contains("calendars/a.yaml:2"), "{f:#}");
    ws.all_formats_exit(1);
}

#[test]
fn over_long_bluesky_post_points_at_its_text() {
    let ws = Ws::with_config(&format!(
        "{CONFIG}  b:\n    platform: bluesky\n    handle: acme.bsky.social\n    app_password: env:B_PASS\n"
    ));
    ws.write(
        CAL,
        format!(
            "posts:\n  - id: long\n    at: 2026-11-27 09:00\n    channels: [m, b]\n    status: approved\n    text: {}\n",
            "a".repeat(320)
        ),
    );
    let report = ws.report();
    report.assert_code(1);
    let f = report.one("too-long");
    assert_located(f, CAL, "too-long", 6, 11);
    let message = text(f, "message");
    assert!(message.contains("320") && message.contains("300"), "{f:#}");
    assert!(
        message.contains(" b "),
        "only the Bluesky channel is over: {f:#}"
    );
    ws.all_formats_exit(1);
}
