//! LinkedIn (Posts API), as a member or an organization: `POST /rest/posts`
//! (the new post's URN only in the `x-restli-id` header of a 201 with an
//! empty body), commentary in the little text format, images uploaded
//! through the Images API (`images`), a thread's follow-ups as comments on
//! the post, `DELETE` for retraction, `/v2/userinfo` or the organization
//! for doctor, the token's expiry (`token`), and engagement from the
//! reporting APIs (`stats`). PLATFORMS.md §4 and
//! addendum B.
//!
//! - Every REST call carries `LinkedIn-Version` (the channel's
//!   `linkedin_version`) and `X-Restli-Protocol-Version: 2.0.0`.
//! - No idempotency key. After an ambiguous answer, `lookup` lists the
//!   author's recent posts (or the post's comments) and matches the text
//!   and time; a member token without the private `r_member_social` may not
//!   list them, and then the outcome is unknown unless the channel says
//!   `on_ambiguous: retry`.
//! - Sending identical text twice is refused with a 422 `DUPLICATE_POST`
//!   that names the existing post. When the part is being settled (a
//!   `lookup` for it came first, since its earlier attempt), the named post
//!   is read back: if it is the author's, with this text, made since that
//!   attempt, it is the part. Otherwise the refusal is permanent and says
//!   which post LinkedIn means.

mod images;
mod posts;
mod stats;
mod token;

pub(super) use token::recorded_expiry;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use reqwest::blocking::RequestBuilder;
use secrecy::SecretString;

use super::http::{Http, bearer, deleted, not_found};
use super::{Adapter, AdapterError, Context, ErrorKind, Expiry, Part, Remote};
use crate::calendar::channel::{self, LinkedinAuthor};

/// The REST API answering by default; its OAuth endpoints live elsewhere.
const API: &str = "https://api.linkedin.com";
const OAUTH: &str = "https://www.linkedin.com";

/// How far LinkedIn's clock may be behind the attempt's record when a post
/// it made is matched to that attempt.
const SKEW: chrono::Duration = chrono::Duration::minutes(5);

pub struct Linkedin {
    http: Http,
    api: String,
    /// Where `introspectToken` is: www.linkedin.com, or a custom `api_base`.
    oauth: String,
    version: String,
    author: LinkedinAuthor,
    token: SecretString,
    app: Option<(String, SecretString)>,
    expires_at: Option<DateTime<Utc>>,
    /// Parts being settled: key → when the earlier attempt was made (told
    /// by `lookup`, which the engine asks before any resend).
    settling: HashMap<String, DateTime<Utc>>,
}

impl Linkedin {
    pub fn new(config: &channel::Linkedin, cx: &Context<'_>) -> Result<Linkedin, AdapterError> {
        let token = cx.secret("token", &config.token)?;
        let mut secrets = vec![token.clone()];
        let app = match &config.app {
            Some(app) => {
                let secret = cx.secret("client_secret", &app.client_secret)?;
                secrets.push(secret.clone());
                Some((app.client_id.clone(), secret))
            }
            None => None,
        };
        let oauth = if config.api_base == API {
            OAUTH.to_owned()
        } else {
            config.api_base.clone()
        };
        Ok(Linkedin {
            http: Http::for_context(cx, secrets)?,
            api: config.api_base.clone(),
            oauth,
            version: config.version.clone(),
            author: config.author.clone(),
            token,
            app,
            expires_at: config.expires_at,
            settling: HashMap::new(),
        })
    }

    /// `request` with the token and the two headers every REST call needs.
    fn rest(&self, request: RequestBuilder) -> RequestBuilder {
        request
            .header("Authorization", bearer(&self.token))
            .header("LinkedIn-Version", &self.version)
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    /// Send a REST call; a refused token says what to do about it.
    fn send(
        &self,
        what: &str,
        request: RequestBuilder,
    ) -> Result<reqwest::blocking::Response, AdapterError> {
        self.http
            .send(what, self.rest(request))
            .map_err(token_hint)
            .map_err(|mut e| {
                if e.status == Some(426) {
                    e.message.push_str(&format!(
                        "; LinkedIn no longer serves API version {}: set the channel's `linkedin_version` to a recent YYYYMM (versions are retired about a year after release)",
                        self.version
                    ));
                }
                e
            })
    }
}

impl Adapter for Linkedin {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        if part.index == 0 {
            self.create_post(part)
        } else {
            let root = part.root.ok_or_else(|| {
                AdapterError::permanent("a thread part has no post to comment on")
            })?;
            self.create_comment(part, &root.id)
        }
    }

    fn lookup(
        &mut self,
        part: &Part<'_>,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        self.settling.insert(part.key.to_owned(), since);
        match part.root.filter(|_| part.index > 0) {
            None => self.find_post(part.text, since),
            Some(root) => self.find_comment(&root.id, part.text, since),
        }
    }

    fn metrics(&mut self, ids: &[&str]) -> Result<Vec<Option<super::Metrics>>, AdapterError> {
        self.read_metrics(ids)
    }

    fn delete(
        &mut self,
        remote: &Remote,
        _published_at: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> Result<(), AdapterError> {
        let request = match parse_comment_urn(&remote.id) {
            // A comment: under the post it is on, as the author.
            Some((object, id)) => (
                "DELETE /rest/socialActions/:urn/comments/:id",
                self.http
                    .client()
                    .delete(self.url(&format!(
                        "/rest/socialActions/{}/comments/{}",
                        encode(object),
                        encode(id)
                    )))
                    .query(&[("actor", self.author.urn())]),
            ),
            None => (
                "DELETE /rest/posts/:urn",
                self.http
                    .client()
                    .delete(self.url(&format!("/rest/posts/{}", encode(&remote.id)))),
            ),
        };
        deleted(self.send(request.0, request.1), not_found)
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        self.whoami()
    }

    fn expiry(&mut self, online: bool) -> Result<Expiry, AdapterError> {
        self.token_expiry(online)
    }
}

/// A 401 means the token is no longer good: LinkedIn's last 60 days.
fn token_hint(mut e: AdapterError) -> AdapterError {
    if e.status == Some(401) {
        e.kind = ErrorKind::Permanent;
        e.message.push_str(
            "; LinkedIn tokens expire after 60 days: get a new one, update the channel's `token`, and run `postcal doctor`",
        );
    }
    e
}

/// Where people see a post.
fn post_url(urn: &str) -> String {
    format!("https://www.linkedin.com/feed/update/{urn}/")
}

/// `urn:li:comment:(OBJECT,ID)` → (OBJECT, ID).
fn parse_comment_urn(urn: &str) -> Option<(&str, &str)> {
    let inner = urn.strip_prefix("urn:li:comment:(")?.strip_suffix(')')?;
    let (object, id) = inner.rsplit_once(',')?;
    (!object.is_empty() && !id.is_empty()).then_some((object, id))
}

/// `s` percent-encoded for a path segment or query (Rest.li keys such as
/// URNs are sent encoded).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `s` with `%XX` sequences decoded (an `x-restli-id` may come encoded).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_urns() {
        assert_eq!(
            parse_comment_urn("urn:li:comment:(urn:li:share:7141,6636)"),
            Some(("urn:li:share:7141", "6636"))
        );
        assert_eq!(parse_comment_urn("urn:li:share:7141"), None);
        assert_eq!(parse_comment_urn("urn:li:comment:(,1)"), None);
    }

    #[test]
    fn urns_are_encoded_for_paths_and_decoded_from_headers() {
        let urn = "urn:li:comment:(urn:li:share:1,2)";
        assert_eq!(
            encode(urn),
            "urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A1%2C2%29"
        );
        assert_eq!(decode(&encode(urn)), urn);
        assert_eq!(decode("urn:li:share:1"), "urn:li:share:1");
        assert_eq!(decode("100%"), "100%");
    }
}
