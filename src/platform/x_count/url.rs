//! twitter-text's `extractUrlsWithIndices`, on UTF-16 code units.
//!
//! Upstream is one backtracking regex (`extractUrl`) plus checks in JS. This
//! scanner follows the regex's order of preference step by step; where the
//! regex would backtrack it is noted why a single pass finds the same match.
//! The shapes it relies on are asserted by `tests/node/gen-x-tables.js`:
//!
//! ```text
//! (preceding | ^) (https?://)? domain (:port)? (/path*)? (?query)?
//! domain = subdomain* domain_name (gtld | cctld | xn--[-0-9a-z]+)
//! subdomain   = (C ([_-] | C)*)? C \.      domain_name = (C (- | C)*)? C \.
//! path        = G* (B G*)* E  |  B  |  @ G+ /
//! B           = \( (G+ | G* \( G+ \) G*) \)
//! query       = Q* QE
//! ```
//!
//! C, G, E, Q and QE are the generated classes `DOMAIN`, `PATH`, `PATH_END`,
//! `QUERY` and `QUERY_END` (E is spliced into upstream's path regex without a
//! group, hence the `| B`).
//!
//! Everything after the domain is optional and nothing follows it, so once a
//! domain matches the match succeeds: each later part takes the regex's first
//! choice and is never revisited.

use super::punycode::{MAX_DOMAIN_LABEL_LENGTH, punycode_label_len};
use super::tables;
use super::units::{
    index_of, is_subdomain_char, query_end, starts_with_ignore_case, tco_prefix, tld_prefixes,
};

/// A set of UTF-16 code units: a bit mask for ASCII, sorted inclusive ranges.
pub(super) struct UnitClass {
    pub ascii: u128,
    pub ranges: &'static [(u16, u16)],
}

impl UnitClass {
    pub fn contains(&self, unit: u16) -> bool {
        if unit < 128 {
            return (self.ascii >> unit) & 1 == 1;
        }
        let at = self.ranges.partition_point(|&(_, end)| end < unit);
        self.ranges.get(at).is_some_and(|&(start, _)| start <= unit)
    }
}

/// One URL as `extractUrlsWithIndices` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct UrlEntity {
    /// `indices`: UTF-16 start and end.
    pub start: usize,
    pub end: usize,
    /// The length of its `url` string, which `parseTweet` skips (it differs
    /// from `end - start` for a scheme-less URL with a path whose domain part
    /// had more than the ASCII domain found in it).
    pub url_len: usize,
}

const MAX_URL_LENGTH: usize = 4096;
const MAX_TCO_SLUG_LENGTH: usize = 40;
const DEFAULT_PROTOCOL_LEN: usize = "https://".len();
const UNKNOWN: usize = usize::MAX;
const NO_MATCH: usize = usize::MAX - 1;

const DOT: u16 = b'.' as u16;
const SLASH: u16 = b'/' as u16;

/// The URLs in `text`, in order.
pub(super) fn extract(text: &[u16]) -> Vec<UrlEntity> {
    if !text.contains(&DOT) {
        return Vec::new();
    }
    let mut scanner = Scanner::new(text);
    let mut urls = Vec::new();
    let mut from = 0;
    while let Some(found) = scanner.find(from) {
        // Like the global regex's lastIndex: a match that is then rejected
        // still consumes its text.
        from = found.end;
        scanner.accept(&found, &mut urls);
    }
    urls
}

/// One match of the `extractUrl` regex.
struct Match {
    /// `$2`: the unit before the URL, `None` at the start of the text.
    before: Option<u16>,
    /// `$3` starts here.
    start: usize,
    protocol_len: usize,
    domain: (usize, usize),
    has_path: bool,
    end: usize,
}

struct Scanner<'t> {
    text: &'t [u16],
    /// First index at or after i that is not a subdomain character (C, _ or -).
    label_end: Vec<usize>,
    /// First `_` at or after i.
    next_underscore: Vec<usize>,
    /// Memo of `domain_end`.
    domain_memo: Vec<usize>,
    /// Memo of `balanced_chain_end`, allocated when a path has parentheses.
    parens_memo: Vec<usize>,
    tld_buf: String,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t [u16]) -> Self {
        let n = text.len();
        let mut label_end = vec![n; n + 1];
        let mut next_underscore = vec![n; n + 1];
        for i in (0..n).rev() {
            let u = text[i];
            label_end[i] = if is_subdomain_char(u) {
                label_end[i + 1]
            } else {
                i
            };
            next_underscore[i] = if u == u16::from(b'_') {
                i
            } else {
                next_underscore[i + 1]
            };
        }
        Scanner {
            text,
            label_end,
            next_underscore,
            domain_memo: vec![UNKNOWN; n + 1],
            parens_memo: Vec::new(),
            tld_buf: String::new(),
        }
    }

    fn at(&self, i: usize) -> Option<u16> {
        self.text.get(i).copied()
    }

    /// The next regex match starting at or after `from`.
    fn find(&mut self, from: usize) -> Option<Match> {
        for s in from..self.text.len() {
            let unit = self.text[s];
            // `validUrlPrecedingChars` is tried before `^`, so at 0 a first
            // character that may precede a URL is taken as its `$2`.
            if tables::PRECEDING.contains(unit)
                && let Some(found) = self.url_at(s + 1, Some(unit))
            {
                return Some(found);
            }
            if s == 0
                && let Some(found) = self.url_at(0, None)
            {
                return Some(found);
            }
        }
        None
    }

    /// `$3` at `start`: (https?://)? domain (:port)? (/path)? (?query)?
    fn url_at(&mut self, start: usize, before: Option<u16>) -> Option<Match> {
        let protocol_len = if self.starts_with_ignore_case(start, b"https://") {
            8
        } else if self.starts_with_ignore_case(start, b"http://") {
            7
        } else {
            0
        };
        // With the protocol first; without it the domain would have to start
        // at "http", which is followed by ':' and so is not a label.
        let (protocol_len, domain_end) = match self.domain_end(start + protocol_len) {
            Some(end) => (protocol_len, end),
            None if protocol_len > 0 => (0, self.domain_end(start)?),
            None => return None,
        };
        let domain = (start + protocol_len, domain_end);
        let mut end = domain_end;
        if self.at(end) == Some(u16::from(b':')) {
            let digits = self.text[end + 1..]
                .iter()
                .take_while(|&&u| (0x30..=0x39).contains(&u))
                .count();
            if digits > 0 {
                end += 1 + digits;
            }
        }
        let has_path = self.at(end) == Some(SLASH);
        if has_path {
            end = self.path_end(end + 1);
        }
        if self.at(end) == Some(u16::from(b'?')) {
            end = query_end(self.text, end, self.text.len()).unwrap_or(end);
        }
        Some(Match {
            before,
            start,
            protocol_len,
            domain,
            has_path,
            end,
        })
    }

    fn starts_with_ignore_case(&self, at: usize, ascii: &[u8]) -> bool {
        starts_with_ignore_case(self.text, at, ascii)
    }

    /// Where `subdomain* domain_name tld` starting at `p` ends, trying the
    /// alternatives in the regex's order: the greedy `subdomain*` takes as many
    /// labels as it can and gives them back one by one, so the domain ends at
    /// the TLD after the last label that is followed by one. Memoised, and
    /// evaluated right to left so the work per text is linear.
    fn domain_end(&mut self, p: usize) -> Option<usize> {
        let mut chain = Vec::new();
        let mut x = p;
        while self.domain_memo[x] == UNKNOWN {
            if !self.is_subdomain(x) {
                self.domain_memo[x] = NO_MATCH;
                break;
            }
            chain.push(x);
            x = self.label_end[x] + 1;
        }
        for &label in chain.iter().rev() {
            let next = self.label_end[label] + 1;
            let mut found = memo(self.domain_memo[next]);
            if found.is_none() && self.next_underscore[label] >= self.label_end[label] {
                found = self.tld_end(next, self.text.len());
            }
            self.domain_memo[label] = found.unwrap_or(NO_MATCH);
        }
        memo(self.domain_memo[p])
    }

    /// A `subdomain` label at `p`: C, then C, `_` or `-`, ending in C, then a dot.
    /// (A `domain_name` label is the same without `_`.)
    fn is_subdomain(&self, p: usize) -> bool {
        let end = self.label_end[p];
        end > p
            && self.at(end) == Some(DOT)
            && tables::DOMAIN.contains(self.text[p])
            && tables::DOMAIN.contains(self.text[end - 1])
    }

    /// `(?:gtld|cctld|punycode)` at `t`, with `limit` as the end of input for
    /// the TLDs' lookahead `(?=[^0-9a-zA-Z@+-]|$)`.
    fn tld_end(&mut self, t: usize, limit: usize) -> Option<usize> {
        let text = &self.text[..limit];
        for list in [tables::GTLDS, tables::CCTLDS] {
            // Upstream lists a TLD after any TLD it extends, so the first
            // alternative that matches is the longest.
            let ends = tld_prefixes(list, text, t, &mut self.tld_buf);
            let boundary = |end: usize| text.get(end).is_none_or(|&u| tables::TLD_END.contains(u));
            if let Some(end) = ends.into_iter().rev().find(|&end| boundary(end)) {
                return Some(end);
            }
        }
        if starts_with_ignore_case(text, t, b"xn--") {
            let run = text[t + 4..]
                .iter()
                .take_while(|&&u| tables::PUNY.contains(u))
                .count();
            if run > 0 {
                return Some(t + 4 + run);
            }
        }
        None
    }

    /// Where `path*` starting at `p` ends. Each repetition takes the first
    /// alternative that matches: nothing after the path can fail, so the regex
    /// never backtracks into it.
    fn path_end(&mut self, mut p: usize) -> usize {
        loop {
            // G* (B G*)* E
            let run_end = self.path_run_end(p);
            if let Some(end) = self.balanced_chain_end(run_end) {
                p = end;
                continue;
            }
            // Backtracking the G*: its last ending character.
            if let Some(last) = self.last_path_end(p, run_end) {
                p = last + 1;
                continue;
            }
            // B
            if let Some(end) = self.balanced_parens_end(p) {
                p = end;
                continue;
            }
            // `@ G+ /` would need a `/` in the run that starts at p, and `/`
            // is an ending character, so the first alternative has matched.
            return p;
        }
    }

    fn path_run_end(&self, p: usize) -> usize {
        p + self.text[p.min(self.text.len())..]
            .iter()
            .take_while(|&&u| tables::PATH.contains(u))
            .count()
    }

    fn last_path_end(&self, from: usize, to: usize) -> Option<usize> {
        (from..to)
            .rev()
            .find(|&i| tables::PATH_END.contains(self.text[i]))
    }

    /// `(B G*)* E` at `p`, where `text[p]` is not a path character: the
    /// repetition goes as deep as it can, then each level's G* gives back
    /// characters down to its last ending character; the deepest level that
    /// has one decides. Memoised over the chain.
    fn balanced_chain_end(&mut self, p: usize) -> Option<usize> {
        if self.at(p) != Some(u16::from(b'(')) {
            return None;
        }
        if self.parens_memo.is_empty() {
            self.parens_memo = vec![UNKNOWN; self.text.len() + 1];
        }
        let mut chain = Vec::new();
        let mut x = p;
        while self.parens_memo[x] == UNKNOWN {
            let Some(b) = self.balanced_parens_end(x) else {
                self.parens_memo[x] = NO_MATCH;
                break;
            };
            let run_end = self.path_run_end(b);
            chain.push((x, b, run_end));
            x = run_end;
        }
        for &(level, b, run_end) in chain.iter().rev() {
            let found = memo(self.parens_memo[run_end])
                .or_else(|| self.last_path_end(b, run_end).map(|i| i + 1));
            self.parens_memo[level] = found.unwrap_or(NO_MATCH);
        }
        memo(self.parens_memo[p])
    }

    /// `B` at `p`: `( G+ )` or `( G* ( G+ ) G* )`. Parentheses are not path
    /// characters, so each G run is simply the longest one.
    fn balanced_parens_end(&self, p: usize) -> Option<usize> {
        if self.at(p) != Some(u16::from(b'(')) {
            return None;
        }
        let open = u16::from(b'(');
        let close = u16::from(b')');
        let first = self.path_run_end(p + 1);
        if first > p + 1 && self.at(first) == Some(close) {
            return Some(first + 1);
        }
        if self.at(first) != Some(open) {
            return None;
        }
        let inner = self.path_run_end(first + 1);
        if inner == first + 1 || self.at(inner) != Some(close) {
            return None;
        }
        let after = self.path_run_end(inner + 1);
        (self.at(after) == Some(close)).then_some(after + 1)
    }

    /// What `extractUrlsWithIndices` does with one regex match.
    fn accept(&mut self, found: &Match, urls: &mut Vec<UrlEntity>) {
        let text = self.text;
        let url = &text[found.start..found.end];
        let (domain_start, domain_end) = found.domain;
        let domain = &text[domain_start..domain_end];
        let protocol_len = if found.protocol_len > 0 {
            found.protocol_len
        } else {
            DEFAULT_PROTOCOL_LEN
        };
        if protocol_len + url.len() > MAX_URL_LENGTH || !self.idna_ok(found.domain) {
            return;
        }
        if found.protocol_len > 0 {
            let mut end = found.end;
            if let Some((slug, tco_end)) = tco_prefix(url) {
                if slug > MAX_TCO_SLUG_LENGTH {
                    return;
                }
                end = found.start + tco_end;
            }
            urls.push(UrlEntity {
                start: found.start,
                end,
                url_len: end - found.start,
            });
            return;
        }
        if found
            .before
            .is_some_and(|u| matches!(u, 0x2D | 0x5F | 0x2E | 0x2F))
        {
            return;
        }
        let before = urls.len();
        let mut search_from = 0;
        for (start, end) in self.ascii_domains(domain_start, domain_end) {
            // Upstream finds each one again with indexOf from the end of the
            // previous one, which can land on an earlier copy of the text.
            let needle = &text[start..end];
            let at = index_of(domain, needle, search_from).unwrap_or(start - domain_start);
            search_from = at + needle.len();
            urls.push(UrlEntity {
                start: domain_start + at,
                end: domain_start + search_from,
                url_len: needle.len(),
            });
        }
        if found.has_path
            && urls.len() > before
            && let Some(last) = urls.last_mut()
        {
            // `url.replace(domain, asciiDomain)`: the path, port and query follow.
            last.url_len += found.end - domain_end;
            last.end = found.end;
        }
    }

    /// `idna.toAscii(domain)` succeeds: a domain starting `xn--` must contain
    /// an ASCII domain, and each label must be 1 to 63 characters once
    /// punycode-encoded.
    fn idna_ok(&mut self, (start, end): (usize, usize)) -> bool {
        let domain = &self.text[start..end];
        if domain.starts_with(&[0x78, 0x6E, 0x2D, 0x2D])
            && self.ascii_domains(start, end).is_empty()
        {
            return false;
        }
        domain.split(|&u| u == DOT).all(|label| {
            let len = punycode_label_len(label);
            (1..=MAX_DOMAIN_LABEL_LENGTH).contains(&len)
        })
    }

    /// Matches of `validAsciiDomain` in `text[start..end]` (the domain string):
    /// `(?:[-a-z0-9À-ÿ…]+\.)+ tld`, left to right.
    fn ascii_domains(&mut self, start: usize, end: usize) -> Vec<(usize, usize)> {
        let text = self.text;
        let len = end - start;
        // Per position in the domain: where its label run ends, and the memo.
        let mut run_end = vec![len; len + 1];
        for i in (0..len).rev() {
            run_end[i] = if tables::ASCII_LABEL.contains(text[start + i]) {
                run_end[i + 1]
            } else {
                i
            };
        }
        let mut memo_end = vec![UNKNOWN; len + 1];
        let mut found = Vec::new();
        let mut p = 0;
        while p < len {
            match self.ascii_domain_at(start, end, p, &run_end, &mut memo_end) {
                Some(e) => {
                    found.push((start + p, start + e));
                    p = e;
                }
                None => p += 1,
            }
        }
        found
    }

    /// `(?:label\.)+ tld` at domain offset `p`: the greedy `+` tries one more
    /// label before trying the TLD.
    fn ascii_domain_at(
        &mut self,
        start: usize,
        end: usize,
        p: usize,
        run_end: &[usize],
        memo_end: &mut [usize],
    ) -> Option<usize> {
        let text = self.text;
        let is_label = |x: usize| {
            run_end[x] > x && start + run_end[x] < end && text[start + run_end[x]] == DOT
        };
        let mut chain = Vec::new();
        let mut x = p;
        while memo_end[x] == UNKNOWN {
            if !is_label(x) {
                memo_end[x] = NO_MATCH;
                break;
            }
            chain.push(x);
            x = run_end[x] + 1;
        }
        for &label in chain.iter().rev() {
            let next = run_end[label] + 1;
            let found =
                memo(memo_end[next]).or_else(|| self.tld_end(start + next, end).map(|e| e - start));
            memo_end[label] = found.unwrap_or(NO_MATCH);
        }
        memo(memo_end[p])
    }
}

fn memo(value: usize) -> Option<usize> {
    (value != NO_MATCH && value != UNKNOWN).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        let units: Vec<u16> = text.encode_utf16().collect();
        extract(&units)
            .iter()
            .map(|u| String::from_utf16_lossy(&units[u.start..u.end]))
            .collect()
    }

    #[test]
    fn finds_urls_with_and_without_scheme() {
        assert_eq!(
            urls("go to https://example.com/a?b=c."),
            ["https://example.com/a?b=c"]
        );
        assert_eq!(urls("www.example.co.uk, then"), ["www.example.co.uk"]);
        assert_eq!(urls("HTTP://EXAMPLE.COM"), ["HTTP://EXAMPLE.COM"]);
        assert!(urls("example.notatld and foo@example.com").is_empty());
    }

    #[test]
    fn scheme_less_urls_need_a_clean_start() {
        assert!(urls("-example.com").is_empty());
        assert!(urls("xexample.com is one word").len() == 1);
        assert!(urls("#example.com").is_empty());
    }

    #[test]
    fn paths_keep_balanced_parens_and_drop_trailing_punctuation() {
        assert_eq!(
            urls("(see https://en.wikipedia.org/wiki/Rust_(language))."),
            ["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
        assert_eq!(urls("https://x.com/a/b!"), ["https://x.com/a/b"]);
    }

    #[test]
    fn tco_links_stop_after_the_slug() {
        assert_eq!(urls("https://t.co/abc123/more"), ["https://t.co/abc123"]);
        let long = format!("https://t.co/{}", "a".repeat(41));
        assert!(urls(&long).is_empty());
    }
}
