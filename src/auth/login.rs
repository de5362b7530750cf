//! A first token for a Meta channel: the OAuth authorization code flow
//! with a one-shot redirect listener on 127.0.0.1 (its `state` checked), a
//! pasted code or redirect URL, or a pasted token; then the exchange for
//! the 60-day token, which goes into the store.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::adapters::AdapterError;
use crate::adapters::http::Timeouts;
use crate::adapters::meta_token::{self, App, CodeExchange, Fresh};
use crate::tokens::Entry;

/// How the first token is obtained.
pub enum Source {
    /// Sign in in a browser; the platform redirects to `redirect_uri`,
    /// served once on 127.0.0.1 until `wait` runs out. `announce` is told
    /// the URL to open.
    Browser {
        redirect_uri: String,
        wait: Duration,
    },
    /// The `code` (or the whole redirect URL) obtained elsewhere.
    Code(SecretString),
    /// Print the sign-in address, then `read` what the person pastes: the
    /// address the browser ended on (its `state` checked) or the code.
    Prompt(Box<dyn FnOnce() -> Option<SecretString> + 'static>),
    /// A token: short-lived (exchanged) when the app secret is given, else
    /// taken as the long-lived one, lasting `lifetime` (60 days unless said).
    Token {
        token: SecretString,
        lifetime: Option<chrono::Duration>,
    },
}

/// One login.
pub struct Login<'a> {
    pub app: App,
    /// The channel's Graph API base.
    pub api_base: &'a str,
    pub app_id: Option<&'a str>,
    pub app_secret: Option<&'a SecretString>,
    pub authorize_url: String,
    pub code_url: String,
    /// What the app registered as its redirect (the code exchange repeats it).
    pub redirect_uri: String,
    pub timeouts: Timeouts,
    pub now: DateTime<Utc>,
}

/// What a login got: the entry to store, and who it belongs to.
pub struct Obtained {
    pub entry: Entry,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{0}")]
    Usage(String, String),
    #[error(transparent)]
    Platform(#[from] AdapterError),
    #[error("the redirect listener on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

impl LoginError {
    pub fn help(&self) -> Option<String> {
        match self {
            LoginError::Usage(_, help) => Some(help.clone()),
            LoginError::Platform(_) => Some(
                "check the app id and secret (Meta's app dashboard), that the redirect URI is registered exactly, and that the code is fresh (it works once, for an hour)".to_owned(),
            ),
            LoginError::Listen { .. } => Some(
                "another program holds the port: pick another with `--port` (and register that redirect URI), or use `--paste`".to_owned(),
            ),
        }
    }
}

impl Login<'_> {
    /// The address a person opens to allow the app, carrying `state`.
    pub fn authorize_link(&self, state: &str) -> Result<String, LoginError> {
        let app_id = self.need_app_id()?;
        let mut url = url::Url::parse(&self.authorize_url).map_err(|e| {
            LoginError::Usage(
                format!("`{}` is not a URL: {e}", self.authorize_url),
                "give an absolute https:// address".to_owned(),
            )
        })?;
        url.query_pairs_mut()
            .append_pair("client_id", app_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", self.app.scopes())
            .append_pair("response_type", "code")
            .append_pair("state", state);
        Ok(url.into())
    }

    fn need_app_id(&self) -> Result<&str, LoginError> {
        self.app_id.ok_or_else(|| {
            LoginError::Usage(
                "exchanging a code needs the app's id".to_owned(),
                "pass `--app-id` (Meta app dashboard → App settings → Basic; for Threads, the Threads app id)".to_owned(),
            )
        })
    }

    fn need_secret(&self) -> Result<&SecretString, LoginError> {
        self.app_secret.ok_or_else(|| {
            LoginError::Usage(
                "exchanging a code or a short-lived token needs the app secret".to_owned(),
                "pass `--app-secret env:NAME` (or `file:PATH`); a long-lived token can be pasted without it".to_owned(),
            )
        })
    }

    /// Exchange an authorization code for the long-lived token.
    fn exchange(&self, code: &SecretString) -> Result<Obtained, LoginError> {
        let short = meta_token::exchange_code(
            &CodeExchange {
                url: &self.code_url,
                app_id: self.need_app_id()?,
                app_secret: self.need_secret()?,
                redirect_uri: &self.redirect_uri,
                code,
            },
            self.timeouts,
        )?;
        let long = meta_token::exchange_short(
            self.app,
            self.api_base,
            &short.token,
            self.need_secret()?,
            self.timeouts,
        )?;
        Ok(self.obtained(long, short.user_id, None))
    }

    fn obtained(
        &self,
        fresh: Fresh,
        account: Option<String>,
        lifetime: Option<chrono::Duration>,
    ) -> Obtained {
        let mut entry = Entry::new(&fresh.token, self.now);
        entry.platform = Some(self.app.name().to_owned());
        entry.account = fresh.user_id.or(account);
        entry.expires_at = fresh
            .expires_in
            .map(chrono::Duration::seconds)
            .or(lifetime)
            .map(|d| self.now + d);
        Obtained { entry }
    }
}

/// Obtain a token from `source`; `announce` is given the URL to open for
/// the browser flow (and where the listener waits).
pub fn login(
    l: &Login<'_>,
    source: Source,
    announce: &dyn Fn(&str, Option<&str>),
) -> Result<Obtained, LoginError> {
    match source {
        Source::Token { token, lifetime } => match l.app_secret {
            Some(secret) => {
                let long =
                    meta_token::exchange_short(l.app, l.api_base, &token, secret, l.timeouts)?;
                Ok(l.obtained(long, None, None))
            }
            None => {
                let lifetime =
                    lifetime.unwrap_or_else(|| chrono::Duration::days(super::META_LIFETIME_DAYS));
                let fresh = Fresh {
                    token,
                    expires_in: None,
                    user_id: None,
                };
                Ok(l.obtained(fresh, None, Some(lifetime)))
            }
        },
        Source::Code(pasted) => {
            let code = code_of(pasted.expose_secret()).ok_or_else(no_code)?;
            l.exchange(&code)
        }
        Source::Prompt(read) => {
            let state = random_state();
            announce(&l.authorize_link(&state)?, None);
            let pasted = read().ok_or_else(|| {
                LoginError::Usage(
                    "nothing was pasted".to_owned(),
                    "paste the address the browser was sent to and press Enter".to_owned(),
                )
            })?;
            // A pasted address carries the state this login sent, or it is
            // another sign-in's (or a forged) redirect.
            let text = pasted.expose_secret().trim();
            if let Ok(url) = url::Url::parse(text)
                && let Some((_, got)) = url.query_pairs().find(|(k, _)| k == "state")
                && got != state
            {
                return Err(LoginError::Usage(
                    "the pasted address is not this sign-in's (its state does not match)".to_owned(),
                    "open the address printed above (not an older one), allow the app, and paste the address the browser ends on".to_owned(),
                ));
            }
            let code = code_of(text).ok_or_else(no_code)?;
            l.exchange(&code)
        }
        Source::Browser { redirect_uri, wait } => {
            let state = random_state();
            let link = l.authorize_link(&state)?;
            let listener = bind(&redirect_uri)?;
            announce(&link, Some(&redirect_uri));
            let code = wait_for_code(&listener, &state, wait)?;
            l.exchange(&code)
        }
    }
}

fn no_code() -> LoginError {
    LoginError::Usage(
        "the pasted text holds no authorization code".to_owned(),
        "paste the `code` from the address the browser was sent to (or that whole address)"
            .to_owned(),
    )
}

/// The `code` in a redirect URL or the pasted code itself (Threads adds
/// `#_` to it in the browser's address bar, which is not part of it).
fn code_of(pasted: &str) -> Option<SecretString> {
    let text = pasted.trim();
    let code = if text.starts_with("http://") || text.starts_with("https://") {
        let url = url::Url::parse(text).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())?
    } else {
        text.to_owned()
    };
    let code = code.trim_end_matches("#_").to_owned();
    (!code.is_empty()).then(|| SecretString::from(code))
}

/// 128 unpredictable bits, from the OS.
fn random_state() -> String {
    // An age identity is 32 bytes from the OS's generator: its encoding is
    // as unguessable as any state needs to be.
    let (_, line) = crate::tokens::Key::generate();
    line.expose_secret()
        .trim_start_matches("AGE-SECRET-KEY-1")
        .chars()
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn bind(redirect_uri: &str) -> Result<TcpListener, LoginError> {
    let url = url::Url::parse(redirect_uri).ok();
    let addr = url
        .as_ref()
        .filter(|u| u.scheme() == "http" && u.host_str() == Some("127.0.0.1"))
        .and_then(|u| u.port())
        .map(|port| format!("127.0.0.1:{port}"))
        .ok_or_else(|| {
            LoginError::Usage(
                format!("the redirect URI `{redirect_uri}` is not on http://127.0.0.1:PORT/"),
                "the browser flow listens on 127.0.0.1; for another redirect, use `--paste` with the code it receives".to_owned(),
            )
        })?;
    TcpListener::bind(&addr).map_err(|source| LoginError::Listen { addr, source })
}

/// Serve the redirect until one carries `state` and a code. Requests with
/// another state (or none) are answered 400 and do not end the wait: they
/// are not the browser this login sent.
fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    wait: Duration,
) -> Result<SecretString, LoginError> {
    let deadline = Instant::now() + wait;
    listener
        .set_nonblocking(true)
        .map_err(|source| LoginError::Listen {
            addr: "127.0.0.1".to_owned(),
            source,
        })?;
    while Instant::now() < deadline {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(source) => {
                return Err(LoginError::Listen {
                    addr: "127.0.0.1".to_owned(),
                    source,
                });
            }
        };
        match answer(stream, state) {
            Some(Ok(code)) => return Ok(code),
            Some(Err(refusal)) => return Err(refusal),
            None => continue,
        }
    }
    Err(LoginError::Usage(
        format!(
            "no redirect came back within {} minute(s)",
            wait.as_secs().div_ceil(60)
        ),
        "open the address printed above, allow the app, and check the redirect URI registered for it; or use `--paste`".to_owned(),
    ))
}

/// Read one request: `Some(Ok(code))` for this login's redirect,
/// `Some(Err)` when the person refused, `None` for anything else.
fn answer(stream: TcpStream, state: &str) -> Option<Result<SecretString, LoginError>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let reply = |status: &str, text: &str| {
        let body = format!("<!doctype html><title>postcal</title><p>{text}</p>\n");
        let _ = write!(
            &stream,
            "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    if param("state").as_deref() != Some(state) {
        reply(
            "400 Bad Request",
            "This is not the sign-in postcal is waiting for (its state does not match).",
        );
        return None;
    }
    if let Some(error) = param("error") {
        reply("200 OK", "postcal was not allowed; you can close this tab.");
        let why = param("error_description").unwrap_or(error);
        return Some(Err(LoginError::Usage(
            format!("the platform answered: {why}"),
            "sign in again and allow the permissions postcal asks for".to_owned(),
        )));
    }
    let code = param("code").and_then(|c| code_of(&c))?;
    reply(
        "200 OK",
        "postcal has the code and is getting the token; you can close this tab.",
    );
    Some(Ok(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_from_a_redirect_url_or_on_its_own() {
        let got = |s: &str| code_of(s).map(|c| c.expose_secret().to_owned());
        assert_eq!(
            got("https://example.com/cb?code=AQB123#_&state=x").as_deref(),
            Some("AQB123")
        );
        assert_eq!(
            got("http://127.0.0.1:8765/cb?code=AQB9&state=s").as_deref(),
            Some("AQB9")
        );
        assert_eq!(got("  AQB77#_\n").as_deref(), Some("AQB77"));
        assert_eq!(got("https://example.com/cb?error=denied"), None);
        assert_eq!(got("   "), None);
    }

    #[test]
    fn states_differ_and_are_long() {
        let (a, b) = (random_state(), random_state());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
