//! X (API v2), OAuth 1.0a user context (PLATFORMS.md §3 and addendum A):
//! `POST /2/tweets` with `{text, reply: {in_reply_to_tweet_id}, media:
//! {media_ids}}` (threads are replies to the part before), images through
//! the chunked media upload with alt text, `DELETE /2/tweets/:id`, and
//! `GET /2/users/me` for doctor.
//!
//! - No idempotency: a create whose answer is unclear (a timeout, a 5xx, a
//!   dropped connection, the duplicate-content 403) is never re-sent
//!   blindly. `lookup` reads the account's posts since the attempt and
//!   matches the text with its links masked (`lookup.rs`).
//! - Rate limits: a 429 is transient, with the wait `x-rate-limit-reset`
//!   gives; `errors[]` in a 200 is a failure (`answers.rs`).
//! - Every request is signed (`oauth.rs`) with the run's clock plus the
//!   time since the adapter was built, so a long run stays in X's window.

mod answers;
mod lookup;
mod media;
mod metrics;
mod oauth;

use std::collections::HashSet;
use std::time::Instant;

use chrono::{DateTime, Utc};
use reqwest::Method;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

use super::http::Http;
use super::{Adapter, AdapterError, Context, ErrorKind, Part, Remote};
use crate::calendar::channel;
use answers::{DUPLICATE, NOT_FOUND, call, data_str};
use oauth::Credentials;

pub struct X {
    http: Http,
    api_base: String,
    credentials: Credentials,
    /// The run's clock when the adapter was built, and when that was.
    clock: (DateTime<Utc>, Instant),
    /// The account, once asked.
    me: Option<Me>,
    /// Keys of parts X refused as duplicates in this run: their look-up
    /// searches further back.
    duplicates: HashSet<String>,
}

struct Me {
    id: String,
    username: String,
}

impl X {
    pub fn new(config: &channel::X, cx: &Context<'_>) -> Result<X, AdapterError> {
        let credentials = Credentials {
            consumer_key: cx.secret("api_key", &config.api_key)?,
            consumer_secret: cx.secret("api_secret", &config.api_secret)?,
            token: cx.secret("access_token", &config.access_token)?,
            token_secret: cx.secret("access_secret", &config.access_secret)?,
        };
        let secrets = vec![
            credentials.consumer_key.clone(),
            credentials.consumer_secret.clone(),
            credentials.token.clone(),
            credentials.token_secret.clone(),
        ];
        Ok(X {
            http: Http::for_context(cx, secrets)?,
            api_base: config.api_base.clone(),
            credentials,
            clock: (cx.now, Instant::now()),
            me: None,
            duplicates: HashSet::new(),
        })
    }

    /// Now, on the run's clock.
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.clock.1.elapsed()).unwrap_or_default();
        self.clock.0 + elapsed
    }

    /// A signed request for `path` (with `query`) on the API.
    fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<RequestBuilder, AdapterError> {
        let mut url = url::Url::parse(&format!("{}{path}", self.api_base)).map_err(|e| {
            AdapterError::permanent(format!("the X `api_base` does not make a URL: {e}"))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let authorization = oauth::authorization(
            &self.credentials,
            method.as_str(),
            &url,
            self.now().timestamp(),
            &oauth::nonce(),
        );
        Ok(self
            .http
            .client()
            .request(method, url)
            .header("Authorization", authorization))
    }

    /// The account the credentials belong to (`GET /2/users/me`, once).
    fn me(&mut self) -> Result<&Me, AdapterError> {
        if self.me.is_none() {
            let what = "GET /2/users/me";
            let answer = call(
                &self.http,
                what,
                self.request(Method::GET, "/2/users/me", &[])?,
            )?;
            self.me = Some(Me {
                id: data_str(&answer, "id", what)?,
                username: data_str(&answer, "username", what)?,
            });
        }
        Ok(self.me.as_ref().expect("set above"))
    }
}

/// A post by its id; its address works without the account's name.
fn remote(id: String) -> Remote {
    Remote {
        url: Some(format!("https://x.com/i/web/status/{id}")),
        id,
    }
}

impl Adapter for X {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<crate::adapters::Metrics>>, AdapterError> {
        self.read_metrics(ids)
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let media_ids = part
            .media
            .iter()
            .map(|m| self.upload(m))
            .collect::<Result<Vec<_>, _>>()?;
        let mut body = json!({ "text": part.text });
        if let Some(parent) = part.reply_to {
            body["reply"] = json!({ "in_reply_to_tweet_id": parent.id });
        }
        if !media_ids.is_empty() {
            body["media"] = json!({ "media_ids": media_ids });
        }
        let what = "POST /2/tweets";
        let answer = call(
            &self.http,
            what,
            self.request(Method::POST, "/2/tweets", &[])?.json(&body),
        )
        .inspect_err(|e| {
            if e.code.as_deref() == Some(DUPLICATE) {
                self.duplicates.insert(part.key.to_owned());
            }
        })?;
        Ok(remote(data_str(&answer, "id", what)?))
    }

    fn lookup(
        &mut self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        self.find(part, since)
    }

    fn delete(
        &mut self,
        remote: &Remote,
        _published_at: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> Result<(), AdapterError> {
        let what = "DELETE /2/tweets/:id";
        let path = format!("/2/tweets/{}", remote.id);
        match call(&self.http, what, self.request(Method::DELETE, &path, &[])?) {
            Ok(answer) if answer.pointer("/data/deleted") == Some(&Value::Bool(true)) => Ok(()),
            Ok(answer) => Err(AdapterError::new(
                ErrorKind::Permanent,
                self.http.redact(&format!(
                    "{what}: X did not delete it: {}",
                    answers::one_line(&answer.to_string(), 200)
                )),
            )),
            // Already gone.
            Err(e) if e.status == Some(404) || e.code.as_deref() == Some(NOT_FOUND) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let me = self.me()?;
        Ok(format!("@{} (user {})", me.username, me.id))
    }
}
