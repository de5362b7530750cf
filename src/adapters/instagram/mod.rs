//! Instagram (the Graph API for professional accounts, PLATFORMS.md §6 and
//! addendum E), in two steps: a media container (`POST /{user}/media`),
//! then `POST /{user}/media_publish` with `creation_id`, which returns the
//! post's media id. Instagram has no text-only posts and no threads.
//!
//! - Login kinds: `login: instagram` (Business Login for Instagram,
//!   `graph.instagram.com`, an Instagram user token) or `login: facebook`
//!   (`graph.facebook.com`, a Page token of the linked Page). The paths
//!   are the same; `check` asks `/me` or `/{user}` accordingly.
//! - Exactly once, as for Threads (`container.rs`): the container is made in
//!   `prepare` and recorded before `post` publishes it; after a crash or an
//!   unclear answer its `status_code` settles it, and a `PUBLISHED` one's
//!   media id is read from the account's media (`find.rs`), never taken to
//!   be the container id.
//! - Media is fetched by Meta from `media_base_url` + its path: JPEG
//!   images, MP4/MOV Reels, carousels of 2–10.
//! - The publishing quota (50 in 24 h) is read before anything is made; a
//!   used-up quota holds the delivery (`ErrorKind::Held`).
//! - Refusals come in the Graph envelope (`meta.rs`); 9007/2207027 (published
//!   too early) is waited out; a 5xx on a publish is ambiguous.
//! - Instagram's API deletes no feed media: `delete` is unsupported.
//! - The token goes in the `Authorization` header, never in a URL.

mod find;
mod publishing;

use reqwest::blocking::RequestBuilder;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::container::{self, NOT_READY};
use super::http::Http;
use super::meta::{self, Product, Refused};
use super::{Adapter, AdapterError, Context, ErrorKind, Expiry, Part, Remote};
use crate::calendar::channel::{self, InstagramLogin};

/// How Graph refusals are explained, by login kind.
const INSTAGRAM_LOGIN: Product = Product {
    token: "the Instagram token",
    invalid: "it is not a valid Instagram token, or it expired (long-lived ones last 60 days)",
    renew: "get a new long-lived token (`postcal auth login CHANNEL`, or README: Instagram)",
    permissions: "instagram_business_basic and instagram_business_content_publish (instagram_business_manage_insights for metrics)",
    missing: "the media or container does not exist, or this token cannot see it: check `user_id`",
};
const FACEBOOK_LOGIN: Product = Product {
    token: "the Page token",
    invalid: "it is not a valid Page token for the Page linked to this Instagram account",
    renew: "get a new Page token (README: Instagram, Facebook Login)",
    permissions: "instagram_basic, instagram_content_publish, pages_read_engagement and pages_show_list (instagram_manage_insights for metrics)",
    missing: "the media or container does not exist, or this token cannot see it: check `user_id` (the Page's `instagram_business_account`)",
};

/// "Media ID is not available": published before it was ready (9007/2207027).
const NOT_READY_CODES: [i64; 2] = [9007, 2_207_027];
/// The container expired or does not exist (24/2207008).
const EXPIRED_CODES: [i64; 2] = [24, 2_207_008];
/// The daily publishing limit is reached (9/2207042).
const LIMIT_REACHED: i64 = 2_207_042;
/// Meta could not fetch the media from its URL.
const UNFETCHED: [i64; 3] = [2_207_004, 2_207_052, 2_207_003];
const CAPTION_TOO_LONG: i64 = 2_207_010;
const UNSUPPORTED_VIDEO: i64 = 2_207_026;
/// The account or the activity is restricted.
const RESTRICTED: [i64; 2] = [2_207_051, 2_207_050];

pub struct Instagram {
    http: Http,
    /// `{api_base}/{graph_version}`.
    base: String,
    user: String,
    login: InstagramLogin,
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
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    user_id: Option<serde_json::Value>,
    #[serde(default)]
    username: Option<String>,
}

impl Instagram {
    pub fn new(config: &channel::Instagram, cx: &Context<'_>) -> Result<Instagram, AdapterError> {
        let token = cx.secret("token", &config.token)?;
        Ok(Instagram {
            http: Http::for_context(cx, vec![token.clone()])?,
            base: format!("{}/{}", config.api_base, config.graph_version),
            user: config.user_id.clone(),
            login: config.login,
            token,
            poll: container::Poll::default(),
        })
    }

    fn product(&self) -> &'static Product {
        match self.login {
            InstagramLogin::Instagram => &INSTAGRAM_LOGIN,
            InstagramLogin::Facebook => &FACEBOOK_LOGIN,
        }
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
        meta::call(&self.http, what, request, |r| {
            refusal(&self.http, what, r, self.product())
        })
    }
}

/// A refusal as an error, with what Instagram's own codes mean.
fn refusal(http: &Http, what: &str, refused: Refused, product: &Product) -> AdapterError {
    let codes = [refused.code, refused.subcode];
    let has = |list: &[i64]| list.iter().any(|c| codes.contains(&Some(*c)));
    let unfetched = has(&UNFETCHED)
        || refused
            .message
            .to_ascii_lowercase()
            .contains("could not be fetched");
    let (not_ready, expired, limit) = (
        has(&NOT_READY_CODES),
        has(&EXPIRED_CODES),
        has(&[LIMIT_REACHED]),
    );
    let (too_long, bad_video, restricted) = (
        has(&[CAPTION_TOO_LONG]),
        has(&[UNSUPPORTED_VIDEO]),
        has(&RESTRICTED),
    );
    let mut e = refused.into_error(http, what, product);
    let (kind, note) = if not_ready {
        (
            ErrorKind::Transient {
                retry_after: Some(std::time::Duration::from_secs(2)),
            },
            NOT_READY,
        )
    } else if expired {
        // Nothing was published, and a new attempt's `prepare` finds the
        // container gone and makes another.
        (
            ErrorKind::Transient { retry_after: None },
            "the container expired or does not exist (nothing was published): the next attempt makes a new one",
        )
    } else if limit {
        (
            ErrorKind::Held,
            "the account's 50 posts in 24 hours are used up; held, nothing sent: a later run sends it",
        )
    } else if too_long {
        (
            ErrorKind::Permanent,
            "the caption is too long for Instagram (2,200 characters, 30 hashtags): shorten it; `postcal validate` checks both",
        )
    } else if bad_video {
        (
            ErrorKind::Permanent,
            "Instagram does not take this video: a Reel is MP4 or MOV (H.264 or HEVC, AAC audio), 3 s to 15 min",
        )
    } else if restricted {
        (
            ErrorKind::Permanent,
            "Instagram restricts this account or action: see the account's status in the Instagram app",
        )
    } else if unfetched && e.kind != ErrorKind::Ambiguous {
        (
            ErrorKind::Permanent,
            "Instagram fetches media from `media_base_url` + the file's path: check that `media_base_url` in postcal.yaml is where this workspace is served and that the file is deployed there (open its URL in a browser)",
        )
    } else {
        return e;
    };
    e.kind = kind;
    e.message.push_str(&format!("; {note}"));
    e
}

impl Adapter for Instagram {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn prepare(&mut self, part: &Part<'_>) -> Result<Option<String>, AdapterError> {
        // Nothing is posted by anything here: an unclear answer is a retry.
        self.prepare_container(part)
            .map(Some)
            .map_err(container::preparing)
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        match part.prepared {
            Some(prepared) => container::publish(self, part, prepared),
            None => Err(AdapterError::permanent(
                "an Instagram post needs its media container made first",
            )),
        }
    }

    fn lookup(
        &mut self,
        part: &Part<'_>,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        match part.prepared {
            Some(prepared) => container::settle(self, part, prepared, since),
            // Media is only ever published through a recorded container.
            None => Ok(None),
        }
    }

    fn metrics(&mut self, ids: &[&str]) -> Result<Vec<Option<super::Metrics>>, AdapterError> {
        self.read_metrics(ids)
    }

    fn delete(
        &mut self,
        _remote: &Remote,
        _published_at: chrono::DateTime<chrono::Utc>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AdapterError> {
        Err(AdapterError::unsupported(
            "Instagram's API cannot delete a published post: delete it in the Instagram app (the post's ⋯ menu → Delete), then record it retracted",
        ))
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let (path, fields, what) = match self.login {
            InstagramLogin::Instagram => (
                "me".to_owned(),
                "user_id,username",
                "GET /me?fields=user_id,username",
            ),
            InstagramLogin::Facebook => (
                container::numeric_id(&self.user, "Instagram")?.to_owned(),
                "id,username",
                "GET /{user}?fields=id,username",
            ),
        };
        let request = self
            .request(reqwest::Method::GET, &path)
            .query(&[("fields", fields)]);
        let me: Me = self.call(what, request)?;
        let id = match &me.user_id {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => me.id.clone(),
        };
        let id = id.unwrap_or_default();
        let name = me.username.as_deref().unwrap_or("?");
        if id != self.user {
            return Err(AdapterError::permanent(format!(
                "the token belongs to @{name} (Instagram user id {id}), not to `user_id: {}`: set `user_id: \"{id}\"`, or use that account's token",
                self.user
            )));
        }
        Ok(format!("@{name} (Instagram user id {id})"))
    }

    fn expiry(&mut self, _online: bool) -> Result<Expiry, AdapterError> {
        Ok(Expiry::Unknown(match self.login {
            InstagramLogin::Instagram => "a long-lived Instagram token lasts 60 days from when it was made or last refreshed (`ig_refresh_token`), and Instagram does not say when through the token itself: note when you made it (`postcal auth login` will keep it and renew it)".to_owned(),
            InstagramLogin::Facebook => "a Page token derived from a long-lived user token does not expire, but one from a short-lived token lasts an hour: check it in Meta's Access Token Debugger".to_owned(),
        }))
    }
}
