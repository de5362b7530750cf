//! Findings rendered for people (with a source snippet), for machines (JSON,
//! SPEC §3) and for GitHub Actions (workflow commands).

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet, renderer::DecorStyle};
use serde::Serialize;

use crate::diagnostic::{Finding, Severity, Sources, Tally};

/// Human text: each finding with its snippet and hint, then a summary line.
pub fn human(findings: &[Finding], sources: &Sources, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let mut out = String::new();
    for f in &super::occurrences::merge(findings) {
        out.push_str(&render_one(f, sources, &renderer));
        out.push_str("\n\n");
    }
    out
}

/// One line summing up a validation run.
pub fn summary(tally: Tally, files: usize, posts: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {} in {} and {}",
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning"),
        plural(files, "file"),
        plural(posts, "post")
    )
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    }
}

fn render_one(f: &Finding, sources: &Sources, renderer: &Renderer) -> String {
    let title = level(f.severity)
        .primary_title(f.message.as_str())
        .id(f.rule.as_str());
    let file = f.file.and_then(|id| sources.get(id).map(|src| (id, src)));
    // The snippet line, with any secret on it masked.
    let snippet = file
        .filter(|_| f.loc.is_known())
        .and_then(|(id, _)| sources.text(id).map(|text| (id, text)))
        .filter(|(_, text)| !text.is_empty())
        .map(|(id, text)| {
            let (line, line_start, span) =
                line_at(&text, f.loc.offset as usize, f.loc.len as usize);
            (sources.masked_line(id, line_start, line), span)
        });
    let mut group = match (file, &snippet) {
        (Some((_, src)), Some((line, span))) => title.element(
            Snippet::source(line.as_str())
                .line_start(f.loc.line as usize)
                .path(src.path.as_str())
                .annotation(AnnotationKind::Primary.span(span.clone())),
        ),
        (Some((_, src)), None) => title.element(annotate_snippets::Origin::path(src.path.as_str())),
        (None, _) => Group::with_title(title),
    };
    if let Some(help) = &f.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let report: [Group<'_>; 1] = [group];
    renderer.render(&report)
}

/// The line holding byte `offset`, its start, and the span to underline
/// within it (at least one character, never past the line's end).
fn line_at(text: &str, offset: usize, len: usize) -> (&str, usize, std::ops::Range<usize>) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    let rel = offset - start;
    let mut span_end = (rel + len.max(1)).min(line.len());
    span_end = ceil_char_boundary(line, span_end);
    if span_end <= rel {
        span_end = ceil_char_boundary(line, (rel + 1).min(line.len()));
    }
    (line, start, rel..span_end.max(rel))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
    errors: usize,
    warnings: usize,
}

/// `{"findings": [...], "errors": N, "warnings": N}` (SPEC §3).
pub fn json(findings: &[Finding], sources: &Sources) -> String {
    let tally = Tally::of(findings);
    let report = JsonReport {
        findings: findings
            .iter()
            .map(|f| JsonFinding {
                file: f.file.map_or("", |id| sources.path(id)),
                line: f.loc.line,
                column: f.loc.column,
                rule: f.rule.as_str(),
                severity: f.severity,
                message: &f.message,
                help: f.help.as_deref(),
            })
            .collect(),
        errors: tally.errors,
        warnings: tally.warnings,
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

/// GitHub shows at most this many annotations of each severity per step.
pub const GITHUB_ANNOTATION_LIMIT: usize = 10;

/// GitHub Actions workflow commands, escaped as the runner expects. GitHub
/// shows at most `GITHUB_ANNOTATION_LIMIT` annotations of each severity per
/// step: findings past that are printed as plain log lines instead (so none
/// is lost), with a notice saying so. `prefix` is the workspace folder from
/// the repository's top (`""` or `brand/`): GitHub matches annotations to
/// files by their path from there.
pub fn github(findings: &[Finding], sources: &Sources, prefix: &str) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings, mut overflow) = (0, 0, 0);
    for f in &super::occurrences::merge(findings) {
        let (command, count) = match f.severity {
            Severity::Error => ("error", &mut errors),
            Severity::Warning => ("warning", &mut warnings),
        };
        *count += 1;
        let path = f.file.map(|id| format!("{prefix}{}", sources.path(id)));
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        if *count > GITHUB_ANNOTATION_LIMIT {
            overflow += 1;
            let place = path
                .as_ref()
                .map(|p| format!("{p}:{}:{}: ", f.loc.line, f.loc.column))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{place}{command}[{}]: {}",
                f.rule,
                message.replace('\n', " — ")
            );
            continue;
        }
        let mut props = Vec::new();
        if let Some(path) = &path {
            props.push(format!("file={}", escape_property(path)));
            if f.loc.is_known() {
                props.push(format!("line={}", f.loc.line));
                props.push(format!("col={}", f.loc.column));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("postcal {}", f.rule))
        ));
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    if overflow > 0 {
        let _ = writeln!(
            out,
            "::notice title=postcal::{}",
            escape_data(&format!(
                "{overflow} more findings than GitHub shows as annotations ({GITHUB_ANNOTATION_LIMIT} errors and {GITHUB_ANNOTATION_LIMIT} warnings per step); they are listed in this step's log"
            ))
        );
    }
    out
}

/// Escape workflow-command data: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property: data escapes plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn line_at_clamps_to_the_line() {
        let text = "a: 1\nbé: two\n";
        let (line, start, span) = line_at(text, 9, 50);
        assert_eq!(start, 5);
        assert_eq!(line, "bé: two");
        assert_eq!(span, 4..8);
    }
}
