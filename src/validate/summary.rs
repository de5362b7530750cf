//! What a post contributes beyond its own file: enough for the rules that
//! look across files (duplicate ids, spacing, daily caps, repeated texts,
//! posts left in the past), for deciding which posts a run must look at,
//! and small enough to keep for every post of a calendar that has grown for
//! years (the index in `.postcal/cache/` stores these).

use std::num::NonZeroU64;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Post, Status};
use crate::delivery::Delivery;
use crate::diagnostic::{FileId, Loc};

/// One post, summarised. Stored in the index as it is (its file aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostSummary {
    pub id: String,
    /// Set when the summary is read back: the file it came with.
    #[serde(skip, default = "no_file")]
    pub file: FileId,
    pub id_loc: Loc,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub at: Option<DateTime<Utc>>,
    pub at_loc: Loc,
    /// Where its text is written (the post's start when it has none).
    pub text_loc: Loc,
    pub status: Status,
    /// Its own catch-up window, when it sets one.
    #[serde(with = "seconds")]
    pub catch_up: Option<Duration>,
    /// One per known channel, in the post's order.
    pub deliveries: Vec<DeliverySummary>,
}

/// What a run needs to know of one delivery without rendering it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySummary {
    /// The channel's index in postcal.yaml.
    pub channel: u16,
    /// The hash of the rendered text (case and spacing ignored; `None`
    /// when blank or not rendered: no readable time).
    pub text_hash: Option<NonZeroU64>,
    /// How many parts it has (a thread's length; 0 when not rendered).
    pub parts: u16,
    /// On X, how many of them have a link (X charges more for those);
    /// 0 elsewhere.
    pub linked: u16,
}

fn no_file() -> FileId {
    FileId(u32::MAX)
}

/// A duration as seconds and nanoseconds, exactly.
mod seconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(|d| (d.num_seconds(), d.subsec_nanos())).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<(i64, i32)>::deserialize(d)?
            .map(|(s, n)| Duration::seconds(s) + Duration::nanoseconds(i64::from(n))))
    }
}

impl PostSummary {
    /// Summarise `post`, whose deliveries (one per known channel, none when
    /// its time cannot be read) are given; `channel_index` finds a channel's
    /// position in postcal.yaml (`None`: not a channel there).
    pub fn of(
        post: &Post,
        deliveries: &[Delivery<'_>],
        channel_index: impl Fn(&str) -> Option<usize>,
    ) -> Self {
        let channels = post.channels.iter().filter_map(|c| {
            let index = u16::try_from(channel_index(&c.value)?).ok()?;
            let d = deliveries.iter().find(|d| d.channel.name == c.value);
            Some(DeliverySummary {
                channel: index,
                text_hash: d.and_then(|d| normalized_hash(d.text())),
                parts: d.map_or(0, |d| u16::try_from(d.parts.len()).unwrap_or(u16::MAX)),
                linked: d.map_or(0, x_parts_with_a_link),
            })
        });
        PostSummary {
            id: post.id.value.clone(),
            file: post.file,
            id_loc: post.id.loc,
            at: post.at,
            at_loc: post.at_loc,
            text_loc: post.text.as_ref().map_or(post.loc, |t| t.loc),
            status: post.status,
            catch_up: post.catch_up(),
            deliveries: channels.collect(),
        }
    }

    /// Whether it takes a place in its channels' schedules.
    pub fn is_scheduled(&self) -> bool {
        !matches!(self.status, Status::Cancelled | Status::Retracted)
    }
}

/// How many of a delivery's parts X sees a link in (0 off X).
fn x_parts_with_a_link(d: &Delivery<'_>) -> u16 {
    if d.channel.platform() != crate::platform::Platform::X {
        return 0;
    }
    let linked = d
        .parts
        .iter()
        .filter(|p| crate::platform::x_cost::post_cost(&p.text).1)
        .count();
    u16::try_from(linked).unwrap_or(u16::MAX)
}

/// A hash of `text` ignoring case and runs of whitespace, without
/// allocating; `None` for blank text. Stable across runs and builds (it is
/// stored in the index): FNV-1a over the lowercased words, a character at a time.
pub fn normalized_hash(text: &str) -> Option<NonZeroU64> {
    if text.trim().is_empty() {
        return None;
    }
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    // FNV-1a with a whole character per step (not its four bytes).
    let mut feed = |c: char| h = (h ^ u64::from(u32::from(c))).wrapping_mul(PRIME);
    for word in text.split_whitespace() {
        for c in word.chars() {
            if c.is_ascii() {
                feed(c.to_ascii_lowercase());
            } else {
                c.to_lowercase().for_each(&mut feed);
            }
        }
        feed(' ');
    }
    NonZeroU64::new(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hashes_ignore_case_and_spacing_and_are_stable() {
        assert_eq!(
            normalized_hash("Hello  World\n"),
            normalized_hash("hello world")
        );
        assert_ne!(
            normalized_hash("hello world"),
            normalized_hash("hello, world")
        );
        assert_eq!(normalized_hash("  \n"), None);
        // Stored in the index: the value must not change between builds.
        assert_eq!(
            normalized_hash("Brew tip of the week").map(NonZeroU64::get),
            Some(0xb9a8_4d11_f5d2_4f42)
        );
    }
}
