//! Threads (Meta's Threads API, PLATFORMS.md §5 and addendum C), in two
//! steps: a media container (`POST /{user}/threads`), then
//! `POST /{user}/threads_publish?creation_id=…`, which returns the post's
//! media id. A text post is one call (`auto_publish_text=true`); a
//! thread's later parts reply to the part before (`reply_to_id`).
//!
//! - Exactly once: the container is made in `prepare` and its id recorded
//!   in the ledger before `post` publishes it. A container is seen by no
//!   one until published and is published at most once, so after a crash
//!   or an unclear answer its status settles it (`find.rs`): `PUBLISHED`
//!   means live (its media id is then read from the account's posts, never
//!   taken to be the container id); anything else means not posted, and
//!   the same container (still `FINISHED`) or a new one (`EXPIRED`,
//!   `ERROR`) goes out. A text post has no container: an unclear answer is
//!   settled by the account's posts since the attempt.
//! - Media is fetched by Meta from `media_base_url` + its path.
//! - The publishing quota (250 posts, 1,000 replies in 24 h) is read before
//!   anything is made; a used-up quota holds the delivery (`ErrorKind::Held`).
//! - Refusals come in the Graph envelope (`meta.rs`); 4279009 (the
//!   container is not ready) is waited out; a 5xx on a create or publish
//!   is ambiguous.
//! - The token goes in the `Authorization` header, never in a URL.

mod find;
mod publishing;

use reqwest::blocking::RequestBuilder;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::container::{self, NOT_READY as NOT_READY_NOTE};
use super::http::Http;
use super::meta::{self, Product, Refused, is_gone};
use super::{Adapter, AdapterError, Context, ErrorKind, Expiry, Part, Remote};
use crate::calendar::channel::{self, THREADS_VERSION};

/// How Graph refusals are explained for a Threads account.
const THREADS: Product = Product {
    token: "the Threads token",
    invalid: "it is not a valid Threads token, or it expired (long-lived ones last 60 days)",
    renew: "get a new long-lived token (README: Threads; `postcal auth login` will renew them)",
    permissions: "threads_basic and threads_content_publish (threads_manage_replies for threads, threads_delete to retract, threads_manage_insights for metrics)",
    missing: "the post or container does not exist, or this token cannot see it: check `user_id`",
};

/// "The media container is not yet ready / not propagated": published too
/// early. Nothing was published.
const NOT_READY: i64 = 4_279_009;
/// The account or the activity is restricted.
const RESTRICTED: [i64; 2] = [2_207_051, 4_279_013];

pub struct Threads {
    http: Http,
    /// `{api_base}/v1.0`.
    base: String,
    user: String,
    token: SecretString,
    /// Waits between container status reads.
    poll: container::Poll,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Me {
    id: String,
    #[serde(default)]
    username: Option<String>,
}

impl Threads {
    pub fn new(config: &channel::Threads, cx: &Context<'_>) -> Result<Threads, AdapterError> {
        let token = cx.secret("token", &config.token)?;
        Ok(Threads {
            http: Http::for_context(cx, vec![token.clone()])?,
            base: format!("{}/{THREADS_VERSION}", config.api_base),
            user: config.user_id.clone(),
            token,
            poll: container::Poll::default(),
        })
    }

    /// A request to `{base}/{path}` with the token.
    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        meta::request(&self.http, &self.base, &self.token, method, path)
    }

    /// Send and read a success's JSON; a refusal in the product's own terms.
    fn call<T: DeserializeOwned>(
        &self,
        what: &str,
        request: RequestBuilder,
    ) -> Result<T, AdapterError> {
        meta::call(&self.http, what, request, |r| refusal(&self.http, what, r))
    }
}

/// A refusal as an error, with what Threads' own codes and messages mean.
fn refusal(http: &Http, what: &str, refused: Refused) -> AdapterError {
    let codes = [refused.code, refused.subcode];
    let not_ready = codes.contains(&Some(NOT_READY));
    let restricted = RESTRICTED.iter().any(|c| codes.contains(&Some(*c)));
    let unfetched = refused
        .message
        .to_ascii_lowercase()
        .contains("could not be fetched");
    let mut e = refused.into_error(http, what, &THREADS);
    if not_ready {
        e.kind = ErrorKind::Transient {
            retry_after: Some(std::time::Duration::from_secs(5)),
        };
        e.message.push_str(&format!("; {NOT_READY_NOTE}"));
    } else if restricted {
        e.kind = ErrorKind::Permanent;
        e.message
            .push_str("; Threads restricts this account or action: see the account's status in the Threads app");
    } else if unfetched && e.kind != ErrorKind::Ambiguous {
        e.kind = ErrorKind::Permanent;
        e.message.push_str(
            "; Threads fetches media from `media_base_url` + the file's path: check that `media_base_url` in postcal.yaml is where this workspace is served and that the file is deployed there (open its URL in a browser)",
        );
    }
    e
}

impl Adapter for Threads {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn prepare(&mut self, part: &Part<'_>) -> Result<Option<String>, AdapterError> {
        // Nothing is posted by anything here: an unclear answer is a retry.
        self.prepare_container(part).map_err(container::preparing)
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        match part.prepared {
            Some(prepared) => container::publish(self, part, prepared),
            None if part.media.is_empty() => self.post_text(part),
            None => Err(AdapterError::permanent(
                "a Threads post with media needs its container made first",
            )),
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
        let id = media_id(&remote.id)?;
        let request = self.request(reqwest::Method::DELETE, id);
        match self.call::<serde_json::Value>("DELETE /{media-id}", request) {
            Ok(answer) if answer.get("success") == Some(&serde_json::Value::Bool(true)) => Ok(()),
            Ok(_) => Err(AdapterError::permanent(
                "DELETE /{media-id}: Threads did not answer `success: true`; delete it in the Threads app",
            )),
            // Already gone (deleted by hand): what a retraction wants.
            Err(e) if is_gone(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let request = self
            .request(reqwest::Method::GET, "me")
            .query(&[("fields", "id,username")]);
        let me: Me = self.call("GET /me?fields=id,username", request)?;
        let name = me.username.as_deref().unwrap_or("?");
        if me.id != self.user {
            return Err(AdapterError::permanent(format!(
                "the token belongs to @{name} (Threads user id {}), not to `user_id: {}`: set `user_id: \"{}\"`, or use that account's token",
                me.id, self.user, me.id
            )));
        }
        Ok(format!("@{name} (Threads user id {})", me.id))
    }

    fn expiry(&mut self, _online: bool) -> Result<Expiry, AdapterError> {
        Ok(Expiry::Unknown(
            "a long-lived Threads token lasts 60 days from when it was made or last refreshed (`th_refresh_token`), and Threads does not say when through the token itself: note when you made it (`postcal auth` will keep it and renew it)".to_owned(),
        ))
    }
}

/// A recorded id, safe to put in a path: Threads' ids are numbers.
fn media_id(id: &str) -> Result<&str, AdapterError> {
    container::numeric_id(id, "Threads")
}
