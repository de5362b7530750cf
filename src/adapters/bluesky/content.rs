//! A Bluesky post record: its text, facets (links, mentions resolved to
//! DIDs, hashtags) at UTF-8 byte offsets, images uploaded as blobs with alt
//! text and aspect ratio, and reply refs.

use chrono::SecondsFormat;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Bluesky, POST};
use crate::adapters::{AdapterError, ErrorKind, MediaItem, Part};
use crate::platform::bluesky_facets::{Feature, detect_facets};

const UPLOAD_BLOB: &str = "com.atproto.repo.uploadBlob";
const RESOLVE_HANDLE: &str = "com.atproto.identity.resolveHandle";

#[derive(Deserialize)]
pub(super) struct Blob {
    pub(super) blob: Value,
}

#[derive(Deserialize)]
pub(super) struct Resolved {
    pub(super) did: String,
}

impl Bluesky {
    pub(super) fn upload(&mut self, item: &MediaItem) -> Result<Value, AdapterError> {
        let (bytes, mime) = item.read()?;
        let url = self.url(UPLOAD_BLOB);
        let blob: Blob = self.authed_json(UPLOAD_BLOB, |http, auth| {
            http.client()
                .post(&url)
                .header(AUTHORIZATION, auth)
                .header(CONTENT_TYPE, mime)
                .body(bytes.clone())
        })?;
        let mut image = json!({
            "alt": item.alt.as_deref().unwrap_or(""),
            "image": blob.blob,
        });
        if let Ok(size) = imagesize::blob_size(&bytes)
            && size.width > 0
            && size.height > 0
        {
            image["aspectRatio"] = json!({"width": size.width, "height": size.height});
        }
        Ok(image)
    }

    pub(super) fn embed(&mut self, media: &[MediaItem]) -> Result<Option<Value>, AdapterError> {
        if media.is_empty() {
            return Ok(None);
        }
        let images = media
            .iter()
            .map(|m| self.upload(m))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(
            json!({"$type": "app.bsky.embed.images", "images": images}),
        ))
    }

    /// The DID a mentioned handle resolves to; `None` when it does not.
    pub(super) fn resolve(&mut self, handle: &str) -> Result<Option<String>, AdapterError> {
        let handle = handle.to_ascii_lowercase();
        if let Some(did) = self.dids.get(&handle) {
            return Ok(did.clone());
        }
        let result = self.http.send_json::<Resolved>(
            RESOLVE_HANDLE,
            self.http
                .client()
                .get(self.query_url(RESOLVE_HANDLE, &[("handle", &handle)])),
        );
        let did = match result {
            Ok(r) => Some(r.did),
            // Unknown handle: the text stays, without a link.
            Err(e) if e.kind == ErrorKind::Permanent => None,
            Err(e) => return Err(e),
        };
        self.dids.insert(handle, did.clone());
        Ok(did)
    }

    pub(super) fn facets(&mut self, text: &str) -> Result<Vec<Value>, AdapterError> {
        let mut out = Vec::new();
        for (range, feature) in detect_facets(text) {
            let feature = match feature {
                Feature::Link(uri) => json!({"$type": "app.bsky.richtext.facet#link", "uri": uri}),
                Feature::Tag(tag) => json!({"$type": "app.bsky.richtext.facet#tag", "tag": tag}),
                Feature::Mention(handle) => match self.resolve(&handle)? {
                    Some(did) => json!({"$type": "app.bsky.richtext.facet#mention", "did": did}),
                    None => continue,
                },
            };
            out.push(json!({
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": range.start, "byteEnd": range.end},
                "features": [feature],
            }));
        }
        Ok(out)
    }

    pub(super) fn record(&mut self, part: &Part<'_>) -> Result<Value, AdapterError> {
        let mut record = json!({
            "$type": POST,
            "text": part.text,
            "createdAt": part.now.to_rfc3339_opts(SecondsFormat::Millis, true),
        });
        if let Some(lang) = part.language {
            record["langs"] = json!([lang]);
        }
        let facets = self.facets(part.text)?;
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        if let Some(reply) = self.reply_refs(part)? {
            record["reply"] = reply;
        }
        // Blobs last: one that is not referenced soon is garbage-collected.
        if let Some(embed) = self.embed(part.media)? {
            record["embed"] = embed;
        }
        Ok(record)
    }
}
