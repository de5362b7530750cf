//! Platform adapters: one file per platform behind one trait. What every
//! adapter needs (HTTP client with timeouts, error classification, rate-limit
//! headers, secret redaction) lives once, in `http`.

pub mod http;
pub mod meta_token;
pub mod redact;
pub mod remote_id;

mod bluesky;
mod container;
mod discord;
mod facebook;
mod instagram;
mod linkedin;
mod mastodon;
mod meta;
mod slack;
mod telegram;
mod threads;
mod webhook;
mod x;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::calendar::{Channel, ChannelKind, SecretRef};
use crate::secrets::EnvSource;

/// Engagement a platform reports for one post: only what it reports
/// (SPEC §8: likes, reposts, replies, quotes, views, clicks).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reposts: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicks: Option<u64>,
}

impl Metrics {
    /// People's answers: likes, reposts, replies and quotes (views and
    /// clicks are reach, not answers).
    pub fn engagement(&self) -> u64 {
        [self.likes, self.reposts, self.replies, self.quotes]
            .iter()
            .map(|v| v.unwrap_or(0))
            .sum()
    }
}

/// A post (or thread part) as it exists on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// The platform's id for it (Mastodon status id, Bluesky at-uri, …).
    pub id: String,
    /// Where people see it, when the platform says.
    pub url: Option<String>,
}

/// An attachment, resolved to a file inside the workspace.
#[derive(Debug, Clone)]
pub struct MediaItem {
    pub path: PathBuf,
    /// The path as written in the calendar, for messages.
    pub name: String,
    pub alt: Option<String>,
}

impl MediaItem {
    /// The file's bytes and MIME type (from its content).
    pub fn read(&self) -> Result<(Vec<u8>, &'static str), AdapterError> {
        let bytes = std::fs::read(&self.path).map_err(|e| {
            AdapterError::permanent(format!("cannot read media `{}`: {e}", self.name))
        })?;
        let mime = infer::get(&bytes).map_or("application/octet-stream", |t| t.mime_type());
        Ok((bytes, mime))
    }

    /// The file's name, without its folders.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| "media".to_owned(), |n| n.to_string_lossy().into_owned())
    }

    /// The file as a multipart part, with its file name and MIME type.
    pub fn form_part(&self) -> Result<reqwest::blocking::multipart::Part, AdapterError> {
        let (bytes, mime) = self.read()?;
        reqwest::blocking::multipart::Part::bytes(bytes)
            .file_name(self.file_name())
            .mime_str(mime)
            .map_err(|e| AdapterError::permanent(format!("media `{}`: {e}", self.name)))
    }
}

/// One request: a delivery's part, rendered.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    pub post: &'a str,
    pub channel: &'a str,
    /// 0 for the post itself, then thread follow-ups.
    pub index: u32,
    pub text: &'a str,
    pub cw: Option<&'a str>,
    pub language: Option<&'a str>,
    pub media: &'a [MediaItem],
    /// The previous part (threads are reply chains).
    pub reply_to: Option<&'a Remote>,
    /// The first part of the thread.
    pub root: Option<&'a Remote>,
    /// The part's identity, fixed by its first attempt and stored in the
    /// ledger: the idempotency key (on Bluesky, the record key).
    pub key: &'a str,
    /// What [`Adapter::prepare`] made for this part (a Threads container),
    /// as the ledger recorded it before the call that publishes it; `None`
    /// when nothing was prepared yet (or the platform prepares nothing).
    pub prepared: Option<&'a str>,
    /// `media_base_url`: where platforms that fetch media by URL (Threads,
    /// Instagram)
    /// find `media` (the base plus each item's `name`).
    pub media_base: Option<&'a crate::calendar::MediaBase>,
    /// The run's time (Bluesky `createdAt`, webhook timestamps).
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Surely nothing happened, and trying again may work: the connection
    /// could not be made, 429, 408, a 503 that says when to come back.
    /// `retry_after` is what the platform asked for.
    Transient { retry_after: Option<Duration> },
    /// The request was sent and may or may not have taken effect: a timeout
    /// or a dropped connection after sending, a 500/502/504, an unreadable
    /// success. Never re-sent blindly.
    Ambiguous,
    /// Refused; the same request will be refused again (4xx, bad credentials).
    Permanent,
    /// Nothing was sent, and a limit of the platform's says not now (the
    /// Threads publishing quota is used up): not tried again in this run,
    /// the next run tries again (inside the catch-up window).
    Held,
    /// The platform cannot do this at all (delete on Slack).
    Unsupported,
}

/// An adapter's failure. The message never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AdapterError {
    pub kind: ErrorKind,
    pub message: String,
    /// The HTTP status, when the platform answered.
    pub status: Option<u16>,
    /// The platform's own error name or code, when its body gave one
    /// (Bluesky `ExpiredToken`, Discord `10015`, Mastodon's `error` text).
    pub code: Option<String>,
}

impl AdapterError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AdapterError {
            kind,
            message: message.into(),
            status: None,
            code: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        AdapterError::new(ErrorKind::Permanent, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        AdapterError::new(ErrorKind::Unsupported, message)
    }

    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Transient { .. })
    }
}

/// What a platform can do. Every adapter takes its endpoint from the
/// channel (`instance`, `service`, `api_base`, `url`), which is how tests
/// point it at a local server.
pub trait Adapter: Send {
    /// For platforms that publish in two steps (Threads, Instagram): make
    /// what the final call publishes (a media container), which no one sees
    /// yet, and return its id. The engine records it in the ledger (on
    /// disk) before it calls [`Adapter::post`] with it in `part.prepared`,
    /// so a run that dies in between leaves the id for `lookup` and the
    /// next `post`. Given `part.prepared` (an earlier run's), return it
    /// again while it can still be published, else make a new one.
    /// `Ok(None)` (the default): nothing to prepare, `post` does it all.
    /// An error here means nothing was posted.
    fn prepare(&mut self, _part: &Part<'_>) -> Result<Option<String>, AdapterError> {
        Ok(None)
    }

    /// Publish one part.
    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError>;

    /// Whether sending a part again with the same key cannot make a second
    /// copy, when an earlier attempt made `age` ago may have landed and
    /// (`may_be_running`) may still be in progress on the server.
    fn resend_is_safe(&self, _age: chrono::Duration, _may_be_running: bool) -> bool {
        false
    }

    /// For a part whose attempt (made at `since`) may have landed: ask the
    /// platform. `Ok(Some)` it exists, `Ok(None)` it does not (as far as the
    /// platform can see now); `Unsupported` when the platform cannot tell.
    fn lookup(
        &mut self,
        _part: &Part<'_>,
        _since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        Err(AdapterError::unsupported(
            "this platform cannot look up a post",
        ))
    }

    /// What this adapter's messages, ids and URLs must never show.
    fn redactor(&self) -> &redact::Redactor;

    /// The engagement of published posts, by remote id: one answer per id,
    /// `None` for a post that is gone. `Unsupported` where the platform
    /// reports none through its API (webhooks, bots).
    fn metrics(&mut self, _ids: &[&str]) -> Result<Vec<Option<Metrics>>, AdapterError> {
        Err(AdapterError::unsupported(
            "this platform reports no engagement through its API",
        ))
    }

    /// Delete a published part (`published_at` for platforms with a window).
    fn delete(
        &mut self,
        _remote: &Remote,
        _published_at: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> Result<(), AdapterError> {
        Err(AdapterError::unsupported(
            "this platform cannot delete posts through its API",
        ))
    }

    /// A cheap authenticated call: who the credentials belong to.
    fn check(&mut self) -> Result<String, AdapterError>;

    /// When the credentials stop working, for `doctor`. `online`: the
    /// platform may be asked (else only what the channel records).
    fn expiry(&mut self, _online: bool) -> Result<Expiry, AdapterError> {
        Ok(Expiry::Never)
    }
}

/// What an adapter knows of its credentials' lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// They last until revoked (or the platform does not say otherwise).
    Never,
    /// They run out at `at` (`source` says who said so); `renew` says how
    /// to get new ones.
    At {
        at: DateTime<Utc>,
        source: String,
        renew: String,
    },
    /// They run out, but when is not known here: what would tell.
    Unknown(String),
}

/// What building an adapter needs besides its channel's settings.
pub struct Context<'a> {
    /// The channel's name, for messages.
    pub channel: &'a str,
    /// The workspace root (`file:` credentials are relative to it).
    pub root: &'a Path,
    /// Where adapters may cache state between runs (`.postcal/cache`),
    /// outside the ledger and outside git.
    pub cache_dir: PathBuf,
    pub timeouts: http::Timeouts,
    /// Where each request is reported (`-vv`), if anywhere.
    pub trace: Option<http::Trace>,
    pub env: &'a dyn EnvSource,
    /// The run's clock (`--now`, else the real time at start), for what a
    /// request must be stamped with (X's OAuth timestamps).
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// Resolve the credential `field` of the channel: its value, or why not.
    pub fn secret(&self, field: &str, reference: &SecretRef) -> Result<SecretString, AdapterError> {
        crate::secrets::resolve(reference, self.root, self.env).map_err(|e| {
            AdapterError::permanent(format!(
                "channel `{}`: `{field}`: {e}; {}",
                self.channel,
                e.help()
            ))
        })
    }
}

/// What a channel's settings alone say about when its credentials run
/// out (LinkedIn's recorded `expires_at`), for when no adapter can be built
/// (the credential is not in this environment).
pub fn recorded_expiry(channel: &Channel) -> Option<Expiry> {
    match &channel.kind {
        ChannelKind::Linkedin(c) => linkedin::recorded_expiry(c),
        _ => None,
    }
}

/// The adapter for `channel` of the workspace at `root`, its credentials
/// resolved from `env` (or files), in a run whose clock says `now`.
pub fn for_channel(
    root: &Path,
    channel: &Channel,
    env: &dyn EnvSource,
    timeouts: http::Timeouts,
    now: DateTime<Utc>,
) -> Result<Box<dyn Adapter>, AdapterError> {
    build(root, channel, env, timeouts, None, now)
}

/// `for_channel`, reporting each request to `trace`.
pub fn build(
    root: &Path,
    channel: &Channel,
    env: &dyn EnvSource,
    timeouts: http::Timeouts,
    trace: Option<http::Trace>,
    now: DateTime<Utc>,
) -> Result<Box<dyn Adapter>, AdapterError> {
    let cx = Context {
        channel: &channel.name,
        root,
        cache_dir: root.join(".postcal/cache"),
        timeouts,
        trace,
        env,
        now,
    };
    Ok(match &channel.kind {
        ChannelKind::Mastodon(c) => Box::new(mastodon::Mastodon::new(c, &cx)?),
        ChannelKind::Bluesky(c) => Box::new(bluesky::Bluesky::new(c, &cx)?),
        ChannelKind::Discord(c) => Box::new(discord::Discord::new(c, &cx)?),
        ChannelKind::Slack(c) => Box::new(slack::Slack::new(c, &cx)?),
        ChannelKind::Telegram(c) => Box::new(telegram::Telegram::new(c, &cx)?),
        ChannelKind::Webhook(c) => Box::new(webhook::Webhook::new(c, &cx)?),
        ChannelKind::Linkedin(c) => Box::new(linkedin::Linkedin::new(c, &cx)?),
        ChannelKind::Facebook(c) => Box::new(facebook::Facebook::new(c, &cx)?),
        ChannelKind::X(c) => Box::new(x::X::new(c, &cx)?),
        ChannelKind::Threads(c) => Box::new(threads::Threads::new(c, &cx)?),
        ChannelKind::Instagram(c) => Box::new(instagram::Instagram::new(c, &cx)?),
    })
}
