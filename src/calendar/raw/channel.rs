//! A channel as written in postcal.yaml: every platform's fields in one
//! strict structure (which apply depends on `platform`).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::{Loc, Located};
use crate::platform::Platform;

/// One channel. Which fields apply depends on `platform`; credential fields
/// (`token`, `app_password`, `webhook`, `secret`, `client_secret`,
/// `page_token`, X's `api_key`, `api_secret`, `access_token`, `access_secret`)
/// take `env:NAME` or `file:PATH` only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub platform: Located<Platform>,
    /// Mastodon: server URL, e.g. `https://mastodon.social`.
    #[serde(default)]
    pub instance: Option<Located<String>>,
    /// Mastodon access token, Telegram bot token, LinkedIn, Threads or Instagram access token (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub token: Option<Located<String>>,
    /// Mastodon or webhook: the character limit (Mastodon default 500).
    #[serde(default)]
    pub max_chars: Option<Located<u32>>,
    /// Bluesky handle, e.g. `acme.bsky.social`.
    #[serde(default)]
    pub handle: Option<Located<String>>,
    /// Bluesky app password (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub app_password: Option<Located<String>>,
    /// Bluesky PDS URL (default `https://bsky.social`).
    #[serde(default)]
    pub service: Option<Located<String>>,
    /// Bluesky AppView `metrics pull` reads likes and reposts from
    /// (default `https://public.api.bsky.app`).
    #[serde(default)]
    pub appview: Option<Located<String>>,
    /// Discord or Slack webhook URL (`env:NAME` or `file:PATH`: the URL carries a token).
    #[serde(default)]
    pub webhook: Option<Located<String>>,
    /// Telegram chat: a number or `@channelname`.
    #[serde(default)]
    pub chat_id: Option<Located<RawChatId>>,
    /// Telegram Bot API base URL (default `https://api.telegram.org`), or
    /// LinkedIn's (default `https://api.linkedin.com`), the Facebook Graph
    /// API's (default `https://graph.facebook.com`), X's (default
    /// `https://api.x.com`), the Threads API's (default
    /// `https://graph.threads.net`), Instagram's (default
    /// `https://graph.instagram.com`, or `https://graph.facebook.com` with
    /// `login: facebook`).
    #[serde(default)]
    pub api_base: Option<Located<String>>,
    /// Facebook: the Page's numeric id.
    #[serde(default)]
    pub page_id: Option<Located<RawNumericId>>,
    /// Facebook: a Page access token (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub page_token: Option<Located<String>>,
    /// Threads or Instagram: the account's numeric user id (`id` in GET
    /// /me on Threads, `user_id` on Instagram).
    #[serde(default)]
    pub user_id: Option<Located<RawNumericId>>,
    /// Instagram: how the token was obtained, `instagram` (Business Login
    /// for Instagram, the default) or `facebook` (a Page token of the
    /// linked Facebook Page).
    #[serde(default)]
    pub login: Option<Located<RawLogin>>,
    /// Facebook or Instagram: the Graph API version, e.g. `v23.0` (the default).
    #[serde(default)]
    pub graph_version: Option<Located<String>>,
    /// X: the app's API key, or consumer key (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub api_key: Option<Located<String>>,
    /// X: the app's API key secret, or consumer secret (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub api_secret: Option<Located<String>>,
    /// X: the account's OAuth 1.0a access token (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub access_token: Option<Located<String>>,
    /// X: the account's access token secret (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub access_secret: Option<Located<String>>,
    /// Generic webhook endpoint (literal URL or `env:NAME`).
    #[serde(default)]
    pub url: Option<Located<String>>,
    /// Generic webhook signing secret (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub secret: Option<Located<String>>,
    /// LinkedIn: who posts, `urn:li:person:…` or `urn:li:organization:…`.
    #[serde(default)]
    pub author: Option<Located<String>>,
    /// LinkedIn API version, `YYYYMM` (the `LinkedIn-Version` header).
    #[serde(default)]
    pub linkedin_version: Option<Located<String>>,
    /// LinkedIn app's client id: with `client_secret`, doctor asks LinkedIn when the token expires.
    #[serde(default)]
    pub client_id: Option<Located<String>>,
    /// LinkedIn app's client secret (`env:NAME` or `file:PATH`).
    #[serde(default)]
    pub client_secret: Option<Located<String>>,
    /// LinkedIn: when the token expires (`2027-01-30` or RFC 3339), as LinkedIn
    /// showed it; doctor warns 14 days before.
    #[serde(default)]
    pub expires_at: Option<Located<String>>,
    /// When a request may or may not have been posted and the platform
    /// cannot be asked: `hold` (default: record it unknown, wait for a
    /// person) or `retry` (send again: a possible duplicate over a missed post).
    #[serde(default)]
    pub on_ambiguous: Option<Located<RawOnAmbiguous>>,
}

/// How an Instagram token was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawLogin {
    Instagram,
    Facebook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawOnAmbiguous {
    Hold,
    Retry,
}

impl RawChannel {
    /// The fields written, besides `platform`, with where they are.
    pub fn present_fields(&self) -> Vec<(&'static str, Loc)> {
        let string_fields = [
            ("instance", &self.instance),
            ("token", &self.token),
            ("handle", &self.handle),
            ("app_password", &self.app_password),
            ("service", &self.service),
            ("appview", &self.appview),
            ("webhook", &self.webhook),
            ("api_base", &self.api_base),
            ("url", &self.url),
            ("secret", &self.secret),
            ("author", &self.author),
            ("linkedin_version", &self.linkedin_version),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("expires_at", &self.expires_at),
            ("page_token", &self.page_token),
            ("graph_version", &self.graph_version),
            ("api_key", &self.api_key),
            ("api_secret", &self.api_secret),
            ("access_token", &self.access_token),
            ("access_secret", &self.access_secret),
        ];
        let mut out: Vec<_> = string_fields
            .iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| (*n, v.loc)))
            .collect();
        if let Some(v) = &self.max_chars {
            out.push(("max_chars", v.loc));
        }
        if let Some(v) = &self.chat_id {
            out.push(("chat_id", v.loc));
        }
        if let Some(v) = &self.on_ambiguous {
            out.push(("on_ambiguous", v.loc));
        }
        if let Some(v) = &self.page_id {
            out.push(("page_id", v.loc));
        }
        if let Some(v) = &self.user_id {
            out.push(("user_id", v.loc));
        }
        if let Some(v) = &self.login {
            out.push(("login", v.loc));
        }
        out
    }
}

/// A numeric id (a Facebook Page's, a Threads or Instagram user's): a number, or the
/// same digits quoted.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawNumericId {
    Number(u64),
    Text(String),
}

/// A Telegram chat id: a number, or `@channelname`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawChatId {
    Number(i64),
    Name(String),
}
