//! Meta's token endpoints for Threads and Instagram (Instagram Login):
//! the authorization code exchanged for a short-lived token (an hour),
//! that one exchanged for a long-lived one (60 days), and the long-lived
//! one renewed once it is a day old and before it runs out
//! (PLATFORMS.md §5, §6, addendum C and E).
//!
//! - Threads: `POST {graph}/oauth/access_token` (the code),
//!   `GET {graph}/access_token?grant_type=th_exchange_token`,
//!   `GET {graph}/refresh_access_token?grant_type=th_refresh_token`.
//! - Instagram: `POST https://api.instagram.com/oauth/access_token`,
//!   `GET {graph}/access_token?grant_type=ig_exchange_token`,
//!   `GET {graph}/refresh_access_token?grant_type=ig_refresh_token`.
//!
//! Each answers `{access_token, token_type, expires_in}` (the code
//! exchange: `{access_token, user_id}`, Instagram's newer form inside
//! `data: [...]`). Tokens travel as query parameters, as Meta documents;
//! every message is redacted of them.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::AdapterError;
use super::http::{Http, Timeouts};

/// A Meta app that issues renewable tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Threads,
    Instagram,
}

impl App {
    /// The platform's name in postcal.yaml.
    pub fn name(self) -> &'static str {
        match self {
            App::Threads => "threads",
            App::Instagram => "instagram",
        }
    }

    pub fn of(platform: &str) -> Option<App> {
        match platform {
            "threads" => Some(App::Threads),
            "instagram" => Some(App::Instagram),
            _ => None,
        }
    }

    /// Where a person signs in and allows the app.
    pub fn authorize_url(self) -> &'static str {
        match self {
            App::Threads => "https://threads.net/oauth/authorize",
            App::Instagram => "https://www.instagram.com/oauth/authorize",
        }
    }

    /// Where the code is exchanged, for a channel on `api_base`.
    pub fn code_url(self, api_base: &str) -> String {
        match self {
            App::Threads => format!("{api_base}/oauth/access_token"),
            App::Instagram => "https://api.instagram.com/oauth/access_token".to_owned(),
        }
    }

    /// What publishing, deleting and reading results need.
    pub fn scopes(self) -> &'static str {
        match self {
            App::Threads => {
                "threads_basic,threads_content_publish,threads_manage_insights,threads_delete"
            }
            App::Instagram => {
                "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights"
            }
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            App::Threads => "th",
            App::Instagram => "ig",
        }
    }
}

/// A token Meta just issued.
#[derive(Debug)]
pub struct Fresh {
    pub token: SecretString,
    /// Seconds from now, when Meta said.
    pub expires_in: Option<i64>,
    /// Whose it is, when Meta said (the code exchange).
    pub user_id: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    user_id: Option<serde_json::Value>,
}

/// Instagram's code exchange may wrap its answer in `data`.
#[derive(Deserialize)]
#[serde(untagged)]
enum CodeAnswer {
    Wrapped { data: Vec<Answer> },
    Plain(Answer),
}

impl Answer {
    fn fresh(self) -> Fresh {
        Fresh {
            token: SecretString::from(self.access_token),
            expires_in: self.expires_in,
            user_id: self.user_id.map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
        }
    }
}

/// Renew a long-lived token (a day old at least, not yet expired): Meta
/// answers with a new one good for 60 days from now.
pub fn refresh(
    app: App,
    api_base: &str,
    token: &SecretString,
    timeouts: Timeouts,
) -> Result<Fresh, AdapterError> {
    let http = Http::new(timeouts, vec![token.clone()])?;
    let what = format!("GET /refresh_access_token ({}_refresh_token)", app.prefix());
    let request = http
        .client()
        .get(format!("{api_base}/refresh_access_token"))
        .query(&[
            (
                "grant_type",
                format!("{}_refresh_token", app.prefix()).as_str(),
            ),
            ("access_token", token.expose_secret()),
        ]);
    read(&http, &what, request)
}

/// Exchange a short-lived token (an hour) for a long-lived one (60 days).
pub fn exchange_short(
    app: App,
    api_base: &str,
    short: &SecretString,
    app_secret: &SecretString,
    timeouts: Timeouts,
) -> Result<Fresh, AdapterError> {
    let http = Http::new(timeouts, vec![short.clone(), app_secret.clone()])?;
    let what = format!("GET /access_token ({}_exchange_token)", app.prefix());
    let request = http
        .client()
        .get(format!("{api_base}/access_token"))
        .query(&[
            (
                "grant_type",
                format!("{}_exchange_token", app.prefix()).as_str(),
            ),
            ("client_secret", app_secret.expose_secret()),
            ("access_token", short.expose_secret()),
        ]);
    read(&http, &what, request)
}

/// What the authorization code exchange needs.
pub struct CodeExchange<'a> {
    pub url: &'a str,
    pub app_id: &'a str,
    pub app_secret: &'a SecretString,
    pub redirect_uri: &'a str,
    pub code: &'a SecretString,
}

/// Exchange the authorization code for a short-lived token.
pub fn exchange_code(x: &CodeExchange<'_>, timeouts: Timeouts) -> Result<Fresh, AdapterError> {
    let http = Http::new(timeouts, vec![x.app_secret.clone(), x.code.clone()])?;
    let what = "POST /oauth/access_token (authorization_code)";
    let request = http.client().post(x.url).form(&[
        ("client_id", x.app_id),
        ("client_secret", x.app_secret.expose_secret()),
        ("grant_type", "authorization_code"),
        ("redirect_uri", x.redirect_uri),
        ("code", x.code.expose_secret()),
    ]);
    let response = http.send(what, request)?;
    match http.json::<CodeAnswer>(what, response)? {
        CodeAnswer::Plain(a) => Ok(a.fresh()),
        CodeAnswer::Wrapped { data } => {
            data.into_iter().next().map(Answer::fresh).ok_or_else(|| {
                AdapterError::permanent(format!("{what}: the answer holds no token"))
            })
        }
    }
}

fn read(
    http: &Http,
    what: &str,
    request: reqwest::blocking::RequestBuilder,
) -> Result<Fresh, AdapterError> {
    let response = http.send(what, request)?;
    let answer: Answer = http.json(what, response)?;
    Ok(answer.fresh())
}
