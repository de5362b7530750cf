//! Bluesky (atproto): a session kept between runs (`createSession` once,
//! `refreshSession` when the access token expires), posts written with
//! `createRecord` under the part's deterministic record key, facets for links,
//! mentions and hashtags, images through `uploadBlob`, replies by strong refs,
//! lookup by `getRecord`, delete. PLATFORMS.md §2.
//!
//! The session lives in `<cache_dir>/bluesky-<channel>.json` (0600, in a
//! directory that git ignores). Bluesky has no content warning: `cw` is not
//! sent (validation's `cw-unsupported` says so). The record key is the
//! idempotency key, so `Part::key` is not used.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::SecondsFormat;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::Http;
use super::{Adapter, AdapterError, Context, ErrorKind, MediaItem, Part, Remote};
use crate::calendar::channel;
use crate::platform::bluesky_facets::{Feature, detect_facets};

const POST: &str = "app.bsky.feed.post";
const CREATE_SESSION: &str = "com.atproto.server.createSession";
const REFRESH_SESSION: &str = "com.atproto.server.refreshSession";
const GET_SESSION: &str = "com.atproto.server.getSession";
const CREATE_RECORD: &str = "com.atproto.repo.createRecord";
const GET_RECORD: &str = "com.atproto.repo.getRecord";
const DELETE_RECORD: &str = "com.atproto.repo.deleteRecord";
const UPLOAD_BLOB: &str = "com.atproto.repo.uploadBlob";
const RESOLVE_HANDLE: &str = "com.atproto.identity.resolveHandle";

pub struct Bluesky {
    /// Redacts the app password, and every token once learnt.
    http: Http,
    service: String,
    identifier: String,
    password: SecretString,
    cache_file: PathBuf,
    /// Why the session could not be cached, if it could not (shown by `check`).
    cache_problem: Option<String>,
    session: Option<Session>,
    /// Records this adapter created or read: at-uri → cid and thread root.
    known: HashMap<String, Known>,
    /// Mentioned handles → DID (`None`: does not resolve).
    dids: HashMap<String, Option<String>>,
}

#[derive(Debug)]
struct Session {
    did: String,
    handle: String,
    access: SecretString,
    refresh: SecretString,
}

/// A session as the PDS answers it and as the cache file holds it. The
/// tokens become `SecretString`s at once; no `Debug` here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionAnswer {
    did: String,
    handle: String,
    access_jwt: String,
    refresh_jwt: String,
    /// Cache file only: which service and login the session belongs to.
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    uri: String,
    cid: String,
}

#[derive(Deserialize)]
struct Record {
    uri: String,
    cid: Option<String>,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct Blob {
    blob: Value,
}

#[derive(Deserialize)]
struct Resolved {
    did: String,
}

#[derive(Deserialize)]
struct Whoami {
    did: String,
    handle: String,
}

#[derive(Debug, Clone)]
struct Known {
    cid: String,
    /// The `reply.root` strong ref the record carries, if it is a reply.
    root: Option<Value>,
}

impl Bluesky {
    pub fn new(config: &channel::Bluesky, cx: &Context<'_>) -> Result<Bluesky, AdapterError> {
        let password = cx.secret("app_password", &config.app_password)?;
        Ok(Bluesky {
            http: Http::new(cx.timeouts, vec![password.clone()])?,
            service: config.service.clone(),
            identifier: config.handle.clone(),
            password,
            cache_file: cx.cache_dir.join(format!("bluesky-{}.json", cx.channel)),
            cache_problem: None,
            session: None,
            known: HashMap::new(),
            dids: HashMap::new(),
        })
    }

    fn url(&self, nsid: &str) -> String {
        format!("{}/xrpc/{nsid}", self.service)
    }

    /// A query's URL with its parameters.
    fn query_url(&self, nsid: &str, params: &[(&str, &str)]) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("{}?{query}", self.url(nsid))
    }

    // ---- session -------------------------------------------------------

    /// The session: the one in hand, the cached one, or a new login.
    fn session(&mut self) -> Result<&Session, AdapterError> {
        if self.session.is_none() {
            match self.load_cache() {
                Some(cached) => self.adopt(cached, false)?,
                None => self.login()?,
            }
        }
        self.session
            .as_ref()
            .ok_or_else(|| AdapterError::permanent("no Bluesky session"))
    }

    fn did(&mut self) -> Result<String, AdapterError> {
        Ok(self.session()?.did.clone())
    }

    fn login(&mut self) -> Result<(), AdapterError> {
        let body = json!({
            "identifier": self.identifier,
            "password": self.password.expose_secret(),
        });
        let answer: SessionAnswer = self.http.send_json(
            CREATE_SESSION,
            self.http
                .client()
                .post(self.url(CREATE_SESSION))
                .json(&body),
        )?;
        self.adopt(answer, true)
    }

    /// After the PDS refused the access token: refresh the session, or log
    /// in again when the refresh token is refused too.
    fn renew(&mut self) -> Result<(), AdapterError> {
        let Some(refresh) = self.session.take().map(|s| s.refresh) else {
            return self.login();
        };
        let result = self.http.send_json::<SessionAnswer>(
            REFRESH_SESSION,
            self.http
                .client()
                .post(self.url(REFRESH_SESSION))
                .header(AUTHORIZATION, bearer(&refresh)),
        );
        match result {
            Ok(answer) => self.adopt(answer, true),
            // Expired, revoked or unknown: only a new login helps.
            Err(e) if e.kind == ErrorKind::Permanent => self.login(),
            Err(e) => Err(e),
        }
    }

    /// Take `answer` as the session: redact its tokens from now on and, when
    /// it is new, cache it for the next run.
    fn adopt(&mut self, answer: SessionAnswer, save: bool) -> Result<(), AdapterError> {
        let session = Session {
            did: answer.did,
            handle: answer.handle,
            access: SecretString::from(answer.access_jwt),
            refresh: SecretString::from(answer.refresh_jwt),
        };
        self.http.add_secret(session.access.clone());
        self.http.add_secret(session.refresh.clone());
        if save {
            self.cache_problem = self.save_cache(&session).err().map(|e| {
                format!(
                    "cannot cache the session in {}: {e}",
                    self.cache_file.display()
                )
            });
        }
        self.session = Some(session);
        Ok(())
    }

    fn load_cache(&self) -> Option<SessionAnswer> {
        let text = std::fs::read_to_string(&self.cache_file).ok()?;
        let cached: SessionAnswer = serde_json::from_str(&text).ok()?;
        // A session for another service or account is not ours.
        (cached.service.as_deref() == Some(self.service.as_str())
            && cached.identifier.as_deref() == Some(self.identifier.as_str()))
        .then_some(cached)
    }

    fn save_cache(&self, session: &Session) -> std::io::Result<()> {
        let body = json!({
            "service": self.service,
            "identifier": self.identifier,
            "did": session.did,
            "handle": session.handle,
            "accessJwt": session.access.expose_secret(),
            "refreshJwt": session.refresh.expose_secret(),
        });
        write_private(&self.cache_file, body.to_string().as_bytes())
    }

    /// Send an authenticated request built by `build` (given the bearer
    /// header). When the PDS refuses the access token (HTTP 400
    /// `ExpiredToken`), renew the session and send it once more: nothing was
    /// done with a refused token, so that is safe.
    fn authed(
        &mut self,
        nsid: &str,
        build: impl Fn(&Http, String) -> RequestBuilder,
    ) -> Result<Response, AdapterError> {
        let auth = bearer(&self.session()?.access);
        match self.http.send(nsid, build(&self.http, auth)) {
            Err(e) if token_refused(&e) => {
                self.renew()?;
                let auth = bearer(&self.session()?.access);
                self.http.send(nsid, build(&self.http, auth))
            }
            other => other,
        }
    }

    fn authed_json<T: serde::de::DeserializeOwned>(
        &mut self,
        nsid: &str,
        build: impl Fn(&Http, String) -> RequestBuilder,
    ) -> Result<T, AdapterError> {
        let response = self.authed(nsid, build)?;
        self.http.json(nsid, response)
    }

    // ---- records -------------------------------------------------------

    /// `getRecord` (public, no token needed); `None` when the PDS says
    /// `RecordNotFound`.
    fn get_record(&mut self, repo: &str, rkey: &str) -> Result<Option<Record>, AdapterError> {
        let result = self.http.send_json::<Record>(
            GET_RECORD,
            self.http.client().get(self.query_url(
                GET_RECORD,
                &[("repo", repo), ("collection", POST), ("rkey", rkey)],
            )),
        );
        match result {
            Ok(record) => {
                if let Some(cid) = &record.cid {
                    let root = record.value.pointer("/reply/root").cloned();
                    self.known.insert(
                        record.uri.clone(),
                        Known {
                            cid: cid.clone(),
                            root,
                        },
                    );
                }
                Ok(Some(record))
            }
            Err(e) if e.code.as_deref() == Some("RecordNotFound") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The uri, cid and thread root of a record, from memory or `getRecord`.
    fn known(&mut self, remote: &Remote) -> Result<(String, Known), AdapterError> {
        if let Some(k) = self.known.get(&remote.id) {
            return Ok((remote.id.clone(), k.clone()));
        }
        let (repo, _, rkey) = parse_at_uri(&remote.id)?;
        let missing = || {
            AdapterError::permanent(format!(
                "cannot reply to {}: the post is not on Bluesky any more",
                remote.id
            ))
        };
        let record = self.get_record(repo, rkey)?.ok_or_else(missing)?;
        let known = self.known.get(&record.uri).cloned().ok_or_else(missing)?;
        // The PDS's own form of the uri (a DID, even if ours named a handle).
        Ok((record.uri, known))
    }

    /// `reply: {root, parent}` for a thread follow-up.
    fn reply_refs(&mut self, part: &Part<'_>) -> Result<Option<Value>, AdapterError> {
        let Some(parent) = part.reply_to else {
            return Ok(None);
        };
        let (parent_uri, parent_known) = self.known(parent)?;
        let parent_ref = json!({"uri": parent_uri, "cid": parent_known.cid});
        let root_ref = match part.root {
            Some(root) if root.id != parent.id => {
                let (uri, known) = self.known(root)?;
                json!({"uri": uri, "cid": known.cid})
            }
            Some(_) => parent_ref.clone(),
            // No root given: the parent's own root, or the parent itself.
            None => parent_known.root.unwrap_or_else(|| parent_ref.clone()),
        };
        Ok(Some(json!({"root": root_ref, "parent": parent_ref})))
    }

    fn remote(&self, uri: &str) -> Remote {
        let rkey = uri.rsplit('/').next().unwrap_or_default();
        let url = self.session.as_ref().map(|s| {
            let who = if s.handle == "handle.invalid" {
                &s.did
            } else {
                &s.handle
            };
            format!("https://bsky.app/profile/{who}/post/{rkey}")
        });
        Remote {
            id: uri.to_owned(),
            url,
        }
    }

    // ---- content -------------------------------------------------------

    fn upload(&mut self, item: &MediaItem) -> Result<Value, AdapterError> {
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

    fn embed(&mut self, media: &[MediaItem]) -> Result<Option<Value>, AdapterError> {
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
    fn resolve(&mut self, handle: &str) -> Result<Option<String>, AdapterError> {
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

    fn facets(&mut self, text: &str) -> Result<Vec<Value>, AdapterError> {
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

    fn record(&mut self, part: &Part<'_>) -> Result<Value, AdapterError> {
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

impl Adapter for Bluesky {
    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let did = self.did()?;
        let record = self.record(part)?;
        let body = json!({"repo": did, "collection": POST, "rkey": part.rkey, "record": record});
        let url = self.url(CREATE_RECORD);
        let created = self.authed_json::<Created>(CREATE_RECORD, |http, auth| {
            http.client()
                .post(&url)
                .header(AUTHORIZATION, auth)
                .json(&body)
        });
        match created {
            Ok(created) => {
                let root = body.pointer("/record/reply/root").cloned();
                self.known.insert(
                    created.uri.clone(),
                    Known {
                        cid: created.cid,
                        root,
                    },
                );
                Ok(self.remote(&created.uri))
            }
            // The key is taken (an earlier attempt landed), or the outcome is
            // unclear: the record under our key, if any, is the post.
            Err(e) if may_exist(&e) => match self.get_record(&did, part.rkey) {
                Ok(Some(record)) => Ok(self.remote(&record.uri)),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    fn lookup(&mut self, part: &Part<'_>) -> Result<Option<Remote>, AdapterError> {
        let did = self.did()?;
        Ok(self
            .get_record(&did, part.rkey)?
            .map(|record| self.remote(&record.uri)))
    }

    fn delete(
        &mut self,
        remote: &Remote,
        _published_at: chrono::DateTime<chrono::Utc>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AdapterError> {
        let (repo, collection, rkey) = parse_at_uri(&remote.id)?;
        let body = json!({"repo": repo, "collection": collection, "rkey": rkey});
        let url = self.url(DELETE_RECORD);
        // "Delete a repository record, or ensure it doesn't exist": idempotent.
        self.authed(DELETE_RECORD, |http, auth| {
            http.client()
                .post(&url)
                .header(AUTHORIZATION, auth)
                .json(&body)
        })?;
        self.known.remove(&remote.id);
        Ok(())
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let url = self.url(GET_SESSION);
        let me: Whoami = self.authed_json(GET_SESSION, |http, auth| {
            http.client().get(&url).header(AUTHORIZATION, auth)
        })?;
        let mut out = format!("@{} ({}) on {}", me.handle, me.did, self.service);
        // Cron depends on the refresh token: say when it runs out.
        if let Some(expiry) = self.session.as_ref().and_then(|s| jwt_expiry(&s.refresh)) {
            out.push_str(&format!(
                "; session renewable until {} (then a new login)",
                expiry.format("%Y-%m-%d")
            ));
        }
        if let Some(problem) = &self.cache_problem {
            out.push_str(&format!("; {problem}"));
        }
        Ok(out)
    }
}

/// The `exp` claim of a JWT (its payload is base64url JSON; the signature is
/// the server's business, not ours).
fn jwt_expiry(token: &SecretString) -> Option<chrono::DateTime<chrono::Utc>> {
    use base64::Engine as _;
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let exp = serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()?;
    chrono::DateTime::from_timestamp(exp, 0)
}

fn bearer(token: &SecretString) -> String {
    format!("Bearer {}", token.expose_secret())
}

/// Write `bytes` to `path`, readable by the owner only, replacing it whole.
/// The directory ignores itself in git: `.postcal/` is committed (the
/// ledger), a refresh token must not be.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(ignore, "*\n")?;
        }
    }
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The PDS refused the access token (an expired one is HTTP 400, not 401).
fn token_refused(e: &AdapterError) -> bool {
    matches!(e.status, Some(400 | 401))
        && matches!(e.code.as_deref(), Some("ExpiredToken" | "InvalidToken"))
}

/// Whether a failed `createRecord` may have left the record in place: the
/// key is taken ("There is already a value at key" is not a typed XRPC error
/// and comes back as HTTP 500), or the answer never came.
fn may_exist(e: &AdapterError) -> bool {
    match e.kind {
        ErrorKind::Ambiguous => true,
        ErrorKind::Transient { .. } => e.status.is_some_and(|status| status >= 500),
        ErrorKind::Permanent => e.message.contains("already"),
        ErrorKind::Unsupported => false,
    }
}

/// `at://<repo>/<collection>/<rkey>`.
fn parse_at_uri(uri: &str) -> Result<(&str, &str, &str), AdapterError> {
    let parts: Option<Vec<&str>> = uri
        .strip_prefix("at://")
        .map(|rest| rest.split('/').collect());
    match parts.as_deref() {
        Some([repo, collection, rkey]) if !repo.is_empty() && !rkey.is_empty() => {
            Ok((repo, collection, rkey))
        }
        _ => Err(AdapterError::permanent(format!(
            "`{uri}` is not a Bluesky record URI (at://did/collection/rkey)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_tokens_are_recognised_by_status_and_name() {
        let error = |status, code: &str| AdapterError {
            status: Some(status),
            code: Some(code.to_owned()),
            ..AdapterError::permanent("x")
        };
        assert!(token_refused(&error(400, "ExpiredToken")));
        assert!(token_refused(&error(400, "InvalidToken")));
        assert!(!token_refused(&error(401, "AuthenticationRequired")));
    }

    #[test]
    fn jwt_expiry_is_read_from_the_payload() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"scope":"com.atproto.refresh","exp":1796112000}"#);
        let token = SecretString::from(format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig"));
        assert_eq!(
            jwt_expiry(&token).unwrap().to_rfc3339(),
            "2026-12-01T08:00:00+00:00"
        );
        assert!(jwt_expiry(&SecretString::from("not-a-jwt".to_owned())).is_none());
    }

    #[test]
    fn at_uris() {
        assert_eq!(
            parse_at_uri("at://did:plc:abc/app.bsky.feed.post/3lbqtk2zhoq2c").unwrap(),
            ("did:plc:abc", "app.bsky.feed.post", "3lbqtk2zhoq2c")
        );
        assert!(parse_at_uri("https://bsky.app/profile/x/post/y").is_err());
        assert!(parse_at_uri("at://did:plc:abc/app.bsky.feed.post").is_err());
    }
}
