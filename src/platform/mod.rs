//! What each platform accepts: text length (counted the way the platform
//! counts it), media types and sizes, alt-text limits, and which spans of a
//! text it makes links.

pub mod bluesky_facets;
mod count;
mod links;
pub mod little_text;
pub mod x_cost;
pub mod x_count;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use count::{Length, count_text, http_links};
pub use links::{Link, links_in};
pub use x_count::{X_MAX_WEIGHTED, XCount, x_url_ranges};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Mastodon,
    Bluesky,
    Discord,
    Slack,
    Telegram,
    Webhook,
    Linkedin,
    Facebook,
    X,
    Threads,
    Instagram,
}

impl Platform {
    pub const ALL: [Platform; 11] = [
        Platform::Mastodon,
        Platform::Bluesky,
        Platform::Discord,
        Platform::Slack,
        Platform::Telegram,
        Platform::Webhook,
        Platform::Linkedin,
        Platform::Facebook,
        Platform::X,
        Platform::Threads,
        Platform::Instagram,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Platform::Mastodon => "mastodon",
            Platform::Bluesky => "bluesky",
            Platform::Discord => "discord",
            Platform::Slack => "slack",
            Platform::Telegram => "telegram",
            Platform::Webhook => "webhook",
            Platform::Linkedin => "linkedin",
            Platform::Facebook => "facebook",
            Platform::X => "x",
            Platform::Threads => "threads",
            Platform::Instagram => "instagram",
        }
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The channel fields this platform takes (besides `platform`).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Platform::Mastodon => &["instance", "token", "max_chars", "on_ambiguous"],
            Platform::Bluesky => &[
                "handle",
                "app_password",
                "service",
                "appview",
                "on_ambiguous",
            ],
            Platform::Discord | Platform::Slack => &["webhook", "on_ambiguous"],
            Platform::Telegram => &["token", "chat_id", "api_base", "on_ambiguous"],
            Platform::Webhook => &["url", "secret", "max_chars", "on_ambiguous"],
            Platform::Linkedin => &[
                "author",
                "token",
                "linkedin_version",
                "api_base",
                "client_id",
                "client_secret",
                "expires_at",
                "on_ambiguous",
            ],
            Platform::Facebook => &[
                "page_id",
                "page_token",
                "graph_version",
                "api_base",
                "on_ambiguous",
            ],
            Platform::X => &[
                "api_key",
                "api_secret",
                "access_token",
                "access_secret",
                "api_base",
                "on_ambiguous",
            ],
            Platform::Threads => &["user_id", "token", "api_base", "on_ambiguous"],
            Platform::Instagram => &[
                "user_id",
                "token",
                "login",
                "graph_version",
                "api_base",
                "on_ambiguous",
            ],
        }
    }

    /// The fields that must be present.
    pub fn required_fields(self) -> &'static [&'static str] {
        match self {
            Platform::Mastodon => &["instance", "token"],
            Platform::Bluesky => &["handle", "app_password"],
            Platform::Discord | Platform::Slack => &["webhook"],
            Platform::Telegram => &["token", "chat_id"],
            Platform::Webhook => &["url"],
            Platform::Linkedin => &["author", "token"],
            Platform::Facebook => &["page_id", "page_token"],
            Platform::X => &["api_key", "api_secret", "access_token", "access_secret"],
            Platform::Threads | Platform::Instagram => &["user_id", "token"],
        }
    }

    /// Whether posts carry a content warning (Mastodon's `spoiler_text`; the
    /// generic webhook passes it on).
    pub fn supports_cw(self) -> bool {
        matches!(self, Platform::Mastodon | Platform::Webhook)
    }

    /// Whether the platform fetches attachments from a URL itself rather
    /// than taking their bytes (Threads, Instagram): the workspace's media
    /// must then be served at `media_base_url`.
    pub fn fetches_media_by_url(self) -> bool {
        matches!(self, Platform::Threads | Platform::Instagram)
    }

    /// Whether a post must carry media (Instagram has no text-only posts).
    pub fn needs_media(self) -> bool {
        matches!(self, Platform::Instagram)
    }

    /// The most hashtags and @mentions one post's text may carry, where
    /// the platform refuses more (Instagram: 30 hashtags; 20 mentions,
    /// third-party).
    pub fn max_tags(self) -> Option<(usize, usize)> {
        match self {
            Platform::Instagram => Some((30, 20)),
            _ => None,
        }
    }

    /// The aspect ratios (width / height) an image must fall within, where
    /// the platform refuses others (Instagram's feed: 4:5 to 1.91:1).
    pub fn image_aspect(self) -> Option<(f64, f64)> {
        match self {
            Platform::Instagram => Some((0.8, 1.91)),
            _ => None,
        }
    }

    /// The most distinct links one post (or thread part) may carry.
    pub fn max_links(self) -> Option<usize> {
        match self {
            // "The number of links is restricted to 5 or fewer" [FB threads].
            Platform::Threads => Some(5),
            _ => None,
        }
    }

    /// How many posts the platform publishes per account in a rolling
    /// window, where it says (replies aside).
    pub fn publish_quota(self) -> Option<Quota> {
        match self {
            // "250 API-published posts within a 24-hour moving period".
            Platform::Threads => Some(Quota {
                posts: 250,
                window: chrono::Duration::hours(24),
            }),
            // "50 API-published posts within a 24-hour moving period"
            // (`content_publishing_limit`'s `quota_total`; older copies: 25).
            Platform::Instagram => Some(Quota {
                posts: 50,
                window: chrono::Duration::hours(24),
            }),
            _ => None,
        }
    }

    /// What the platform accepts as attachments.
    pub fn media_rules(self) -> MediaRules {
        const MB: u64 = 1_000_000;
        const MIB: u64 = 1024 * 1024;
        match self {
            Platform::Mastodon => MediaRules {
                max_items: 4,
                max_image_bytes: 16 * MIB,
                max_video_bytes: Some(99 * MIB),
                max_alt_chars: Some(1500),
                accepts: MediaSupport::ImagesAndVideo,
            },
            Platform::Bluesky => MediaRules {
                max_items: 4,
                max_image_bytes: MB,
                max_video_bytes: None,
                max_alt_chars: Some(2000),
                accepts: MediaSupport::Images,
            },
            Platform::Discord => MediaRules {
                max_items: 10,
                max_image_bytes: 10 * MIB,
                max_video_bytes: Some(10 * MIB),
                max_alt_chars: Some(1024),
                accepts: MediaSupport::ImagesAndVideo,
            },
            Platform::Telegram => MediaRules {
                max_items: 1,
                max_image_bytes: 10 * MB,
                max_video_bytes: None,
                max_alt_chars: None,
                accepts: MediaSupport::Images,
            },
            Platform::Slack => MediaRules {
                max_items: 0,
                max_image_bytes: 0,
                max_video_bytes: None,
                max_alt_chars: None,
                accepts: MediaSupport::None,
            },
            Platform::Webhook => MediaRules {
                max_items: usize::MAX,
                max_image_bytes: u64::MAX,
                max_video_bytes: Some(u64::MAX),
                max_alt_chars: None,
                accepts: MediaSupport::ImagesAndVideo,
            },
            // One image, or a MultiImage of up to 20. LinkedIn limits images
            // by pixels (36,152,320), not bytes; 100 MiB bounds what postcal
            // reads into memory for one upload. Video is not sent yet.
            Platform::Linkedin => MediaRules {
                max_items: 20,
                max_image_bytes: 100 * MIB,
                max_video_bytes: None,
                max_alt_chars: Some(4086),
                accepts: MediaSupport::Images,
            },
            // Photos uploaded unpublished, then attached to one post: the
            // Page Photo reference's "less than 4 MB" (PLATFORMS.md's 10 MB
            // is third-party); ten per post and 1000 characters of
            // `alt_text_custom` are postcal's cautious caps (Meta publishes
            // none). Video takes a resumable upload postcal does not make.
            Platform::Facebook => MediaRules {
                max_items: 10,
                max_image_bytes: 4 * MB,
                max_video_bytes: None,
                max_alt_chars: Some(1000),
                accepts: MediaSupport::Images,
            },
            // 4 photos (JPEG, PNG, WebP ≤ 5 MB) or 1 GIF (≤ 15 MB), alt
            // text ≤ 1000 (PLATFORMS.md §3, addendum A); video is not sent
            // by postcal. See `image_limit` for the GIF.
            Platform::X => MediaRules {
                max_items: 4,
                max_image_bytes: 5 * MB,
                max_video_bytes: None,
                max_alt_chars: Some(1000),
                accepts: MediaSupport::Images,
            },
            // One image or video, or a carousel of 2–20 (PLATFORMS.md §5,
            // addendum C, quoting Meta): JPEG or PNG ≤ 8 MB (see
            // `image_limit`), MOV or MP4 ≤ 1 GB, alt text ≤ 1,000 characters.
            Platform::Threads => MediaRules {
                max_items: 20,
                max_image_bytes: 8 * MB,
                max_video_bytes: Some(1000 * MB),
                max_alt_chars: Some(1000),
                accepts: MediaSupport::ImagesAndVideo,
            },
            // One image, one video (a Reel), or a carousel of 2–10
            // (PLATFORMS.md §6, addendum E): JPEG only ≤ 8 MB (see
            // `image_limit`), a Reel MP4 or MOV ≤ 300 MB (Meta's Reels
            // specification), alt text ≤ 1,000 (a cautious cap).
            Platform::Instagram => MediaRules {
                max_items: 10,
                max_image_bytes: 8 * MB,
                max_video_bytes: Some(300 * MB),
                max_alt_chars: Some(1000),
                accepts: MediaSupport::ImagesAndVideo,
            },
        }
    }

    /// What the platform takes as an image of type `mime`: the most bytes,
    /// and whether it must be the post's only attachment. `None`: the
    /// platform does not take that image type. Platforms that name no types
    /// take any image up to `media_rules().max_image_bytes`.
    pub fn image_limit(self, mime: &str) -> Option<ImageLimit> {
        const MB: u64 = 1_000_000;
        let any = ImageLimit {
            max_bytes: self.media_rules().max_image_bytes,
            alone: false,
        };
        match self {
            Platform::X => match mime {
                "image/jpeg" | "image/png" | "image/webp" => Some(any),
                "image/gif" => Some(ImageLimit {
                    max_bytes: 15 * MB,
                    alone: true,
                }),
                _ => None,
            },
            Platform::Threads => matches!(mime, "image/jpeg" | "image/png").then_some(any),
            Platform::Instagram => (mime == "image/jpeg").then_some(any),
            _ => Some(any),
        }
    }
}

impl Platform {
    /// How to fix an image of a type the platform does not take.
    pub fn image_types_help(self) -> &'static str {
        match self {
            Platform::Instagram => {
                "Instagram takes JPEG images only: convert it to JPEG (the file's bytes decide, not its extension)"
            }
            Platform::Threads => "convert it to JPEG or PNG",
            _ => "convert it to JPEG, PNG or WebP",
        }
    }

    /// Whether the platform takes video of type `mime` (where it takes
    /// video at all): Instagram's Reels are MP4 or MOV.
    pub fn takes_video_type(self, mime: &str) -> bool {
        match self {
            Platform::Instagram => matches!(mime, "video/mp4" | "video/quicktime"),
            _ => true,
        }
    }
}

/// A publishing quota: at most `posts` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub posts: usize,
    pub window: chrono::Duration,
}

/// One image type's limits on a platform (`Platform::image_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimit {
    pub max_bytes: u64,
    /// It must be the only attachment (X: one GIF, or up to four photos).
    pub alone: bool,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSupport {
    None,
    Images,
    ImagesAndVideo,
}

#[derive(Debug, Clone, Copy)]
pub struct MediaRules {
    pub max_items: usize,
    pub max_image_bytes: u64,
    /// `None`: videos are not accepted.
    pub max_video_bytes: Option<u64>,
    /// Alt text limit in characters; `None`: the platform has no alt text.
    pub max_alt_chars: Option<usize>,
    pub accepts: MediaSupport,
}
