//! Bluesky facets as the official client makes them: `@atproto/api`'s
//! `RichText.detectFacets` (rich-text/detection.js and util.js), which the
//! Bluesky app runs on a post's text. Links, mentions, hashtags and cashtags,
//! by UTF-8 byte range; the text itself is never changed.
//!
//! Links follow the official rules with three deliberate differences (see
//! [`links`] and the README, "Links on Bluesky"). Everything else is the
//! official behaviour, quirks included; tests/bluesky_facets.rs compares the
//! two on generated texts.

mod links;
mod tables;

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// The longest hashtag the lexicon accepts, in graphemes, without the `#`.
const MAX_TAG_GRAPHEMES: usize = 64;
/// The longest cashtag ticker, without the `$`.
const MAX_TICKER: usize = 5;

/// What a span of a post's text becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    /// A link to this URI (a bare domain gets `https://` in front).
    Link(String),
    /// A handle as written, to resolve to a DID.
    Mention(String),
    /// A hashtag without the `#`, or a cashtag with its `$` (`$AAPL`).
    Tag(String),
}

/// Links, mentions, hashtags and cashtags in `text`, by UTF-8 byte range,
/// ordered by start. As in the official client each kind is found on its own,
/// so a mention written inside a link (`https://x.com/(@ana.test)`) is both.
pub fn detect_facets(text: &str) -> Vec<(Range<usize>, Feature)> {
    let mut out: Vec<(Range<usize>, Feature)> = mentions(text)
        .into_iter()
        .chain(
            links::links(text)
                .into_iter()
                .map(|(r, uri)| (r, Feature::Link(uri))),
        )
        .chain(tags(text))
        .chain(cashtags(text))
        .collect();
    // Stable, like the official `facets.sort(facetSort)`.
    out.sort_by_key(|(r, _)| r.start);
    out
}

/// JavaScript's `\s`: White_Space plus U+FEFF, without U+0085.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// The character before byte `at`, if any.
fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

/// The official `isValidDomain`: the part after the last `.` is a top-level
/// domain (compared as written: `example.COM` is not one).
fn is_valid_domain(s: &str) -> bool {
    s.rsplit_once('.')
        .is_some_and(|(_, tld)| tables::TLDS.binary_search(&tld).is_ok())
}

/// Unicode punctuation (`\p{P}`).
fn is_punctuation(c: char) -> bool {
    tables::PUNCTUATION
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Mentions: `MENTION_REGEX` = `(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)`, kept when the
/// handle ends in a top-level domain or `.test`.
fn mentions(text: &str) -> Vec<(Range<usize>, Feature)> {
    let bytes = text.as_bytes();
    // `\b` is ASCII: a word character is `[A-Za-z0-9_]`.
    let is_word = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        if char_before(text, at).is_some_and(|p| !is_js_space(p) && p != '(') {
            continue;
        }
        let run = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.' || **b == b'-')
            .count();
        // The regex backtracks from the longest run to the first word boundary.
        let Some(len) = (1..=run)
            .rev()
            .find(|&len| is_word(at + len) != is_word(at + 1 + len))
        else {
            continue;
        };
        let handle = &text[at + 1..at + 1 + len];
        if is_valid_domain(handle) || handle.ends_with(".test") {
            out.push((at..at + 1 + len, Feature::Mention(handle.to_owned())));
        }
    }
    out
}

/// Characters that end a hashtag besides whitespace (zero-width and soft hyphen).
fn ends_tag(c: char) -> bool {
    is_js_space(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{2060}'
                | '\u{200A}'
                | '\u{200B}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{20E2}'
        )
}

/// Hashtags: `TAG_REGEX`, a `#` or `＃` after whitespace, then a run of
/// characters not only digits and punctuation, without trailing punctuation.
fn tags(text: &str) -> Vec<(Range<usize>, Feature)> {
    text.char_indices()
        .filter(|&(at, c)| matches!(c, '#' | '＃') && char_before(text, at).is_none_or(is_js_space))
        .filter_map(|(at, c)| tag_at(text, at, c.len_utf8()))
        .collect()
}

/// A hashtag starting at byte `at` (on a `#` of `hash_len` bytes).
fn tag_at(text: &str, at: usize, hash_len: usize) -> Option<(Range<usize>, Feature)> {
    let rest = &text[at + hash_len..];
    if rest.starts_with('\u{FE0F}') {
        // `#️⃣` is the keycap emoji.
        return None;
    }
    let candidate = &rest[..rest.find(ends_tag).unwrap_or(rest.len())];
    // Not only digits and punctuation (`#1` is not a tag).
    if !candidate
        .chars()
        .any(|c| !c.is_ascii_digit() && !is_punctuation(c))
    {
        return None;
    }
    let tag = candidate.trim_end_matches(is_punctuation);
    let graphemes = tag.graphemes(true).count();
    (graphemes > 0 && graphemes <= MAX_TAG_GRAPHEMES)
        .then(|| (at..at + hash_len + tag.len(), Feature::Tag(tag.to_owned())))
}

/// Cashtags: `CASHTAG_REGEX` = `(^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})` followed
/// by whitespace, the end, or `.,;:!?)"'’`. The tag is `$` and the ticker in
/// capitals.
fn cashtags(text: &str) -> Vec<(Range<usize>, Feature)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (at, _) in text.match_indices('$') {
        if char_before(text, at).is_some_and(|p| !is_js_space(p) && p != '(') {
            continue;
        }
        let ticker = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let end = at + 1 + ticker;
        let followed_ok = text[end..].chars().next().is_none_or(|c| {
            is_js_space(c)
                || matches!(
                    c,
                    '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '\'' | '’'
                )
        });
        if (1..=MAX_TICKER).contains(&ticker) && bytes[at + 1].is_ascii_alphabetic() && followed_ok
        {
            let tag = format!("${}", text[at + 1..end].to_ascii_uppercase());
            out.push((at..end, Feature::Tag(tag)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets(text: &str) -> Vec<(&str, Feature)> {
        detect_facets(text)
            .into_iter()
            .map(|(r, f)| (&text[r], f))
            .collect()
    }

    fn link(uri: &str) -> Feature {
        Feature::Link(uri.to_owned())
    }

    #[test]
    fn byte_ranges_survive_multibyte_text() {
        let text = "Café ☕👨‍👩‍👧 → https://example.com/ü?x=1, @ana.bsky.social y #Rústico!";
        let found = detect_facets(text);
        assert_eq!(found.len(), 3);
        let (link, mention, tag) = (&found[0].0, &found[1].0, &found[2].0);
        assert_eq!(&text[link.clone()], "https://example.com/ü?x=1");
        assert_eq!(link.start, text.find("https").unwrap());
        assert_eq!(&text[mention.clone()], "@ana.bsky.social");
        assert_eq!(&text[tag.clone()], "#Rústico");
        assert_eq!(found[2].1, Feature::Tag("Rústico".into()));
    }

    #[test]
    fn mentions_follow_the_official_rules() {
        assert_eq!(
            facets("(@ana.test) and @bob.example.com."),
            vec![
                ("@ana.test", Feature::Mention("ana.test".into())),
                (
                    "@bob.example.com",
                    Feature::Mention("bob.example.com".into())
                ),
            ]
        );
        // Not after a word character (e-mail), not a bare name, not a numeric
        // or unknown TLD, and the TLD as written (`.COM` is not `.com`).
        assert!(facets("mail ana@example.com").is_empty());
        assert!(facets("hi @ana").is_empty());
        assert!(facets("@1.2.3.4 @ana.zzz @ana.COM").is_empty());
        // The match ends at a word boundary: `_` is a word character, so
        // `@ana.com_x` backtracks to `ana.`, which is no handle.
        assert!(facets("@ana.com_x").is_empty());
        assert_eq!(
            facets("@ana.com-"),
            vec![("@ana.com", Feature::Mention("ana.com".into()))]
        );
    }

    #[test]
    fn hashtags_follow_the_official_rules() {
        assert_eq!(
            facets("#rust, ＃日本 #café. #東京・")
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>(),
            vec!["#rust", "＃日本", "#café", "#東京"]
        );
        // Numbers, keycaps, mid-word and over-long tags are not tags.
        assert!(facets("#1 #️⃣ a#b").is_empty());
        assert!(facets(&format!("#{}", "a".repeat(65))).is_empty());
        assert_eq!(facets(&format!("#{}", "a".repeat(64))).len(), 1);
        // A tag needs whitespace before it, so none starts inside a link.
        assert_eq!(facets("https://example.com/#x @y").len(), 1);
    }

    #[test]
    fn cashtags_are_tags_with_their_dollar() {
        assert_eq!(
            facets("$aapl, ($TSLA) $ABCDEF $1A x$AB $GO!"),
            vec![
                ("$aapl", Feature::Tag("$AAPL".into())),
                ("$TSLA", Feature::Tag("$TSLA".into())),
                ("$GO", Feature::Tag("$GO".into())),
            ]
        );
    }

    #[test]
    fn kinds_are_found_independently_and_sorted() {
        // The official client keeps a mention inside a link as well.
        assert_eq!(
            facets("#a https://x.com/(@ana.test) b.com"),
            vec![
                ("#a", Feature::Tag("a".into())),
                (
                    "https://x.com/(@ana.test)",
                    link("https://x.com/(@ana.test)")
                ),
                ("@ana.test", Feature::Mention("ana.test".into())),
                ("b.com", link("https://b.com")),
            ]
        );
    }

    #[test]
    fn the_text_is_never_changed() {
        let text = "shop.example.com/deals, bit.ly/3xYzAbc. (example.com) 見てhttps://a.jp";
        let found = detect_facets(text);
        assert_eq!(found.len(), 4);
        let spans: Vec<&str> = found.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(
            spans,
            [
                "shop.example.com/deals",
                "bit.ly/3xYzAbc",
                "example.com",
                "https://a.jp"
            ]
        );
    }
}
