//! Small scans over UTF-16 code units that the URL scanner needs: ASCII
//! case-insensitive prefixes, `indexOf`, a query's end, t.co slugs and TLD
//! prefixes.

use super::tables;

pub(super) fn is_subdomain_char(u: u16) -> bool {
    u == u16::from(b'_') || u == u16::from(b'-') || tables::DOMAIN.contains(u)
}

pub(super) fn starts_with_ignore_case(text: &[u16], at: usize, ascii: &[u8]) -> bool {
    text.get(at..at + ascii.len()).is_some_and(|head| {
        head.iter()
            .zip(ascii)
            .all(|(&u, &a)| u < 128 && (u as u8).eq_ignore_ascii_case(&a))
    })
}

/// `?` then the longest run of query characters, given back to its last
/// ending character; `None` when there is none.
pub(super) fn query_end(text: &[u16], question: usize, limit: usize) -> Option<usize> {
    let run = text[question + 1..limit]
        .iter()
        .take_while(|&&u| tables::QUERY.contains(u))
        .count();
    (question + 1..question + 1 + run)
        .rev()
        .find(|&i| tables::QUERY_END.contains(text[i]))
        .map(|i| i + 1)
}

/// `validTcoUrl` on a URL: `^https?://t\.co/([a-z0-9]+)(?:\?query)?`, as
/// (slug length, match length).
pub(super) fn tco_prefix(url: &[u16]) -> Option<(usize, usize)> {
    let scheme = if starts_with_ignore_case(url, 0, b"https://") {
        8
    } else if starts_with_ignore_case(url, 0, b"http://") {
        7
    } else {
        return None;
    };
    if !starts_with_ignore_case(url, scheme, b"t.co/") {
        return None;
    }
    let slug_start = scheme + 5;
    let slug = url[slug_start..]
        .iter()
        .take_while(|&&u| u < 128 && (u as u8).is_ascii_alphanumeric())
        .count();
    if slug == 0 {
        return None;
    }
    let mut end = slug_start + slug;
    if url.get(end) == Some(&u16::from(b'?')) {
        end = query_end(url, end, url.len()).unwrap_or(end);
    }
    Some((slug, end))
}

/// The TLDs of `list` that `text[t..]` starts with (case-insensitively, as
/// the regex folds), as end positions from the shortest to the longest.
pub(super) fn tld_prefixes(list: &[&str], text: &[u16], t: usize, buf: &mut String) -> Vec<usize> {
    buf.clear();
    let mut ends = Vec::new();
    for (i, &unit) in text.iter().enumerate().skip(t) {
        let folded = match tables::TLD_FOLD.binary_search_by_key(&unit, |&(u, _)| u) {
            Ok(at) => tables::TLD_FOLD[at].1,
            Err(_) => unit,
        };
        let Some(c) = char::from_u32(u32::from(folded)) else {
            break;
        };
        buf.push(c);
        let at = list.partition_point(|e| *e < buf.as_str());
        match list.get(at) {
            Some(entry) if entry.starts_with(buf.as_str()) => {
                if entry.len() == buf.len() {
                    ends.push(i + 1);
                }
            }
            _ => break,
        }
    }
    ends
}

/// `haystack.indexOf(needle, from)`.
pub(super) fn index_of(haystack: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(haystack.len()));
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}
