//! Reading X's answers (PLATFORMS.md §3 and addendum A): a success's `data`,
//! `errors[]` inside a 200 (a failure all the same), and the two 403s that
//! mean something else than "not allowed": the duplicate-content refusal
//! (the post most likely exists already: ambiguous, never re-sent blindly)
//! and the reply restriction (permanent: replying here is not allowed).

use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use serde_json::Value;

use super::super::http::Http;
use super::super::{AdapterError, ErrorKind};

/// The `code` of a duplicate-content refusal.
pub(super) const DUPLICATE: &str = "duplicate-content";
/// The `code` of a reply-restriction refusal.
pub(super) const REPLY_NOT_ALLOWED: &str = "reply-not-allowed";
/// The `code` when `errors[]` says the resource does not exist.
pub(super) const NOT_FOUND: &str = "resource-not-found";

/// Send `request` and read X's answer: the JSON of a success that carries
/// `data`; otherwise a classified error.
pub(super) fn call(
    http: &Http,
    what: &str,
    request: RequestBuilder,
) -> Result<Value, AdapterError> {
    let text = send(http, what, request)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        AdapterError::new(
            ErrorKind::Ambiguous,
            http.redact(&format!(
                "{what}: the answer is not the expected JSON ({e}): {}",
                one_line(&text, 200)
            )),
        )
    })?;
    if value.get("data").is_none()
        && let Some(errors) = value.get("errors").and_then(Value::as_array)
    {
        return Err(errors_error(http, what, errors));
    }
    Ok(value)
}

/// Send `request`; a success's body as text, or a classified error.
pub(super) fn send(
    http: &Http,
    what: &str,
    request: RequestBuilder,
) -> Result<String, AdapterError> {
    let response = http.exchange(what, request)?;
    let status = response.status();
    if status.is_success() {
        return http.body(what, response);
    }
    if status == StatusCode::FORBIDDEN {
        return Err(forbidden(http, what, response));
    }
    Err(http.status_error(what, response))
}

/// `errors[]` with no `data` (X answers 200 so): what the entries say.
/// Nothing was done, and the same request will meet the same answer.
fn errors_error(http: &Http, what: &str, errors: &[Value]) -> AdapterError {
    let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
    let messages: Vec<String> = errors
        .iter()
        .filter_map(|e| {
            field(e, "detail")
                .or_else(|| field(e, "message"))
                .or_else(|| field(e, "title"))
        })
        .collect();
    let code = errors.first().and_then(|e| {
        field(e, "type")
            .map(|t| t.rsplit('/').next().unwrap_or(&t).to_owned())
            .or_else(|| e.get("code").map(|c| c.to_string()))
    });
    let mut message = format!(
        "{what}: X answered with errors: {}",
        one_line(&messages.join("; "), 300)
    );
    if messages.is_empty() {
        message = format!("{what}: X answered with errors and no data");
    }
    AdapterError {
        kind: ErrorKind::Permanent,
        message: http.redact(&message),
        status: Some(200),
        code: code.map(|c| http.redact(&c)),
    }
}

/// A 403, read for what it means.
fn forbidden(http: &Http, what: &str, response: Response) -> AdapterError {
    let body = http.body(what, response).unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let text = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let detail = text("detail");
    let detail = if detail.is_empty() {
        one_line(&body, 200)
    } else {
        detail
    };
    let (kind, code, why) = if detail.contains("duplicate content") {
        (
            ErrorKind::Ambiguous,
            DUPLICATE.to_owned(),
            "X refused it as a duplicate of a post already on the account, which an earlier attempt may have made",
        )
    } else if detail.contains("Reply to this conversation is not allowed") {
        (
            ErrorKind::Permanent,
            REPLY_NOT_ALLOWED.to_owned(),
            "X does not let this account reply there",
        )
    } else {
        let problem = text("type");
        (
            ErrorKind::Permanent,
            problem.rsplit('/').next().unwrap_or("").to_owned(),
            "check that the X app has Read and Write permission and that the access token was made after it was set",
        )
    };
    AdapterError {
        kind,
        message: http.redact(&format!("{what}: HTTP 403: {detail} ({why})")),
        status: Some(403),
        code: (!code.is_empty()).then(|| http.redact(&code)),
    }
}

/// `s` on one line, at most `max` characters.
pub(super) fn one_line(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = joined.chars().take(max).collect();
    if joined.chars().count() > max {
        out.push('…');
    }
    out
}

/// `data.<field>` of an answer as a string (ids are strings in v2).
pub(super) fn data_str(value: &Value, field: &str, what: &str) -> Result<String, AdapterError> {
    value
        .get("data")
        .and_then(|d| d.get(field))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            AdapterError::new(
                ErrorKind::Ambiguous,
                format!("{what}: the answer has no `data.{field}`"),
            )
        })
}
