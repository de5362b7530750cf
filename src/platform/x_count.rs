//! X (Twitter) post length, counted exactly as X counts it: twitter-text v3's
//! `parseTweet` (npm `twitter-text` 3.1.0, the library X publishes for this).
//!
//! The text is NFC-normalised first. Each UTF-16 code unit weighs
//! `default_weight` (200) unless it falls in one of the config's ranges (100);
//! a surrogate pair counts once, by its second unit. Every URL X would shorten
//! to t.co counts `transformed_url_length` (23) whatever its length — with or
//! without a scheme, so `example.com` is a URL when its TLD is real. With emoji
//! parsing on (v3) each emoji sequence (skin tones, ZWJ sequences, flags,
//! keycaps) counts once at the default weight. The result is divided by
//! `scale` (100).
//!
//! Positions are UTF-16 code units, as upstream reports them. The scanners
//! work on UTF-16 too, because the upstream regexes do: that is the only way to
//! agree with them on every input. The data they match with (character
//! classes, TLDs, emoji sequences, configs) is generated from the npm packages
//! into `x_count/tables.rs`; `tests/x_counting.rs` checks the result against
//! upstream's conformance cases and, differentially, against the npm package.

mod punycode;
#[rustfmt::skip]
mod tables;
mod units;
mod url;

use std::ops::Range;

/// The most a post may weigh on X (`maxWeightedTweetLength` of config v3).
pub const X_MAX_WEIGHTED: usize = 280;

/// One range of code units with its own weight (twitter-text's `ranges`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightRange {
    pub start: u32,
    pub end: u32,
    pub weight: usize,
}

/// A twitter-text counting configuration (`twttr.txt.configs.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XConfig {
    pub version: u32,
    pub max_weighted_length: usize,
    pub scale: usize,
    pub default_weight: usize,
    /// v3: an emoji sequence weighs `default_weight` once.
    pub emoji_parsing: bool,
    pub transformed_url_length: usize,
    /// Inclusive ranges of UTF-16 code units; anything else weighs `default_weight`.
    pub ranges: &'static [WeightRange],
}

impl XConfig {
    /// The configuration X uses today.
    pub const V3: XConfig = tables::VERSION3;
    /// The previous one (no emoji parsing), which upstream's
    /// `WeightedTweetsCounterTest` conformance cases are written for.
    pub const V2: XConfig = tables::VERSION2;

    fn weight(&self, unit: u16) -> usize {
        let unit = u32::from(unit);
        self.ranges
            .iter()
            .find(|r| r.start <= unit && unit <= r.end)
            .map_or(self.default_weight, |r| r.weight)
    }
}

/// What `parseTweet` reports for a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XCount {
    /// The weighted length X compares with 280.
    pub weighted_length: usize,
    /// Not empty, at most 280, and no invalid character (U+FFFE, U+FEFF, U+FFFF).
    pub valid: bool,
    /// `weighted_length` per mille of the limit, rounded down.
    pub permillage: usize,
    /// First and last (inclusive) UTF-16 index of the text as given.
    pub display_range: (usize, usize),
    /// First and last (inclusive) UTF-16 index of the part that fits. Upstream
    /// can report a negative end when normalisation lengthens a text that
    /// starts with an invalid character; that is 0 here.
    pub valid_range: (usize, usize),
}

/// Count `text` as X does (config v3).
pub fn parse(text: &str) -> XCount {
    parse_with(text, &XConfig::V3)
}

/// Count `text` as twitter-text's `parseTweet(text, config)` does.
pub fn parse_with(text: &str, config: &XConfig) -> XCount {
    let original_len = text.encode_utf16().count();
    let normalized = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(text);
    let units: Vec<u16> = normalized.encode_utf16().collect();
    let urls = url::extract(&units);
    let emoji = if config.emoji_parsing {
        emoji_entities(&normalized)
    } else {
        Vec::new()
    };
    let max = config.max_weighted_length as u64 * config.scale as u64;
    let url_weight = (config.transformed_url_length * config.scale) as u64;

    let mut urls = Entities::new(urls.iter().map(|u| (u.start, u.url_len)));
    let mut emoji = Entities::new(emoji.into_iter());
    let mut weighted: u64 = 0;
    let mut valid = true;
    let mut valid_display_index = 0;
    let mut i = 0;
    while i < units.len() {
        if let Some(len) = urls.starting_at(i) {
            weighted += url_weight;
            i += len.saturating_sub(1);
        } else if let Some(len) = emoji.starting_at(i) {
            weighted += config.default_weight as u64;
            i += len.saturating_sub(1);
        } else {
            if is_surrogate_pair(&units, i) {
                i += 1;
            }
            weighted += config.weight(units[i]) as u64;
        }
        // Upstream checks only the last unit of what it just counted.
        if valid {
            valid = !units
                .get(i)
                .is_some_and(|u| matches!(u, 0xFFFE | 0xFEFF | 0xFFFF));
        }
        if valid && weighted <= max {
            valid_display_index = i;
        }
        i += 1;
    }

    let weighted_length = weighted as f64 / config.scale as f64;
    let max_length = config.max_weighted_length as f64;
    let valid = valid && weighted_length > 0.0 && weighted_length <= max_length;
    // The same floating-point steps as upstream, so the rounding agrees.
    let permillage = (weighted_length / max_length * 1000.0).floor();
    let valid_end = valid_display_index as i64 + original_len as i64 - units.len() as i64;
    XCount {
        weighted_length: weighted_length as usize,
        valid,
        permillage: permillage as usize,
        display_range: (0, original_len.saturating_sub(1)),
        valid_range: (0, usize::try_from(valid_end).unwrap_or(0)),
    }
}

/// The URLs in `text` that X would shorten to t.co, with or without a scheme,
/// as twitter-text's `extractUrlsWithIndices` finds them, as UTF-8 byte ranges.
pub fn x_url_ranges(text: &str) -> Vec<Range<usize>> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let urls = url::extract(&units);
    if urls.is_empty() {
        return Vec::new();
    }
    // The byte offset of each UTF-16 index (the second unit of a pair maps to
    // its character's start; URLs never begin or end there).
    let mut byte_at = Vec::with_capacity(units.len() + 1);
    for (offset, c) in text.char_indices() {
        byte_at.extend(std::iter::repeat_n(offset, c.len_utf16()));
    }
    byte_at.push(text.len());
    urls.iter()
        .map(|u| byte_at[u.start]..byte_at[u.end])
        .collect()
}

fn is_surrogate_pair(units: &[u16], i: usize) -> bool {
    matches!(
        (units.get(i), units.get(i + 1)),
        (Some(0xD800..=0xDBFF), Some(0xDC00..=0xDFFF))
    )
}

/// Entities by start index, looked up in increasing order (upstream keeps them
/// in a map by start: the last one with a given start wins).
struct Entities<I: Iterator<Item = (usize, usize)>> {
    iter: std::iter::Peekable<I>,
}

impl<I: Iterator<Item = (usize, usize)>> Entities<I> {
    fn new(iter: I) -> Self {
        Entities {
            iter: iter.peekable(),
        }
    }

    /// The length of the entity starting at `index`, if any. `index` never
    /// decreases between calls.
    fn starting_at(&mut self, index: usize) -> Option<usize> {
        let mut found = None;
        while let Some(&(start, len)) = self.iter.peek() {
            if start > index {
                break;
            }
            if start == index {
                found = Some(len);
            }
            self.iter.next();
        }
        found
    }
}

/// twemoji-parser's matches in `text`: (UTF-16 start, UTF-16 length), left to right.
fn emoji_entities(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut utf16 = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(len) = longest_emoji(rest) {
            let units = rest[..len].encode_utf16().count();
            found.push((utf16, units));
            utf16 += units;
            rest = &rest[len..];
        } else {
            utf16 += c.len_utf16();
            rest = &rest[c.len_utf8()..];
        }
    }
    found
}

/// The byte length of the emoji sequence `rest` starts with: the longest one
/// in the table that matches (which is what the regex's alternation picks;
/// the generator checks that).
pub(super) fn longest_emoji(rest: &str) -> Option<usize> {
    let first = rest.as_bytes().first()?;
    if first.is_ascii() && !matches!(first, b'#' | b'*' | b'0'..=b'9') {
        return None;
    }
    let mut best = None;
    for (i, c) in rest.char_indices() {
        let end = i + c.len_utf8();
        let candidate = &rest[..end];
        let at = tables::EMOJI.partition_point(|e| *e < candidate);
        let Some(entry) = tables::EMOJI.get(at) else {
            break;
        };
        if *entry == candidate {
            let blocked = rest[end..].starts_with('\u{FE0E}')
                && tables::EMOJI_NOT_BEFORE_FE0E
                    .binary_search(&candidate)
                    .is_ok();
            if !blocked {
                best = Some(end);
            }
        } else if !entry.starts_with(candidate) {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weighted(text: &str) -> usize {
        parse(text).weighted_length
    }

    #[test]
    fn ascii_counts_one_each() {
        let count = parse("hello world");
        assert_eq!(count.weighted_length, 11);
        assert!(count.valid);
        assert_eq!(count.permillage, 39);
        assert_eq!(count.display_range, (0, 10));
        assert_eq!(count.valid_range, (0, 10));
    }

    #[test]
    fn cjk_weighs_two() {
        assert_eq!(weighted("日本語"), 6);
        assert_eq!(weighted("a日"), 3);
    }

    #[test]
    fn an_emoji_sequence_weighs_two() {
        assert_eq!(weighted("👨‍👩‍👧‍👦"), 2);
        assert_eq!(weighted("👍🏽"), 2);
        assert_eq!(weighted("🇫🇷"), 2);
        assert_eq!(weighted("#️⃣"), 2);
        assert_eq!(parse_with("👨‍👩‍👧‍👦", &XConfig::V2).weighted_length, 11);
    }

    #[test]
    fn urls_weigh_23() {
        assert_eq!(weighted("example.com"), 23);
        assert_eq!(weighted("see example.com!"), 4 + 23 + 1);
        let long = format!("https://example.com/{}", "a".repeat(200));
        assert_eq!(weighted(&long), 23);
        assert_eq!(weighted("example.notatld"), 15);
    }

    #[test]
    fn text_is_nfc_normalised() {
        assert_eq!(weighted("e\u{301}"), 1);
        assert_eq!(weighted("\u{e9}"), 1);
        // The range is of the text as given.
        assert_eq!(parse("e\u{301}").display_range, (0, 1));
    }

    #[test]
    fn empty_over_limit_and_invalid_characters_are_invalid() {
        assert!(!parse("").valid);
        assert_eq!(parse("").display_range, (0, 0));
        assert!(parse(&"a".repeat(280)).valid);
        let over = parse(&"a".repeat(281));
        assert!(!over.valid);
        assert_eq!(over.valid_range, (0, 279));
        assert!(!parse("a\u{FEFF}b").valid);
        assert!(!parse("\u{FFFE}").valid);
    }

    #[test]
    fn url_ranges_are_byte_ranges() {
        let text = "é see https://example.com/x and t.co, not a.b";
        let ranges = x_url_ranges(text);
        let found: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["https://example.com/x", "t.co"]);
    }

    #[test]
    fn config_matches_the_limit() {
        assert_eq!(XConfig::V3.max_weighted_length, X_MAX_WEIGHTED);
    }
}
