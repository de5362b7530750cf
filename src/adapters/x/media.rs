//! Images for X through the v2 chunked upload (PLATFORMS.md §3): `POST
//! /2/media/upload/initialize` (JSON: type, size, category), `POST
//! /2/media/upload/{id}/append` (multipart `media` + `segment_index`, 1 MiB
//! a segment), `POST /2/media/upload/{id}/finalize`, then, when the answer
//! has `processing_info`, `GET /2/media/upload?command=STATUS&media_id=…`
//! every `check_after_secs` until `succeeded` (or `failed`); alt text with
//! `POST /2/media/metadata`.
//!
//! An upload cannot make a post: any failure here means nothing was posted,
//! so an unclear one (a timeout) is transient, never ambiguous.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::multipart::{Form, Part as FormPart};
use serde_json::{Value, json};

use super::super::{AdapterError, ErrorKind, MediaItem};
use super::X;
use super::answers::{call, data_str, send};

/// Each APPEND carries at most this much (X's samples use 1 MiB).
const SEGMENT: usize = 1024 * 1024;
/// How long to wait for X to process an upload.
const PROCESSING_WAIT: Duration = Duration::from_secs(60);

impl X {
    /// Upload `item`, set its alt text, and return its media id.
    pub(super) fn upload(&self, item: &MediaItem) -> Result<String, AdapterError> {
        self.upload_inner(item).map_err(|e| match e.kind {
            // Nothing was posted by an upload, whatever its answer.
            ErrorKind::Ambiguous => AdapterError {
                kind: ErrorKind::Transient { retry_after: None },
                ..e
            },
            _ => e,
        })
    }

    fn upload_inner(&self, item: &MediaItem) -> Result<String, AdapterError> {
        let (bytes, mime) = item.read()?;
        let category = match mime {
            "image/gif" => "tweet_gif",
            "image/jpeg" | "image/png" | "image/webp" => "tweet_image",
            other => {
                return Err(AdapterError::permanent(format!(
                    "media `{}` is {other}; X takes JPEG, PNG, WebP or GIF images from postcal",
                    item.name
                )));
            }
        };
        let what = "POST /2/media/upload/initialize";
        let started = call(
            &self.http,
            what,
            self.request(Method::POST, "/2/media/upload/initialize", &[])?
                .json(&json!({
                    "media_type": mime,
                    "total_bytes": bytes.len(),
                    "media_category": category,
                })),
        )?;
        let id = data_str(&started, "id", what)?;
        let path = format!("/2/media/upload/{id}");
        for (index, chunk) in bytes.chunks(SEGMENT).enumerate() {
            let form = Form::new().text("segment_index", index.to_string()).part(
                "media",
                FormPart::bytes(chunk.to_vec()).file_name(item.file_name()),
            );
            send(
                &self.http,
                "POST /2/media/upload/:id/append",
                self.request(Method::POST, &format!("{path}/append"), &[])?
                    .multipart(form),
            )?;
        }
        let what = "POST /2/media/upload/:id/finalize";
        let finalized = call(
            &self.http,
            what,
            self.request(Method::POST, &format!("{path}/finalize"), &[])?,
        )?;
        if let Some(info) = finalized.pointer("/data/processing_info") {
            self.wait_processed(&id, info)?;
        }
        if let Some(alt) = item.alt.as_deref().filter(|a| !a.trim().is_empty()) {
            call(
                &self.http,
                "POST /2/media/metadata",
                self.request(Method::POST, "/2/media/metadata", &[])?
                    .json(&json!({
                        "id": id,
                        "metadata": { "alt_text": { "text": alt } },
                    })),
            )?;
        }
        Ok(id)
    }

    /// Poll STATUS, as `processing_info` says, until the upload succeeded.
    fn wait_processed(&self, id: &str, first: &Value) -> Result<(), AdapterError> {
        let deadline = Instant::now() + PROCESSING_WAIT;
        let mut info = first.clone();
        loop {
            match info.get("state").and_then(Value::as_str) {
                Some("succeeded") | None => return Ok(()),
                Some("failed") => {
                    let why = info
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("no reason given");
                    return Err(AdapterError::permanent(format!(
                        "X could not process media {id}: {why}"
                    )));
                }
                Some(_) => {}
            }
            let pause = info
                .get("check_after_secs")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 10);
            let pause = Duration::from_secs(pause);
            if Instant::now() + pause > deadline {
                return Err(AdapterError::new(
                    ErrorKind::Transient { retry_after: None },
                    format!("X is still processing media {id} after 60 s"),
                ));
            }
            std::thread::sleep(pause);
            let what = "GET /2/media/upload (STATUS)";
            let status = call(
                &self.http,
                what,
                self.request(
                    Method::GET,
                    "/2/media/upload",
                    &[("command", "STATUS"), ("media_id", id)],
                )?,
            )?;
            info = status
                .pointer("/data/processing_info")
                .cloned()
                .unwrap_or(Value::Null);
        }
    }
}
