//! Facebook Page (Graph API): `POST /{page}/feed` with `message` (and
//! `link`, or the photos), photos uploaded unpublished (`POST
//! /{page}/photos`, `published=false`, `alt_text_custom`) then attached
//! (`attached_media`), a thread's follow-ups as comments on the first post
//! (`POST /{post-id}/comments`), `DELETE /{id}`, and `GET /{page}?fields=name`
//! for doctor. PLATFORMS.md §7 and addendum D.
//!
//! - The Page token goes in the `Authorization` header, never in a URL;
//!   `Http` redacts it from anything else.
//! - No idempotency: after an ambiguous answer (an HTTP 500 with code 2 has
//!   been seen to create the post) nothing is sent again before `lookup`
//!   has searched the Page's feed (or the post's comments) since the
//!   attempt for the same message (`find`).
//! - A duplicate refusal (506, or 368 "already posted") is settled by the
//!   same search: the copy found is the post; none found is permanent.
//! - Usage headers are honoured: once Meta says the app or Page is
//!   throttled, no request is made until the wait is over.

mod find;
mod metrics;

use std::time::Instant;

use reqwest::blocking::RequestBuilder;
use reqwest::blocking::multipart::Form;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::http::{Http, bearer};
use super::meta::{BLOCKED, DUPLICATE, Product, Refused, code_of, is_gone, usage_wait};
use super::{Adapter, AdapterError, Context, ErrorKind, MediaItem, Part, Remote};
use crate::calendar::channel;

/// How Graph refusals are explained for a Page.
const PAGE: Product = Product {
    token: "the Page token",
    invalid: "it is not a valid Page token",
    renew: "make a new one from a long-lived user token (README: Facebook Pages)",
    permissions: "a Page token with pages_manage_posts and pages_read_engagement, from someone who can create content on the Page",
    missing: "the Page, post or comment does not exist, or this token cannot see it: check `page_id`",
};

/// How far back a duplicate refusal is matched against the Page's posts.
const DUPLICATE_LOOKBACK: chrono::Duration = chrono::Duration::hours(24);

pub struct Facebook {
    http: Http,
    /// `{api_base}/{graph_version}`.
    base: String,
    page: String,
    token: SecretString,
    /// The usage headers said calls are throttled until then.
    throttled_until: Option<Instant>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Page {
    id: String,
    name: String,
}

impl Facebook {
    pub fn new(config: &channel::Facebook, cx: &Context<'_>) -> Result<Facebook, AdapterError> {
        let token = cx.secret("page_token", &config.page_token)?;
        Ok(Facebook {
            http: Http::for_context(cx, vec![token.clone()])?,
            base: format!("{}/{}", config.api_base, config.graph_version),
            page: config.page_id.clone(),
            token,
            throttled_until: None,
        })
    }

    /// A request to `{base}/{path}` with the Page token.
    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}/{path}", self.base))
            .header("Authorization", bearer(&self.token))
    }

    /// Send (unless Meta said to hold off), note the usage headers, and
    /// read a success's JSON; a refusal in the Graph's own terms.
    fn call<T: DeserializeOwned>(
        &mut self,
        what: &str,
        request: RequestBuilder,
    ) -> Result<T, AdapterError> {
        if let Some(left) = self
            .throttled_until
            .map(|until| until.saturating_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
        {
            return Err(AdapterError::new(
                ErrorKind::Transient {
                    retry_after: Some(left),
                },
                format!("{what}: not sent: Meta's usage headers say this app or Page is throttled"),
            ));
        }
        let response = self.http.exchange(what, request)?;
        let wait = usage_wait(response.headers());
        if response.status().is_success() {
            self.hold_off(wait);
            return self.http.json(what, response);
        }
        let refused = Refused::read(response);
        if refused.is_throttling() {
            self.hold_off(refused.wait);
        }
        Err(refused.into_error(&self.http, what, &PAGE))
    }

    fn hold_off(&mut self, wait: Option<std::time::Duration>) {
        if let Some(wait) = wait {
            self.throttled_until = Some(Instant::now() + wait);
        }
    }

    /// Upload a photo unpublished: it shows nowhere until a post attaches it.
    fn upload(&mut self, item: &MediaItem) -> Result<String, AdapterError> {
        let mut form = Form::new()
            .part("source", item.form_part()?)
            .text("published", "false");
        if let Some(alt) = item.alt.as_ref().filter(|a| !a.is_empty()) {
            form = form.text("alt_text_custom", alt.clone());
        }
        let request = self
            .request(reqwest::Method::POST, &format!("{}/photos", self.page))
            .multipart(form);
        match self.call::<Created>("POST /{page}/photos", request) {
            Ok(photo) => Ok(photo.id),
            // No post exists yet, and an unpublished photo shows nowhere:
            // whatever became of it, trying again cannot make a copy.
            Err(e) if e.kind == ErrorKind::Ambiguous => Err(AdapterError {
                kind: ErrorKind::Transient { retry_after: None },
                message: format!(
                    "{} (uploading `{}`; nothing was posted, so it is tried again)",
                    e.message, item.name
                ),
                ..e
            }),
            Err(e) => Err(e),
        }
    }

    /// The post itself: its text, and its photos or its first link.
    fn create_post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let mut form: Vec<(String, String)> = Vec::new();
        if !part.text.is_empty() {
            form.push(("message".into(), part.text.to_owned()));
        }
        if part.media.is_empty()
            && let Some(link) = crate::platform::http_links(part.text).next()
        {
            form.push(("link".into(), part.text[link].to_owned()));
        }
        for (n, item) in part.media.iter().enumerate() {
            let id = self.upload(item)?;
            let media = serde_json::json!({ "media_fbid": id }).to_string();
            form.push((format!("attached_media[{n}]"), media));
        }
        let request = self
            .request(reqwest::Method::POST, &format!("{}/feed", self.page))
            .form(&form);
        let created: Created = self.call("POST /{page}/feed", request)?;
        Ok(self.post_remote(created.id))
    }

    /// A thread's follow-up: a comment on the first post, as the Page.
    fn comment(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let root = thread_root(part)?;
        let request = self
            .request(reqwest::Method::POST, &format!("{}/comments", root.id))
            .form(&[("message", part.text)]);
        let created: Created = self.call("POST /{post-id}/comments", request)?;
        Ok(comment_remote(root, created.id))
    }

    fn post_remote(&self, id: String) -> Remote {
        let url = match id.split_once('_') {
            Some((page, post)) => format!("https://www.facebook.com/{page}/posts/{post}"),
            None => format!("https://www.facebook.com/{id}"),
        };
        Remote { id, url: Some(url) }
    }

    /// Facebook refused the part as a duplicate (506), or as already posted
    /// or blocked (368): the copy on the Page, if one is there, is the post.
    fn settle_duplicate(
        &mut self,
        part: &Part<'_>,
        e: AdapterError,
    ) -> Result<Remote, AdapterError> {
        match self.find(part, part.now - DUPLICATE_LOOKBACK) {
            Ok(Some(remote)) => Ok(remote),
            Ok(None) => Err(AdapterError {
                kind: ErrorKind::Permanent,
                message: format!(
                    "{}; nothing was posted by this request, and no post with this text is on the Page from the last 24 hours: look at the Page, then change the text and `--retry`, or `--mark-published` the copy that is there",
                    e.message
                ),
                ..e
            }),
            // It may be there: an unclear outcome, looked up again later.
            Err(lookup) => Err(AdapterError {
                kind: ErrorKind::Ambiguous,
                message: format!(
                    "{}; the Page could not be searched for a copy ({})",
                    e.message, lookup.message
                ),
                ..e
            }),
        }
    }
}

impl Adapter for Facebook {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let result = if part.index == 0 {
            self.create_post(part)
        } else {
            self.comment(part)
        };
        match result {
            Err(e) if matches!(code_of(&e), Some(DUPLICATE | BLOCKED)) && !e.is_transient() => {
                self.settle_duplicate(part, e)
            }
            other => other,
        }
    }

    fn lookup(
        &mut self,
        part: &Part<'_>,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        self.find(part, since)
    }

    fn metrics(&mut self, ids: &[&str]) -> Result<Vec<Option<super::Metrics>>, AdapterError> {
        self.read_metrics(ids)
    }

    fn delete(
        &mut self,
        remote: &Remote,
        _published_at: chrono::DateTime<chrono::Utc>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AdapterError> {
        let id = object_id(&remote.id)?;
        let request = self.request(reqwest::Method::DELETE, id);
        let e = match self.call::<serde_json::Value>("DELETE /{object-id}", request) {
            Ok(answer) if answer.get("success") == Some(&serde_json::Value::Bool(false)) => {
                return Err(AdapterError::permanent(
                    "DELETE /{object-id}: Facebook answered `success: false`; delete it by hand",
                ));
            }
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if !is_gone(&e) {
            return Err(e);
        }
        // "Does not exist, cannot be loaded due to missing permissions, or
        // does not support this operation": gone only if it cannot be read.
        let request = self
            .request(reqwest::Method::GET, id)
            .query(&[("fields", "id")]);
        match self.call::<serde_json::Value>("GET /{object-id}", request) {
            Err(gone) if is_gone(&gone) => Ok(()),
            Ok(_) => Err(AdapterError::permanent(format!(
                "{}; it is still on the Page: Facebook refused to delete it, so delete it by hand",
                e.message
            ))),
            Err(other) => Err(other),
        }
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let request = self
            .request(reqwest::Method::GET, &self.page.clone())
            .query(&[("fields", "id,name")]);
        let page: Page = self.call("GET /{page}?fields=name", request)?;
        Ok(format!(
            "Page `{}` ({}); a Page token made from a long-lived user token does not expire",
            page.name, page.id
        ))
    }
}

/// The first part of the thread, which a follow-up comments on.
fn thread_root<'a>(part: &Part<'a>) -> Result<&'a Remote, AdapterError> {
    let root = part.root.ok_or_else(|| {
        AdapterError::permanent("a thread's follow-up needs the post it comments on")
    })?;
    object_id(&root.id)?;
    Ok(root)
}

/// A recorded id, safe to put in a path: `PAGE_POST` or `POST_COMMENT`.
fn object_id(id: &str) -> Result<&str, AdapterError> {
    let digits = |s: &str| !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit());
    match id.split_once('_') {
        Some((a, b)) if digits(a) && digits(b) => Ok(id),
        _ => Err(AdapterError::permanent(format!(
            "`{id}` is not a Facebook post or comment id (PAGEID_POSTID)"
        ))),
    }
}

/// A comment's address: its post's, with `comment_id`.
fn comment_remote(root: &Remote, id: String) -> Remote {
    let comment = id.split_once('_').map_or(id.as_str(), |(_, c)| c);
    let url = root
        .url
        .as_ref()
        .map(|u| format!("{u}?comment_id={comment}"));
    Remote { id, url }
}

/// The id postcal records for the post (or comment) at `url` on the Page
/// `page`: `https://www.facebook.com/PAGE/posts/POST` (with `?comment_id=C`
/// for a comment), `…/permalink.php?story_fbid=POST&id=PAGE`, or
/// `…/PAGE_POST`.
pub(super) fn id_from_url(page: &str, parsed: &url::Url, url: &str) -> Result<String, String> {
    let host = parsed.host_str().unwrap_or("");
    if !(host == "facebook.com" || host.ends_with(".facebook.com")) {
        return Err(format!("`{url}` is not a Facebook address"));
    }
    let query = |k: &str| {
        parsed
            .query_pairs()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.into_owned())
    };
    let segments: Vec<&str> = parsed
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let post = match segments.as_slice() {
        [p, "posts", post] if *p == page => Some((*post).to_owned()),
        ["permalink.php"] if query("id").as_deref() == Some(page) => query("story_fbid"),
        [id] => id
            .split_once('_')
            .filter(|(p, _)| *p == page)
            .map(|(_, post)| post.to_owned()),
        _ => None,
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit());
    match post.filter(|p| digits(p)) {
        Some(post) => Ok(match query("comment_id").filter(|c| digits(c)) {
            Some(comment) => format!("{post}_{comment}"),
            None => format!("{page}_{post}"),
        }),
        None => Err(format!(
            "`{url}` is not an address of a post of Page {page} that shows the post's number (https://www.facebook.com/{page}/posts/NUMBER); for an address with a name or `pfbid…` instead, give `--remote-id {page}_NUMBER` (the post's `id` in the Graph API Explorer)"
        )),
    }
}
