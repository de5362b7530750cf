//! The Threads API's endpoints, strict about fields, states and quotas.

// A refusal is the response a handler returns: kept as it is, not boxed.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Container, Post, St, TOKEN, USER_ID, USERNAME};
use crate::support::Behaviour;
use crate::support::facebook::errors::{fail, graph_error, invalid, no_such, refuse};

type Params = Query<HashMap<String, String>>;

const CREATE_FIELDS: &[&str] = &[
    "media_type",
    "text",
    "image_url",
    "video_url",
    "is_carousel_item",
    "children",
    "reply_to_id",
    "reply_control",
    "alt_text",
    "link_attachment",
    "quote_post_id",
    "auto_publish_text",
    "access_token",
];

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

fn bad_token() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        190,
        None,
        "Error validating access token: Session has expired or the token is invalid.",
    )
}

/// `v1.0` and the token (header or `access_token`), or the refusal.
fn gate(
    st: &St,
    version: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Option<Response> {
    if version != "v1.0" {
        return Some(invalid("Unknown path components"));
    }
    let header = headers.get("authorization").and_then(|v| v.to_str().ok());
    let bearer = header.and_then(|h| h.strip_prefix("Bearer "));
    let given = bearer.or(params.get("access_token").map(String::as_str));
    // Tokens the token endpoints issued (and that have not run out) work too.
    let issued = |t: &str| st.tokens.as_ref().is_some_and(|k| k.is_live(t));
    (given != Some(TOKEN) && !given.is_some_and(issued)).then(bad_token)
}

/// The `fields` asked for, each one of `known`, or the Graph's refusal.
fn fields<'a>(
    params: &'a HashMap<String, String>,
    known: &[&str],
) -> Result<Vec<&'a str>, Response> {
    let asked: Vec<&str> = params
        .get("fields")
        .map_or(vec![], |f| f.split(',').map(str::trim).collect());
    match asked.iter().find(|f| !known.contains(f)) {
        Some(f) => Err(invalid(&format!(
            "(#100) Tried accessing nonexisting field ({f})"
        ))),
        None => Ok(asked),
    }
}

fn is_user(node: &str) -> bool {
    node == USER_ID || node == "me"
}

fn status(st: &St, c: &Container) -> &'static str {
    if c.published.is_some() {
        "PUBLISHED"
    } else if st.now() - c.made >= chrono::Duration::hours(24) {
        "EXPIRED"
    } else if c.reads >= st.inner().ready_after {
        "FINISHED"
    } else {
        "IN_PROGRESS"
    }
}

fn post_json(p: &Post, asked: &[&str]) -> Value {
    let mut out = json!({"id": p.id});
    for f in asked {
        let v = match *f {
            "text" => json!(p.text),
            "timestamp" => json!(time(p.at)),
            "permalink" => json!(format!(
                "https://www.threads.net/@{USERNAME}/post/C{}",
                &p.id[p.id.len() - 6..]
            )),
            "media_type" => json!(p.media_type),
            "username" => json!(USERNAME),
            "is_reply" => json!(p.reply_to.is_some()),
            _ => continue,
        };
        out[*f] = v;
    }
    out
}

/// `GET /{id}`: `me`, a container's status, or a post.
pub(super) async fn read(
    State(st): State<St>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    if let Some(r) = gate(&st, &version, &headers, &params) {
        return r;
    }
    if node == "me" {
        return match fields(&params, &["id", "username", "name"]) {
            Ok(_) => axum::Json(json!({"id": USER_ID, "username": USERNAME})).into_response(),
            Err(r) => r,
        };
    }
    if st.inner().containers.contains_key(&node) {
        if let Err(r) = fields(&params, &["id", "status", "error_message"]) {
            return r;
        }
        let c = {
            let mut inner = st.inner();
            let c = inner.containers.get_mut(&node).unwrap();
            c.reads = c.reads.saturating_add(1);
            c.clone()
        };
        return axum::Json(json!({"id": node, "status": status(&st, &c)})).into_response();
    }
    let post = st.inner().posts.get(&node).cloned();
    match post {
        Some(p) => match fields(
            &params,
            &[
                "id",
                "text",
                "timestamp",
                "permalink",
                "media_type",
                "username",
                "is_reply",
            ],
        ) {
            Ok(asked) => axum::Json(post_json(&p, &asked)).into_response(),
            Err(r) => r,
        },
        None => no_such("GET", &node),
    }
}

/// `DELETE /{media}`.
pub(super) async fn delete(
    State(st): State<St>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    if let Some(r) = gate(&st, &version, &headers, &params) {
        return r;
    }
    match st.inner().posts.remove(&node) {
        Some(_) => axum::Json(json!({"success": true, "deleted_id": node})).into_response(),
        None => no_such("DELETE", &node),
    }
}

/// `GET /{user}/threads|replies|threads_publishing_limit`, `GET /{media}/insights`.
pub(super) async fn list(
    State(st): State<St>,
    Path((version, node, edge)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    if let Some(r) = gate(&st, &version, &headers, &params) {
        return r;
    }
    if edge == "insights" {
        return insights(&st, &node, &params);
    }
    if !is_user(&node) {
        return no_such("GET", &node);
    }
    if edge == "threads_publishing_limit" {
        let known = [
            "quota_usage",
            "config",
            "reply_quota_usage",
            "reply_config",
            "delete_quota_usage",
            "delete_config",
        ];
        if let Err(r) = fields(&params, &known) {
            return r;
        }
        let (posts, replies) = used(&st);
        return axum::Json(json!({"data": [{
            "quota_usage": posts, "config": {"quota_total": 250, "quota_duration": 86400},
            "reply_quota_usage": replies, "reply_config": {"quota_total": 1000, "quota_duration": 86400},
        }]}))
        .into_response();
    }
    let replies = match edge.as_str() {
        "threads" => false,
        "replies" => true,
        _ => return no_such("GET", &edge),
    };
    let asked = match fields(
        &params,
        &[
            "id",
            "text",
            "timestamp",
            "permalink",
            "media_type",
            "username",
            "is_reply",
        ],
    ) {
        Ok(asked) => asked,
        Err(r) => return r,
    };
    let limit: usize = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25);
    if limit > 100 {
        return invalid("(#100) The parameter limit must be at most 100");
    }
    let since = params
        .get("since")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let mut posts: Vec<Post> = st
        .inner()
        .posts
        .values()
        .filter(|p| p.reply_to.is_some() == replies && p.at.timestamp() >= since)
        .cloned()
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse((p.at, p.id.clone())));
    let data: Vec<Value> = posts
        .iter()
        .take(limit)
        .map(|p| post_json(p, &asked))
        .collect();
    axum::Json(json!({"data": data})).into_response()
}

/// Posts and replies published in the last 24 h (deleted ones count).
fn used(st: &St) -> (usize, usize) {
    let since = st.now() - chrono::Duration::hours(24);
    let inner = st.inner();
    let recent = inner.published.iter().filter(|(at, _)| *at > since);
    let replies = recent.clone().filter(|(_, reply)| *reply).count();
    (recent.count() - replies, replies)
}

fn insights(st: &St, node: &str, params: &HashMap<String, String>) -> Response {
    let Some(post) = st.inner().posts.get(node).cloned() else {
        return no_such("GET", node);
    };
    let names = ["likes", "replies", "reposts", "quotes", "views"];
    let mut data = Vec::new();
    for metric in params.get("metric").map_or("", String::as_str).split(',') {
        let Some(i) = names.iter().position(|n| *n == metric) else {
            return invalid(&format!(
                "(#100) metric[0] must be one of the following values: views, likes, replies, reposts, quotes, shares; got {metric}"
            ));
        };
        data.push(
            json!({"name": metric, "period": "lifetime", "values": [{"value": post.insights[i]}],
            "title": metric, "id": format!("{node}/insights/{metric}/lifetime")}),
        );
    }
    axum::Json(json!({"data": data})).into_response()
}

/// `POST /{user}/threads` and `POST /{user}/threads_publish`.
pub(super) async fn create_or_publish(
    State(st): State<St>,
    Path((version, node, edge)): Path<(String, String, String)>,
    Query(params): Params,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let mut form: HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    form.extend(params);
    if let Some(r) = gate(&st, &version, &headers, &form) {
        return r;
    }
    if !is_user(&node) {
        return no_such("POST", &node);
    }
    match edge.as_str() {
        "threads" => super::handlers::create(st, form).await,
        "threads_publish" => publish(st, form).await,
        _ => no_such("POST", &edge),
    }
}

async fn create(st: St, form: HashMap<String, String>) -> Response {
    if let Some(k) = form.keys().find(|k| !CREATE_FIELDS.contains(&k.as_str())) {
        return invalid(&format!("(#100) Param {k} is not valid"));
    }
    let text = form.get("text").cloned().unwrap_or_default();
    let container = match container(&st, &form, &text).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let behaviour = st.control.create_request(&text);
    match behaviour {
        Behaviour::Unauthorized => return bad_token(),
        Behaviour::Invalid => return invalid("(#100) Invalid parameter"),
        _ => {}
    }
    if let Some(r) = behaviour.refusal(refuse) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    let auto = form.get("auto_publish_text").is_some_and(|v| v == "true");
    let id = st.id();
    st.inner().containers.insert(id.clone(), container);
    let answer = if auto {
        // Published at once, when the container is TEXT.
        if form.get("media_type").map(String::as_str) != Some("TEXT") {
            return invalid("(#100) auto_publish_text is only for media_type=TEXT");
        }
        st.inner().containers.get_mut(&id).unwrap().reads = u32::MAX;
        match publish_container(&st, &id) {
            Ok(media) => media,
            Err(r) => return r,
        }
    } else {
        id
    };
    let ok = axum::Json(json!({"id": answer})).into_response();
    behaviour.after_work(&st.control, ok, fail).await
}

/// A container from the create request's fields, its media fetched.
async fn container(
    st: &St,
    form: &HashMap<String, String>,
    text: &str,
) -> Result<Container, Response> {
    let get = |k: &str| form.get(k).cloned();
    let media_type = get("media_type").unwrap_or_default();
    let carousel_item = get("is_carousel_item").is_some_and(|v| v == "true");
    let alt = get("alt_text");
    let length = postcal::platform::count_text(
        postcal::platform::Platform::Threads,
        text,
        None,
        None,
        false,
    );
    if length.is_over() {
        return Err(invalid("(#100) The text is longer than 500 characters"));
    }
    if alt.as_ref().is_some_and(|a| a.chars().count() > 1000) {
        return Err(invalid("(#100) alt_text must be at most 1000 characters"));
    }
    if let Some(parent) = get("reply_to_id")
        && !st.inner().posts.contains_key(&parent)
    {
        return Err(invalid(&format!(
            "(#100) Param reply_to_id {parent} is not a post you can reply to"
        )));
    }
    let mut c = Container {
        media_type: media_type.clone(),
        text: text.to_owned(),
        alt: alt.clone(),
        fetched: None,
        url: None,
        children: Vec::new(),
        carousel_item,
        reply_to: get("reply_to_id"),
        made: st.now(),
        reads: 0,
        published: None,
    };
    match media_type.as_str() {
        "TEXT" if text.is_empty() => {
            return Err(invalid(
                "(#100) The parameter text is required for media_type=TEXT",
            ));
        }
        "TEXT" | "CAROUSEL" if alt.is_some() => {
            return Err(invalid(
                "(#100) alt_text is only supported on IMAGE and VIDEO containers",
            ));
        }
        "TEXT" if carousel_item => {
            return Err(invalid("(#100) A TEXT container cannot be a carousel item"));
        }
        "TEXT" => {}
        "IMAGE" | "VIDEO" => {
            let field = if media_type == "IMAGE" {
                "image_url"
            } else {
                "video_url"
            };
            let Some(url) = get(field) else {
                return Err(invalid(&format!(
                    "(#100) The parameter {field} is required"
                )));
            };
            c.fetched = Some(fetch(&url, &media_type).await?);
            c.url = Some(url);
        }
        "CAROUSEL" => {
            let children: Vec<String> = get("children")
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if !(2..=20).contains(&children.len()) {
                return Err(invalid("(#100) A carousel takes 2 to 20 children"));
            }
            for child in &children {
                let child_container = st.inner().containers.get(child).cloned();
                let ok = child_container
                    .is_some_and(|ch| ch.carousel_item && status(st, &ch) == "FINISHED");
                if !ok {
                    return Err(invalid(&format!(
                        "(#100) Child {child} is not a finished carousel item"
                    )));
                }
            }
            c.children = children;
        }
        _ => {
            return Err(invalid(
                "(#100) Param media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL",
            ));
        }
    }
    Ok(c)
}

/// What Meta does with `image_url`: fetch it (and read it as an image).
async fn fetch(url: &str, media_type: &str) -> Result<Vec<u8>, Response> {
    let owned = url.to_owned();
    let got = tokio::task::spawn_blocking(move || {
        let response = reqwest::blocking::Client::new()
            .get(&owned)
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .ok()?;
        response
            .status()
            .is_success()
            .then(|| response.bytes().ok().map(|b| b.to_vec()))?
    })
    .await
    .ok()
    .flatten();
    let usable = got.as_ref().is_some_and(|b| match media_type {
        "IMAGE" => b.starts_with(&[0xFF, 0xD8, 0xFF]) || b.starts_with(b"\x89PNG"),
        _ => b.len() > 8 && &b[4..8] == b"ftyp",
    });
    match got {
        Some(bytes) if usable => Ok(bytes),
        _ => Err(graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(2_207_052),
            &format!("The media could not be fetched from this URI: {url}"),
        )),
    }
}

async fn publish(st: St, form: HashMap<String, String>) -> Response {
    let Some(id) = form.get("creation_id").cloned() else {
        return invalid("(#100) The parameter creation_id is required");
    };
    let Some(c) = st.inner().containers.get(&id).cloned() else {
        return no_such("POST", &id);
    };
    let behaviour = st.inner().publish_script.pop_front().unwrap_or_default();
    if let Some(r) = behaviour.refusal(refuse) {
        return r;
    }
    match status(&st, &c) {
        "PUBLISHED" => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                10,
                Some(4_279_012),
                "This media container has already been published",
            );
        }
        "EXPIRED" => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                24,
                Some(4_279_010),
                "The media container has expired",
            );
        }
        "IN_PROGRESS" => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                24,
                Some(4_279_009),
                "The media is not ready to be published. Please wait a moment.",
            );
        }
        _ => {}
    }
    let too_early = {
        let mut inner = st.inner();
        let early = inner.not_propagated > 0;
        inner.not_propagated = inner.not_propagated.saturating_sub(1);
        early
    };
    if too_early {
        return graph_error(
            StatusCode::BAD_REQUEST,
            24,
            Some(4_279_009),
            "The media is not ready to be published. Please wait a moment.",
        );
    }
    if c.carousel_item {
        return invalid("(#100) A carousel item is published through its carousel");
    }
    let _awake = behaviour.before_work(&st.control).await;
    match publish_container(&st, &id) {
        Ok(media) => {
            let ok = axum::Json(json!({"id": media})).into_response();
            behaviour.after_work(&st.control, ok, fail).await
        }
        Err(r) => r,
    }
}

/// The container becomes a post, within the quota.
fn publish_container(st: &St, id: &str) -> Result<String, Response> {
    let c = st.inner().containers.get(id).cloned().unwrap();
    let reply = c.reply_to.is_some();
    let (posts, replies) = used(st);
    if (!reply && posts >= 250) || (reply && replies >= 1000) {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            4,
            Some(2_207_042),
            "(#4) You have reached the maximum number of posts allowed in 24 hours",
        ));
    }
    let (media, alts) = if c.children.is_empty() {
        (c.fetched.clone().into_iter().collect(), vec![c.alt.clone()])
    } else {
        let inner = st.inner();
        let kids: Vec<&Container> = c.children.iter().map(|k| &inner.containers[k]).collect();
        (
            kids.iter().filter_map(|k| k.fetched.clone()).collect(),
            kids.iter().map(|k| k.alt.clone()).collect(),
        )
    };
    let media_id = st.id();
    let now = st.now();
    let post = Post {
        id: media_id.clone(),
        text: c.text.clone(),
        media_type: format!("{}_POST", c.media_type).replace("CAROUSEL_POST", "CAROUSEL_ALBUM"),
        reply_to: c.reply_to.clone(),
        container: Some(id.to_owned()),
        at: now,
        media,
        alts,
        insights: [0; 5],
    };
    let mut inner = st.inner();
    inner.containers.get_mut(id).unwrap().published = Some(media_id.clone());
    inner.posts.insert(media_id.clone(), post);
    inner.published.push((now, reply));
    drop(inner);
    st.control.created(&c.text);
    Ok(media_id)
}
