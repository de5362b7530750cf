//! `validate --format sarif` checked against the SARIF 2.1.0 JSON Schema
//! (OASIS, vendored in tests/fixtures) by the real `check-jsonschema`
//! (which `.ci/run` installs), and against what `validate --format json`
//! finds: one result per finding, at the same file, line and column, with
//! its rule described in the driver. Without the checker the schema part
//! says so and passes, unless `POSTCAL_REQUIRE_LINTERS=1`.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sarif-schema-2.1.0.json"
);

fn validate(format: &str) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "--workspace"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/broken"
        ))
        .args([
            "validate",
            "--format",
            format,
            "--now",
            "2026-11-22T12:00:00Z",
        ])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), doc)
}

/// Whether `check-jsonschema` accepts `log`; `None` when it is missing.
fn schema_accepts(dir: &Path, log: &Value) -> Option<bool> {
    let found = Command::new("check-jsonschema")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        #[allow(clippy::disallowed_methods)] // a test's own switch
        let required = std::env::var("POSTCAL_REQUIRE_LINTERS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "check-jsonschema is missing and POSTCAL_REQUIRE_LINTERS=1"
        );
        #[allow(clippy::print_stderr)] // why the schema check did nothing
        {
            eprintln!("skipped: check-jsonschema is not installed (pip install check-jsonschema)");
        }
        return None;
    }
    let file = dir.join("log.sarif");
    std::fs::write(&file, serde_json::to_string_pretty(log).unwrap()).unwrap();
    let out = Command::new("check-jsonschema")
        .args(["--schemafile", SCHEMA])
        .arg(&file)
        .output()
        .unwrap();
    Some(out.status.success())
}

#[test]
fn every_finding_is_a_result_at_its_place_and_the_log_meets_the_schema() {
    let (code, sarif) = validate("sarif");
    let (json_code, json) = validate("json");
    assert_eq!(code, Some(1), "errors make validate fail in every format");
    assert_eq!(code, json_code);
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "postcal");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let place = |file: &Value, line: &Value, column: &Value| {
        (
            file.as_str().unwrap_or_default().to_owned(),
            line.as_u64().unwrap_or_default(),
            column.as_u64().unwrap_or_default(),
        )
    };
    let results: Vec<(String, String, (String, u64, u64))> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let rule = r["ruleId"].as_str().unwrap();
            // ruleIndex points at the rule's own description.
            assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], rule);
            let loc = &r["locations"][0]["physicalLocation"];
            // Code scanning reads paths from the repository's top: in this
            // repository the fixture is a folder of it.
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            let uri = uri.strip_prefix("tests/fixtures/broken/").unwrap_or(uri);
            (
                rule.to_owned(),
                r["level"].as_str().unwrap().to_owned(),
                place(
                    &Value::from(uri),
                    &loc["region"]["startLine"],
                    &loc["region"]["startColumn"],
                ),
            )
        })
        .collect();
    let expected: Vec<(String, String, (String, u64, u64))> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                place(&f["file"], &f["line"], &f["column"]),
            )
        })
        .collect();
    assert_eq!(results, expected);
    assert!(results.len() >= 10, "the fixture has many problems");
    let first = &run["results"][0]["message"]["text"];
    assert!(first.as_str().unwrap().contains("\nhelp: "), "{first}");

    let dir = tempfile::tempdir().unwrap();
    let Some(accepted) = schema_accepts(dir.path(), &sarif) else {
        return;
    };
    assert!(accepted, "the SARIF log does not meet the schema");
    // The checker is not a rubber stamp: a level SARIF does not have fails.
    let mut wrong = sarif.clone();
    wrong["runs"][0]["results"][0]["level"] = "fatal".into();
    assert_eq!(schema_accepts(dir.path(), &wrong), Some(false));
}
