//! Making and publishing: the quota read first, media containers (one
//! image or video, or a carousel of children), their status waited for
//! until `FINISHED`, then `threads_publish`; a text post in one call.

use std::time::Duration;

use serde::Deserialize;

use super::{Created, Threads, media_id};
use crate::adapters::{AdapterError, ErrorKind, MediaItem, Part, Remote};

/// How long `post` waits for a container to be ready: status reads with
/// waits doubling from `first` up to `cap`, `total` at most (Meta: about
/// 30 s for most media; "once a minute, for no more than 5 minutes" for
/// video, which a later run goes on with).
#[derive(Debug, Clone, Copy)]
pub(super) struct Poll {
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

/// A container's state, as `GET /{container}?fields=status,error_message` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Status {
    InProgress,
    Finished,
    Published,
    Expired,
    Error(String),
}

#[derive(Deserialize)]
struct StatusAnswer {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
}

#[derive(Deserialize)]
struct Limits {
    #[serde(default)]
    data: Vec<Limit>,
}

#[derive(Deserialize)]
struct Limit {
    #[serde(default)]
    quota_usage: Option<u64>,
    #[serde(default)]
    config: Option<LimitConfig>,
    #[serde(default)]
    reply_quota_usage: Option<u64>,
    #[serde(default)]
    reply_config: Option<LimitConfig>,
}

#[derive(Deserialize)]
struct LimitConfig {
    quota_total: u64,
    #[serde(default)]
    quota_duration: Option<u64>,
}

impl Threads {
    /// The part's container: the recorded one while it can still be
    /// published, else a new one (after the quota is read). A text part
    /// has none: its one call both makes and publishes it.
    pub(super) fn prepare_container(
        &mut self,
        part: &Part<'_>,
    ) -> Result<Option<String>, AdapterError> {
        if let Some(container) = part.prepared {
            match self.status(container)? {
                Status::Expired | Status::Error(_) => {}
                // Ready, on its way, or already out: `post` goes on with it.
                _ => return Ok(Some(container.to_owned())),
            }
        }
        self.check_quota(part)?;
        if part.media.is_empty() {
            return Ok(None);
        }
        let common = self.common_fields(part);
        let id = if let [item] = part.media {
            let mut form = common;
            form.extend(media_fields(part, item)?);
            self.create(form)?
        } else {
            let mut children = Vec::with_capacity(part.media.len());
            for item in part.media {
                let mut form = vec![("is_carousel_item".to_owned(), "true".to_owned())];
                form.extend(media_fields(part, item)?);
                let child = self.create(form)?;
                self.wait_ready(&child)?;
                children.push(child);
            }
            let mut form = common;
            form.push(("media_type".into(), "CAROUSEL".into()));
            form.push(("children".into(), children.join(",")));
            self.create(form)?
        };
        Ok(Some(id))
    }

    /// A text post (or reply): made and published in one call.
    pub(super) fn post_text(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let mut form = self.common_fields(part);
        form.push(("media_type".into(), "TEXT".into()));
        form.push(("auto_publish_text".into(), "true".into()));
        let id = self.create(form)?;
        Ok(self.posted(id))
    }

    /// Publish the prepared container once it is ready.
    pub(super) fn publish(
        &mut self,
        part: &Part<'_>,
        container: &str,
    ) -> Result<Remote, AdapterError> {
        media_id(container)?;
        match self.wait_ready(container)? {
            Status::Published => return self.published_container(part, container),
            Status::Finished => {}
            other => return Err(not_ready(container, &other)),
        }
        let mut tries = 0;
        loop {
            tries += 1;
            let request = self
                .request(
                    reqwest::Method::POST,
                    &format!("{}/threads_publish", self.user),
                )
                .form(&[("creation_id", container)]);
            let e = match self.call::<Created>("POST /{user}/threads_publish", request) {
                Ok(created) => return Ok(self.posted(created.id)),
                Err(e) => e,
            };
            match e.kind {
                // Not propagated yet: waited out here a few times.
                ErrorKind::Transient { retry_after }
                    if tries < 3 && e.message.contains("not ready") =>
                {
                    std::thread::sleep(retry_after.unwrap_or(self.poll.first).min(self.poll.cap));
                }
                // Refused: perhaps because it is out already (published
                // twice), which its status tells.
                ErrorKind::Permanent if self.status(container).ok() == Some(Status::Published) => {
                    return self.published_container(part, container);
                }
                _ => return Err(e),
            }
        }
    }

    /// A container found `PUBLISHED`: the post is its media id, read from
    /// the account's posts (never the container's own id).
    fn published_container(
        &mut self,
        part: &Part<'_>,
        container: &str,
    ) -> Result<Remote, AdapterError> {
        match self.listed(part, part.now - chrono::Duration::hours(24))? {
            Some(remote) => Ok(remote),
            None => Err(AdapterError::new(
                ErrorKind::Ambiguous,
                format!(
                    "container {container} is published, but its post is not among the account's posts yet"
                ),
            )),
        }
    }

    /// `text`, `reply_to_id`: what every container of a part carries.
    fn common_fields(&self, part: &Part<'_>) -> Vec<(String, String)> {
        let mut form = Vec::new();
        if !part.text.is_empty() {
            form.push(("text".to_owned(), part.text.to_owned()));
        }
        if let Some(parent) = part.reply_to.filter(|_| part.index > 0) {
            form.push(("reply_to_id".to_owned(), parent.id.clone()));
        }
        form
    }

    /// `POST /{user}/threads`: a container (or, with `auto_publish_text`,
    /// the post) and its id.
    fn create(&self, form: Vec<(String, String)>) -> Result<String, AdapterError> {
        let request = self
            .request(reqwest::Method::POST, &format!("{}/threads", self.user))
            .form(&form);
        let created: Created = self.call("POST /{user}/threads", request)?;
        media_id(&created.id)?;
        Ok(created.id)
    }

    pub(super) fn status(&self, container: &str) -> Result<Status, AdapterError> {
        let request = self
            .request(reqwest::Method::GET, media_id(container)?)
            .query(&[("fields", "status,error_message")]);
        let answer: StatusAnswer = self
            .call("GET /{container}?fields=status", request)
            .map_err(|e| safe_to_repeat(e, "reading a container's status"))?;
        Ok(match answer.status.as_deref() {
            Some("FINISHED") => Status::Finished,
            Some("PUBLISHED") => Status::Published,
            Some("EXPIRED") => Status::Expired,
            Some("IN_PROGRESS") => Status::InProgress,
            Some("ERROR") => Status::Error(answer.error_message.unwrap_or_default()),
            other => {
                return Err(AdapterError::new(
                    ErrorKind::Transient { retry_after: None },
                    format!("container {container}: unexpected status {other:?}"),
                ));
            }
        })
    }

    /// Read the container's status until it is no longer `IN_PROGRESS`
    /// (bounded by `poll`); `ERROR` and `EXPIRED` are permanent.
    fn wait_ready(&self, container: &str) -> Result<Status, AdapterError> {
        let (mut wait, mut waited) = (self.poll.first, Duration::ZERO);
        loop {
            let status = self.status(container)?;
            match status {
                Status::InProgress if waited + wait <= self.poll.total => {
                    std::thread::sleep(wait);
                    waited += wait;
                    wait = (wait * 2).min(self.poll.cap);
                }
                Status::Error(_) | Status::Expired => return Err(not_ready(container, &status)),
                Status::InProgress => {
                    return Err(AdapterError::new(
                        ErrorKind::Transient { retry_after: None },
                        format!(
                            "container {container} is still being processed by Threads after {}s; nothing was published, and it is published once ready",
                            waited.as_secs()
                        ),
                    ));
                }
                done => return Ok(done),
            }
        }
    }

    /// Refuse (hold) the part when the account's quota for it is used up.
    fn check_quota(&self, part: &Part<'_>) -> Result<(), AdapterError> {
        let reply = part.index > 0;
        let fields = if reply {
            "reply_quota_usage,reply_config"
        } else {
            "quota_usage,config"
        };
        let request = self
            .request(
                reqwest::Method::GET,
                &format!("{}/threads_publishing_limit", self.user),
            )
            .query(&[("fields", fields)]);
        let limits: Limits = self
            .call("GET /{user}/threads_publishing_limit", request)
            .map_err(|e| safe_to_repeat(e, "reading the publishing quota"))?;
        let Some(limit) = limits.data.into_iter().next() else {
            return Ok(());
        };
        let (used, config, what) = if reply {
            (limit.reply_quota_usage, limit.reply_config, "replies")
        } else {
            (limit.quota_usage, limit.config, "posts")
        };
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
                "Threads quota: {used} of {} {what} used in the last {hours} h; held, nothing sent: a later run sends it once the oldest of them are more than {hours} h old",
                config.quota_total
            ),
        ))
    }

    fn posted(&self, id: String) -> Remote {
        Remote { id, url: None }
    }
}

/// A failed read changed nothing: an unclear answer is only a retry.
fn safe_to_repeat(e: AdapterError, doing: &str) -> AdapterError {
    match e.kind {
        ErrorKind::Ambiguous => AdapterError {
            kind: ErrorKind::Transient { retry_after: None },
            message: format!("{} ({doing}, which changes nothing)", e.message),
            ..e
        },
        _ => e,
    }
}

fn not_ready(container: &str, status: &Status) -> AdapterError {
    let message = match status {
        Status::Error(why) => {
            let hint = if why.contains("DOWNLOAD") || why.contains("FETCH") {
                ": Threads could not fetch the media: check `media_base_url` and that the file is deployed there"
            } else {
                ""
            };
            format!(
                "Threads could not process container {container} ({why}){hint}; nothing was published"
            )
        }
        Status::Expired => format!(
            "container {container} expired (not published within 24 hours); nothing was published"
        ),
        _ => format!("container {container} is not ready; nothing was published"),
    };
    AdapterError::permanent(message)
}

/// The fields of one media item's container: its type, its URL under
/// `media_base_url`, its alt text.
fn media_fields(part: &Part<'_>, item: &MediaItem) -> Result<Vec<(String, String)>, AdapterError> {
    let base = part.media_base.ok_or_else(|| {
        AdapterError::permanent(format!(
            "Threads fetches media from a URL, and postcal.yaml has no `media_base_url` to make `{}` one: set it to where this workspace folder is served",
            item.name
        ))
    })?;
    // Its type from its first bytes (a video may be large).
    let mime = infer::get_from_path(&item.path)
        .map_err(|e| AdapterError::permanent(format!("cannot read media `{}`: {e}", item.name)))?
        .map_or("application/octet-stream", |t| t.mime_type());
    let (kind, field) = if mime.starts_with("video/") {
        ("VIDEO", "video_url")
    } else {
        ("IMAGE", "image_url")
    };
    let mut form = vec![
        ("media_type".to_owned(), kind.to_owned()),
        (field.to_owned(), base.url_of(&item.name)),
    ];
    if let Some(alt) = item.alt.as_ref().filter(|a| !a.trim().is_empty()) {
        form.push(("alt_text".to_owned(), alt.clone()));
    }
    Ok(form)
}
