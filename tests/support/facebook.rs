//! A Facebook Page on the Graph API as PLATFORMS.md §7 and addendum D
//! document it: every call needs the Page token (`Authorization: Bearer`,
//! or an `access_token` parameter) and a `vMAJOR.MINOR` version in its path;
//! refusals come in the error envelope `{"error": {message, type, code,
//! error_subcode, fbtrace_id}}` (190 for a bad token, 100 for bad input,
//! 100/33 for an object that does not exist); every answer carries the usage
//! headers (`X-App-Usage`, `X-Business-Use-Case-Usage`).
//!
//! - `POST /{page}/feed` (form or JSON: `message`, `link`,
//!   `attached_media[n]`) returns `{"id": "PAGE_POST"}`; nothing stops a
//!   second copy of the same message (retries have made one copy each).
//! - `POST /{page}/photos` (multipart `source`, `published`,
//!   `alt_text_custom`): an unpublished photo shows nowhere until a post
//!   attaches it, and can be attached once; a published one is a post.
//! - `POST /{post}/comments`, `GET /{page}/feed` (newest first, `fields`,
//!   `since`, `limit`), `GET /{post}/comments` (`order`), `GET /{id}`,
//!   `DELETE /{id}` (a post takes its comments with it).
//! - `Graph` scripts what the shared `Behaviour` cannot: Graph's own
//!   throttling (HTTP 400, codes 4/17/32/613, the wait in the usage headers,
//!   in minutes), the 368 and 506 refusals, usage at a given level, and the
//!   fake's clock. The shared `Behaviour::RateLimited` is answered as a 429
//!   with `Retry-After` and code 4, since the shared contract speaks in
//!   seconds; `CommitThenFail(500)` is the HTTP 500 with code 2 that
//!   created the post.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Behaviour, Control, Fake, server};

pub mod errors;
use errors::{bad_token, fail, gate, invalid, no_such, refuse, scripted, usage};

pub const PAGE_ID: &str = "104857600123";
pub const PAGE_NAME: &str = "Lumen Coffee";
pub const TOKEN: &str = "EAAGfakePAGEtoken7Zq81wXkLm3";

/// A refusal scripted for the next create requests.
#[derive(Debug, Clone, Copy)]
enum Scripted {
    /// Graph throttling with this code; usage headers say `minutes`.
    Throttle { code: i64, minutes: u64 },
    /// 368 or 506.
    Refuse(i64),
}

struct Photo {
    alt: Option<String>,
    published: bool,
    attached_to: Option<String>,
}

#[derive(Default)]
struct Inner {
    serial: u64,
    /// Live posts and comments by id, as `GET /{id}` shows them.
    posts: BTreeMap<String, Value>,
    comments: BTreeMap<String, Value>,
    photos: HashMap<String, Photo>,
    script: VecDeque<Scripted>,
    /// Photo uploads to keep, then answer with HTTP 500 code 2.
    failing_uploads: usize,
    /// The usage headers' figures on every answer: percent, minutes.
    usage: (u64, u64),
    /// How far the fake's clock is from the shared control's.
    shift: chrono::Duration,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
}

impl St {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    fn now(&self) -> DateTime<Utc> {
        self.control.now() + self.inner().shift
    }

    fn id(&self) -> u64 {
        let mut inner = self.inner();
        inner.serial += 1;
        1_000_000_000_000 + inner.serial
    }
}

/// A handle on the Page's state, for what the shared `Fake` cannot say.
#[derive(Clone)]
pub struct Graph {
    st: St,
}

impl Graph {
    /// People answered the post `id`: its reactions, comments and shares,
    /// as `fields=reactions.summary(total_count),…,shares` reports them.
    pub fn engage(&self, id: &str, reactions: u64, comments: u64, shares: u64) {
        let mut inner = self.st.inner();
        let post = inner.posts.get_mut(id).expect("no such post");
        post["x_engagement"] = json!([reactions, comments, shares]);
    }

    /// The ids of the Page's posts.
    pub fn post_ids(&self) -> Vec<String> {
        self.st.inner().posts.keys().cloned().collect()
    }

    /// The next `times` create requests are throttled as the Graph does it:
    /// HTTP 400 with `code` (4 app, 32 or 80001 Page, 17 user, 613 calls),
    /// usage at 100% and `estimated_time_to_regain_access: minutes`.
    pub fn throttle(&self, code: i64, minutes: u64, times: usize) {
        let mut inner = self.st.inner();
        inner.script.extend(std::iter::repeat_n(
            Scripted::Throttle { code, minutes },
            times,
        ));
    }

    /// The next create request is refused with `code` (368 "already
    /// posted", 506 "duplicate"), and nothing is made.
    pub fn refuse_next(&self, code: i64) {
        self.st.inner().script.push_back(Scripted::Refuse(code));
    }

    /// Every answer from now on reports this usage (percent of the app's
    /// and the Page's budget) and wait (minutes).
    pub fn set_usage(&self, percent: u64, minutes: u64) {
        self.st.inner().usage = (percent, minutes);
    }

    /// Set the Page's clock to `at` (it goes on from there).
    pub fn set_clock(&self, at: DateTime<Utc>) {
        let shift = at - self.st.control.now();
        self.st.inner().shift = shift;
    }

    /// The photos uploaded: (alt text, published, the post it is attached to).
    pub fn photos(&self) -> Vec<(Option<String>, bool, Option<String>)> {
        let inner = self.st.inner();
        inner
            .photos
            .values()
            .map(|p| (p.alt.clone(), p.published, p.attached_to.clone()))
            .collect()
    }

    /// The next `times` photo uploads are kept, then answered with an
    /// HTTP 500 with code 2.
    pub fn fail_uploads(&self, times: usize) {
        self.st.inner().failing_uploads = times;
    }

    /// Someone else posts `text` on the Page (a visitor post, in its feed).
    pub fn visitor_post(&self, text: &str) {
        let id = format!("{PAGE_ID}_{}", self.st.id());
        let post = json!({"id": id, "message": text, "created_time": time(self.st.now()),
            "from": {"id": "100000000000555", "name": "A visitor"}});
        self.st.inner().posts.insert(id, post);
    }

    /// Live comments, oldest first.
    pub fn comments(&self) -> Vec<Value> {
        self.st.inner().comments.values().cloned().collect()
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// Form or JSON fields of a request body.
#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Fields {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        if !json {
            return Fields(url::form_urlencoded::parse(body).into_owned().collect());
        }
        let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let mut out = Vec::new();
        for (k, v) in value.as_object().into_iter().flatten() {
            match v {
                Value::Array(items) => {
                    for (n, item) in items.iter().enumerate() {
                        out.push((format!("{k}[{n}]"), item.to_string()));
                    }
                }
                Value::String(s) => out.push((k.clone(), s.clone())),
                other => out.push((k.clone(), other.to_string())),
            }
        }
        Fields(out)
    }

    fn get(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }
}

type Params = Query<HashMap<String, String>>;

/// `POST /{version}/{node}/{edge}`: feed, photos, comments.
async fn create(
    State(st): State<St>,
    Path((version, node, edge)): Path<(String, String, String)>,
    Query(query): Params,
    req: Request,
) -> Response {
    if edge == "photos" && node == PAGE_ID {
        return upload(&st, &version, &query, req).await;
    }
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let form = Fields::parse(&headers, &body);
    if let Some(refused) = gate(&version, &headers, &query, &form) {
        return refused;
    }
    let text = form.get("message").unwrap_or_default();
    match edge.as_str() {
        "feed" if node == PAGE_ID => {}
        "comments" if st.inner().posts.contains_key(&node) => {}
        _ => return no_such("post", &node),
    }
    let behaviour = st.control.create_request(&text);
    match behaviour {
        Behaviour::Unauthorized => return bad_token(),
        Behaviour::Invalid => return invalid("(#100) Invalid parameter"),
        _ => {}
    }
    if let Some(r) = behaviour.refusal(refuse).or_else(|| scripted(&st)) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    let made = if edge == "feed" {
        make_post(&st, &form, &text)
    } else {
        make_comment(&st, &node, &text)
    };
    match made {
        Ok(id) => {
            st.control.created(&text);
            let ok = axum::Json(json!({ "id": id })).into_response();
            behaviour.after_work(&st.control, ok, fail).await
        }
        Err(r) => *r,
    }
}

fn make_post(st: &St, form: &Fields, text: &str) -> Result<String, Box<Response>> {
    let mut media = Vec::new();
    for n in 0.. {
        let Some(item) = form.get(&format!("attached_media[{n}]")) else {
            break;
        };
        let fbid = serde_json::from_str::<Value>(&item).ok().and_then(|v| {
            v["media_fbid"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| v["media_fbid"].as_u64().map(|n| n.to_string()))
        });
        let usable = fbid.as_ref().is_some_and(|id| {
            st.inner()
                .photos
                .get(id)
                .is_some_and(|p| !p.published && p.attached_to.is_none())
        });
        match fbid {
            Some(id) if usable => media.push(id),
            _ => {
                return Err(Box::new(invalid(&format!(
                    "(#100) param attached_media[{n}] has invalid media_fbid: a photo can be attached once, unpublished"
                ))));
            }
        }
    }
    if text.trim().is_empty() && media.is_empty() && form.get("link").is_none() {
        return Err(Box::new(invalid("(#100) Missing message or attachment")));
    }
    let id = format!("{PAGE_ID}_{}", st.id());
    let now = st.now();
    let mut inner = st.inner();
    for photo in &media {
        inner.photos.get_mut(photo).unwrap().attached_to = Some(id.clone());
    }
    let post_number = id.split_once('_').unwrap().1;
    let mut post = json!({
        "id": id,
        "created_time": time(now),
        "from": {"id": PAGE_ID, "name": PAGE_NAME},
        "permalink_url": format!("https://www.facebook.com/{PAGE_ID}/posts/{post_number}"),
        "attached_media": media,
    });
    if !text.is_empty() {
        post["message"] = text.into();
    }
    if let Some(link) = form.get("link") {
        post["link"] = link.into();
    }
    inner.posts.insert(id.clone(), post);
    Ok(id)
}

fn make_comment(st: &St, post: &str, text: &str) -> Result<String, Box<Response>> {
    if text.trim().is_empty() {
        return Err(Box::new(invalid("(#100) Missing message or attachment")));
    }
    let post_number = post.split_once('_').map_or(post, |(_, n)| n);
    let id = format!("{post_number}_{}", st.id());
    let comment = json!({
        "id": id,
        "message": text,
        "created_time": time(st.now()),
        "from": {"id": PAGE_ID, "name": PAGE_NAME},
        "post": post,
    });
    st.inner().comments.insert(id.clone(), comment);
    Ok(id)
}

/// `POST /{page}/photos`: multipart `source`, `published`, `alt_text_custom`.
async fn upload(st: &St, version: &str, query: &HashMap<String, String>, req: Request) -> Response {
    let headers = req.headers().clone();
    let Ok(mut multipart) = Multipart::from_request(req, &()).await else {
        return invalid("(#324) Requires upload file");
    };
    let (mut fields, mut source) = (Fields::default(), None);
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        if name == "source" {
            let kind = field.content_type().unwrap_or("").to_owned();
            source = Some((kind, field.bytes().await.map(|b| b.len()).unwrap_or(0)));
        } else {
            fields
                .0
                .push((name, field.text().await.unwrap_or_default()));
        }
    }
    if let Some(refused) = gate(version, &headers, query, &fields) {
        return refused;
    }
    match source {
        Some((kind, size)) if kind.starts_with("image/") && size > 0 => {}
        _ => return invalid("(#324) Requires upload file"),
    }
    let published = fields.get("published").is_none_or(|p| p != "false");
    let id = st.id().to_string();
    st.inner().photos.insert(
        id.clone(),
        Photo {
            alt: fields.get("alt_text_custom"),
            published,
            attached_to: None,
        },
    );
    let failing = {
        let mut inner = st.inner();
        let failing = inner.failing_uploads > 0;
        inner.failing_uploads = inner.failing_uploads.saturating_sub(1);
        failing
    };
    if failing {
        return fail(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    if published {
        // Published at once: a post of its own on the Page.
        let post = format!("{PAGE_ID}_{}", st.id());
        let body = json!({"id": post, "created_time": time(st.now()),
            "from": {"id": PAGE_ID, "name": PAGE_NAME}, "attached_media": [id]});
        st.inner().posts.insert(post.clone(), body);
        return axum::Json(json!({"id": id, "post_id": post})).into_response();
    }
    axum::Json(json!({ "id": id })).into_response()
}

/// The requested `fields` of an object (`default` when none are named).
fn pick(object: &Value, query: &HashMap<String, String>, default: &str) -> Value {
    let fields = query.get("fields").map_or(default, String::as_str);
    let mut out = serde_json::Map::new();
    for field in fields.split(',').map(str::trim) {
        if let Some(v) = object.get(field) {
            out.insert(field.to_owned(), v.clone());
        }
    }
    out.insert("id".into(), object["id"].clone());
    Value::Object(out)
}

/// `GET /{version}/{node}/{edge}`: the feed, or a post's comments.
async fn list(
    State(st): State<St>,
    Path((version, node, edge)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    if let Some(refused) = gate(&version, &headers, &query, &Fields::default()) {
        return refused;
    }
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let inner = st.inner();
    let mut items: Vec<Value> = match edge.as_str() {
        "feed" if node == PAGE_ID => {
            let since = query.get("since").and_then(|s| s.parse::<i64>().ok());
            let mut posts: Vec<Value> = inner
                .posts
                .values()
                .filter(|p| since.is_none_or(|s| created(p) >= s))
                .cloned()
                .collect();
            posts.reverse();
            posts
        }
        "comments" if inner.posts.contains_key(&node) => {
            let mut comments: Vec<Value> = inner
                .comments
                .values()
                .filter(|c| c["post"] == node.as_str())
                .cloned()
                .collect();
            if query.get("order").map(String::as_str) == Some("reverse_chronological") {
                comments.reverse();
            }
            comments
        }
        _ => return no_such("get", &node),
    };
    items.truncate(limit);
    let data: Vec<Value> = items
        .iter()
        .map(|i| pick(i, &query, "created_time,message,id"))
        .collect();
    axum::Json(json!({ "data": data, "paging": {} })).into_response()
}

/// Seconds since the epoch of an object's `created_time`.
fn created(object: &Value) -> i64 {
    DateTime::parse_from_str(
        object["created_time"].as_str().unwrap_or(""),
        "%Y-%m-%dT%H:%M:%S%z",
    )
    .map_or(0, |t| t.timestamp())
}

/// `GET /{version}/{node}` and `DELETE /{version}/{node}`.
async fn node(
    State(st): State<St>,
    Path((version, node)): Path<(String, String)>,
    method: axum::http::Method,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    if let Some(refused) = gate(&version, &headers, &query, &Fields::default()) {
        return refused;
    }
    let mut inner = st.inner();
    if method == axum::http::Method::DELETE {
        if inner.posts.remove(&node).is_some() {
            inner.comments.retain(|_, c| c["post"] != node.as_str());
        } else if inner.comments.remove(&node).is_none() {
            return no_such("delete", &node);
        }
        return axum::Json(json!({"success": true})).into_response();
    }
    if node == PAGE_ID {
        let page = json!({"id": PAGE_ID, "name": PAGE_NAME});
        return axum::Json(pick(&page, &query, "name,id")).into_response();
    }
    let summary = query
        .get("fields")
        .is_some_and(|f| f.contains("reactions.summary(total_count)"));
    match inner.posts.get(&node).or_else(|| inner.comments.get(&node)) {
        Some(object) if summary => {
            let counts = object["x_engagement"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let n = |i: usize| counts.get(i).and_then(Value::as_u64).unwrap_or(0);
            let mut out = json!({
                "id": object["id"],
                "reactions": {"data": [], "summary": {"total_count": n(0), "viewer_reaction": "NONE"}},
                "comments": {"data": [], "summary": {"order": "ranked", "total_count": n(1), "can_comment": true}},
            });
            if n(2) > 0 {
                out["shares"] = json!({"count": n(2)});
            }
            axum::Json(out).into_response()
        }
        Some(object) => axum::Json(pick(object, &query, "created_time,message,id")).into_response(),
        None => no_such("get", &node),
    }
}

/// Start a fake Page.
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour).0
}

/// Start a fake Page, with a handle on its state.
pub fn start_with(behaviour: Behaviour) -> (Fake, Graph) {
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: Arc::new(Mutex::new(Inner {
            usage: (2, 0),
            ..Inner::default()
        })),
    };
    let router = Router::new()
        .route("/{version}/{node}/{edge}", get(list).post(create))
        .route("/{version}/{node}", get(node).delete(node))
        .layer(middleware::from_fn_with_state(st.clone(), usage))
        .with_state(st.clone());
    let (server, log) = server::start(router);
    let inner = st.inner.clone();
    let fake = Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "page_id: \"{PAGE_ID}\"\n    page_token: env:FAKE_FACEBOOK_TOKEN\n    api_base: {}",
            server.base
        ),
        env: [("FAKE_FACEBOOK_TOKEN".to_owned(), TOKEN.to_owned())].into(),
        secrets: vec![TOKEN.to_owned()],
        log,
        posts: Arc::new(move || {
            let inner = inner.lock().unwrap();
            inner
                .posts
                .values()
                .chain(inner.comments.values())
                .cloned()
                .collect()
        }),
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    };
    (fake, Graph { st })
}
