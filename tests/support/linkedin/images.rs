//! The fake's Images API: `initializeUpload` (an upload URL and the
//! image's URN), one PUT of the bytes (a second one replaces the first),
//! and the image's status, `WAITING_UPLOAD` until the PUT, `PROCESSING` for
//! the first poll after it, then `AVAILABLE`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{St, error, may_act_as, member, unauthorized, unprocessable, versioned};

pub struct Image {
    pub owner: String,
    /// The upload slot's number (`/dms-uploads/{n}`).
    slot: u64,
    pub bytes: Option<Vec<u8>>,
    pub content_type: Option<String>,
    /// Status polls since the upload.
    pub polls: u32,
}

impl Image {
    pub fn status(&self) -> &'static str {
        match (&self.bytes, self.polls) {
            (None, _) => "WAITING_UPLOAD",
            (Some(_), 0) => "PROCESSING",
            (Some(_), _) => "AVAILABLE",
        }
    }
}

/// `POST /rest/images?action=initializeUpload`.
pub async fn initialize(
    State(st): State<St>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    if q.get("action").map(String::as_str) != Some("initializeUpload") {
        return error(
            StatusCode::BAD_REQUEST,
            "ILLEGAL_ARGUMENT",
            "unknown action",
        );
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let owner = body["initializeUploadRequest"]["owner"]
        .as_str()
        .unwrap_or("");
    if !may_act_as(owner) {
        return unprocessable(
            "INVALID_VALUE",
            "/initializeUploadRequest/owner :: invalid value",
        );
    }
    let mut inner = st.inner.lock().unwrap();
    inner.next_id += 1;
    let slot = inner.next_id;
    let urn = format!("urn:li:image:C4E10AQ{slot:08}");
    inner.images.insert(
        urn.clone(),
        Image {
            owner: owner.to_owned(),
            slot,
            bytes: None,
            content_type: None,
            polls: 0,
        },
    );
    let base = st.base.lock().unwrap().clone();
    axum::Json(json!({"value": {
        "uploadUrlExpiresAt": st.control.now().timestamp_millis() + 86_400_000,
        "uploadUrl": format!("{base}/dms-uploads/{slot}?ca=vector_image&sync=0&v=beta&ut=signed0x"),
        "image": urn,
    }}))
    .into_response()
}

/// `PUT /dms-uploads/{n}`: the bytes, with the member's token.
pub async fn upload(
    State(st): State<St>,
    headers: HeaderMap,
    Path(slot): Path<u64>,
    bytes: Bytes,
) -> Response {
    if member(&headers).is_none() {
        return unauthorized();
    }
    let mut inner = st.inner.lock().unwrap();
    let Some(image) = inner.images.values_mut().find(|i| i.slot == slot) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    };
    image.bytes = Some(bytes.to_vec());
    image.content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    image.polls = 0;
    StatusCode::CREATED.into_response()
}

/// `GET /rest/images/{urn}`.
pub async fn status(State(st): State<St>, headers: HeaderMap, Path(urn): Path<String>) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    let mut inner = st.inner.lock().unwrap();
    let Some(image) = inner.images.get_mut(&urn) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    };
    let status = image.status();
    if image.bytes.is_some() {
        image.polls += 1;
    }
    axum::Json(json!({"id": urn, "owner": image.owner, "status": status})).into_response()
}
