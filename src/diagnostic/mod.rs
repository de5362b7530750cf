//! Diagnostics: findings (what is wrong, what it is about, where, how to fix
//! it), source positions, and the files they point into. A leaf: it imports
//! nothing of the domain, so every other module may use it.

mod finding;
mod location;
mod source;

pub use finding::{Finding, Level, RuleId, Severity, Subject, Tally, make_strict};
pub use location::{Loc, Located};
pub use source::{
    FileId, MAX_FILE_BYTES, SourceFile, Sources, TextError, decode, read_bytes, read_text,
};

/// The id of the series a post id belongs to: `brew-tip` for the
/// occurrence `brew-tip#2026-12-07`, the id itself for any other post.
pub fn series_of(id: &str) -> &str {
    id.split_once('#').map_or(id, |(series, _)| series)
}

/// The closest candidate to `word`, when one is close enough to be a typo.
pub fn did_you_mean<'a, S: AsRef<str>>(word: &str, candidates: &'a [S]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c.as_ref()), c.as_ref()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
