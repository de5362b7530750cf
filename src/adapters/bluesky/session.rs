//! The Bluesky session: `createSession` once, `refreshSession` when the
//! access token expires, kept between runs in
//! `<cache_dir>/bluesky-<channel>.json` (0600, in a directory that git
//! ignores), and requests sent with it.

use std::io::Write;
use std::path::Path;

use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::AUTHORIZATION;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Bluesky;
use crate::adapters::http::{Http, bearer};
use crate::adapters::{AdapterError, ErrorKind};

const CREATE_SESSION: &str = "com.atproto.server.createSession";
const REFRESH_SESSION: &str = "com.atproto.server.refreshSession";

#[derive(Debug)]
pub(super) struct Session {
    pub(super) did: String,
    pub(super) handle: String,
    pub(super) access: SecretString,
    pub(super) refresh: SecretString,
}

/// A session as the PDS answers it and as the cache file holds it. The
/// tokens become `SecretString`s at once; no `Debug` here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SessionAnswer {
    pub(super) did: String,
    pub(super) handle: String,
    pub(super) access_jwt: String,
    pub(super) refresh_jwt: String,
    /// Cache file only: which service and login the session belongs to.
    #[serde(default)]
    pub(super) service: Option<String>,
    #[serde(default)]
    pub(super) identifier: Option<String>,
}

impl Bluesky {
    /// The session: the one in hand, the cached one, or a new login.
    pub(super) fn session(&mut self) -> Result<&Session, AdapterError> {
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

    pub(super) fn did(&mut self) -> Result<String, AdapterError> {
        Ok(self.session()?.did.clone())
    }

    pub(super) fn login(&mut self) -> Result<(), AdapterError> {
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
    pub(super) fn renew(&mut self) -> Result<(), AdapterError> {
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
    pub(super) fn adopt(&mut self, answer: SessionAnswer, save: bool) -> Result<(), AdapterError> {
        let session = Session {
            did: answer.did,
            handle: answer.handle,
            access: SecretString::from(answer.access_jwt),
            refresh: SecretString::from(answer.refresh_jwt),
        };
        self.http.add_secret(session.access.clone());
        self.http.add_secret(session.refresh.clone());
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

    pub(super) fn load_cache(&self) -> Option<SessionAnswer> {
        let text = std::fs::read_to_string(&self.cache_file).ok()?;
        let cached: SessionAnswer = serde_json::from_str(&text).ok()?;
        // A session for another service or account is not ours.
        (cached.service.as_deref() == Some(self.service.as_str())
            && cached.identifier.as_deref() == Some(self.identifier.as_str()))
        .then_some(cached)
    }

    pub(super) fn save_cache(&self, session: &Session) -> std::io::Result<()> {
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
    pub(super) fn authed(
        &mut self,
        nsid: &str,
        build: impl Fn(&Http, String) -> RequestBuilder,
    ) -> Result<Response, AdapterError> {
        let auth = bearer(&self.session()?.access);
        match self.http.send(nsid, build(&self.http, auth)) {
            Err(e) if token_refused(&e) => {
                self.renew()?;
                let auth = bearer(&self.session()?.access);
                self.http.send(nsid, build(&self.http, auth))
            }
            other => other,
        }
    }

    pub(super) fn authed_json<T: serde::de::DeserializeOwned>(
        &mut self,
        nsid: &str,
        build: impl Fn(&Http, String) -> RequestBuilder,
    ) -> Result<T, AdapterError> {
        let response = self.authed(nsid, build)?;
        self.http.json(nsid, response)
    }
}

/// The `exp` claim of a JWT (its payload is base64url JSON; the signature is
/// the server's business, not ours).
pub(super) fn jwt_expiry(token: &SecretString) -> Option<chrono::DateTime<chrono::Utc>> {
    use base64::Engine as _;
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let exp = serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()?;
    chrono::DateTime::from_timestamp(exp, 0)
}

/// Write `bytes` to `path`, readable by the owner only, replacing it whole.
/// The directory ignores itself in git: `.postcal/` is committed (the
/// ledger), a refresh token must not be.
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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

/// The PDS refused the access token (an expired one is HTTP 400, not 401).
pub(super) fn token_refused(e: &AdapterError) -> bool {
    matches!(e.status, Some(400 | 401))
        && matches!(e.code.as_deref(), Some("ExpiredToken" | "InvalidToken"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_tokens_are_recognised_by_status_and_name() {
        let error = |status, code: &str| AdapterError {
            status: Some(status),
            code: Some(code.to_owned()),
            ..AdapterError::permanent("x")
        };
        assert!(token_refused(&error(400, "ExpiredToken")));
        assert!(token_refused(&error(400, "InvalidToken")));
        assert!(!token_refused(&error(401, "AuthenticationRequired")));
    }

    #[test]
    fn jwt_expiry_is_read_from_the_payload() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"scope":"com.atproto.refresh","exp":1796112000}"#);
        let token = SecretString::from(format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig"));
        assert_eq!(
            jwt_expiry(&token).unwrap().to_rfc3339(),
            "2026-12-01T08:00:00+00:00"
        );
        assert!(jwt_expiry(&SecretString::from("not-a-jwt".to_owned())).is_none());
    }
}
