//! Bluesky (atproto): a session kept between runs (`session`), posts written
//! with `createRecord` under the part's deterministic record key
//! (`records`), their text, facets, images and reply refs (`content`),
//! lookup by `getRecord`, delete. PLATFORMS.md §2.
//!
//! Bluesky has no content warning: `cw` is not sent (validation's
//! `cw-unsupported` says so). `Part::key` is the record key.

mod content;
mod records;
mod session;

use std::collections::HashMap;
use std::path::PathBuf;

use reqwest::header::AUTHORIZATION;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::http::Http;
use super::{Adapter, AdapterError, Context, Part, Remote};
use crate::calendar::channel;
use records::{Created, Known, may_exist, parse_at_uri};
use session::{Session, jwt_expiry};

mod metrics;

const POST: &str = "app.bsky.feed.post";
const GET_SESSION: &str = "com.atproto.server.getSession";
const CREATE_RECORD: &str = "com.atproto.repo.createRecord";
const DELETE_RECORD: &str = "com.atproto.repo.deleteRecord";

pub struct Bluesky {
    /// Redacts the app password, and every token once learnt.
    http: Http,
    service: String,
    appview: String,
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

#[derive(Deserialize)]
struct Whoami {
    did: String,
    handle: String,
}

impl Bluesky {
    pub fn new(config: &channel::Bluesky, cx: &Context<'_>) -> Result<Bluesky, AdapterError> {
        let password = cx.secret("app_password", &config.app_password)?;
        Ok(Bluesky {
            http: Http::for_context(cx, vec![password.clone()])?,
            service: config.service.clone(),
            appview: config.appview.clone(),
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
}

impl Adapter for Bluesky {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let did = self.did()?;
        let record = self.record(part)?;
        let body = json!({"repo": did, "collection": POST, "rkey": part.key, "record": record});
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
            Err(e) if may_exist(&e) => match self.get_record(&did, part.key) {
                Ok(Some(record)) => Ok(self.remote(&record.uri)),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The record key is the delivery's: a second `createRecord` under it
    /// fails instead of making a copy, however the first one ended.
    fn resend_is_safe(&self, _age: chrono::Duration, _may_be_running: bool) -> bool {
        true
    }

    fn lookup(
        &mut self,
        part: &Part<'_>,
        _since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        let did = self.did()?;
        Ok(self
            .get_record(&did, part.key)?
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

    fn metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<crate::adapters::Metrics>>, AdapterError> {
        self.read_metrics(ids)
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
