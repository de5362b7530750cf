//! The fake account's endpoints.

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::media::fetch;
use super::{Container, St, TOKEN, USER_ID, USERNAME, time};
use crate::support::Behaviour;
use crate::support::facebook::errors::{bad_token, fail, graph_error, invalid, no_such};

type Params = Query<HashMap<String, String>>;

const CAPTION_MAX: usize = 2200;

/// What `GET /{media}` and `GET /{user}/media` can return.
const MEDIA_FIELDS: &[&str] = &[
    "id",
    "caption",
    "timestamp",
    "permalink",
    "media_type",
    "like_count",
    "comments_count",
    "username",
];

/// A refusal with a code and subcode, as the publishing API gives them.
fn refused(code: i64, subcode: i64, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, Some(subcode), message)
}

/// The version segment and the token, checked before anything else.
fn gate(version: &str, headers: &HeaderMap) -> Option<Response> {
    let ok = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(a, b)| {
            !a.is_empty() && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
        });
    if !ok {
        return Some(invalid("Unknown path components"));
    }
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    (given != Some(TOKEN)).then(bad_token)
}

/// The requested `fields` of `object`; one it does not have is 100.
fn fields_of(
    object: &Value,
    query: &HashMap<String, String>,
    known: &[&str],
    kind: &str,
) -> Result<Value, Box<Response>> {
    let fields = query.get("fields").map_or("id", String::as_str);
    let mut out = serde_json::Map::new();
    for field in fields.split(',').map(str::trim) {
        if !known.contains(&field) {
            return Err(Box::new(invalid(&format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({kind})"
            ))));
        }
        if let Some(v) = object.get(field) {
            out.insert(field.to_owned(), v.clone());
        }
    }
    out.insert("id".into(), object["id"].clone());
    Ok(Value::Object(out))
}

/// [`fields_of`], as the answer.
fn pick(object: &Value, query: &HashMap<String, String>, known: &[&str], kind: &str) -> Response {
    match fields_of(object, query, known, kind) {
        Ok(v) => axum::Json(v).into_response(),
        Err(r) => *r,
    }
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// `POST /{user}/media` and `POST /{user}/media_publish`.
pub(super) async fn create(
    State(st): State<St>,
    Path((version, node, edge)): Path<(String, String, String)>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    if let Some(r) = gate(&version, &headers) {
        return r;
    }
    if node != USER_ID {
        return no_such("post", &node);
    }
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let fields = form(&body);
    match edge.as_str() {
        "media" => make_container(&st, &fields).await,
        "media_publish" => publish(&st, &fields).await,
        _ => no_such("post", &format!("{node}/{edge}")),
    }
}

async fn make_container(st: &St, f: &HashMap<String, String>) -> Response {
    let caption = f.get("caption").cloned().unwrap_or_default();
    if caption.encode_utf16().count() > CAPTION_MAX {
        return refused(
            100,
            2_207_010,
            "The caption is too long. Shorten it to 2,200 characters or fewer.",
        );
    }
    let child = f.get("is_carousel_item").is_some_and(|v| v == "true");
    let kind = f
        .get("media_type")
        .cloned()
        .unwrap_or_else(|| "IMAGE".into());
    let mut children = Vec::new();
    let (url, fetched) = match kind.as_str() {
        "IMAGE" => {
            let Some(url) = f.get("image_url") else {
                return invalid("(#100) The parameter image_url is required");
            };
            match fetch(url).await {
                Ok(bytes) if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => (Some(url.clone()), bytes),
                Ok(_) => return refused(9004, 2_207_083, "Only JPEG images are supported"),
                Err(_) => {
                    return refused(
                        9004,
                        2_207_052,
                        "The media could not be fetched from this URI",
                    );
                }
            }
        }
        "REELS" | "VIDEO" if (kind == "VIDEO") == child => {
            let Some(url) = f.get("video_url") else {
                return invalid("(#100) The parameter video_url is required");
            };
            match fetch(url).await {
                Ok(bytes) => (Some(url.clone()), bytes),
                Err(_) => {
                    return refused(
                        9004,
                        2_207_052,
                        "The media could not be fetched from this URI",
                    );
                }
            }
        }
        "CAROUSEL" if !child => {
            children = f
                .get("children")
                .map(|c| c.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            if !(2..=10).contains(&children.len()) {
                return invalid("(#100) A carousel takes 2 to 10 children");
            }
            let now = st.now();
            let inner = st.inner();
            let usable = children.iter().all(|c| {
                inner.containers.get(c).is_some_and(|k| {
                    k.child && !k.used && status_of(k, inner.ready_after, now) == "FINISHED"
                })
            });
            if !usable {
                return invalid(
                    "(#100) Each child must be a finished container made with is_carousel_item=true, used once",
                );
            }
            (None, Vec::new())
        }
        _ => return invalid(&format!("(#100) Unsupported media_type {kind}")),
    };
    if !caption.is_empty() && child {
        return invalid("(#100) A carousel item takes no caption");
    }
    let fault = st.inner().container_faults.pop_front();
    let id = st.id();
    let made = st.now();
    {
        let mut inner = st.inner();
        for c in &children {
            inner.containers.get_mut(c).unwrap().used = true;
        }
        inner.containers.insert(
            id.clone(),
            Container {
                id: id.clone(),
                caption,
                kind,
                child,
                children,
                alt: f.get("alt_text").cloned(),
                fetched,
                url,
                made,
                reads: 0,
                published: None,
                used: false,
            },
        );
    }
    let ok = axum::Json(json!({ "id": id })).into_response();
    match fault {
        Some(b) => b.after_work(&st.control, ok, fail).await,
        None => ok,
    }
}

fn status_of(c: &Container, ready_after: u32, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    if c.published.is_some() {
        "PUBLISHED"
    } else if now - c.made >= chrono::Duration::hours(24) {
        "EXPIRED"
    } else if c.reads < ready_after && c.kind != "CAROUSEL" {
        "IN_PROGRESS"
    } else {
        "FINISHED"
    }
}

async fn publish(st: &St, f: &HashMap<String, String>) -> Response {
    let Some(id) = f.get("creation_id").cloned() else {
        return invalid("(#100) The parameter creation_id is required");
    };
    let now = st.now();
    let container = st.inner().containers.get(&id).cloned();
    let Some(container) = container else {
        return refused(
            24,
            2_207_008,
            "The media builder with creation_id does not exist or has expired",
        );
    };
    let behaviour = st.control.create_request(&container.caption);
    match behaviour {
        Behaviour::Unauthorized => return bad_token(),
        Behaviour::Invalid => return invalid("(#100) Invalid parameter"),
        _ => {}
    }
    if let Some(r) = behaviour.refusal(crate::support::facebook::errors::refuse) {
        return r;
    }
    let (status, early) = {
        let mut inner = st.inner();
        let status = status_of(&container, inner.ready_after, now);
        let early = inner.early > 0 && status == "FINISHED";
        if early {
            inner.early -= 1;
        }
        (status, early)
    };
    match status {
        "PUBLISHED" => return invalid("(#100) The media container has already been published"),
        "EXPIRED" => {
            return refused(
                24,
                2_207_008,
                "The media builder with creation_id does not exist or has expired",
            );
        }
        _ if container.child => {
            return invalid("(#100) A carousel item cannot be published on its own");
        }
        "IN_PROGRESS" => return refused(9007, 2_207_027, "Media ID is not available"),
        _ if early => return refused(9007, 2_207_027, "Media ID is not available"),
        _ => {}
    }
    let day_ago = now - chrono::Duration::hours(24);
    if st
        .inner()
        .publishes
        .iter()
        .filter(|t| **t > day_ago)
        .count()
        >= 50
    {
        return refused(
            9,
            2_207_042,
            "You reached maximum number of posts that is allowed to be published by Content Publishing API.",
        );
    }
    let _awake = behaviour.before_work(&st.control).await;
    let media = st.id();
    {
        let mut inner = st.inner();
        inner.publishes.push(now);
        inner.containers.get_mut(&id).unwrap().published = Some(media.clone());
        let code: String = media.chars().rev().take(11).collect();
        let post = json!({
            "id": media,
            "caption": container.caption,
            "timestamp": time(now),
            "media_type": if container.kind == "REELS" { "VIDEO" } else if container.kind == "CAROUSEL" { "CAROUSEL_ALBUM" } else { "IMAGE" },
            "permalink": format!("https://www.instagram.com/p/{code}/"),
            "username": USERNAME,
            "like_count": 0,
            "comments_count": 0,
        });
        inner.media.insert(media.clone(), post);
    }
    st.control.created(&container.caption);
    let ok = axum::Json(json!({ "id": media })).into_response();
    behaviour.after_work(&st.control, ok, fail).await
}

/// `GET /{user}/media`, `/{user}/content_publishing_limit`, `/{media}/insights`.
pub(super) async fn list(
    State(st): State<St>,
    Path((version, node, edge)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    if let Some(r) = gate(&version, &headers) {
        return r;
    }
    let now = st.now();
    let inner = st.inner();
    match edge.as_str() {
        "media" if node == USER_ID => {
            let limit = query
                .get("limit")
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(25)
                .clamp(1, 100);

            let mut data = Vec::new();
            for m in inner.media.values().rev().take(limit) {
                match fields_of(m, &query, MEDIA_FIELDS, "IGMedia") {
                    Ok(v) => data.push(v),
                    Err(r) => return *r,
                }
            }
            axum::Json(json!({ "data": data, "paging": {} })).into_response()
        }
        "content_publishing_limit" if node == USER_ID => {
            let day_ago = now - chrono::Duration::hours(24);
            let used = inner.publishes.iter().filter(|t| **t > day_ago).count();
            axum::Json(json!({"data": [{"quota_usage": used, "config": {"quota_total": 50, "quota_duration": 86400}}]}))
                .into_response()
        }
        "insights" => {
            let Some(m) = inner.media.get(&node) else {
                return no_such("get", &node);
            };
            let metrics = query.get("metric").cloned().unwrap_or_default();
            let mut data = Vec::new();
            for name in metrics.split(',') {
                if !["views", "reach", "saved", "shares", "likes", "comments"].contains(&name) {
                    return invalid(&format!(
                        "(#100) metric[0] must be one of the following values: views, reach, saved, shares, likes, comments; not {name}"
                    ));
                }
                let value = m["x_insights"][name].as_u64().unwrap_or(0);
                data.push(json!({"name": name, "period": "lifetime", "values": [{"value": value}], "id": format!("{node}/insights/{name}/lifetime")}));
            }
            axum::Json(json!({ "data": data })).into_response()
        }
        _ => no_such("get", &format!("{node}/{edge}")),
    }
}

/// `GET /me`, `GET /{user}`, `GET /{container}`, `GET /{media}`.
pub(super) async fn node(
    State(st): State<St>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    if let Some(r) = gate(&version, &headers) {
        return r;
    }
    let now = st.now();
    if node == "me" || node == USER_ID {
        let me = json!({"id": USER_ID, "user_id": USER_ID, "username": USERNAME});
        return pick(&me, &query, &["id", "user_id", "username"], "IGUser");
    }
    let mut inner = st.inner();
    let ready_after = inner.ready_after;
    if let Some(c) = inner.containers.get_mut(&node) {
        let status = status_of(c, ready_after, now);
        c.reads += 1;
        let object = json!({"id": node, "status_code": status, "status": status});
        return pick(
            &object,
            &query,
            &["id", "status_code", "status"],
            "IGContainer",
        );
    }
    match inner.media.get(&node) {
        Some(m) => pick(m, &query, MEDIA_FIELDS, "IGMedia"),
        None => no_such("get", &node),
    }
}
