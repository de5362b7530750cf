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
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::SecondsFormat;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

use super::http::{Http, Timeouts};
use super::{Adapter, AdapterConfig, AdapterError, ErrorKind, MediaItem, Part, Remote};

const DEFAULT_SERVICE: &str = "https://bsky.social";
const POST: &str = "app.bsky.feed.post";
const CREATE_SESSION: &str = "com.atproto.server.createSession";
const REFRESH_SESSION: &str = "com.atproto.server.refreshSession";
const GET_SESSION: &str = "com.atproto.server.getSession";
const CREATE_RECORD: &str = "com.atproto.repo.createRecord";
const GET_RECORD: &str = "com.atproto.repo.getRecord";
const DELETE_RECORD: &str = "com.atproto.repo.deleteRecord";
const UPLOAD_BLOB: &str = "com.atproto.repo.uploadBlob";
const RESOLVE_HANDLE: &str = "com.atproto.identity.resolveHandle";
/// The longest hashtag the lexicon accepts, in graphemes, without the `#`.
const MAX_TAG_GRAPHEMES: usize = 64;

pub struct Bluesky {
    http: Http,
    timeouts: Timeouts,
    /// Every secret this adapter has seen: the app password, then tokens.
    secrets: Vec<SecretString>,
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
    pub fn new(config: &AdapterConfig<'_>) -> Result<Bluesky, AdapterError> {
        let password = config.secret("app_password")?;
        let identifier = config.channel.handle.clone().ok_or_else(|| {
            AdapterError::permanent(format!("channel `{}` has no `handle`", config.channel.name))
        })?;
        let identifier = identifier.trim_start_matches('@').to_owned();
        let secrets = vec![password.clone()];
        Ok(Bluesky {
            http: Http::new(config.timeouts, secrets.clone())?,
            timeouts: config.timeouts,
            secrets,
            service: config.endpoint(DEFAULT_SERVICE),
            identifier,
            password,
            cache_file: config
                .cache_dir
                .join(format!("bluesky-{}.json", config.channel.name)),
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
        self.learn_secrets([session.access.clone(), session.refresh.clone()])?;
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

    /// Make `Http` redact secrets learnt at run time (it takes its list
    /// when built).
    fn learn_secrets(
        &mut self,
        new: impl IntoIterator<Item = SecretString>,
    ) -> Result<(), AdapterError> {
        self.secrets.extend(new);
        self.http = Http::new(self.timeouts, self.secrets.clone())?;
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
            Err(e) if token_refused(nsid, &e) => {
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
            Err(e)
                if xrpc_error(GET_RECORD, &e).is_some_and(|(_, name)| name == "RecordNotFound") =>
            {
                Ok(None)
            }
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
        let bytes = std::fs::read(&item.path).map_err(|e| {
            AdapterError::permanent(format!("cannot read media `{}`: {e}", item.name))
        })?;
        let mime = infer::get(&bytes).map_or("application/octet-stream", |t| t.mime_type());
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
        if let Some(problem) = &self.cache_problem {
            out.push_str(&format!("; {problem}"));
        }
        Ok(out)
    }
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

/// The status and XRPC error name of a failure `Http` described as
/// `<what>: HTTP <status>: <Name>[: <message>]`.
fn xrpc_error<'e>(what: &str, e: &'e AdapterError) -> Option<(u16, &'e str)> {
    let rest = e.message.strip_prefix(what)?.strip_prefix(": HTTP ")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let status = rest[..digits].parse().ok()?;
    let name = rest[digits..].strip_prefix(": ").unwrap_or("");
    let end = name
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(name.len());
    Some((status, &name[..end]))
}

/// The PDS refused the access token (an expired one is HTTP 400, not 401).
fn token_refused(what: &str, e: &AdapterError) -> bool {
    xrpc_error(what, e).is_some_and(|(status, name)| {
        matches!(status, 400 | 401) && matches!(name, "ExpiredToken" | "InvalidToken")
    })
}

/// Whether a failed `createRecord` may have left the record in place: the
/// key is taken ("There is already a value at key" is not a typed XRPC error
/// and comes back as HTTP 500), or the answer never came.
fn may_exist(e: &AdapterError) -> bool {
    match e.kind {
        ErrorKind::Ambiguous => true,
        ErrorKind::Transient { .. } => {
            xrpc_error(CREATE_RECORD, e).is_some_and(|(status, _)| status >= 500)
        }
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

// ---- facet detection (as the official client's `detectFacets`) ----------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Feature {
    Link(String),
    /// A handle, to resolve to a DID.
    Mention(String),
    /// Without the `#`.
    Tag(String),
}

/// Links, mentions and hashtags in `text`, by UTF-8 byte range, in order.
/// Mentions and tags inside a link are part of the link.
fn detect_facets(text: &str) -> Vec<(Range<usize>, Feature)> {
    let mut out: Vec<(Range<usize>, Feature)> = crate::platform::http_links(text)
        .map(|r| (r.clone(), Feature::Link(text[r].to_owned())))
        .collect();
    let links: Vec<Range<usize>> = out.iter().map(|(r, _)| r.clone()).collect();
    let overlaps_link = |r: &Range<usize>| links.iter().any(|l| l.start < r.end && r.start < l.end);
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let found = match c {
            '@' if prev.is_none_or(|p| p.is_whitespace() || p == '(') => mention_at(text, i),
            '#' | '＃' if prev.is_none_or(char::is_whitespace) => tag_at(text, i),
            _ => None,
        };
        prev = Some(c);
        if let Some((range, feature)) = found
            && !overlaps_link(&range)
        {
            out.push((range, feature));
        }
    }
    out.sort_by_key(|(r, _)| r.start);
    out
}

/// A mention `@handle.domain` starting at byte `at`.
fn mention_at(text: &str, at: usize) -> Option<(Range<usize>, Feature)> {
    let rest = &text[at + 1..];
    let run = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    // The match ends at a word boundary: trailing dots and dashes are punctuation.
    let handle = rest[..run].trim_end_matches(['.', '-']);
    is_handle(handle).then(|| {
        (
            at..at + 1 + handle.len(),
            Feature::Mention(handle.to_owned()),
        )
    })
}

/// atproto handle syntax: two or more DNS labels, the last not starting with a digit.
fn is_handle(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Characters that end a hashtag besides whitespace (zero-width and soft hyphen).
fn ends_tag(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{2060}'
                | '\u{200A}'
                | '\u{200B}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{20E2}'
        )
}

/// A hashtag starting at byte `at` (on `#` or `＃`).
fn tag_at(text: &str, at: usize) -> Option<(Range<usize>, Feature)> {
    let hash_len = text[at..].chars().next()?.len_utf8();
    let rest = &text[at + hash_len..];
    if rest.starts_with('\u{FE0F}') {
        // `#️⃣` is the keycap emoji.
        return None;
    }
    let candidate = &rest[..rest.find(ends_tag).unwrap_or(rest.len())];
    // Not only digits and punctuation (`#1` is not a tag).
    if !candidate
        .chars()
        .any(|c| !c.is_ascii_digit() && !is_punctuation(c))
    {
        return None;
    }
    let tag = candidate.trim_end_matches(is_punctuation);
    let graphemes = tag.graphemes(true).count();
    (graphemes > 0 && graphemes <= MAX_TAG_GRAPHEMES)
        .then(|| (at..at + hash_len + tag.len(), Feature::Tag(tag.to_owned())))
}

/// Unicode punctuation (`\p{P}`) as far as it shows up in posts: ASCII,
/// Latin-1, general and CJK punctuation, fullwidth forms.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':'
            | ';' | '?' | '@' | '[' | '\\' | ']' | '_' | '{' | '}'
            | '¡' | '§' | '«' | '¶' | '·' | '»' | '¿'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{2043}'
            | '\u{2045}'..='\u{2051}'
            | '\u{2053}'..='\u{205E}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301F}'
            | '\u{FF01}'..='\u{FF03}'
            | '\u{FF05}'..='\u{FF0A}'
            | '\u{FF0C}'..='\u{FF0F}'
            | '\u{FF1A}' | '\u{FF1B}' | '\u{FF1F}' | '\u{FF20}'
            | '\u{FF3B}'..='\u{FF3D}'
            | '\u{FF3F}' | '\u{FF5B}' | '\u{FF5D}'
            | '\u{FF5F}'..='\u{FF65}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets(text: &str) -> Vec<(&str, Feature)> {
        detect_facets(text)
            .into_iter()
            .map(|(r, f)| (&text[r], f))
            .collect()
    }

    #[test]
    fn byte_ranges_survive_multibyte_text() {
        let text = "Café ☕👨‍👩‍👧 → https://example.com/ü?x=1, @ana.bsky.social y #Rústico!";
        let found = detect_facets(text);
        assert_eq!(found.len(), 3);
        let (link, mention, tag) = (&found[0].0, &found[1].0, &found[2].0);
        assert_eq!(&text[link.clone()], "https://example.com/ü?x=1");
        assert_eq!(link.start, text.find("https").unwrap());
        assert_eq!(&text[mention.clone()], "@ana.bsky.social");
        assert_eq!(&text[tag.clone()], "#Rústico");
        assert_eq!(found[2].1, Feature::Tag("Rústico".into()));
    }

    #[test]
    fn mentions_follow_the_official_rules() {
        assert_eq!(
            facets("(@ana.test) and @bob.example.com."),
            vec![
                ("@ana.test", Feature::Mention("ana.test".into())),
                (
                    "@bob.example.com",
                    Feature::Mention("bob.example.com".into())
                ),
            ]
        );
        // Not after a word character (e-mail), not a bare name, not a numeric TLD.
        assert!(facets("mail ana@example.com").is_empty());
        assert!(facets("hi @ana").is_empty());
        assert!(facets("@1.2.3.4").is_empty());
    }

    #[test]
    fn hashtags_follow_the_official_rules() {
        assert_eq!(
            facets("#rust, ＃日本 #café.")
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>(),
            vec!["#rust", "＃日本", "#café"]
        );
        // Numbers, keycaps, mid-word and over-long tags are not tags.
        assert!(facets("#1 #️⃣ a#b").is_empty());
        assert!(facets(&format!("#{}", "a".repeat(65))).is_empty());
        assert_eq!(facets(&format!("#{}", "a".repeat(64))).len(), 1);
        // Inside a link they are part of the link.
        assert_eq!(
            facets("https://example.com/#x @y").len(),
            1,
            "the fragment is not a tag"
        );
    }

    #[test]
    fn xrpc_errors_are_read_from_http_messages() {
        let e = AdapterError::permanent(
            "com.atproto.repo.createRecord: HTTP 400: ExpiredToken: Token has expired",
        );
        assert_eq!(xrpc_error(CREATE_RECORD, &e), Some((400, "ExpiredToken")));
        assert!(token_refused(CREATE_RECORD, &e));
        let e = AdapterError::permanent(
            "com.atproto.server.createSession: HTTP 401: AuthenticationRequired (check the channel's credentials)",
        );
        assert_eq!(
            xrpc_error(CREATE_SESSION, &e),
            Some((401, "AuthenticationRequired"))
        );
        assert!(!token_refused(CREATE_SESSION, &e));
        let e = AdapterError::permanent("com.atproto.repo.getRecord: HTTP 502");
        assert_eq!(xrpc_error(GET_RECORD, &e), Some((502, "")));
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
