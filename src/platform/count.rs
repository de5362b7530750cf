//! Counting text the way each platform counts it (PLATFORMS.md §1, §2, §8–§11).

use unicode_segmentation::UnicodeSegmentation;

use super::Platform;

/// Mastodon rewrites every http(s) URL to this many characters.
pub const MASTODON_URL_LENGTH: usize = 23;
pub const MASTODON_DEFAULT_LIMIT: usize = 500;
pub const BLUESKY_GRAPHEMES: usize = 300;
pub const BLUESKY_BYTES: usize = 3000;
pub const DISCORD_LIMIT: usize = 2000;
pub const TELEGRAM_TEXT_LIMIT: usize = 4096;
pub const TELEGRAM_CAPTION_LIMIT: usize = 1024;
pub const SLACK_LIMIT: usize = 40_000;
pub const LINKEDIN_LIMIT: usize = 3000;
/// A Facebook Page post's message (third-party figure, PLATFORMS.md §D).
pub const FACEBOOK_LIMIT: usize = 63_206;
/// A Threads post's text, in Meta's unit (see [`threads_length`]).
pub const THREADS_LIMIT: usize = 500;
/// An Instagram caption (PLATFORMS.md §6: 2,200 characters).
pub const INSTAGRAM_LIMIT: usize = 2200;

/// The length of one rendered text against its platform's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Length {
    /// The count in the platform's unit.
    pub count: usize,
    /// The platform's limit in that unit; `None` when there is none.
    pub limit: Option<usize>,
    /// What is counted, for messages: "graphemes", "characters", …
    pub unit: &'static str,
    /// UTF-8 bytes, and the byte limit where the platform has one (Bluesky).
    pub bytes: usize,
    pub byte_limit: Option<usize>,
}

impl Length {
    pub fn is_over(&self) -> bool {
        self.limit.is_some_and(|l| self.count > l)
            || self.byte_limit.is_some_and(|l| self.bytes > l)
    }
}

/// Count `text` (plus the content warning where the platform counts it) as
/// `platform` does. `max_chars` is the channel's configured limit, if any;
/// `caption` is true when the text goes out as a media caption.
pub fn count_text(
    platform: Platform,
    text: &str,
    cw: Option<&str>,
    max_chars: Option<usize>,
    caption: bool,
) -> Length {
    let bytes = text.len();
    let base = Length {
        count: 0,
        limit: None,
        unit: "characters",
        bytes,
        byte_limit: None,
    };
    match platform {
        Platform::Mastodon => Length {
            count: graphemes(cw.unwrap_or("")) + graphemes(&mastodon_countable_text(text)),
            limit: Some(max_chars.unwrap_or(MASTODON_DEFAULT_LIMIT)),
            ..base
        },
        Platform::Bluesky => Length {
            count: graphemes(text),
            limit: Some(BLUESKY_GRAPHEMES),
            unit: "graphemes",
            byte_limit: Some(BLUESKY_BYTES),
            ..base
        },
        // Discord does not document its unit; UTF-16 code units never count
        // fewer than code points, so a text that passes here is not rejected.
        Platform::Discord => Length {
            count: text.encode_utf16().count(),
            limit: Some(DISCORD_LIMIT),
            ..base
        },
        // Telegram measures text and entities in UTF-16 code units.
        Platform::Telegram => Length {
            count: text.encode_utf16().count(),
            limit: Some(if caption {
                TELEGRAM_CAPTION_LIMIT
            } else {
                TELEGRAM_TEXT_LIMIT
            }),
            ..base
        },
        Platform::Slack => Length {
            count: text.chars().count(),
            limit: Some(SLACK_LIMIT),
            ..base
        },
        Platform::Webhook => Length {
            count: graphemes(text),
            limit: max_chars,
            unit: "graphemes",
            ..base
        },
        // The commentary as sent, reserved characters escaped, in UTF-16
        // units (see `little_text::length`).
        Platform::Linkedin => Length {
            count: super::little_text::length(text),
            limit: Some(LINKEDIN_LIMIT),
            ..base
        },
        // The unit is undocumented; UTF-16 code units (what the figure's
        // JavaScript sources count) never count fewer than code points.
        Platform::Facebook => Length {
            count: text.encode_utf16().count(),
            limit: Some(FACEBOOK_LIMIT),
            ..base
        },
        // Meta names no unit for a caption: UTF-16 code units, as for
        // Facebook, never count fewer than code points.
        Platform::Instagram => Length {
            count: text.encode_utf16().count(),
            limit: Some(INSTAGRAM_LIMIT),
            ..base
        },
        Platform::Threads => Length {
            count: threads_length(text),
            limit: Some(THREADS_LIMIT),
            ..base
        },
        // twitter-text v3: NFC, weights 100/200, URLs 23, emoji 2.
        Platform::X => Length {
            count: super::x_count::parse(text).weighted_length,
            limit: Some(super::X_MAX_WEIGHTED),
            unit: "weighted characters",
            ..base
        },
    }
}

/// A text's length as Threads counts it: "Text posts are limited to 500
/// characters. Emojis are counted as the number of UTF-8 bytes" (Meta's
/// Threads Posts page, whose "characters" link to a grapheme splitter).
/// So each grapheme is one, except one that is an emoji (a sequence in
/// twemoji's table, the one X's count uses), which is its UTF-8 bytes:
/// `😀` is 4, `❤️` 6, a family joined by ZWJs 25.
pub fn threads_length(text: &str) -> usize {
    if text.is_ascii() {
        return graphemes(text);
    }
    text.graphemes(true)
        .map(|g| {
            if super::x_count::longest_emoji(g).is_some() {
                g.len()
            } else {
                1
            }
        })
        .sum()
}

fn graphemes(text: &str) -> usize {
    if text.is_ascii() {
        // In ASCII only CR LF joins two characters into one grapheme.
        return text.len() - text.matches("\r\n").count();
    }
    text.graphemes(true).count()
}

/// The http(s) URLs in `text` as byte ranges, as a platform's link detection finds them.
pub fn http_links(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut finder = linkify::LinkFinder::new();
    finder
        .kinds(&[linkify::LinkKind::Url])
        .url_must_have_scheme(true);
    finder
        .links(text)
        .filter(|link| {
            let s = link.as_str();
            starts_with_ignore_case(s, "http://") || starts_with_ignore_case(s, "https://")
        })
        .map(|link| link.start()..link.end())
        .collect::<Vec<_>>()
        .into_iter()
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Mastodon's `countable_text`: every http(s) URL becomes 23 characters and a
/// remote mention `@user@domain` becomes `@user` (the domain is free).
fn mastodon_countable_text(text: &str) -> String {
    let links: Vec<_> = http_links(text).collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut link_iter = links.iter().peekable();
    while pos < text.len() {
        if let Some(link) = link_iter.peek()
            && link.start == pos
        {
            out.extend(std::iter::repeat_n('x', MASTODON_URL_LENGTH));
            pos = link.end;
            link_iter.next();
            continue;
        }
        let next_link = link_iter.peek().map_or(text.len(), |l| l.start);
        let segment = &text[pos..next_link];
        out.push_str(&strip_mention_domains(
            segment,
            text[..pos].chars().next_back(),
        ));
        pos = next_link;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Rewrite `@user@domain` to `@user` the way Mastodon's mention regex does:
/// the `@` must not follow a word character, `/` or `=`.
fn strip_mention_domains(segment: &str, before: Option<char>) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut prev = before;
    let mut rest = segment;
    while let Some(c) = rest.chars().next() {
        let allowed_before = prev.is_none_or(|p| !(is_word(p) || p == '/' || p == '='));
        if c == '@'
            && allowed_before
            && let Some((user_len, domain_len)) = mention_at(&rest[1..])
        {
            out.push('@');
            out.push_str(&rest[1..1 + user_len]);
            let consumed = 1 + user_len + domain_len;
            prev = rest[..consumed].chars().next_back();
            rest = &rest[consumed..];
            continue;
        }
        out.push(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// After an `@`: the byte length of a username and of an `@domain` part (0 if absent).
fn mention_at(s: &str) -> Option<(usize, usize)> {
    let user_len = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .map_or(s.len(), |(i, _)| i);
    // A username ends in a word character: trailing dots and dashes are punctuation.
    let user = s[..user_len].trim_end_matches(['.', '-']);
    if user.is_empty() || !user.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let user_len = user.len();
    let after = &s[user_len..];
    let Some(domain_src) = after.strip_prefix('@') else {
        return Some((user_len, 0));
    };
    let domain_len = domain_src
        .char_indices()
        .find(|&(_, c)| !(is_word(c) || c == '.' || c == '-'))
        .map_or(domain_src.len(), |(i, _)| i);
    let domain = domain_src[..domain_len].trim_end_matches(['.', '-']);
    if domain.is_empty() {
        return Some((user_len, 0));
    }
    Some((user_len, 1 + domain.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mastodon(text: &str) -> usize {
        count_text(Platform::Mastodon, text, None, None, false).count
    }

    #[test]
    fn mastodon_counts_each_url_as_23() {
        assert_eq!(
            mastodon("https://example.com/a/very/long/path/indeed/yes"),
            23
        );
        assert_eq!(
            mastodon("see http://a.io and https://b.io/x"),
            4 + 23 + 5 + 23
        );
        // Without a scheme it is ordinary text.
        assert_eq!(mastodon("example.com"), 11);
    }

    #[test]
    fn mastodon_mention_domains_are_free() {
        assert_eq!(mastodon("hi @ana@mastodon.social!"), "hi @ana!".len());
        assert_eq!(mastodon("@ana"), 4);
        // An e-mail address is not a mention.
        assert_eq!(mastodon("mail ana@example.com"), 20);
    }

    #[test]
    fn mastodon_counts_graphemes_and_cw() {
        assert_eq!(mastodon("👨‍👩‍👧‍👦"), 1);
        assert_eq!(mastodon("e\u{301}"), 1);
        let len = count_text(Platform::Mastodon, "abc", Some("CW!"), None, false);
        assert_eq!(len.count, 6);
    }

    #[test]
    fn ascii_fast_path_agrees_with_segmentation() {
        for text in ["plain", "a\r\nb", "\r\r\n\n", "tab\tand\x07bell", ""] {
            assert_eq!(graphemes(text), text.graphemes(true).count(), "{text:?}");
        }
    }

    #[test]
    fn mastodon_limit_follows_channel_override() {
        let len = count_text(Platform::Mastodon, "x", None, Some(11_000), false);
        assert_eq!(len.limit, Some(11_000));
    }

    #[test]
    fn bluesky_counts_graphemes_and_bytes() {
        let emoji = "👨‍👩‍👧‍👦".repeat(300);
        let len = count_text(Platform::Bluesky, &emoji, None, None, false);
        assert_eq!(len.count, 300);
        assert!(len.bytes > 3000);
        assert!(
            len.is_over(),
            "300 family emoji are 7500 bytes, over Bluesky's 3000"
        );
        let url = format!("https://example.com/{}", "a".repeat(100));
        assert_eq!(
            count_text(Platform::Bluesky, &url, None, None, false).count,
            url.len()
        );
    }

    #[test]
    fn telegram_counts_utf16_and_captions() {
        let len = count_text(Platform::Telegram, "😀", None, None, false);
        assert_eq!(len.count, 2);
        assert_eq!(len.limit, Some(4096));
        assert_eq!(
            count_text(Platform::Telegram, "x", None, None, true).limit,
            Some(1024)
        );
    }

    #[test]
    fn linkedin_counts_the_commentary_as_sent() {
        let len = count_text(Platform::Linkedin, "#tip 😀", None, None, false);
        assert_eq!((len.count, len.limit), (8, Some(3000)));
        assert!(count_text(Platform::Linkedin, &"_".repeat(1501), None, None, false).is_over());
        assert!(!count_text(Platform::Linkedin, &"a".repeat(3000), None, None, false).is_over());
    }

    #[test]
    fn threads_counts_an_emoji_as_its_utf8_bytes() {
        let threads = |t: &str| count_text(Platform::Threads, t, None, None, false);
        assert_eq!(threads("Café au lait").count, 12, "é is one");
        assert_eq!(threads("😀").count, 4);
        assert_eq!(threads("❤️").count, 6, "with its variation selector");
        assert_eq!(threads("👨‍👩‍👧").count, 18, "a ZWJ family is its bytes");
        assert_eq!(threads("🇪🇸").count, 8, "a flag");
        assert_eq!(threads("日本").count, 2, "CJK is one each");
        assert_eq!(threads("#1").count, 2, "a keycap needs its FE0F and 20E3");
        let full = "😀".repeat(125);
        assert!(!threads(&full).is_over(), "125 emoji are 500");
        assert!(threads(&format!("{full}a")).is_over());
        assert!(threads(&"a".repeat(501)).is_over());
    }

    #[test]
    fn facebook_counts_utf16_up_to_63206() {
        let len = count_text(Platform::Facebook, "☕😀", None, None, true);
        assert_eq!((len.count, len.limit), (3, Some(63_206)));
        let long = "a".repeat(63_207);
        assert!(count_text(Platform::Facebook, &long, None, None, false).is_over());
        assert!(!count_text(Platform::Facebook, &long[1..], None, None, false).is_over());
    }

    #[test]
    fn x_counts_as_twitter_text_does() {
        let len = count_text(
            Platform::X,
            "日本 https://example.com/a/long/path 👍🏽",
            None,
            None,
            false,
        );
        assert_eq!(len.count, 4 + 1 + 23 + 1 + 2);
        assert_eq!(len.limit, Some(280));
        assert!(count_text(Platform::X, &"a".repeat(281), None, None, false).is_over());
        assert!(!count_text(Platform::X, &"a".repeat(280), None, None, false).is_over());
    }

    #[test]
    fn webhook_has_no_limit_unless_configured() {
        assert_eq!(
            count_text(Platform::Webhook, "x", None, None, false).limit,
            None
        );
        assert_eq!(
            count_text(Platform::Webhook, "x", None, Some(10), false).limit,
            Some(10)
        );
    }
}
