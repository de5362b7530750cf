//! Meta's Graph APIs (the Facebook Graph, the Threads Graph, Instagram's) answer alike:
//! the error envelope `{"error": {message, type, code, error_subcode,
//! fbtrace_id}}` is read here into what it means for a request (transient,
//! ambiguous, permanent; PLATFORMS.md §7 and addendum D), and the usage
//! headers (`X-App-Usage`, `X-Business-Use-Case-Usage`) into how long to
//! wait. What differs per product (which token, which permissions) comes
//! in a [`Product`].
//!
//! - 190: the token is invalid (permanent, with a `doctor` hint).
//! - 4, 17, 32, 613, 341, 80000–80009, 80014 and subcode 1390008 ("posting
//!   too fast"): throttling; nothing was done (transient), with the wait
//!   from `Retry-After` or the usage headers.
//! - 1 and 2 (an unknown or unexpected error; code 2 with HTTP 500 has been
//!   seen to create the post), and any 5xx: ambiguous — except a 503 that
//!   says when to come back, which did nothing (SPEC §4).
//! - 368 and 506 (duplicates, or a block) are permanent here; the adapter
//!   looks for the post before it says so.

use std::io::Read;
use std::time::Duration;

use reqwest::blocking::Response;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::adapters::http::{Http, retry_after, snippet};
use crate::adapters::{AdapterError, ErrorKind, Remote};

/// With the app's own usage at 100% and no estimate from Meta, how long to
/// hold off: the app's window is a rolling hour, and calls made while
/// throttled prolong it, so this is long enough to leave it to a later run.
const APP_THROTTLE_WAIT: Duration = Duration::from_secs(5 * 60);

/// What a person is told about a refusal, in one product's words.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// The credential, e.g. "the Page token".
    pub token: &'static str,
    /// Why a refused token (190 without a known subcode) was refused.
    pub invalid: &'static str,
    /// How to get a new one.
    pub renew: &'static str,
    /// What a token lacking a permission needs.
    pub permissions: &'static str,
    /// What 100/33 (no such object) most likely means.
    pub missing: &'static str,
}

/// The token is invalid or expired.
pub const INVALID_TOKEN: i64 = 190;
/// "You've already posted this", or the Page is blocked from posting.
pub const BLOCKED: i64 = 368;
/// "Duplicate status message".
pub const DUPLICATE: i64 = 506;

#[derive(Deserialize)]
struct Envelope {
    error: Body,
}

#[derive(Deserialize)]
struct Body {
    message: Option<String>,
    code: Option<i64>,
    error_subcode: Option<i64>,
    fbtrace_id: Option<String>,
    error_user_msg: Option<String>,
}

/// An unsuccessful answer, as the Graph API gave it.
#[derive(Debug, Clone, Default)]
pub struct Refused {
    pub status: u16,
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    /// The envelope's message, or a snippet of a body that is not one.
    pub message: String,
    pub fbtrace_id: Option<String>,
    /// How long Meta asks to wait: `Retry-After`, else the usage headers.
    pub wait: Option<Duration>,
    /// Whether the answer said when to come back (`Retry-After`).
    pub retry_after: bool,
}

impl Refused {
    /// Read an unsuccessful answer (at most 64 KiB of its body).
    pub fn read(response: Response) -> Refused {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        let _ = response.take(64 * 1024).read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes);
        let asked = retry_after(&headers, None);
        let mut refused = Refused {
            status,
            wait: asked.or_else(|| usage_wait(&headers)),
            retry_after: asked.is_some(),
            message: snippet(&text),
            ..Refused::default()
        };
        if let Ok(Envelope { error }) = serde_json::from_str::<Envelope>(&text) {
            refused.code = error.code;
            refused.subcode = error.error_subcode;
            refused.fbtrace_id = error.fbtrace_id;
            let mut message = error.message.unwrap_or_default();
            if let Some(user) = error
                .error_user_msg
                .filter(|m| !message.contains(m.as_str()))
            {
                message = format!("{message}: {user}");
            }
            refused.message = snippet(&message);
        }
        refused
    }

    pub fn is_throttling(&self) -> bool {
        matches!(
            self.code,
            Some(4 | 17 | 32 | 341 | 613 | 80000..=80009 | 80014)
        ) || self.subcode == Some(1_390_008)
    }

    /// What the answer means for the request that got it.
    pub fn kind(&self) -> ErrorKind {
        let transient = ErrorKind::Transient {
            retry_after: self.wait,
        };
        match self.code {
            Some(INVALID_TOKEN) => ErrorKind::Permanent,
            _ if self.is_throttling() || self.status == 429 => transient,
            _ if self.status == 503 && self.retry_after => transient,
            Some(1 | 2) => ErrorKind::Ambiguous,
            _ if self.status >= 500 => ErrorKind::Ambiguous,
            _ => ErrorKind::Permanent,
        }
    }

    /// `190` or `190/463`, as `AdapterError::code` carries it.
    fn code_text(&self) -> Option<String> {
        let code = self.code?;
        Some(match self.subcode {
            Some(sub) => format!("{code}/{sub}"),
            None => code.to_string(),
        })
    }

    /// What a person should do about it, if anything particular.
    fn hint(&self, product: &Product) -> Option<String> {
        let hint = match self.code? {
            INVALID_TOKEN => {
                let why = match self.subcode {
                    Some(463) => "it has expired",
                    Some(460) => "it was invalidated when a password changed",
                    Some(458) => "the app was removed from the account",
                    Some(464) => "the account is not confirmed",
                    _ => product.invalid,
                };
                format!(
                    "{} was refused ({why}): {} and check it with `postcal doctor`",
                    product.token, product.renew
                )
            }
            10 | 200..=299 => format!("the token lacks a permission: {}", product.permissions),
            _ if self.is_throttling() => "Meta is throttling this app or account".to_owned(),
            100 if self.subcode == Some(33) => product.missing.to_owned(),
            _ => return None,
        };
        Some(hint)
    }

    /// The error for the request `what` (`POST /{page}/feed`), its message
    /// free of secrets.
    pub fn into_error(self, http: &Http, what: &str, product: &Product) -> AdapterError {
        let mut message = format!("{what}: HTTP {}", self.status);
        if !self.message.is_empty() {
            message.push_str(&format!(": {}", self.message));
        }
        match (self.code_text(), &self.fbtrace_id) {
            (Some(code), Some(trace)) => {
                message.push_str(&format!(" (code {code}, fbtrace_id {trace})"))
            }
            (Some(code), None) => message.push_str(&format!(" (code {code})")),
            _ => {}
        }
        if let Some(hint) = self.hint(product) {
            message.push_str(&format!("; {hint}"));
        }
        AdapterError {
            kind: self.kind(),
            message: http.redact(&message),
            status: Some(self.status),
            code: self.code_text(),
        }
    }
}

/// A request to `{base}/{path}` with `token` in the `Authorization`
/// header (never in the URL).
pub fn request(
    http: &Http,
    base: &str,
    token: &secrecy::SecretString,
    method: reqwest::Method,
    path: &str,
) -> reqwest::blocking::RequestBuilder {
    http.client()
        .request(method, format!("{base}/{path}"))
        .header("Authorization", crate::adapters::http::bearer(token))
}

/// Send `request`: a success's JSON, or the refusal as `refuse` explains it
/// in the product's own terms.
pub fn call<T: serde::de::DeserializeOwned>(
    http: &Http,
    what: &str,
    request: reqwest::blocking::RequestBuilder,
    refuse: impl FnOnce(Refused) -> AdapterError,
) -> Result<T, AdapterError> {
    let response = http.exchange(what, request)?;
    if response.status().is_success() {
        return http.json(what, response);
    }
    Err(refuse(Refused::read(response)))
}

/// The Graph code of an adapter error made by [`Refused::into_error`].
pub fn code_of(e: &AdapterError) -> Option<i64> {
    e.code.as_deref()?.split('/').next()?.parse().ok()
}

/// 100/33: "the object does not exist, cannot be loaded due to missing
/// permissions, or does not support this operation".
pub fn is_gone(e: &AdapterError) -> bool {
    e.code.as_deref() == Some("100/33")
}

/// A Graph time (`created_time`, Threads' `timestamp`):
/// `2026-12-01T09:00:00+0000`, or RFC 3339.
pub fn graph_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// The same text, but for line endings and the space around it, which
/// Meta does not keep as sent.
pub fn same_text(theirs: &str, ours: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim().to_owned();
    norm(theirs) == norm(ours)
}

/// Clocks differ: a post listed up to this long before an attempt's time
/// still counts as made after it.
pub const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(10);

/// An account's posts, as Meta lists them (`GET /{user}/threads`,
/// `GET /{user}/media`): newest first, the text in `text` (Threads) or
/// `caption` (Instagram).
#[derive(Deserialize)]
pub struct Listing {
    #[serde(default)]
    data: Vec<Listed>,
}

#[derive(Deserialize)]
struct Listed {
    id: String,
    #[serde(default, alias = "caption")]
    text: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
}

impl Listing {
    /// The earliest post with `text` made at or after `after`.
    pub fn earliest(self, text: &str, after: chrono::DateTime<chrono::Utc>) -> Option<Remote> {
        self.data
            .into_iter()
            .filter(|item| same_text(item.text.as_deref().unwrap_or(""), text))
            .filter_map(|item| {
                let at = graph_time(item.timestamp.as_deref()?)?;
                (at >= after).then_some((at, item))
            })
            .min_by_key(|(at, _)| *at)
            .map(|(_, item)| Remote {
                id: item.id,
                url: item.permalink,
            })
    }
}

/// A media's insights (`GET /{media}/insights?metric=…`): each metric's
/// `total_value`, or its first value.
#[derive(Deserialize)]
pub struct Insights {
    #[serde(default)]
    data: Vec<Insight>,
}

#[derive(Deserialize)]
struct Insight {
    name: String,
    #[serde(default)]
    values: Vec<InsightValue>,
    #[serde(default)]
    total_value: Option<InsightValue>,
}

#[derive(Deserialize)]
struct InsightValue {
    value: u64,
}

impl Insights {
    pub fn value(&self, name: &str) -> Option<u64> {
        let metric = self.data.iter().find(|m| m.name == name)?;
        metric
            .total_value
            .as_ref()
            .or(metric.values.first())
            .map(|v| v.value)
    }
}

/// How long the usage headers say calls are throttled: the longest
/// `estimated_time_to_regain_access` (minutes) of any business use case,
/// else [`APP_THROTTLE_WAIT`] when the app's (or Page's) usage is at 100%.
pub fn usage_wait(headers: &HeaderMap) -> Option<Duration> {
    let json = |name: &str| -> Option<serde_json::Value> {
        serde_json::from_str(headers.get(name)?.to_str().ok()?).ok()
    };
    let minutes = json("x-business-use-case-usage")
        .as_ref()
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|cases| cases.values())
        .filter_map(serde_json::Value::as_array)
        .flatten()
        .filter_map(|case| case.get("estimated_time_to_regain_access")?.as_f64())
        .filter(|m| m.is_finite() && *m > 0.0)
        .fold(None, |max: Option<f64>, m| {
            Some(max.map_or(m, |x| x.max(m)))
        });
    if let Some(minutes) = minutes {
        return Some(Duration::from_secs_f64(minutes.min(24.0 * 60.0) * 60.0));
    }
    let full = ["x-app-usage", "x-page-usage"]
        .iter()
        .filter_map(|name| json(name))
        .filter_map(|usage| usage.as_object().cloned())
        .flat_map(|usage| usage.into_values())
        .filter_map(|pct| pct.as_f64())
        .any(|pct| pct >= 100.0);
    full.then_some(APP_THROTTLE_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const PRODUCT: Product = Product {
        token: "the token",
        invalid: "it is not valid",
        renew: "make a new one",
        permissions: "more",
        missing: "gone",
    };

    fn refused(status: u16, code: Option<i64>, subcode: Option<i64>) -> Refused {
        Refused {
            status,
            code,
            subcode,
            message: "m".into(),
            ..Refused::default()
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn codes_mean_what_meta_says() {
        let transient = |r: &Refused| matches!(r.kind(), ErrorKind::Transient { .. });
        for code in [4, 17, 32, 613, 80001] {
            assert!(transient(&refused(400, Some(code), None)), "{code}");
        }
        assert!(transient(&refused(400, Some(368), Some(1_390_008))));
        let kind = |status, code| refused(status, code, None).kind();
        assert_eq!(kind(400, Some(190)), ErrorKind::Permanent);
        assert_eq!(kind(401, Some(190)), ErrorKind::Permanent);
        assert_eq!(kind(500, Some(2)), ErrorKind::Ambiguous);
        assert_eq!(kind(400, Some(1)), ErrorKind::Ambiguous);
        assert_eq!(kind(502, None), ErrorKind::Ambiguous);
        assert_eq!(kind(503, Some(2)), ErrorKind::Ambiguous);
        assert_eq!(kind(400, Some(506)), ErrorKind::Permanent);
        assert_eq!(kind(400, Some(368)), ErrorKind::Permanent);
        assert_eq!(kind(400, Some(100)), ErrorKind::Permanent);
        let mut unavailable = refused(503, Some(2), None);
        unavailable.retry_after = true;
        assert!(transient(&unavailable), "503 with Retry-After did nothing");
    }

    #[test]
    fn the_business_use_case_estimate_is_in_minutes() {
        let h = headers(&[(
            "x-business-use-case-usage",
            r#"{"1234":[{"type":"pages","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":3},{"type":"pages","call_count":1,"estimated_time_to_regain_access":0}]}"#,
        )]);
        assert_eq!(usage_wait(&h), Some(Duration::from_secs(180)));
    }

    #[test]
    fn a_full_app_without_an_estimate_waits_a_while_and_headroom_not_at_all() {
        let full = headers(&[(
            "x-app-usage",
            r#"{"call_count":100,"total_cputime":20,"total_time":20}"#,
        )]);
        assert_eq!(usage_wait(&full), Some(APP_THROTTLE_WAIT));
        let fine = headers(&[
            (
                "x-app-usage",
                r#"{"call_count":12,"total_cputime":2,"total_time":3}"#,
            ),
            (
                "x-business-use-case-usage",
                r#"{"1234":[{"type":"pages","call_count":40,"estimated_time_to_regain_access":0}]}"#,
            ),
        ]);
        assert_eq!(usage_wait(&fine), None);
        assert_eq!(usage_wait(&headers(&[("x-app-usage", "not json")])), None);
        let nonsense = headers(&[(
            "x-business-use-case-usage",
            r#"{"1":[{"estimated_time_to_regain_access":-5}]}"#,
        )]);
        assert_eq!(usage_wait(&nonsense), None);
    }

    #[test]
    fn graph_times_are_read() {
        let t = graph_time("2026-12-01T09:00:00+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T09:00:00+00:00");
        assert!(graph_time("2026-12-01T10:00:00+01:00").is_some());
        assert!(graph_time("yesterday").is_none());
    }

    #[test]
    fn messages_match_but_for_line_endings_and_edges() {
        assert!(same_text(" Hello\r\nworld \n", "Hello\nworld"));
        assert!(!same_text("Hello world", "Hello  world"));
        assert!(!same_text("Hello", "Hello!"));
    }

    #[test]
    fn the_code_travels_with_the_error() {
        let http = Http::new(Default::default(), vec![]).unwrap();
        let mut r = refused(400, Some(190), Some(463));
        r.fbtrace_id = Some("AbC".into());
        let e = r.into_error(&http, "POST /{page}/feed", &PRODUCT);
        assert_eq!(e.code.as_deref(), Some("190/463"));
        assert_eq!(code_of(&e), Some(190));
        assert!(e.message.contains("fbtrace_id AbC"), "{}", e.message);
        assert!(e.message.contains("postcal doctor"), "{}", e.message);
        assert!(e.message.contains("expired"), "{}", e.message);
    }
}
