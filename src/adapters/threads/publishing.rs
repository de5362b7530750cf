//! Making and publishing: the quota read first, media containers (one
//! image or video, or a carousel of children), their status waited for
//! until `FINISHED`, then `threads_publish`; a text post in one call.

use chrono::{DateTime, Utc};

use super::{Created, Threads, media_id};
use crate::adapters::container::{
    self, Containers, Limits, Poll, Status, check_quota, safe_to_repeat,
};
use crate::adapters::{AdapterError, ErrorKind, MediaItem, Part, Remote};

#[derive(serde::Deserialize)]
struct StatusAnswer {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
}

impl Containers for Threads {
    fn product(&self) -> &'static str {
        "Threads"
    }

    fn poll(&self) -> Poll {
        self.poll
    }

    fn status(&self, container: &str) -> Result<Status, AdapterError> {
        self.status(container)
    }

    fn publish_call(&self, container: &str) -> Result<String, AdapterError> {
        let request = self
            .request(
                reqwest::Method::POST,
                &format!("{}/threads_publish", self.user),
            )
            .form(&[("creation_id", container)]);
        let created: Created = self.call("POST /{user}/threads_publish", request)?;
        Ok(created.id)
    }

    fn published(&self, id: String) -> Remote {
        self.posted(id)
    }

    fn listed(
        &self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        self.listed(part, since)
    }
}

impl Threads {
    /// The part's container: the recorded one while it can still be
    /// published, else a new one (after the quota is read). A text part
    /// has none: its one call both makes and publishes it.
    pub(super) fn prepare_container(
        &mut self,
        part: &Part<'_>,
    ) -> Result<Option<String>, AdapterError> {
        if let Some(container) = container::reusable(self, part)? {
            return Ok(Some(container));
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
                container::wait_ready(self, &child)?;
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
        let name = answer.status;
        Status::read(name.as_deref(), answer.error_message).ok_or_else(|| {
            AdapterError::new(
                ErrorKind::Transient { retry_after: None },
                format!("container {container}: unexpected status {name:?}"),
            )
        })
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
        check_quota("Threads", what, used, config)
    }

    fn posted(&self, id: String) -> Remote {
        Remote { id, url: None }
    }
}

/// The fields of one media item's container: its type, its URL under
/// `media_base_url`, its alt text.
fn media_fields(part: &Part<'_>, item: &MediaItem) -> Result<Vec<(String, String)>, AdapterError> {
    let (url, video) = container::media_url("Threads", part, item)?;
    let (kind, field) = if video {
        ("VIDEO", "video_url")
    } else {
        ("IMAGE", "image_url")
    };
    let mut form = vec![
        ("media_type".to_owned(), kind.to_owned()),
        (field.to_owned(), url),
    ];
    if let Some(alt) = container::alt_text(item) {
        form.push(("alt_text".to_owned(), alt));
    }
    Ok(form)
}
