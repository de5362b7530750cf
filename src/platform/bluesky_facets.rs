//! Bluesky facet detection as the official client's `detectFacets` does it:
//! links, mentions and hashtags by UTF-8 byte range. Pure text analysis, beside
//! counting: the Bluesky adapter and `preview` use it.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// The longest hashtag the lexicon accepts, in graphemes, without the `#`.
const MAX_TAG_GRAPHEMES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    Link(String),
    /// A handle, to resolve to a DID.
    Mention(String),
    /// Without the `#`.
    Tag(String),
}

/// Links, mentions and hashtags in `text`, by UTF-8 byte range, in order.
/// Mentions and tags inside a link are part of the link.
pub fn detect_facets(text: &str) -> Vec<(Range<usize>, Feature)> {
    let mut out: Vec<(Range<usize>, Feature)> = crate::platform::http_links(text)
        .map(|r| (r.clone(), Feature::Link(text[r].to_owned())))
        .collect();
    let links: Vec<Range<usize>> = out.iter().map(|(r, _)| r.clone()).collect();
    let overlaps_link = |r: &Range<usize>| links.iter().any(|l| l.start < r.end && r.start < l.end);
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let found = match c {
            '@' if prev.is_none_or(|p| p.is_whitespace() || p == '(') => mention_at(text, i),
            '#' | '＃' if prev.is_none_or(char::is_whitespace) => tag_at(text, i),
            _ => None,
        };
        prev = Some(c);
        if let Some((range, feature)) = found
            && !overlaps_link(&range)
        {
            out.push((range, feature));
        }
    }
    out.sort_by_key(|(r, _)| r.start);
    out
}

/// A mention `@handle.domain` starting at byte `at`.
fn mention_at(text: &str, at: usize) -> Option<(Range<usize>, Feature)> {
    let rest = &text[at + 1..];
    let run = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    // The match ends at a word boundary: trailing dots and dashes are punctuation.
    let handle = rest[..run].trim_end_matches(['.', '-']);
    is_handle(handle).then(|| {
        (
            at..at + 1 + handle.len(),
            Feature::Mention(handle.to_owned()),
        )
    })
}

/// atproto handle syntax: two or more DNS labels, the last not starting with a digit.
fn is_handle(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Characters that end a hashtag besides whitespace (zero-width and soft hyphen).
fn ends_tag(c: char) -> bool {
    c.is_whitespace()
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

/// A hashtag starting at byte `at` (on `#` or `＃`).
fn tag_at(text: &str, at: usize) -> Option<(Range<usize>, Feature)> {
    let hash_len = text[at..].chars().next()?.len_utf8();
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

/// Unicode punctuation (`\p{P}`) as far as it shows up in posts: ASCII,
/// Latin-1, general and CJK punctuation, fullwidth forms.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':'
            | ';' | '?' | '@' | '[' | '\\' | ']' | '_' | '{' | '}'
            | '¡' | '§' | '«' | '¶' | '·' | '»' | '¿'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{2043}'
            | '\u{2045}'..='\u{2051}'
            | '\u{2053}'..='\u{205E}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301F}'
            | '\u{FF01}'..='\u{FF03}'
            | '\u{FF05}'..='\u{FF0A}'
            | '\u{FF0C}'..='\u{FF0F}'
            | '\u{FF1A}' | '\u{FF1B}' | '\u{FF1F}' | '\u{FF20}'
            | '\u{FF3B}'..='\u{FF3D}'
            | '\u{FF3F}' | '\u{FF5B}' | '\u{FF5D}'
            | '\u{FF5F}'..='\u{FF65}'
    )
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
        // Not after a word character (e-mail), not a bare name, not a numeric TLD.
        assert!(facets("mail ana@example.com").is_empty());
        assert!(facets("hi @ana").is_empty());
        assert!(facets("@1.2.3.4").is_empty());
    }

    #[test]
    fn hashtags_follow_the_official_rules() {
        assert_eq!(
            facets("#rust, ＃日本 #café.")
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>(),
            vec!["#rust", "＃日本", "#café"]
        );
        // Numbers, keycaps, mid-word and over-long tags are not tags.
        assert!(facets("#1 #️⃣ a#b").is_empty());
        assert!(facets(&format!("#{}", "a".repeat(65))).is_empty());
        assert_eq!(facets(&format!("#{}", "a".repeat(64))).len(), 1);
        // Inside a link they are part of the link.
        assert_eq!(
            facets("https://example.com/#x @y").len(),
            1,
            "the fragment is not a tag"
        );
    }
}
