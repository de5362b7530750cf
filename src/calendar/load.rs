//! Reading files: finding the workspace, reading bounded UTF-8 text, parsing
//! YAML with budgets, and turning parser errors into findings.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diagnostic::{FileId, Finding, Loc, RuleId, Subject, did_you_mean};

/// The file that marks a workspace root.
pub const CONFIG_FILE: &str = "postcal.yaml";

/// Walk up from `start` to the first directory holding `postcal.yaml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: 48,
            max_events: 4_000_000,
            max_nodes: 2_000_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_documents: 1,
        },
    }
}

/// Parse `text` as `T`, or say where and why it is not; the finding is about
/// `subject` (the workspace for postcal.yaml, the file for a calendar).
pub fn parse_yaml<T: DeserializeOwned>(
    text: &str,
    file: FileId,
    subject: &Subject,
) -> Result<T, Box<Finding>> {
    serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| Box::new(yaml_finding(&e, text, file, subject.clone())))
}

fn yaml_finding(err: &serde_saphyr::Error, text: &str, file: FileId, subject: Subject) -> Finding {
    let loc = err
        .location()
        .map(Loc::from_saphyr)
        .map(|loc| with_offset(loc, text))
        .unwrap_or(Loc {
            line: 1,
            column: 1,
            offset: 0,
            len: 0,
        });
    let full = err.without_snippet().to_string();
    let message = strip_location_suffix(&full).to_owned();
    if let Some((field, expected)) = parse_unknown(&message, "unknown field `") {
        let mut finding = Finding::error(
            RuleId::UNKNOWN_FIELD,
            subject,
            file,
            loc,
            format!("unknown key `{field}`"),
        );
        let help = match alias_of(&field, &expected).or_else(|| did_you_mean(&field, &expected)) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("expected one of: {}", expected.join(", ")),
        };
        finding.help = Some(help);
        return finding;
    }
    if let Some((variant, expected)) = parse_unknown(&message, "unknown variant `") {
        let mut finding = Finding::error(
            RuleId::UNKNOWN_FIELD,
            subject,
            file,
            loc,
            format!("unknown value `{variant}`"),
        );
        let help = match alias_of(&variant, &expected).or_else(|| did_you_mean(&variant, &expected))
        {
            Some(best) => format!(
                "did you mean `{best}`? (expected one of: {})",
                expected.join(", ")
            ),
            None => format!("expected one of: {}", expected.join(", ")),
        };
        finding.help = Some(help);
        return finding;
    }
    let help = if message.contains("budget") || message.contains("limit") {
        "simplify the file: deep nesting and many aliases are refused to keep postcal fast and safe"
    } else if message.starts_with("missing field") {
        "add the missing key"
    } else if message.contains("null") {
        "give the key a value, or remove it"
    } else {
        "check the YAML syntax and the type of this value (see `postcal schema`)"
    };
    Finding::error(RuleId::SYNTAX, subject, file, loc, message).with_help(help)
}

/// serde-saphyr locations carry byte offsets for string input; fill them in
/// from line and column when they are missing.
fn with_offset(mut loc: Loc, text: &str) -> Loc {
    if loc.offset == 0 && (loc.line > 1 || loc.column > 1) {
        let line_start = text
            .split_inclusive('\n')
            .take(loc.line as usize - 1)
            .map(str::len)
            .sum::<usize>();
        let col: usize = text[line_start.min(text.len())..]
            .chars()
            .take(loc.column.saturating_sub(1) as usize)
            .map(char::len_utf8)
            .sum();
        loc.offset = u32::try_from((line_start + col).min(text.len())).unwrap_or(u32::MAX);
    }
    loc
}

/// Remove the trailing " at line N, column M" serde-saphyr appends; other
/// mentions of lines inside the message stay.
fn strip_location_suffix(message: &str) -> &str {
    let Some((head, tail)) = message.rsplit_once(" at line ") else {
        return message;
    };
    let is_location = tail.split_once(", column ").is_some_and(|(l, c)| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_digit())
            && !c.is_empty()
            && c.bytes().all(|b| b.is_ascii_digit())
    });
    if is_location { head } else { message }
}

/// Parse serde's "unknown field `x`, expected one of `a`, `b`" (the quoting varies).
fn parse_unknown(message: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?;
    let (name, rest) = rest.split_once('`')?;
    let expected = rest
        .split_once("expected ")
        .map(|(_, list)| {
            list.trim_start_matches("one of ")
                .trim_start_matches("a ")
                .split(',')
                .map(|s| s.trim().trim_matches('`').to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Some((name.to_owned(), expected))
}

/// Every `*.yaml` / `*.yml` under `dir`, sorted by path; symlinked folders
/// are not followed.
pub fn calendar_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    files
}

/// What other tools (and the platforms' own consoles) call a key or value
/// postcal names differently, when that name is expected here: X's console
/// says "access token secret" and "consumer key", and X was Twitter.
fn alias_of<'e, S: AsRef<str>>(name: &str, expected: &'e [S]) -> Option<&'e str> {
    const ALIASES: [(&str, &str); 6] = [
        ("twitter", "x"),
        ("access_token_secret", "access_secret"),
        ("consumer_key", "api_key"),
        ("consumer_secret", "api_secret"),
        ("api_key_secret", "api_secret"),
        ("page_access_token", "page_token"),
    ];
    let lower = name.to_ascii_lowercase();
    let target = ALIASES.iter().find(|(a, _)| *a == lower).map(|(_, t)| *t)?;
    expected.iter().map(AsRef::as_ref).find(|e| *e == target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let (field, expected) = parse_unknown(
            "unknown field `txet`, expected one of id, at, text, n",
            "unknown field `",
        )
        .unwrap();
        assert_eq!(field, "txet");
        assert_eq!(did_you_mean(&field, &expected), Some("text"));
    }

    #[test]
    fn names_from_other_tools_point_to_postcals() {
        let fields = ["access_token", "access_secret", "api_key", "api_secret"];
        assert_eq!(
            alias_of("access_token_secret", &fields),
            Some("access_secret")
        );
        assert_eq!(alias_of("Consumer_Key", &fields), Some("api_key"));
        assert_eq!(alias_of("twitter", &["mastodon", "x"]), Some("x"));
        // Only to a name expected here.
        assert_eq!(alias_of("twitter", &["mastodon"]), None);
        assert_eq!(alias_of("txet", &["text"]), None);
    }

    #[test]
    fn location_suffix_is_removed() {
        assert_eq!(
            strip_location_suffix("invalid u32 at line 4, column 8"),
            "invalid u32"
        );
        assert_eq!(strip_location_suffix("plain"), "plain");
        let alias =
            "expected string scalar (defined at line 5, column 14) (used at line 9, column 15)";
        assert_eq!(strip_location_suffix(alias), alias);
    }
}
