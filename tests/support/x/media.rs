//! The fake X's media upload (PLATFORMS.md §3): the simple upload, the
//! chunked one (initialize, append by `segment_index`, finalize: every byte
//! announced must have arrived), `processing_info` with `check_after_secs`
//! and STATUS polling, and alt text through `/2/media/metadata` (at most
//! 1000 characters). Images are at most 5 MB, GIFs 15 MB.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::{St, invalid};

const MB: usize = 1_000_000;

#[derive(Debug, Clone)]
pub(super) struct Upload {
    id: String,
    category: String,
    total: usize,
    /// Bytes received per segment.
    segments: BTreeMap<u32, usize>,
    finalized: bool,
    /// STATUS polls left before it is processed.
    pending_polls: u32,
    polls: u32,
    alt: Option<String>,
}

impl Upload {
    /// Whether a post may attach it.
    pub(super) fn ready(&self) -> bool {
        self.finalized && self.pending_polls == 0
    }

    pub(super) fn json(&self) -> Value {
        json!({
            "id": self.id,
            "category": self.category,
            "bytes": self.segments.values().sum::<usize>(),
            "alt": self.alt,
            "polls": self.polls,
        })
    }

    fn processing_info(&self) -> Option<Value> {
        if self.pending_polls == 0 && self.polls == 0 {
            return None;
        }
        let state = match self.pending_polls {
            0 => "succeeded",
            1 => "in_progress",
            _ => "pending",
        };
        let mut info = json!({"state": state});
        if self.pending_polls > 0 {
            info["check_after_secs"] = json!(1);
        }
        Some(info)
    }
}

pub(super) fn routes(router: Router<St>) -> Router<St> {
    router
        .route("/2/media/upload", post(simple).get(status))
        .route("/2/media/upload/initialize", post(initialize))
        .route("/2/media/upload/{id}/append", post(append))
        .route("/2/media/upload/{id}/finalize", post(finalize))
        .route("/2/media/metadata", post(metadata))
}

fn limit(category: &str) -> Option<usize> {
    match category {
        "tweet_image" => Some(5 * MB),
        "tweet_gif" => Some(15 * MB),
        _ => None,
    }
}

fn new_upload(st: &St, category: &str, total: usize) -> Upload {
    let mut inner = st.inner.lock().unwrap();
    inner.next_id += 1;
    Upload {
        id: format!("17{:017}", inner.next_id),
        category: category.to_owned(),
        total,
        segments: BTreeMap::new(),
        finalized: false,
        pending_polls: 0,
        polls: 0,
        alt: None,
    }
}

/// `POST /2/media/upload/initialize {media_type, total_bytes, media_category}`.
async fn initialize(State(st): State<St>, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let category = request["media_category"].as_str().unwrap_or("");
    let mime = request["media_type"].as_str().unwrap_or("");
    let total = request["total_bytes"].as_u64().unwrap_or(0) as usize;
    let Some(max) = limit(category) else {
        return invalid("media_category must be tweet_image or tweet_gif here");
    };
    if !mime.starts_with("image/") || total == 0 || total > max {
        return invalid("media_type or total_bytes is not accepted for this category");
    }
    let upload = new_upload(&st, category, total);
    let id = upload.id.clone();
    st.inner.lock().unwrap().media.insert(id.clone(), upload);
    axum::Json(
        json!({"data": {"id": id, "media_key": format!("3_{id}"), "expires_after_secs": 86400}}),
    )
    .into_response()
}

/// The `segment_index` and `media` fields of a multipart body.
async fn fields(mut form: Multipart) -> (Option<u32>, Option<Bytes>, Option<String>) {
    let (mut index, mut media, mut category) = (None, None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "segment_index" => index = field.text().await.ok().and_then(|t| t.parse().ok()),
            "media" => media = field.bytes().await.ok(),
            "media_category" => category = field.text().await.ok(),
            _ => {}
        }
    }
    (index, media, category)
}

/// `POST /2/media/upload/{id}/append`: multipart `segment_index` + `media`.
async fn append(State(st): State<St>, Path(id): Path<String>, form: Multipart) -> Response {
    let (Some(index), Some(media), _) = fields(form).await else {
        return invalid("segment_index and media are required");
    };
    let mut inner = st.inner.lock().unwrap();
    let Some(upload) = inner.media.get_mut(&id).filter(|u| !u.finalized) else {
        return invalid("no upload in progress with this id");
    };
    upload.segments.insert(index, media.len());
    if upload.segments.values().sum::<usize>() > upload.total {
        return invalid("more bytes than total_bytes");
    }
    axum::Json(json!({"data": {"expires_at": 1_900_000_000}})).into_response()
}

/// `POST /2/media/upload/{id}/finalize`.
async fn finalize(State(st): State<St>, Path(id): Path<String>) -> Response {
    let mut inner = st.inner.lock().unwrap();
    let polls = inner.processing_polls;
    let Some(upload) = inner.media.get_mut(&id).filter(|u| !u.finalized) else {
        return invalid("no upload in progress with this id");
    };
    let received: usize = upload.segments.values().sum();
    let contiguous = upload
        .segments
        .keys()
        .copied()
        .eq(0..upload.segments.len() as u32);
    if received != upload.total || !contiguous {
        return invalid("File size does not match total_bytes, or a segment is missing");
    }
    upload.finalized = true;
    // GIFs are processed asynchronously, as on X; images when told.
    upload.pending_polls = if upload.category == "tweet_gif" {
        polls.max(1)
    } else {
        polls
    };
    let mut data = json!({"id": id, "media_key": format!("3_{id}"), "size": received, "expires_after_secs": 86400});
    if let Some(info) = upload.processing_info() {
        data["processing_info"] = info;
    }
    axum::Json(json!({ "data": data })).into_response()
}

/// `GET /2/media/upload?command=STATUS&media_id=…`.
async fn status(
    State(st): State<St>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if q.get("command").map(String::as_str) != Some("STATUS") {
        return invalid("command must be STATUS");
    }
    let mut inner = st.inner.lock().unwrap();
    let Some(upload) = q.get("media_id").and_then(|id| inner.media.get_mut(id)) else {
        return invalid("media_id is not an upload");
    };
    upload.polls += 1;
    upload.pending_polls = upload.pending_polls.saturating_sub(1);
    let info = upload
        .processing_info()
        .unwrap_or(json!({"state": "succeeded"}));
    axum::Json(json!({"data": {"id": upload.id, "media_key": format!("3_{}", upload.id), "processing_info": info}}))
        .into_response()
}

/// `POST /2/media/upload`: the one-shot upload of an image.
async fn simple(State(st): State<St>, form: Multipart) -> Response {
    let (_, Some(media), category) = fields(form).await else {
        return invalid("media is required");
    };
    let category = category.unwrap_or_else(|| "tweet_image".to_owned());
    if limit(&category).is_none_or(|max| media.len() > max) {
        return invalid("media is too large or of a category not taken");
    }
    let mut upload = new_upload(&st, &category, media.len());
    upload.segments.insert(0, media.len());
    upload.finalized = true;
    let id = upload.id.clone();
    st.inner.lock().unwrap().media.insert(id.clone(), upload);
    axum::Json(json!({"data": {"id": id, "media_key": format!("3_{id}"), "size": media.len()}}))
        .into_response()
}

/// `POST /2/media/metadata {id, metadata: {alt_text: {text}}}`.
async fn metadata(State(st): State<St>, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(text) = request
        .pointer("/metadata/alt_text/text")
        .and_then(Value::as_str)
    else {
        return invalid("metadata.alt_text.text is required");
    };
    if text.chars().count() > 1000 {
        return invalid("alt_text.text must be at most 1000 characters");
    }
    let mut inner = st.inner.lock().unwrap();
    let Some(upload) = request["id"]
        .as_str()
        .and_then(|id| inner.media.get_mut(id))
    else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": [{"message": "id is not an upload"}], "title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request"})),
        )
            .into_response();
    };
    upload.alt = Some(text.to_owned());
    axum::Json(
        json!({"data": {"id": upload.id, "associated_metadata": {"alt_text": {"text": text}}}}),
    )
    .into_response()
}
