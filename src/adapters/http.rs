//! The HTTP plumbing every adapter shares: a client with explicit timeouts,
//! classification of failures (transient, ambiguous, permanent), rate-limit
//! headers, error-body decoding, and redaction of secrets from every message.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::redact::Redactor;
use super::{AdapterError, ErrorKind};

/// The most of an answer postcal reads: platform answers are small, and an
/// answer that is not must not exhaust memory.
pub const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// Told about every request and how it ended (for `-vv`). It sees the
/// request's description (`POST /api/v1/statuses`), never a URL.
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole request, from sending to the last byte of the answer.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(30),
        }
    }
}

/// Make ring the process's TLS crypto: reqwest is built without one
/// (`rustls-no-provider`) and panics building a client before this.
/// Idempotent; any client in the process (a test's too) needs it first.
pub fn install_tls() {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client plus the secrets its messages must never show.
pub struct Http {
    client: Client,
    redactor: Redactor,
    trace: Option<Trace>,
}

impl Http {
    pub fn new(timeouts: Timeouts, secrets: Vec<SecretString>) -> Result<Http, AdapterError> {
        install_tls();
        let client = Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .user_agent(concat!("postcal/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                AdapterError::permanent(format!("cannot set up HTTP: {}", e.without_url()))
            })?;
        Ok(Http {
            client,
            redactor: Redactor::new(&secrets),
            trace: None,
        })
    }

    /// The client for an adapter built in `cx`: its timeouts and trace.
    pub fn for_context(
        cx: &super::Context<'_>,
        secrets: Vec<SecretString>,
    ) -> Result<Http, AdapterError> {
        let mut http = Http::new(cx.timeouts, secrets)?;
        http.trace = cx.trace.clone();
        Ok(http)
    }

    /// Hide one more value (a token learnt at run time) from every message.
    pub fn add_secret(&mut self, secret: SecretString) {
        self.redactor.add(&secret);
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `text` without any secret this client holds.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// Send `request` (described by `what`, e.g. "POST /api/v1/statuses") and
    /// return the response if it succeeded; otherwise a classified error.
    pub fn send(&self, what: &str, request: RequestBuilder) -> Result<Response, AdapterError> {
        let response = self.exchange(what, request)?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.status_error(what, response))
    }

    /// Send `request` and return the response whatever its status: only a
    /// failure to get one is an error (classified). For platforms whose
    /// refusals must be read before they can be classified (X's 403s, the Graph API's error envelope).
    pub fn exchange(&self, what: &str, request: RequestBuilder) -> Result<Response, AdapterError> {
        let started = std::time::Instant::now();
        let result = request.send();
        if let Some(trace) = &self.trace {
            let ended = match &result {
                Ok(r) => format!("HTTP {}", r.status().as_u16()),
                Err(e) if e.is_timeout() => "timed out".to_owned(),
                Err(e) if e.is_connect() => "could not connect".to_owned(),
                Err(_) => "failed".to_owned(),
            };
            trace(&self.redact(&format!(
                "{what}: {ended} in {} ms",
                started.elapsed().as_millis()
            )));
        }
        result.map_err(|e| self.transport_error(what, e))
    }

    /// A success's body as text, at most `MAX_BODY_BYTES`. An answer that
    /// cannot be read whole is ambiguous: the platform may have done it.
    pub fn body(&self, what: &str, response: Response) -> Result<String, AdapterError> {
        let status = response.status();
        let ambiguous = |why: String| {
            AdapterError::new(
                ErrorKind::Ambiguous,
                self.redact(&format!("{what}: {status}, but {why}")),
            )
        };
        let mut bytes = Vec::new();
        response
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ambiguous(format!("the answer was cut off: {e}")))?;
        if bytes.len() as u64 > MAX_BODY_BYTES {
            return Err(ambiguous(format!(
                "the answer is larger than {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            )));
        }
        String::from_utf8(bytes).map_err(|_| ambiguous("the answer is not UTF-8 text".to_owned()))
    }

    /// Send, then read a JSON success body. A success whose body cannot be
    /// read is ambiguous: the platform may have done it.
    pub fn send_json<T: DeserializeOwned>(
        &self,
        what: &str,
        request: RequestBuilder,
    ) -> Result<T, AdapterError> {
        let response = self.send(what, request)?;
        self.json(what, response)
    }

    pub fn json<T: DeserializeOwned>(
        &self,
        what: &str,
        response: Response,
    ) -> Result<T, AdapterError> {
        let status = response.status();
        let body = self.body(what, response)?;
        serde_json::from_str(&body).map_err(|e| {
            AdapterError::new(
                ErrorKind::Ambiguous,
                self.redact(&format!(
                    "{what}: {status}, but the answer is not the expected JSON ({e}): {}",
                    snippet(&body)
                )),
            )
        })
    }

    fn transport_error(&self, what: &str, e: reqwest::Error) -> AdapterError {
        // (reqwest's `is_connect` covers failures before anything was sent:
        // refused, unreachable, DNS, TLS.)
        let (connect, builder) = (e.is_connect(), e.is_builder());
        // Without the URL: some platforms carry the token in it.
        let e = e.without_url();
        let mut message = format!("{what}: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        let kind = if connect {
            // The request never left: nothing can have happened.
            ErrorKind::Transient { retry_after: None }
        } else if builder {
            ErrorKind::Permanent
        } else {
            // Timed out or cut off after sending: it may have landed.
            ErrorKind::Ambiguous
        };
        AdapterError::new(kind, self.redact(&message))
    }

    /// Classify an unsuccessful response and describe it from its body.
    pub fn status_error(&self, what: &str, response: Response) -> AdapterError {
        let status = response.status();
        let headers = response.headers().clone();
        // An error body is only read for its message: a little is enough.
        let mut bytes = Vec::new();
        let _ = response.take(64 * 1024).read_to_end(&mut bytes);
        let body = String::from_utf8_lossy(&bytes);
        let parsed: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        let detail = parsed
            .as_ref()
            .and_then(describe_json)
            .unwrap_or_else(|| snippet(&body));
        let retry_after = retry_after(&headers, parsed.as_ref());
        let kind = classify(status, retry_after);
        let mut message = format!("{what}: HTTP {}", status.as_u16());
        if !detail.is_empty() {
            message.push_str(&format!(": {detail}"));
        }
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            message.push_str(" (check the channel's credentials)");
        }
        let code = parsed.as_ref().and_then(|v| {
            let field = v
                .get("error")
                .or_else(|| v.get("code"))
                // LinkedIn names a 422's reason under `errorDetails` (`DUPLICATE_POST`).
                .or_else(|| v.pointer("/errorDetails/inputErrors/0/code"))?;
            field
                .as_str()
                .map(str::to_owned)
                .or_else(|| field.as_i64().map(|n| n.to_string()))
        });
        AdapterError {
            kind,
            message: self.redact(&message),
            status: Some(status.as_u16()),
            code: code.map(|c| self.redact(&c)),
        }
    }
}

/// A delete's result, where an error `gone` recognises (the platform's "not
/// found") means the post is already gone: deleting is done.
pub fn deleted<T>(
    result: Result<T, AdapterError>,
    gone: impl Fn(&AdapterError) -> bool,
) -> Result<(), AdapterError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if gone(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// HTTP 404.
pub fn not_found(e: &AdapterError) -> bool {
    e.status == Some(404)
}

/// A URL held as a credential (a webhook): a URL, and `https://` unless on
/// loopback, so the token it carries never crosses a network in clear
/// text. Messages never show it.
pub fn secret_url(
    channel: &str,
    field: &str,
    value: &SecretString,
) -> Result<url::Url, AdapterError> {
    let url = url::Url::parse(value.expose_secret().trim()).map_err(|_| {
        AdapterError::permanent(format!(
            "the `{field}` of channel `{channel}` is not a URL (its value is not shown)"
        ))
    })?;
    let loopback = crate::calendar::channel::is_loopback(&url);
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        scheme => Err(AdapterError::permanent(format!(
            "the `{field}` of channel `{channel}` uses {scheme}://: its token would cross the network in clear text; use https://"
        ))),
    }
}

/// The `Authorization` header value for a bearer token.
pub fn bearer(token: &SecretString) -> String {
    format!("Bearer {}", token.expose_secret())
}

/// What an unsuccessful HTTP status means for a request that was sent:
/// transient only when the platform surely did nothing (429, 408, a 503 that
/// says when to come back); ambiguous for other server errors (500, 502,
/// 504…: a proxy or a crash after the post was created); else permanent.
pub fn classify(status: StatusCode, retry_after: Option<Duration>) -> ErrorKind {
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => {
            ErrorKind::Transient { retry_after }
        }
        StatusCode::SERVICE_UNAVAILABLE if retry_after.is_some() => {
            ErrorKind::Transient { retry_after }
        }
        s if s.is_server_error() => ErrorKind::Ambiguous,
        _ => ErrorKind::Permanent,
    }
}

/// The first 200 characters of a body, on one line.
pub fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(200).collect();
    if one_line.chars().count() > 200 {
        s.push('…');
    }
    s
}

/// The message in a platform's JSON error body: Mastodon `error` /
/// `error_description`, Bluesky `error` + `message`, Discord `message`,
/// Telegram `description`, RFC 7807 `title` / `detail`.
fn describe_json(v: &serde_json::Value) -> Option<String> {
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
    let parts: Vec<&str> = [
        "error",
        "message",
        "error_description",
        "description",
        "title",
        "detail",
    ]
    .into_iter()
    .filter_map(field)
    .collect();
    let mut seen: Vec<String> = Vec::new();
    for p in parts {
        if !seen.iter().any(|s| s == p) {
            seen.push(p.to_owned());
        }
    }
    if let Some(errors) = v.get("errors") {
        discord_field_errors(errors, "", &mut seen);
    }
    (!seen.is_empty()).then(|| snippet(&seen.join(": ")))
}

/// Discord's nested `errors` object: `{"content": {"_errors": [{"message"}]}}`
/// becomes `content: <message>`.
fn discord_field_errors(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    let Some(map) = v.as_object() else { return };
    for (key, value) in map {
        if key == "_errors" {
            for e in value.as_array().into_iter().flatten() {
                if let Some(message) = e.get("message").and_then(|m| m.as_str()) {
                    out.push(format!("{path}: {message}"));
                }
            }
        } else {
            let sub = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            discord_field_errors(value, &sub, out);
        }
    }
}

/// How long the platform asks us to wait: `Retry-After` (seconds or an HTTP
/// date), a rate-limit reset time (Mastodon's `x-ratelimit-reset`, X's
/// `x-rate-limit-reset`; relative to the server's own `Date`), or
/// the body's `retry_after` (Discord, seconds as a float; Telegram under
/// `parameters`).
pub fn retry_after(headers: &HeaderMap, body: Option<&serde_json::Value>) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let server_now = header("date")
        .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
        .map(|d| d.with_timezone(&Utc));
    if let Some(v) = header("retry-after") {
        if let Ok(secs) = v.parse::<f64>() {
            return seconds(secs);
        }
        if let (Ok(at), Some(now)) = (DateTime::parse_from_rfc2822(v), server_now) {
            return (at.with_timezone(&Utc) - now).to_std().ok();
        }
    }
    if let Some(body) = body {
        let secs = body
            .get("retry_after")
            .or_else(|| body.get("parameters").and_then(|p| p.get("retry_after")))
            .and_then(serde_json::Value::as_f64);
        if let Some(secs) = secs {
            return seconds(secs);
        }
    }
    for name in ["x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"] {
        let Some(v) = header(name) else { continue };
        let reset = v
            .parse::<i64>()
            .ok()
            .and_then(|epoch| DateTime::from_timestamp(epoch, 0))
            .or_else(|| {
                DateTime::parse_from_rfc3339(v)
                    .ok()
                    .map(|d| d.with_timezone(&Utc))
            });
        if let (Some(reset), Some(now)) = (reset, server_now) {
            return Some((reset - now).to_std().unwrap_or(Duration::ZERO));
        }
    }
    None
}

fn seconds(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), None),
            Some(Duration::from_secs(3))
        );
        let date = [
            ("date", "Tue, 01 Dec 2026 08:00:00 GMT"),
            ("retry-after", "Tue, 01 Dec 2026 08:00:10 GMT"),
        ];
        assert_eq!(
            retry_after(&headers(&date), None),
            Some(Duration::from_secs(10))
        );
        let body = serde_json::json!({"message": "You are being rate limited.", "retry_after": 0.5, "global": false});
        assert_eq!(
            retry_after(&HeaderMap::new(), Some(&body)),
            Some(Duration::from_millis(500))
        );
        let tg =
            serde_json::json!({"ok": false, "error_code": 429, "parameters": {"retry_after": 7}});
        assert_eq!(
            retry_after(&HeaderMap::new(), Some(&tg)),
            Some(Duration::from_secs(7))
        );
        let reset = [
            ("date", "Tue, 01 Dec 2026 08:00:00 GMT"),
            ("x-ratelimit-reset", "2026-12-01T08:05:00.000Z"),
        ];
        assert_eq!(
            retry_after(&headers(&reset), None),
            Some(Duration::from_secs(300))
        );
        let epoch = [
            ("date", "Tue, 01 Dec 2026 08:00:00 GMT"),
            ("ratelimit-reset", "1796112060"),
        ];
        assert_eq!(
            retry_after(&headers(&epoch), None),
            Some(Duration::from_secs(60))
        );
        let x = [
            ("date", "Tue, 01 Dec 2026 08:00:00 GMT"),
            ("x-rate-limit-reset", "1796112420"),
        ];
        assert_eq!(
            retry_after(&headers(&x), None),
            Some(Duration::from_secs(420))
        );
    }

    #[test]
    fn a_wait_that_makes_no_sense_is_no_wait() {
        // A server that asks for a negative or endless wait gets neither a
        // crash nor a day-long sleep: the run goes on with its own backoff.
        for v in ["-1", "-0.5", "inf", "NaN"] {
            assert_eq!(
                retry_after(&headers(&[("retry-after", v)]), None),
                None,
                "{v}"
            );
        }
        let body = serde_json::json!({"retry_after": -2.0});
        assert_eq!(retry_after(&HeaderMap::new(), Some(&body)), None);
    }

    #[test]
    fn redaction_covers_plain_and_encoded_secrets() {
        let http = Http::new(
            Timeouts::default(),
            vec![SecretString::from("12:ab/cd".to_owned())],
        )
        .unwrap();
        assert_eq!(
            http.redact("url /bot12:ab/cd/send and 12%3Aab%2Fcd"),
            "url /bot[redacted]/send and [redacted]"
        );
    }

    #[test]
    fn only_errors_that_surely_did_nothing_are_transient() {
        let wait = Some(Duration::from_secs(5));
        let transient = |k| matches!(k, ErrorKind::Transient { .. });
        assert!(transient(classify(StatusCode::TOO_MANY_REQUESTS, None)));
        assert!(transient(classify(StatusCode::REQUEST_TIMEOUT, None)));
        assert!(transient(classify(StatusCode::SERVICE_UNAVAILABLE, wait)));
        for s in [500, 502, 503, 504] {
            let status = StatusCode::from_u16(s).unwrap();
            assert_eq!(classify(status, None), ErrorKind::Ambiguous, "{s}");
        }
        assert_eq!(
            classify(StatusCode::BAD_GATEWAY, wait),
            ErrorKind::Ambiguous
        );
        for s in [400, 401, 403, 404, 422] {
            let status = StatusCode::from_u16(s).unwrap();
            assert_eq!(classify(status, None), ErrorKind::Permanent, "{s}");
        }
    }

    #[test]
    fn discord_field_errors_are_spelt_out() {
        let body = serde_json::json!({"code": 50035, "message": "Invalid Form Body", "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}});
        assert_eq!(
            describe_json(&body).unwrap(),
            "Invalid Form Body: content: Must be 2000 or fewer in length."
        );
    }

    #[test]
    fn json_error_bodies_are_described() {
        let mastodon =
            serde_json::json!({"error": "Validation failed: Text character limit of 500 exceeded"});
        assert_eq!(
            describe_json(&mastodon).unwrap(),
            "Validation failed: Text character limit of 500 exceeded"
        );
        let bsky = serde_json::json!({"error": "InvalidRequest", "message": "Record/text must not be longer than 300 graphemes"});
        assert_eq!(
            describe_json(&bsky).unwrap(),
            "InvalidRequest: Record/text must not be longer than 300 graphemes"
        );
    }
}
