//! Finding a post an unclear attempt may have made (PLATFORMS.md addendum A,
//! "Crash recovery"): X has no idempotency key, so the account's own posts
//! since the attempt (`GET /2/users/:id/tweets?start_time=…`) are read and
//! matched on their text. X rewrites every link to t.co, escapes `&`, `<`
//! and `>`, and appends a t.co link for attached media, so texts are
//! compared with every URL masked, entities unescaped, Unicode composed
//! (NFC) and whitespace collapsed. A thread part must also reply to the
//! part before it.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::Value;

use super::super::{AdapterError, Part, Remote};
use super::X;
use super::answers::call;
use crate::platform::x_url_ranges;

/// How far before the attempt to look: the two clocks may disagree.
const SKEW: chrono::Duration = chrono::Duration::minutes(5);
/// After a duplicate refusal, the earlier post may be older than this run's
/// attempt: how far back to look for it.
const DUPLICATE_WINDOW: chrono::Duration = chrono::Duration::hours(48);
/// Pages of 100 posts read at most (each post read is billed as an owned read).
const MAX_PAGES: usize = 5;

/// What stands for a URL once masked.
const URL: char = '\u{FFFC}';

impl X {
    /// The post `part` made, if it is on the account since `since` (or,
    /// after a duplicate refusal, the last two days).
    pub(super) fn find(
        &mut self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        let duplicate = self.duplicates.contains(part.key);
        let window = if duplicate { DUPLICATE_WINDOW } else { SKEW };
        let start = (since - window).to_rfc3339_opts(SecondsFormat::Secs, true);
        let user = self.me()?.id.clone();
        let path = format!("/2/users/{user}/tweets");
        let mut token: Option<String> = None;
        let mut found: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("start_time", start.clone()),
                ("max_results", "100".to_owned()),
                ("exclude", "retweets".to_owned()),
                ("tweet.fields", "created_at,referenced_tweets".to_owned()),
            ];
            if let Some(t) = &token {
                query.push(("pagination_token", t.clone()));
            }
            let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = call(
                &self.http,
                "GET /2/users/:id/tweets",
                self.request(Method::GET, &path, &query)?,
            )?;
            // Newest first: the last match is the earliest, the attempt's own.
            for post in page
                .get("data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if is_part(post, part)
                    && let Some(id) = post.get("id").and_then(Value::as_str)
                {
                    found = Some(id.to_owned());
                }
            }
            token = page
                .pointer("/meta/next_token")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        match found {
            Some(id) => Ok(Some(super::remote(id))),
            // X says an identical post exists, and none is to be seen: a
            // person has to look.
            None if duplicate => Err(AdapterError::unsupported(format!(
                "X refused part {} as a duplicate, and none of the account's posts of the last {} hours has its text",
                part.index,
                DUPLICATE_WINDOW.num_hours()
            ))),
            None => Ok(None),
        }
    }
}

/// Whether `post` (from the account's timeline) is what `part` made: its
/// text, and for a thread part, a reply to the part before.
fn is_part(post: &Value, part: &Part<'_>) -> bool {
    let text = post.get("text").and_then(Value::as_str).unwrap_or("");
    let replied_to = post
        .get("referenced_tweets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| r.get("type").and_then(Value::as_str) == Some("replied_to"))
        .and_then(|r| r.get("id").and_then(Value::as_str));
    let expected = part.reply_to.map(|r| r.id.as_str());
    replied_to == expected && same_text(part.text, text, !part.media.is_empty())
}

/// Whether X's `theirs` is `ours` as posted (see the module's doc).
pub(super) fn same_text(ours: &str, theirs: &str, has_media: bool) -> bool {
    let ours = comparable(ours);
    let theirs = comparable(&unescape(theirs));
    if ours == theirs {
        return true;
    }
    // The link X appends for attached media.
    has_media
        && theirs
            .strip_suffix(URL)
            .is_some_and(|t| t.trim_end() == ours)
}

/// `text` composed (NFC), each URL X would shorten replaced by one mark,
/// whitespace runs made one space, trimmed.
fn comparable(text: &str) -> String {
    let text = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(text);
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for range in x_url_ranges(&text) {
        masked.push_str(&text[at..range.start]);
        masked.push(URL);
        at = range.end;
    }
    masked.push_str(&text[at..]);
    masked.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// X's HTML escapes in post text, undone.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_rewritten_to_t_co_still_match() {
        assert!(same_text(
            "Winter Blend is here https://lumen.coffee/winter?utm_source=x ☕",
            "Winter Blend is here https://t.co/AbC123xyz ☕",
            false
        ));
        // Bare domains are shortened too.
        assert!(same_text(
            "More at lumen.com",
            "More at https://t.co/q1",
            false
        ));
        assert!(!same_text(
            "Winter Blend is here https://lumen.coffee/w",
            "Winter Blend is gone https://t.co/AbC123xyz",
            false
        ));
        // One link is not two.
        assert!(!same_text(
            "a https://lumen.coffee/1",
            "a https://t.co/1 https://t.co/2",
            false
        ));
    }

    #[test]
    fn escapes_media_links_and_spacing_are_xs_not_differences() {
        assert!(same_text(
            "Beans & <milk>",
            "Beans &amp; &lt;milk&gt;",
            false
        ));
        assert!(same_text("New bag", "New bag https://t.co/media1", true));
        assert!(!same_text("New bag", "New bag https://t.co/media1", false));
        assert!(same_text("two\r\nlines  here ", "two\nlines here", false));
        assert!(same_text("cafe\u{301}", "caf\u{e9}", false));
        assert!(!same_text("", "something", false));
    }
}
