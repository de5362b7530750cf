//! A Bluesky PDS as PLATFORMS.md §2 documents it and the reference PDS
//! (`@atproto/pds` 0.5.35, /work/shared/peers/bluesky-pds) answers:
//! sessions (createSession counted; refreshSession; access tokens that can be
//! made to expire, answering HTTP 400 `ExpiredToken`), createRecord under a
//! chosen TID rkey (a taken key is HTTP 500 `InternalServerError`, as the
//! real server's MST error surfaces), public getRecord (`RecordNotFound` is
//! HTTP 400), idempotent deleteRecord, uploadBlob, resolveHandle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Behaviour, Control, Fake, Refusal, reason, retry_after, server};

pub const HANDLE: &str = "lumen.test";
pub const DID: &str = "did:plc:lumen7testaccount0000000";
pub const APP_PASSWORD: &str = "fake-bsky-pass-4k2q";
/// Other accounts `resolveHandle` knows.
pub const KNOWN_HANDLES: [(&str, &str); 2] = [
    ("ana.test", "did:plc:ana7testaccount000000000"),
    ("bob.example.com", "did:web:bob.example.com"),
];

const POST: &str = "app.bsky.feed.post";
const TID_ALPHABET: &str = "234567abcdefghijklmnopqrstuvwxyz";

#[derive(Default)]
struct Inner {
    serial: u64,
    logins: u32,
    refreshes: u32,
    /// access token → authenticated uses so far
    access: HashMap<String, u32>,
    expired: Vec<String>,
    refresh: Vec<String>,
    /// Each access token expires after this many uses.
    access_uses: Option<u32>,
    /// (rkey, record as `getRecord` returns it), in creation order.
    records: Vec<(String, Value)>,
    blobs: HashMap<String, (String, usize)>,
}

#[derive(Clone)]
struct St {
    control: Control,
    inner: Arc<Mutex<Inner>>,
}

/// A handle on the fake's state, for what the shared `Fake` cannot say.
#[derive(Clone)]
pub struct Pds {
    inner: Arc<Mutex<Inner>>,
}

impl Pds {
    /// createSession calls that succeeded.
    pub fn logins(&self) -> u32 {
        self.inner.lock().unwrap().logins
    }

    pub fn refreshes(&self) -> u32 {
        self.inner.lock().unwrap().refreshes
    }

    /// Every access token issued so far answers 400 `ExpiredToken` from now on.
    pub fn expire_access_tokens(&self) {
        let mut inner = self.inner.lock().unwrap();
        let tokens: Vec<String> = inner.access.drain().map(|(t, _)| t).collect();
        inner.expired.extend(tokens);
    }

    /// Each access token (including those issued later) expires after `uses`
    /// authenticated calls: the next one answers 400 `ExpiredToken`.
    pub fn expire_access_tokens_after(&self, uses: u32) {
        self.inner.lock().unwrap().access_uses = Some(uses);
    }

    /// Refresh tokens are revoked (as when the app password is): refreshing
    /// answers 400 `ExpiredToken` "Token has been revoked".
    pub fn revoke_refresh_tokens(&self) {
        self.inner.lock().unwrap().refresh.clear();
    }
}

fn xrpc_error(status: StatusCode, name: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": name, "message": message})),
    )
        .into_response()
}

fn bad_request(name: &str, message: &str) -> Response {
    xrpc_error(StatusCode::BAD_REQUEST, name, message)
}

/// An early answer from a helper (boxed: a `Response` is large).
fn refuse<T>(status: StatusCode, name: &str, message: &str) -> Result<T, Box<Response>> {
    Err(Box::new(xrpc_error(status, name, message)))
}

fn reject<T>(name: &str, message: &str) -> Result<T, Box<Response>> {
    refuse(StatusCode::BAD_REQUEST, name, message)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

/// Check the access token the way the reference PDS does: none is 401
/// `AuthMissing`; expired is 400 `ExpiredToken`; unknown is 400 `InvalidToken`.
fn authenticate(st: &St, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let Some(token) = bearer(headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "AuthMissing",
            "Authentication Required",
        );
    };
    let mut inner = st.inner.lock().unwrap();
    let limit = inner.access_uses;
    if let Some(uses) = inner.access.get_mut(&token) {
        if limit.is_some_and(|l| *uses >= l) {
            inner.access.remove(&token);
            inner.expired.push(token);
            return reject("ExpiredToken", "Token has expired");
        }
        *uses += 1;
        return Ok(());
    }
    if inner.expired.contains(&token) {
        return reject("ExpiredToken", "Token has expired");
    }
    reject("InvalidToken", "Token could not be verified")
}

/// A procedure's JSON input; anything else is 400 `InvalidRequest`.
fn json_input(headers: &HeaderMap, body: &[u8]) -> Result<Value, Box<Response>> {
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_type {
        return reject("InvalidRequest", "Wrong request encoding");
    }
    serde_json::from_slice(body).or_else(|_| reject("InvalidRequest", "Invalid JSON body"))
}

fn new_session(inner: &mut Inner) -> Value {
    inner.serial += 1;
    let n = inner.serial;
    let access = format!("eyJ.fake-access-{n}-{:x}", fastrand::u64(..));
    let refresh = format!("eyJ.fake-refresh-{n}-{:x}", fastrand::u64(..));
    inner.access.insert(access.clone(), 0);
    inner.refresh.push(refresh.clone());
    json!({
        "accessJwt": access,
        "refreshJwt": refresh,
        "handle": HANDLE,
        "did": DID,
        "email": "lumen@example.invalid",
        "emailConfirmed": false,
        "active": true,
    })
}

async fn create_session(State(st): State<St>, headers: HeaderMap, body: Bytes) -> Response {
    let input = match json_input(&headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let identifier = input["identifier"].as_str().unwrap_or("");
    let password = input["password"].as_str().unwrap_or("");
    if st.control.behaviour() == Behaviour::Unauthorized
        || !(identifier.eq_ignore_ascii_case(HANDLE) || identifier == DID)
        || password != APP_PASSWORD
    {
        return xrpc_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationRequired",
            "Invalid identifier or password",
        );
    }
    let mut inner = st.inner.lock().unwrap();
    inner.logins += 1;
    axum::Json(new_session(&mut inner)).into_response()
}

async fn refresh_session(State(st): State<St>, headers: HeaderMap) -> Response {
    let token = bearer(&headers).unwrap_or_default();
    let mut inner = st.inner.lock().unwrap();
    if !inner.refresh.contains(&token) {
        if token.contains("fake-refresh") {
            return bad_request("ExpiredToken", "Token has been revoked");
        }
        return bad_request("InvalidToken", "Token could not be verified");
    }
    // The old refresh token stays usable (the real PDS gives it a grace period).
    inner.refreshes += 1;
    axum::Json(new_session(&mut inner)).into_response()
}

async fn get_session(State(st): State<St>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return *r;
    }
    axum::Json(json!({"did": DID, "handle": HANDLE, "active": true})).into_response()
}

/// The test's behaviour for the publishing call, before any work; `None`
/// means go on.
fn misbehave(st: &St, behaviour: Behaviour, headers: &HeaderMap) -> Option<Response> {
    match behaviour {
        // A server that echoes what it was sent: nothing secret may get through.
        Behaviour::Invalid => Some(bad_request(
            "InvalidRequest",
            &format!(
                "Invalid app.bsky.feed.post record: rejected request with authorization {}",
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
            ),
        )),
        other => other.refusal(|r| refuse_with(st, r)),
    }
}

/// A refusal before any work, as the PDS (or its proxy) gives it.
fn refuse_with(st: &St, refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => {
            let now = st.control.now();
            let reset = now.timestamp() + secs as i64;
            let mut h = retry_after(secs);
            let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            h.insert("date", date.parse().unwrap());
            h.insert("ratelimit-limit", "5000".parse().unwrap());
            h.insert("ratelimit-remaining", "0".parse().unwrap());
            h.insert("ratelimit-reset", reset.to_string().parse().unwrap());
            h.insert("ratelimit-policy", "5000;w=3600".parse().unwrap());
            (
                StatusCode::TOO_MANY_REQUESTS,
                h,
                axum::Json(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
            )
                .into_response()
        }
        Refusal::Unavailable(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><body>503 Service Unavailable</body></html>",
        )
            .into_response(),
        Refusal::Unavailable(Some(secs)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            retry_after(secs),
            axum::Json(json!({"error": "NotEnoughResources", "message": "Service Unavailable"})),
        )
            .into_response(),
        Refusal::Failed(status) => server_error(status),
    }
}

/// A server error in XRPC's shape, named as `@atproto/xrpc` names the status.
fn server_error(status: StatusCode) -> Response {
    let name = match status.as_u16() {
        500 => "InternalServerError",
        501 => "MethodNotImplemented",
        502 => "UpstreamFailure",
        503 => "NotEnoughResources",
        504 => "UpstreamTimeout",
        _ => "Unknown",
    };
    xrpc_error(status, name, reason(status))
}

fn is_tid(s: &str) -> bool {
    s.len() == 13
        && s.chars().all(|c| TID_ALPHABET.contains(c))
        && "234567abcdefghij".contains(&s[..1])
}

/// What the lexicon checks that a client can get wrong.
fn validate_post(record: &Value, blobs: &HashMap<String, (String, usize)>) -> Result<(), String> {
    let text = record["text"]
        .as_str()
        .ok_or("Record must have the property \"text\"")?;
    let created = record["createdAt"]
        .as_str()
        .ok_or("Record must have the property \"createdAt\"")?;
    if created.ends_with("-00:00") || chrono::DateTime::parse_from_rfc3339(created).is_err() {
        return Err(format!(
            "Invalid datetime (got \"{created}\") at $.record.createdAt"
        ));
    }
    let graphemes = unicode_segmentation::UnicodeSegmentation::graphemes(text, true).count();
    if graphemes > 300 || text.len() > 3000 {
        return Err("Record/text must not be longer than 300 graphemes".into());
    }
    for facet in record["facets"].as_array().into_iter().flatten() {
        let start = facet["index"]["byteStart"]
            .as_u64()
            .ok_or("facet without byteStart")?;
        let end = facet["index"]["byteEnd"]
            .as_u64()
            .ok_or("facet without byteEnd")?;
        if start > end || end as usize > text.len() {
            return Err("facet index out of range".into());
        }
    }
    if let Some(embed) = record.get("embed") {
        let images = embed["images"].as_array().ok_or("embed without images")?;
        if images.len() > 4 {
            return Err("Record/embed/images must not have more than 4 elements".into());
        }
        for image in images {
            if !image["alt"].is_string() {
                return Err("Record/embed/images/0 must have the property \"alt\"".into());
            }
            let link = image["image"]["ref"]["$link"].as_str().unwrap_or("");
            if !blobs.contains_key(link) {
                return Err(format!("Could not find blob: {link}"));
            }
        }
    }
    if let Some(reply) = record.get("reply") {
        for which in ["root", "parent"] {
            let r = &reply[which];
            if !(r["uri"].is_string() && r["cid"].is_string()) {
                return Err(format!("Record/reply/{which} must be a strong ref"));
            }
        }
    }
    Ok(())
}

fn cid_of(value: &Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("bafyrei{hex}")
}

async fn create_record(State(st): State<St>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return *r;
    }
    let input = match json_input(&headers, &body) {
        Ok(input) => input,
        Err(r) => return *r,
    };
    let behaviour = st
        .control
        .create_request(input["record"]["text"].as_str().unwrap_or(""));
    if let Some(r) = misbehave(&st, behaviour, &headers) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    match store(&st, &input) {
        Ok(answer) => {
            behaviour
                .after_work(
                    &st.control,
                    axum::Json(answer).into_response(),
                    server_error,
                )
                .await
        }
        Err(r) => *r,
    }
}

/// createRecord's work: validate, store, and the answer to give.
fn store(st: &St, input: &Value) -> Result<Value, Box<Response>> {
    if input["repo"] != DID && input["repo"] != HANDLE {
        return reject("InvalidRequest", "Invalid repo");
    }
    if input["collection"] != POST {
        return reject("InvalidRequest", "Invalid collection");
    }
    let mut inner = st.inner.lock().unwrap();
    let rkey = match input["rkey"].as_str() {
        Some(k) if is_tid(k) => k.to_owned(),
        Some(k) => {
            return reject(
                "InvalidRequest",
                &format!(
                    "Invalid record key for app.bsky.feed.post: Invalid TID string (got \"{k}\") at $"
                ),
            );
        }
        None => {
            inner.serial += 1;
            format!("3m{:011}", inner.serial)
        }
    };
    let record = input["record"].clone();
    if let Err(e) = validate_post(&record, &inner.blobs) {
        return reject(
            "InvalidRequest",
            &format!("Invalid app.bsky.feed.post record: {e}"),
        );
    }
    // The reference PDS: "There is already a value at key" from its MST, an
    // untyped error, so a generic 500.
    if inner.records.iter().any(|(k, _)| *k == rkey) {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal Server Error",
        );
    }
    let uri = format!("at://{DID}/{POST}/{rkey}");
    let cid = cid_of(&record);
    st.control
        .created(record["text"].as_str().unwrap_or_default());
    inner
        .records
        .push((rkey, json!({"uri": uri, "cid": cid, "value": record})));
    inner.serial += 1;
    let rev = format!("3n{:011}", inner.serial);
    Ok(json!({
        "uri": uri,
        "cid": cid,
        "commit": {"cid": format!("bafyreicommit{rev}"), "rev": rev},
        "validationStatus": "valid",
    }))
}

async fn get_record(State(st): State<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let field = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if field("repo") != DID && !field("repo").eq_ignore_ascii_case(HANDLE) {
        return bad_request("InvalidRequest", "Could not locate record");
    }
    let inner = st.inner.lock().unwrap();
    let found = (field("collection") == POST)
        .then(|| inner.records.iter().find(|(k, _)| k == field("rkey")))
        .flatten();
    match found {
        Some((_, record)) => axum::Json(record.clone()).into_response(),
        None => bad_request(
            "RecordNotFound",
            &format!(
                "Could not locate record: at://{DID}/{}/{}",
                field("collection"),
                field("rkey")
            ),
        ),
    }
}

async fn delete_record(State(st): State<St>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return *r;
    }
    let input = match json_input(&headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if input["repo"] != DID && input["repo"] != HANDLE {
        return bad_request("InvalidRequest", "Invalid repo");
    }
    let mut inner = st.inner.lock().unwrap();
    let before = inner.records.len();
    let rkey = input["rkey"].as_str().unwrap_or("").to_owned();
    if input["collection"] == POST {
        inner.records.retain(|(k, _)| *k != rkey);
    }
    // "Delete a repository record, or ensure it doesn't exist."
    if inner.records.len() == before {
        return axum::Json(json!({})).into_response();
    }
    inner.serial += 1;
    let rev = format!("3n{:011}", inner.serial);
    axum::Json(json!({"commit": {"cid": format!("bafyreicommit{rev}"), "rev": rev}}))
        .into_response()
}

async fn upload_blob(State(st): State<St>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authenticate(&st, &headers) {
        return *r;
    }
    let mime = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*")
        .to_owned();
    if body.len() > 1_000_000 {
        return bad_request("BlobTooLarge", "This file is too large");
    }
    let digest = Sha256::digest(&body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let link = format!("bafkrei{hex}");
    st.inner
        .lock()
        .unwrap()
        .blobs
        .insert(link.clone(), (mime.clone(), body.len()));
    axum::Json(json!({"blob": {
        "$type": "blob",
        "ref": {"$link": link},
        "mimeType": mime,
        "size": body.len(),
    }}))
    .into_response()
}

async fn resolve_handle(Query(q): Query<HashMap<String, String>>) -> Response {
    let handle = q
        .get("handle")
        .map(|h| h.to_ascii_lowercase())
        .unwrap_or_default();
    let did = if handle == HANDLE {
        Some(DID)
    } else {
        KNOWN_HANDLES
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, d)| *d)
    };
    match did {
        Some(did) => axum::Json(json!({"did": did})).into_response(),
        None => bad_request("HandleNotFound", "Unable to resolve handle"),
    }
}

/// Start a fake PDS.
pub fn start(behaviour: Behaviour) -> Fake {
    start_with(behaviour).0
}

/// Start a fake PDS, with a handle on its sessions.
pub fn start_with(behaviour: Behaviour) -> (Fake, Pds) {
    let inner: Arc<Mutex<Inner>> = Arc::default();
    let control = Control::new(behaviour);
    let st = St {
        control: control.clone(),
        inner: inner.clone(),
    };
    let x = |nsid: &str| format!("/xrpc/{nsid}");
    let router = Router::new()
        .route(&x("com.atproto.server.createSession"), post(create_session))
        .route(
            &x("com.atproto.server.refreshSession"),
            post(refresh_session),
        )
        .route(&x("com.atproto.server.getSession"), get(get_session))
        .route(&x("com.atproto.repo.createRecord"), post(create_record))
        .route(&x("com.atproto.repo.getRecord"), get(get_record))
        .route(&x("com.atproto.repo.deleteRecord"), post(delete_record))
        .route(&x("com.atproto.repo.uploadBlob"), post(upload_blob))
        .route(
            &x("com.atproto.identity.resolveHandle"),
            get(resolve_handle),
        )
        .with_state(st);
    let (server, log) = server::start(router);
    let records = inner.clone();
    let fake = Fake {
        base: server.base.clone(),
        channel_yaml: format!(
            "handle: {HANDLE}\n    app_password: env:FAKE_BSKY_APP_PASSWORD\n    service: {}",
            server.base
        ),
        env: [("FAKE_BSKY_APP_PASSWORD".to_owned(), APP_PASSWORD.to_owned())].into(),
        secrets: vec![APP_PASSWORD.to_owned()],
        log,
        posts: Arc::new(move || {
            let inner = records.lock().unwrap();
            inner.records.iter().map(|(_, r)| r.clone()).collect()
        }),
        set_behaviour: {
            let control = control.clone();
            Arc::new(move |b| control.set_behaviour(b))
        },
        control,
        server,
    };
    (fake, Pds { inner })
}

/// A valid `width`×`height` PNG, small enough for a blob.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    super::png::png(width, height)
}
