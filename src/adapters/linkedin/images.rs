//! Images: `POST /rest/images?action=initializeUpload` gives an upload URL
//! and the image's URN; the bytes go up in one PUT (in pieces, each would
//! overwrite the one before); `GET /rest/images/{urn}` is polled until the
//! image is `AVAILABLE`, since a post naming an image still processing is
//! refused.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::posts::image_entry;
use super::{Linkedin, encode};
use crate::adapters::http::bearer;
use crate::adapters::{AdapterError, ErrorKind, MediaItem};

/// How long to wait for LinkedIn to process an image.
const PROCESSING_WAIT: Duration = Duration::from_secs(60);
/// When LinkedIn will not show this token the image's status: the time
/// given to processing instead.
const GRACE: Duration = Duration::from_secs(3);

#[derive(Deserialize)]
struct Initialized {
    value: Upload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Upload {
    upload_url: String,
    image: String,
}

#[derive(Deserialize)]
struct Image {
    #[serde(default)]
    status: String,
}

impl Linkedin {
    /// Upload each image; their `content` entries, alt text included.
    /// Nothing is posted yet, so an unclear answer here is only a failure
    /// to try again.
    pub(super) fn upload_images(&self, media: &[MediaItem]) -> Result<Vec<Value>, AdapterError> {
        media
            .iter()
            .map(|item| {
                let urn = self.upload(item).map_err(|mut e| {
                    if e.kind == ErrorKind::Ambiguous {
                        e.kind = ErrorKind::Transient { retry_after: None };
                    }
                    e
                })?;
                Ok(image_entry(&urn, item.alt.as_deref()))
            })
            .collect()
    }

    fn upload(&self, item: &MediaItem) -> Result<String, AdapterError> {
        let (bytes, mime) = item.read()?;
        let what = "POST /rest/images?action=initializeUpload";
        let body = json!({ "initializeUploadRequest": { "owner": self.author.urn() } });
        let init: Initialized = self
            .send(
                what,
                self.http
                    .client()
                    .post(self.url("/rest/images?action=initializeUpload"))
                    .json(&body),
            )
            .and_then(|r| self.http.json(what, r))?;
        let upload = url::Url::parse(&init.value.upload_url)
            .ok()
            .filter(|u| {
                u.scheme() == "https"
                    || (u.scheme() == "http" && crate::calendar::channel::is_loopback(u))
            })
            .ok_or_else(|| {
                AdapterError::permanent(
                    "LinkedIn gave an upload address that is not https://; the token is not sent there",
                )
            })?;
        self.http.send(
            "PUT (LinkedIn image upload)",
            self.http
                .client()
                .put(upload)
                .header("Authorization", bearer(&self.token))
                .header("Content-Type", mime)
                .body(bytes),
        )?;
        self.wait_available(&init.value.image, &item.name)?;
        Ok(init.value.image)
    }

    /// Poll the image until LinkedIn has processed it.
    fn wait_available(&self, urn: &str, name: &str) -> Result<(), AdapterError> {
        let deadline = Instant::now() + PROCESSING_WAIT;
        let mut pause = Duration::from_millis(200);
        loop {
            let what = "GET /rest/images/:urn";
            let url = self.url(&format!("/rest/images/{}", encode(urn)));
            let image: Image = match self
                .send(what, self.http.client().get(url))
                .and_then(|r| self.http.json(what, r))
            {
                Ok(image) => image,
                // Some tokens may upload images but not read them back.
                Err(e) if e.status == Some(403) => {
                    std::thread::sleep(GRACE);
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            match image.status.as_str() {
                "AVAILABLE" => return Ok(()),
                "PROCESSING_FAILED" => {
                    return Err(AdapterError::permanent(format!(
                        "LinkedIn could not process `{name}` (PROCESSING_FAILED): check that it is a JPEG, PNG or GIF under 36 megapixels"
                    )));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(AdapterError::new(
                    ErrorKind::Transient { retry_after: None },
                    format!(
                        "`{name}` is still processing on LinkedIn after {} s",
                        PROCESSING_WAIT.as_secs()
                    ),
                ));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
}
