//! X length counting against twitter-text itself: upstream's conformance cases
//! (`../shared/peers/twitter-text/validate.yml`), and a differential run
//! against the official npm package (`tests/node`, installed by
//! `npm ci --prefix tests/node`). Without `tests/node/node_modules` the
//! differential test says so and passes, unless `POSTCAL_REQUIRE_NODE=1`
//! (CI), which makes it fail.

#![allow(clippy::disallowed_methods, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

mod x_corpus;

use postcal::platform::x_count::{self, XConfig, XCount};
use proptest::prelude::*;
use serde::Deserialize;

const VALIDATE_YML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/peers/twitter-text/validate.yml"
);
const V3_JSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/peers/twitter-text/v3.json"
);

// ---------------------------------------------------------------- conformance

#[derive(Deserialize)]
struct Conformance {
    tests: Sections,
}

#[derive(Deserialize)]
struct Sections {
    #[serde(rename = "WeightedTweetsCounterTest")]
    weighted: Vec<Case>,
    #[serde(rename = "WeightedTweetsWithDiscountedEmojiCounterTest")]
    discounted_emoji: Vec<Case>,
    #[serde(rename = "UnicodeDirectionalMarkerCounterTest")]
    directional_markers: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    text: String,
    expected: Expected,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Expected {
    weighted_length: usize,
    valid: bool,
    permillage: usize,
    display_range_start: usize,
    display_range_end: usize,
    valid_range_start: usize,
    valid_range_end: usize,
}

impl From<XCount> for Expected {
    fn from(c: XCount) -> Self {
        Expected {
            weighted_length: c.weighted_length,
            valid: c.valid,
            permillage: c.permillage,
            display_range_start: c.display_range.0,
            display_range_end: c.display_range.1,
            valid_range_start: c.valid_range.0,
            valid_range_end: c.valid_range.1,
        }
    }
}

fn conformance() -> Sections {
    let yaml = std::fs::read_to_string(VALIDATE_YML).expect("read validate.yml");
    // One upstream case repeats `displayRangeStart` (with the same value).
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    };
    let doc: Conformance =
        serde_saphyr::from_str_with_options(&yaml, options).expect("parse validate.yml");
    doc.tests
}

#[test]
fn upstream_conformance_cases_pass() {
    let sections = conformance();
    // Upstream runs WeightedTweetsCounterTest with config v2 and the others
    // with the default (v3), as twitter-text's own conformance runner does.
    let runs = [
        ("WeightedTweetsCounterTest", XConfig::V2, &sections.weighted),
        (
            "WeightedTweetsWithDiscountedEmojiCounterTest",
            XConfig::V3,
            &sections.discounted_emoji,
        ),
        (
            "UnicodeDirectionalMarkerCounterTest",
            XConfig::V3,
            &sections.directional_markers,
        ),
    ];
    let mut failures = Vec::new();
    for (section, config, cases) in runs {
        assert!(!cases.is_empty(), "{section} has no cases");
        for case in cases {
            let got = Expected::from(x_count::parse_with(&case.text, &config));
            if got != case.expected {
                failures.push(format!(
                    "{section}: {:?}\n  text:     {}\n  expected: {:?}\n  got:      {got:?}",
                    case.description,
                    escape(&case.text),
                    case.expected
                ));
            }
        }
        eprintln!("{section}: {} cases", cases.len());
    }
    assert!(
        failures.is_empty(),
        "{} conformance case(s) fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn v3_config_is_the_shared_one() {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Config {
        version: u32,
        max_weighted_tweet_length: usize,
        scale: usize,
        default_weight: usize,
        emoji_parsing_enabled: bool,
        #[serde(rename = "transformedURLLength")]
        transformed_url_length: usize,
        ranges: Vec<Range>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Range {
        start: u32,
        end: u32,
        weight: usize,
    }
    let json = std::fs::read_to_string(V3_JSON).expect("read v3.json");
    let shared: Config = serde_json::from_str(&json).expect("parse v3.json");
    let v3 = XConfig::V3;
    assert_eq!(shared.version, v3.version);
    assert_eq!(shared.max_weighted_tweet_length, v3.max_weighted_length);
    assert_eq!(shared.max_weighted_tweet_length, x_count::X_MAX_WEIGHTED);
    assert_eq!(shared.scale, v3.scale);
    assert_eq!(shared.default_weight, v3.default_weight);
    assert_eq!(shared.emoji_parsing_enabled, v3.emoji_parsing);
    assert_eq!(shared.transformed_url_length, v3.transformed_url_length);
    let ranges: Vec<_> = shared
        .ranges
        .iter()
        .map(|r| (r.start, r.end, r.weight))
        .collect();
    let ours: Vec<_> = v3
        .ranges
        .iter()
        .map(|r| (r.start, r.end, r.weight))
        .collect();
    assert_eq!(ranges, ours);
}

#[test]
fn url_ranges_on_known_texts() {
    let found = |text: &str| -> Vec<String> {
        x_count::x_url_ranges(text)
            .into_iter()
            .map(|r| text[r].to_owned())
            .collect()
    };
    assert_eq!(found("http://example.com"), ["http://example.com"]);
    assert_eq!(
        found("https://example.com/path/to/resource?search=foo&lang=en"),
        ["https://example.com/path/to/resource?search=foo&lang=en"]
    );
    assert_eq!(
        found("HTTPS://www.ExaMPLE.COM/index.html"),
        ["HTTPS://www.ExaMPLE.COM/index.html"]
    );
    assert_eq!(found("http://☃.net/"), ["http://☃.net/"]);
    assert_eq!(
        found("http://example.com/Русские_слова"),
        ["http://example.com/Русские_слова"]
    );
    assert_eq!(found("www.example.com"), ["www.example.com"]);
    assert_eq!(found("t.co"), ["t.co"]);
    assert_eq!(found("foo.co.jp"), ["foo.co.jp"]);
    assert_eq!(
        found("example.com/path/to/resource?search=foo&lang=en"),
        ["example.com/path/to/resource?search=foo&lang=en"]
    );
    // A scheme-less URL without a path stops at its domain.
    assert_eq!(
        found("example.com?q=1 and example.com:80"),
        ["example.com", "example.com"]
    );
    assert!(found("ftp://example.foo@ and nothing.notatld").is_empty());
}

// ---------------------------------------------------------------- never panics

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn counting_never_panics(text in any::<String>()) {
        check_invariants(&text);
    }

    #[test]
    fn counting_url_like_text_never_panics(
        text in "[a-zA-Z0-9.:/@#$?&=()_\\-~!,' \t\n日é😀\u{200d}\u{fe0f}\u{3002}\u{202b}\u{feff}]{0,80}"
    ) {
        check_invariants(&text);
    }
}

fn check_invariants(text: &str) {
    let count = x_count::parse(text);
    let units = text.encode_utf16().count();
    assert!(count.display_range.1 <= units);
    assert!(count.valid_range.1 <= count.display_range.1.max(units));
    for range in x_count::x_url_ranges(text) {
        assert!(text.get(range).is_some_and(|url| !url.is_empty()));
    }
}

// ---------------------------------------------------------------- differential

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Upstream {
    weighted_length: f64,
    valid: bool,
    permillage: f64,
    display_range_end: i64,
    valid_range_end: i64,
    urls: Vec<(usize, usize)>,
}

#[test]
fn agrees_with_the_npm_package() {
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let required = std::env::var("POSTCAL_REQUIRE_NODE").is_ok_and(|v| v == "1");
    if !node_dir.join("node_modules/twitter-text").is_dir() {
        assert!(
            !required,
            "POSTCAL_REQUIRE_NODE=1 but tests/node/node_modules is missing: run `npm ci --prefix tests/node`"
        );
        eprintln!(
            "skipping the differential X count test: tests/node/node_modules is missing \
             (run `npm ci --prefix tests/node`)"
        );
        return;
    }
    let texts = x_corpus::generated_texts();
    let upstream = match run_node(&node_dir, &texts) {
        Ok(results) => results,
        Err(why) if !required => {
            eprintln!("skipping the differential X count test: {why}");
            return;
        }
        Err(why) => panic!("POSTCAL_REQUIRE_NODE=1 but node did not run: {why}"),
    };
    assert_eq!(upstream.len(), texts.len(), "node answered every line");

    let mut disagreements = Vec::new();
    for (text, theirs) in texts.iter().zip(&upstream) {
        let ours = x_count::parse(text);
        let our_urls = utf16_ranges(text, &x_count::x_url_ranges(text));
        let mine = (
            ours.weighted_length as f64,
            ours.valid,
            ours.permillage as f64,
            ours.display_range.1 as i64,
            ours.valid_range.1 as i64,
        );
        let upstream_fields = (
            theirs.weighted_length,
            theirs.valid,
            theirs.permillage,
            theirs.display_range_end,
            theirs.valid_range_end.max(0),
        );
        if mine != upstream_fields || our_urls != theirs.urls {
            disagreements.push(format!(
                "  text: {}\n    twitter-text: weightedLength {} valid {} permillage {} \
                 displayRangeEnd {} validRangeEnd {} urls {:?}\n    postcal:      \
                 weightedLength {} valid {} permillage {} displayRangeEnd {} validRangeEnd {} urls {:?}",
                escape(text),
                upstream_fields.0,
                upstream_fields.1,
                upstream_fields.2,
                upstream_fields.3,
                upstream_fields.4,
                theirs.urls,
                mine.0,
                mine.1,
                mine.2,
                mine.3,
                mine.4,
                our_urls,
            ));
        }
    }
    eprintln!(
        "differential X count: {} texts, {} disagreements",
        texts.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} texts count differently from twitter-text:\n{}",
        disagreements.len(),
        texts.len(),
        disagreements.join("\n")
    );
}

#[test]
fn tables_are_generated_from_the_installed_packages() {
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let required = std::env::var("POSTCAL_REQUIRE_NODE").is_ok_and(|v| v == "1");
    if !node_dir.join("node_modules/twitter-text").is_dir() {
        assert!(
            !required,
            "POSTCAL_REQUIRE_NODE=1 but tests/node/node_modules is missing"
        );
        eprintln!("skipping the X tables check: tests/node/node_modules is missing");
        return;
    }
    let output = match Command::new("node")
        .arg(node_dir.join("gen-x-tables.js"))
        .output()
    {
        Ok(output) => output,
        Err(e) if !required => {
            eprintln!("skipping the X tables check: cannot start node: {e}");
            return;
        }
        Err(e) => panic!("POSTCAL_REQUIRE_NODE=1 but node did not run: {e}"),
    };
    assert!(
        output.status.success(),
        "gen-x-tables.js failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/platform/x_count/tables.rs"),
    )
    .expect("read tables.rs");
    // The header names the node version that generated it; the data must match.
    let data = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("//"))
            .map(str::to_owned)
            .collect()
    };
    assert!(
        data(&String::from_utf8_lossy(&output.stdout)) == data(&committed),
        "src/platform/x_count/tables.rs is stale: run \
         `node tests/node/gen-x-tables.js > src/platform/x_count/tables.rs`"
    );
}

fn run_node(node_dir: &Path, texts: &[String]) -> Result<Vec<Upstream>, String> {
    let mut child = Command::new("node")
        .arg(node_dir.join("x-count.js"))
        .current_dir(node_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input: String = texts
        .iter()
        .map(|t| serde_json::to_string(t).expect("a string serialises") + "\n")
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut results = Vec::with_capacity(texts.len());
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading node's output: {e}"))?;
        results.push(serde_json::from_str(&line).map_err(|e| format!("node wrote {line:?}: {e}"))?);
    }
    writer
        .join()
        .expect("writer thread")
        .map_err(|e| format!("writing to node: {e}"))?;
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("node x-count.js exited with {status}"));
    }
    Ok(results)
}

/// UTF-8 byte ranges of `text` as UTF-16 index pairs.
fn utf16_ranges(text: &str, ranges: &[std::ops::Range<usize>]) -> Vec<(usize, usize)> {
    let at = |byte: usize| text[..byte].encode_utf16().count();
    ranges.iter().map(|r| (at(r.start), at(r.end))).collect()
}

fn escape(text: &str) -> String {
    text.escape_debug().to_string()
}
