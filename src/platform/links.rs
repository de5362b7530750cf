//! Which spans of a rendered text become links on each platform, and where
//! they lead: the one place that decides it, so `preview` shows a reviewer
//! what a reader will be able to click.
//!
//! - Bluesky: the link facets postcal sends ([`super::bluesky_facets`]): http(s)
//!   URLs and bare domains with a real top-level domain, which link to
//!   `https://` and the domain as written.
//! - X: what it shortens to t.co (twitter-text's URL extraction, bare
//!   domains with a real top-level domain included), linking to `https://`
//!   and the domain as written when there is no scheme. Threads: the same
//!   (it links and counts bare domains too).
//! - Instagram: none (a caption's URLs are plain text).
//! - Mastodon: http(s) URLs only, found as the length count finds them
//!   ([`super::http_links`]); Mastodon does not link bare domains.
//! - Discord, Slack, Telegram, LinkedIn, Facebook and generic webhooks:
//!   http(s) URLs only, found the same way. PLATFORMS.md does not say what these platforms do with a
//!   bare domain; Telegram's clients (TDLib `match_urls`) do link some, which
//!   this does not show (README, "`postcal preview`").
//!
//! Mentions and hashtags are not links here, even where the platform makes
//! them clickable: this is about where a link takes the reader.

use std::ops::Range;

use super::bluesky_facets::{Feature, detect_facets};
use super::{Platform, http_links};

/// A span of a text that becomes a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where it is in the text, in UTF-8 bytes (as Bluesky's facets count).
    pub range: Range<usize>,
    /// Where it leads.
    pub uri: String,
}

/// The links `platform` makes of `text`, ordered by start, never overlapping.
pub fn links_in(platform: Platform, text: &str) -> Vec<Link> {
    match platform {
        Platform::Bluesky => detect_facets(text)
            .into_iter()
            .filter_map(|(range, feature)| match feature {
                Feature::Link(uri) => Some(Link { range, uri }),
                Feature::Mention(_) | Feature::Tag(_) => None,
            })
            .collect(),
        // What X shortens to t.co, bare domains with a real TLD included.
        // Threads counts "all unique URLs found in the text", bare domains
        // among them (Meta's example counts `www.facebook.com`): the same
        // extraction finds them.
        Platform::X | Platform::Threads => super::x_url_ranges(text)
            .into_iter()
            .map(|range| {
                let written = &text[range.clone()];
                let scheme = written.get(..8).unwrap_or(written).to_ascii_lowercase();
                let uri = if scheme.starts_with("http://") || scheme.starts_with("https://") {
                    written.to_owned()
                } else {
                    format!("https://{written}")
                };
                Link { range, uri }
            })
            .collect(),
        // A caption's links are plain text: Instagram links none of them.
        Platform::Instagram => Vec::new(),
        Platform::Mastodon
        | Platform::Discord
        | Platform::Slack
        | Platform::Telegram
        | Platform::Webhook
        | Platform::Linkedin
        | Platform::Facebook => http_links(text)
            .map(|range| Link {
                uri: text[range.clone()].to_owned(),
                range,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each link as (its text, its URI).
    fn spans(platform: Platform, text: &str) -> Vec<(String, String)> {
        links_in(platform, text)
            .into_iter()
            .map(|l| (text[l.range].to_owned(), l.uri))
            .collect()
    }

    fn pair(text: &str, uri: &str) -> (String, String) {
        (text.to_owned(), uri.to_owned())
    }

    const POST: &str = "☕ New at example.com, and https://example.org/x. #coffee @ana.bsky.social";

    #[test]
    fn bluesky_links_bare_domains_and_urls_not_tags_or_mentions() {
        assert_eq!(
            spans(Platform::Bluesky, POST),
            [
                pair("example.com", "https://example.com"),
                pair("https://example.org/x", "https://example.org/x"),
            ]
        );
        let found = links_in(Platform::Bluesky, POST);
        // UTF-8 bytes: `☕ New at ` is 9 characters and 11 bytes.
        assert_eq!(found[0].range, 11..22);
        assert_eq!(found[0].range.start, POST.find("example.com").unwrap());
    }

    #[test]
    fn mastodon_links_urls_with_a_scheme_only() {
        assert_eq!(
            spans(Platform::Mastodon, POST),
            [pair("https://example.org/x", "https://example.org/x")]
        );
        assert!(links_in(Platform::Mastodon, "bit.ly/3xYzAbc shop.example.com").is_empty());
        assert_eq!(
            spans(
                Platform::Mastodon,
                "HTTP://EXAMPLE.ORG and ftp://example.org"
            ),
            [pair("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG")]
        );
    }

    #[test]
    fn chat_platforms_and_webhooks_link_http_urls_only() {
        for platform in [
            Platform::Discord,
            Platform::Slack,
            Platform::Telegram,
            Platform::Webhook,
        ] {
            assert_eq!(
                spans(platform, POST),
                [pair("https://example.org/x", "https://example.org/x")],
                "{platform}"
            );
            // In Discord's masked links and Slack's `<url|label>` the URL
            // inside is the link.
            for marked in [
                "[guide](https://example.org/g)",
                "<https://example.org/g|guide>",
            ] {
                assert_eq!(
                    spans(platform, marked),
                    [pair("https://example.org/g", "https://example.org/g")],
                    "{platform}: {marked}"
                );
            }
        }
    }

    #[test]
    fn odd_text_gives_ranges_on_char_boundaries() {
        let texts = [
            "",
            " ",
            "👨‍👩‍👧‍👦https://example.org/👨‍👩‍👧‍👦 x",
            "詳しくはhttps://example.jp/news。example.com",
            "e\u{301}xample.com https://",
            "((((https://a.b/c)))) example.com?! http://",
            "\u{FEFF}example.com\u{2028}https://x.io\u{0}",
        ];
        for platform in Platform::ALL {
            for text in texts {
                for link in links_in(platform, text) {
                    let span = text.get(link.range.clone());
                    assert!(
                        span.is_some_and(|s| !s.is_empty()),
                        "{platform}: {:?} in {text:?}",
                        link.range
                    );
                    assert!(link.uri.starts_with("http"), "{platform}: {}", link.uri);
                }
            }
        }
        assert_eq!(
            spans(
                Platform::Bluesky,
                "詳しくはhttps://example.jp/news。example.com"
            ),
            [pair("https://example.jp/news", "https://example.jp/news")]
        );
    }
}
