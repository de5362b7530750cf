//! Making and publishing: the quota read first, then a media container
//! (one image, one Reel, or a carousel of children), its `status_code`
//! waited for until `FINISHED`, then `media_publish`; the post's permalink
//! read after.

use chrono::{DateTime, Utc};

use super::{Created, Instagram};
use crate::adapters::container::{
    self, Containers, Limits, Poll, Status, check_quota, numeric_id, safe_to_repeat,
};
use crate::adapters::{AdapterError, ErrorKind, MediaItem, Part, Remote};

#[derive(serde::Deserialize)]
struct StatusAnswer {
    #[serde(default)]
    status_code: Option<String>,
    /// Meta's words on the status (why, for `ERROR`).
    #[serde(default)]
    status: Option<String>,
}

#[derive(serde::Deserialize)]
struct Permalink {
    #[serde(default)]
    permalink: Option<String>,
}

impl Containers for Instagram {
    fn product(&self) -> &'static str {
        "Instagram"
    }

    fn poll(&self) -> Poll {
        self.poll
    }

    fn status(&self, container: &str) -> Result<Status, AdapterError> {
        let request = self
            .request(reqwest::Method::GET, numeric_id(container, "Instagram")?)
            .query(&[("fields", "status_code,status")]);
        let answer: StatusAnswer = self
            .call("GET /{container}?fields=status_code,status", request)
            .map_err(|e| safe_to_repeat(e, "reading a container's status"))?;
        let name = answer.status_code;
        Status::read(name.as_deref(), answer.status).ok_or_else(|| {
            AdapterError::new(
                ErrorKind::Transient { retry_after: None },
                format!("container {container}: unexpected status_code {name:?}"),
            )
        })
    }

    fn publish_call(&self, container: &str) -> Result<String, AdapterError> {
        let request = self
            .request(
                reqwest::Method::POST,
                &format!("{}/media_publish", self.user),
            )
            .form(&[("creation_id", container)]);
        let created: Created = self.call("POST /{user}/media_publish", request)?;
        numeric_id(&created.id, "Instagram")?;
        Ok(created.id)
    }

    /// The post with its permalink, when Instagram gives it now (a read
    /// that fails loses only the address, never the post).
    fn published(&self, id: String) -> Remote {
        let request = self
            .request(reqwest::Method::GET, &id)
            .query(&[("fields", "permalink")]);
        let url = self
            .call::<Permalink>("GET /{media}?fields=permalink", request)
            .ok()
            .and_then(|p| p.permalink);
        Remote { id, url }
    }

    fn listed(
        &self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        self.listed(part, since)
    }
}

impl Instagram {
    /// The part's container: the recorded one while it can still be
    /// published, else a new one (after the quota is read).
    pub(super) fn prepare_container(&mut self, part: &Part<'_>) -> Result<String, AdapterError> {
        if part.index > 0 {
            return Err(AdapterError::permanent(
                "Instagram has no threads: a thread's later parts cannot be posted (`postcal validate` reports them); put the text in the caption, or give this channel a variant without `thread`",
            ));
        }
        if part.media.is_empty() {
            return Err(AdapterError::permanent(
                "Instagram has no text-only posts: attach a JPEG image or a video (`postcal validate` reports this)",
            ));
        }
        if let Some(made) = container::reusable(self, part)? {
            return Ok(made);
        }
        self.check_quota()?;
        let caption = || ("caption".to_owned(), part.text.to_owned());
        if let [item] = part.media {
            let mut form = media_fields(part, item, false)?;
            form.push(caption());
            return self.create(form);
        }
        let mut children = Vec::with_capacity(part.media.len());
        for item in part.media {
            let child = self.create(media_fields(part, item, true)?)?;
            container::wait_ready(self, &child)?;
            children.push(child);
        }
        self.create(vec![
            ("media_type".into(), "CAROUSEL".into()),
            ("children".into(), children.join(",")),
            caption(),
        ])
    }

    /// `POST /{user}/media` (a form body: a caption's `#` would end a
    /// query string): a container and its id.
    fn create(&self, form: Vec<(String, String)>) -> Result<String, AdapterError> {
        let request = self
            .request(reqwest::Method::POST, &format!("{}/media", self.user))
            .form(&form);
        let created: Created = self.call("POST /{user}/media", request)?;
        numeric_id(&created.id, "Instagram")?;
        Ok(created.id)
    }

    /// Hold the post when the account's quota is used up.
    fn check_quota(&self) -> Result<(), AdapterError> {
        let request = self
            .request(
                reqwest::Method::GET,
                &format!("{}/content_publishing_limit", self.user),
            )
            .query(&[("fields", "quota_usage,config")]);
        let limits: Limits = self
            .call("GET /{user}/content_publishing_limit", request)
            .map_err(|e| safe_to_repeat(e, "reading the publishing quota"))?;
        let Some(limit) = limits.data.into_iter().next() else {
            return Ok(());
        };
        check_quota("Instagram", "posts", limit.quota_usage, limit.config)
    }
}

/// One item's container fields: an image (`image_url`, `alt_text`), a Reel
/// (`media_type=REELS`, `video_url`), or as a carousel child
/// (`is_carousel_item`, a video as `media_type=VIDEO`).
fn media_fields(
    part: &Part<'_>,
    item: &MediaItem,
    child: bool,
) -> Result<Vec<(String, String)>, AdapterError> {
    let (url, video) = container::media_url("Instagram", part, item)?;
    let mut form = Vec::new();
    if child {
        form.push(("is_carousel_item".to_owned(), "true".to_owned()));
    }
    if video {
        let kind = if child { "VIDEO" } else { "REELS" };
        form.push(("media_type".to_owned(), kind.to_owned()));
        form.push(("video_url".to_owned(), url));
    } else {
        form.push(("image_url".to_owned(), url));
        if let Some(alt) = container::alt_text(item) {
            form.push(("alt_text".to_owned(), alt));
        }
    }
    Ok(form)
}
