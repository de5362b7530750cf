//! Links as `@atproto/api` finds them: `URL_REGEX` =
//! `(^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*))`
//! (case-insensitive), a bare domain only when its last label is a top-level
//! domain and then with `https://` in front, one trailing `.,;:!?` dropped and
//! then one `)` when the link has no `(`.
//!
//! postcal's deliberate differences, where it makes the better link (README,
//! "Links on Bluesky"):
//! - balanced parentheses: a `)` is dropped while the link has more `)` than
//!   `(`, so `(see https://en.wikipedia.org/wiki/Mercury_(planet))` links
//!   `…/Mercury_(planet)`, where the official client keeps the last `)`;
//! - trailing punctuation: every trailing `.,;:!?` goes (`https://x.com?!`
//!   links `https://x.com`, the official client `https://x.com?`);
//! - a `http(s)://` URL straight after Japanese or Chinese text (`詳しくは
//!   https://…` written without the space) is a link, up to the next space or
//!   Japanese or Chinese character; the official client does not link it.
//!
//! Two official quirks that would make an invalid record are not copied: a bare
//! domain that starts with `http` (`httpbin.org`) gets `https://` and the TLD
//! check like any other (the official client links it as the URI `httpbin.org`,
//! which has no scheme), and a scheme with nothing after it is no link.

use std::ops::Range;

use super::{char_before, is_js_space, is_valid_domain};

/// What one match of the official pattern covers: the link it makes, if any,
/// and where the search goes on (the regex's `lastIndex`).
struct Match {
    link: Option<(Range<usize>, String)>,
    consumed: usize,
}

/// Links in `text`: byte range (the text as written) and URI.
pub(super) fn links(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut consumed = 0;
    for (at, _) in text.char_indices() {
        if at < consumed {
            continue;
        }
        let before = char_before(text, at);
        let found = if before.is_none_or(|p| is_js_space(p) || p == '(') {
            official_match(text, at)
        } else if before.is_some_and(is_cjk) {
            after_cjk(text, at)
        } else {
            None
        };
        if let Some(found) = found {
            consumed = found.consumed;
            out.extend(found.link);
        }
    }
    out
}

/// The official pattern at byte `at`, where a link may start.
fn official_match(text: &str, at: usize) -> Option<Match> {
    let end = at + text[at..].find(is_js_space).unwrap_or(text.len() - at);
    let run = &text[at..end];
    if let Some(scheme) = scheme_len(run) {
        // `uri.startsWith('http')` is case-sensitive: `HTTPS://…` matches the
        // pattern (and is skipped over) but is no link.
        let link = run
            .starts_with("http")
            .then(|| trimmed(text, at, end, scheme))
            .flatten()
            .map(|r| (r.clone(), text[r].to_owned()));
        return Some(Match {
            link,
            consumed: end,
        });
    }
    let domain = domain_len(run)?;
    let link = is_valid_domain(&run[..domain])
        .then(|| trimmed(text, at, end, 0))
        .flatten()
        .map(|r| (r.clone(), format!("https://{}", &text[r])));
    Some(Match {
        link,
        consumed: end,
    })
}

/// A `http(s)://` URL at byte `at`, straight after Japanese or Chinese text.
fn after_cjk(text: &str, at: usize) -> Option<Match> {
    let rest = &text[at..];
    let len = rest
        .find(|c: char| is_js_space(c) || is_cjk(c))
        .unwrap_or(rest.len());
    let scheme = scheme_len(&rest[..len]).filter(|_| rest.starts_with("http"))?;
    let link = trimmed(text, at, at + len, scheme).map(|r| (r.clone(), text[r].to_owned()));
    Some(Match {
        link,
        consumed: at + len,
    })
}

/// The length of a leading `http://` or `https://` (any case) followed by at
/// least one more character.
fn scheme_len(run: &str) -> Option<usize> {
    ["https://", "http://"].into_iter().find_map(|scheme| {
        let head = run.get(..scheme.len())?;
        (head.eq_ignore_ascii_case(scheme) && run.len() > scheme.len()).then_some(scheme.len())
    })
}

/// The length of the domain the official pattern reads at the start of `run`:
/// `[a-z][a-z0-9]*(\.[a-z0-9]+)+`, any case, as long as it goes.
fn domain_len(run: &str) -> Option<usize> {
    let b = run.as_bytes();
    let alnum = |from: usize| {
        b.get(from..).map_or(0, |s| {
            s.iter().take_while(|c| c.is_ascii_alphanumeric()).count()
        })
    };
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let mut len = alnum(0);
    let mut labels = 0;
    while b.get(len) == Some(&b'.') && alnum(len + 1) > 0 {
        len += 1 + alnum(len + 1);
        labels += 1;
    }
    (labels > 0).then_some(len)
}

/// The link in `text[start..end]` without its trailing punctuation and
/// unbalanced `)`; `None` when nothing is left after the first `keep` bytes.
fn trimmed(text: &str, start: usize, end: usize, keep: usize) -> Option<Range<usize>> {
    let mut link = &text[start..end];
    loop {
        let t = link.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let t = match t.strip_suffix(')') {
            Some(shorter) if t.matches('(').count() < t.matches(')').count() => shorter,
            _ => t,
        };
        if t.len() == link.len() {
            break;
        }
        link = t;
    }
    (link.len() > keep).then(|| start..start + link.len())
}

/// Han, kana, bopomofo and CJK punctuation and forms: text in which Japanese
/// and Chinese writers put a URL without a space.
fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{2E80}'..='\u{2FDF}'
            | '\u{3001}'..='\u{303F}'
            | '\u{3040}'..='\u{30FF}'
            | '\u{3100}'..='\u{312F}'
            | '\u{31A0}'..='\u{31BF}'
            | '\u{31F0}'..='\u{33FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FE30}'..='\u{FE4F}'
            | '\u{FF01}'..='\u{FF9F}'
            | '\u{20000}'..='\u{3134F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each link as (text, URI).
    fn found(text: &str) -> Vec<(&str, String)> {
        links(text)
            .into_iter()
            .map(|(r, uri)| (&text[r], uri))
            .collect()
    }

    fn one(text: &str) -> (&str, String) {
        let mut all = found(text);
        assert_eq!(all.len(), 1, "{text:?}: {all:?}");
        all.remove(0)
    }

    #[test]
    fn a_bare_domain_with_a_real_tld_gets_https() {
        for (text, span) in [
            ("shop.example.com/deals", "shop.example.com/deals"),
            ("see bit.ly/3xYzAbc now", "bit.ly/3xYzAbc"),
            ("example.com", "example.com"),
            ("(example.co.uk/a?b=1#c)", "example.co.uk/a?b=1#c"),
            ("Example.com/Path", "Example.com/Path"),
            ("line\nnews.bsky.social", "news.bsky.social"),
        ] {
            assert_eq!(one(text), (span, format!("https://{span}")), "{text:?}");
        }
    }

    #[test]
    fn a_fake_or_missing_tld_is_no_link() {
        for text in [
            "example.zzz",
            "file.txt",
            "example.COM",
            "v1.2.3",
            "localhost/x",
            "a..com",
            "1password.com",
            "my-shop.com",
        ] {
            assert!(found(text).is_empty(), "{text:?}: {:?}", found(text));
        }
        // The domain is read as far as letters, digits and dots go: in
        // `shop.my-site.com` it is `shop.my`, and `.my` is a TLD.
        assert_eq!(
            one("shop.my-site.com"),
            ("shop.my-site.com", "https://shop.my-site.com".into())
        );
    }

    #[test]
    fn only_after_whitespace_or_an_opening_parenthesis() {
        assert!(
            found("mail ana@example.com").is_empty(),
            "e-mails are not links"
        );
        assert!(found("x:example.com \"example.com\" @ana.example.com").is_empty());
        assert_eq!(one("foo(bar.com)").0, "bar.com");
    }

    #[test]
    fn trailing_punctuation_and_parentheses() {
        for (text, span) in [
            ("example.com.", "example.com"),
            ("example.com, and", "example.com"),
            ("(example.com)", "example.com"),
            ("(example.com).", "example.com"),
            ("https://example.com/a;", "https://example.com/a"),
            ("https://example.com/a_(b)", "https://example.com/a_(b)"),
            // Deliberate: balanced parentheses and every trailing mark.
            (
                "(https://en.wikipedia.org/wiki/Mercury_(planet))",
                "https://en.wikipedia.org/wiki/Mercury_(planet)",
            ),
            ("https://example.com?!", "https://example.com"),
            ("(see example.com!).", "example.com"),
            ("example.com...", "example.com"),
        ] {
            assert_eq!(one(text).0, span, "{text:?}");
        }
    }

    #[test]
    fn scheme_links_as_written() {
        assert_eq!(
            one("see https://example.com/ñ?q=1»"),
            (
                "https://example.com/ñ?q=1»",
                "https://example.com/ñ?q=1»".into()
            ),
            "the official client links up to the next whitespace"
        );
        assert!(found("http:// x «https://example.com»").is_empty());
        // Upper-case schemes match the pattern but make no link.
        assert!(found("HTTPS://example.com Https://example.com").is_empty());
        // A bare domain starting with `http` is a bare domain.
        assert_eq!(one("httpbin.org").1, "https://httpbin.org");
        assert!(found("httpbin.zzz").is_empty());
        assert!(found("https://...").is_empty());
    }

    #[test]
    fn a_url_straight_after_japanese_or_chinese_text() {
        assert_eq!(
            one("詳しくはhttps://example.jp/a。ぜひ"),
            ("https://example.jp/a", "https://example.jp/a".into())
        );
        assert_eq!(one("请看：https://example.cn/").0, "https://example.cn/");
        // Bare domains still need a space, as in the official client.
        assert!(found("詳しくはexample.jp").is_empty());
        assert!(found("seehttps://example.com").is_empty());
    }
}
