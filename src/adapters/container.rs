//! Two-step publishing through a media container, as Meta's Threads and
//! Instagram APIs do it (PLATFORMS.md §5, §6, pitfall 4): a container is
//! made (`Adapter::prepare`, its id recorded in the ledger), processed by
//! Meta until `FINISHED`, then published once; its status settles an
//! unclear outcome. What differs per product (endpoints, status fields,
//! how the media id is found) an adapter gives through [`Containers`];
//! the waiting, the publish loop, the settling and the quota live here.
//!
//! - `PUBLISHED` is proof of publication, but the post is its media id,
//!   read from the account's posts: never the container's id.
//! - `FINISHED` and `IN_PROGRESS` mean nothing is out yet: publishing that
//!   container is safe. `EXPIRED` and `ERROR` mean nothing was posted and
//!   the container cannot be published: a new one is made.
//! - A refusal to publish marked [`NOT_READY`] (published too early) is
//!   waited out a few times; nothing was published.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{AdapterError, ErrorKind, MediaItem, Part, Remote};

/// What a refusal's message ends with when the container was published
/// too early (Threads 4279009, Instagram 9007/2207027).
pub const NOT_READY: &str = "the container is not ready yet (nothing was published)";

/// How long `post` waits for a container to be ready: status reads with
/// waits doubling from `first` up to `cap`, `total` at most (Meta: about
/// 30 s for most media; "once a minute, for no more than 5 minutes" for
/// video, which a later run goes on with).
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    pub first: Duration,
    pub cap: Duration,
    pub total: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            first: Duration::from_millis(250),
            cap: Duration::from_secs(15),
            total: Duration::from_secs(50),
        }
    }
}

/// A container's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Finished,
    Published,
    Expired,
    /// Meta could not process it: its words why.
    Error(String),
}

impl Status {
    /// The status Meta names (`status` on Threads, `status_code` on
    /// Instagram), with its error message; `None` for one not known here.
    pub fn read(name: Option<&str>, error: Option<String>) -> Option<Status> {
        Some(match name? {
            "FINISHED" => Status::Finished,
            "PUBLISHED" => Status::Published,
            "EXPIRED" => Status::Expired,
            "IN_PROGRESS" => Status::InProgress,
            "ERROR" => Status::Error(error.unwrap_or_default()),
            _ => return None,
        })
    }
}

/// A publishing quota as Meta reports it (`threads_publishing_limit`,
/// `content_publishing_limit`): `{"data": [{quota_usage, config, …}]}`.
#[derive(Deserialize)]
pub struct Limits {
    #[serde(default)]
    pub data: Vec<Limit>,
}

#[derive(Deserialize)]
pub struct Limit {
    #[serde(default)]
    pub quota_usage: Option<u64>,
    #[serde(default)]
    pub config: Option<LimitConfig>,
    #[serde(default)]
    pub reply_quota_usage: Option<u64>,
    #[serde(default)]
    pub reply_config: Option<LimitConfig>,
}

#[derive(Deserialize)]
pub struct LimitConfig {
    pub quota_total: u64,
    #[serde(default)]
    pub quota_duration: Option<u64>,
}

/// What a product's adapter answers for the shared steps.
pub trait Containers {
    /// "Threads", "Instagram": for messages.
    fn product(&self) -> &'static str;
    fn poll(&self) -> Poll;
    /// The container's status (a read: it changes nothing).
    fn status(&self, container: &str) -> Result<Status, AdapterError>;
    /// The final call: publish the container; the post's media id.
    fn publish_call(&self, container: &str) -> Result<String, AdapterError>;
    /// The post just published as `id`, with what else is known of it.
    fn published(&self, id: String) -> Remote;
    /// The account's post for `part` made at or after `since`, if any.
    fn listed(&self, part: &Part<'_>, since: DateTime<Utc>)
    -> Result<Option<Remote>, AdapterError>;
}

/// A recorded id, safe to put in a path: Meta's ids are numbers.
pub fn numeric_id<'a>(id: &'a str, product: &str) -> Result<&'a str, AdapterError> {
    if !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(AdapterError::permanent(format!(
            "`{id}` is not a {product} media id (a number)"
        )))
    }
}

/// `part.prepared` while it can still be published (ready, on its way,
/// or already out: `post` goes on with it); `None` when a new container
/// is needed (none recorded, or it expired or failed).
pub fn reusable(t: &impl Containers, part: &Part<'_>) -> Result<Option<String>, AdapterError> {
    let Some(container) = part.prepared else {
        return Ok(None);
    };
    Ok(match t.status(container)? {
        Status::Expired | Status::Error(_) => None,
        _ => Some(container.to_owned()),
    })
}

/// Making a container posts nothing: an unclear answer is a retry.
pub fn preparing(e: AdapterError) -> AdapterError {
    match e.kind {
        ErrorKind::Ambiguous => AdapterError {
            kind: ErrorKind::Transient { retry_after: None },
            message: format!(
                "{} (making the media container; nothing was posted, so it is tried again)",
                e.message
            ),
            ..e
        },
        _ => e,
    }
}

/// Publish the prepared container once it is ready; one refused as not
/// ready yet is waited out a few times, one refused because it is out
/// already is found.
pub fn publish(
    t: &impl Containers,
    part: &Part<'_>,
    container: &str,
) -> Result<Remote, AdapterError> {
    numeric_id(container, t.product())?;
    match wait_ready(t, container)? {
        Status::Published => return published_container(t, part, container),
        Status::Finished => {}
        other => return Err(not_ready(t.product(), container, &other)),
    }
    let poll = t.poll();
    let mut tries = 0;
    loop {
        tries += 1;
        let e = match t.publish_call(container) {
            Ok(id) => return Ok(t.published(id)),
            Err(e) => e,
        };
        match e.kind {
            ErrorKind::Transient { retry_after } if tries < 3 && e.message.ends_with(NOT_READY) => {
                std::thread::sleep(retry_after.unwrap_or(poll.first).min(poll.cap));
            }
            // Refused: perhaps because it is out already (published
            // twice), which its status tells.
            ErrorKind::Permanent if t.status(container).ok() == Some(Status::Published) => {
                return published_container(t, part, container);
            }
            _ => return Err(e),
        }
    }
}

/// For an attempt whose outcome is unclear, with its container recorded:
/// `PUBLISHED` is the post (found among the account's posts); any other
/// status means nothing was posted.
pub fn settle(
    t: &impl Containers,
    part: &Part<'_>,
    container: &str,
    since: DateTime<Utc>,
) -> Result<Option<Remote>, AdapterError> {
    match t.status(container)? {
        Status::Published => match t.listed(part, since)? {
            Some(remote) => Ok(Some(remote)),
            None => Err(AdapterError::new(
                ErrorKind::Transient { retry_after: None },
                format!(
                    "container {container} is published, but its post is not among the account's posts yet"
                ),
            )),
        },
        // Never published: ready, still processing, or dead.
        _ => Ok(None),
    }
}

/// A container found `PUBLISHED`: the post is its media id, read from the
/// account's posts (never the container's own id).
fn published_container(
    t: &impl Containers,
    part: &Part<'_>,
    container: &str,
) -> Result<Remote, AdapterError> {
    match t.listed(part, part.now - chrono::Duration::hours(24))? {
        Some(remote) => Ok(remote),
        None => Err(AdapterError::new(
            ErrorKind::Ambiguous,
            format!(
                "container {container} is published, but its post is not among the account's posts yet"
            ),
        )),
    }
}

/// Read the container's status until it is no longer `IN_PROGRESS`
/// (bounded by the product's `poll`); `ERROR` and `EXPIRED` are permanent.
pub fn wait_ready(t: &impl Containers, container: &str) -> Result<Status, AdapterError> {
    let poll = t.poll();
    let (mut wait, mut waited) = (poll.first, Duration::ZERO);
    loop {
        let status = t.status(container)?;
        match status {
            Status::InProgress if waited + wait <= poll.total => {
                std::thread::sleep(wait);
                waited += wait;
                wait = (wait * 2).min(poll.cap);
            }
            Status::Error(_) | Status::Expired => {
                return Err(not_ready(t.product(), container, &status));
            }
            Status::InProgress => {
                return Err(AdapterError::new(
                    ErrorKind::Transient { retry_after: None },
                    format!(
                        "container {container} is still being processed by {} after {}s; nothing was published, and it is published once ready",
                        t.product(),
                        waited.as_secs()
                    ),
                ));
            }
            done => return Ok(done),
        }
    }
}

/// Hold the part (nothing sent) when `used` of `config` is used up.
pub fn check_quota(
    product: &str,
    what: &str,
    used: Option<u64>,
    config: Option<LimitConfig>,
) -> Result<(), AdapterError> {
    let (Some(used), Some(config)) = (used, config) else {
        return Ok(());
    };
    if used < config.quota_total {
        return Ok(());
    }
    let hours = config.quota_duration.unwrap_or(86_400) / 3600;
    Err(AdapterError::new(
        ErrorKind::Held,
        format!(
            "{product} quota: {used} of {} {what} used in the last {hours} h; held, nothing sent: a later run sends it once the oldest of them are more than {hours} h old",
            config.quota_total
        ),
    ))
}

/// A failed read changed nothing: an unclear answer is only a retry.
pub fn safe_to_repeat(e: AdapterError, doing: &str) -> AdapterError {
    match e.kind {
        ErrorKind::Ambiguous => AdapterError {
            kind: ErrorKind::Transient { retry_after: None },
            message: format!("{} ({doing}, which changes nothing)", e.message),
            ..e
        },
        _ => e,
    }
}

/// A container that cannot be published: nothing was.
pub fn not_ready(product: &str, container: &str, status: &Status) -> AdapterError {
    let message = match status {
        Status::Error(why) => {
            let upper = why.to_ascii_uppercase();
            let hint = if upper.contains("DOWNLOAD")
                || upper.contains("FETCH")
                || why.contains("2207004")
                || why.contains("2207052")
            {
                format!(
                    ": {product} could not fetch the media: check `media_base_url` and that the file is deployed there"
                )
            } else {
                String::new()
            };
            format!(
                "{product} could not process container {container} ({why}){hint}; nothing was published"
            )
        }
        Status::Expired => format!(
            "container {container} expired (not published within 24 hours); nothing was published"
        ),
        _ => format!("container {container} is not ready; nothing was published"),
    };
    AdapterError::permanent(message)
}

/// Where Meta fetches one media item from (`media_base_url` + its path),
/// and whether it is a video (by its first bytes: a video may be large).
pub fn media_url(
    product: &str,
    part: &Part<'_>,
    item: &MediaItem,
) -> Result<(String, bool), AdapterError> {
    let base = part.media_base.ok_or_else(|| {
        AdapterError::permanent(format!(
            "{product} fetches media from a URL, and postcal.yaml has no `media_base_url` to make `{}` one: set it to where this workspace folder is served",
            item.name
        ))
    })?;
    let mime = infer::get_from_path(&item.path)
        .map_err(|e| AdapterError::permanent(format!("cannot read media `{}`: {e}", item.name)))?
        .map_or("application/octet-stream", |t| t.mime_type());
    Ok((base.url_of(&item.name), mime.starts_with("video/")))
}

/// The item's alt text, when it has some.
pub fn alt_text(item: &MediaItem) -> Option<String> {
    item.alt.as_ref().filter(|a| !a.trim().is_empty()).cloned()
}
