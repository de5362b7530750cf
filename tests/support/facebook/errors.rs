//! The Graph's refusals, in its error envelope, and its usage headers
//! (the envelope is shared with the Threads fake).

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Fields, PAGE_ID, Scripted, St, TOKEN};
use crate::support::{Refusal, retry_after};

/// The error envelope.
pub fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    let kind = if code == 190 {
        "OAuthException"
    } else {
        "GraphMethodException"
    };
    let mut error = json!({
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    });
    if let Some(sub) = subcode {
        error["error_subcode"] = sub.into();
    }
    if matches!(code, 1 | 2 | 4 | 17 | 32 | 613) {
        error["is_transient"] = true.into();
    }
    (status, axum::Json(json!({ "error": error }))).into_response()
}

pub fn bad_token() -> Response {
    let mut r = graph_error(
        StatusCode::BAD_REQUEST,
        190,
        None,
        "Invalid OAuth access token - Cannot parse access token",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token - Cannot parse access token\"".parse().unwrap(),
    );
    r
}

pub fn invalid(message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, 100, None, message)
}

/// 100/33, as the Graph says an id is unknown.
pub fn no_such(method: &str, id: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        100,
        Some(33),
        &format!(
            "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        ),
    )
}

/// The Page token, in the header or a parameter.
fn authorized(headers: &HeaderMap, query: &HashMap<String, String>, form: &Fields) -> bool {
    let header = headers.get("authorization").and_then(|v| v.to_str().ok());
    let bearer = header
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("OAuth "))
        })
        .map(str::to_owned);
    let given = bearer
        .or_else(|| query.get("access_token").cloned())
        .or_else(|| form.get("access_token"));
    given.as_deref() == Some(TOKEN)
}

/// Adds the usage headers an answer lacks.
pub(super) async fn usage(State(st): State<St>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let (percent, minutes) = st.inner().usage;
    let app = json!({"call_count": percent, "total_cputime": 1, "total_time": 1});
    let buc = json!({ PAGE_ID: [{"type": "pages", "call_count": percent, "total_cputime": 1,
        "total_time": 1, "estimated_time_to_regain_access": minutes}] });
    let headers = response.headers_mut();
    for (name, value) in [("x-app-usage", app), ("x-business-use-case-usage", buc)] {
        if !headers.contains_key(name) {
            headers.insert(name, value.to_string().parse().unwrap());
        }
    }
    response
}

/// A refusal scripted by [`Graph`], for a create request.
pub(super) fn scripted(st: &St) -> Option<Response> {
    let next = st.inner().script.pop_front()?;
    Some(match next {
        Scripted::Throttle { code, minutes } => {
            let message = match code {
                4 => "(#4) Application request limit reached",
                17 => "(#17) User request limit reached",
                32 => "(#32) Page request limit reached",
                613 => "(#613) Calls to this api have exceeded the rate limit.",
                _ => {
                    "(#80001) There have been too many calls to this Page account. Wait a bit and try again."
                }
            };
            let mut r = graph_error(StatusCode::BAD_REQUEST, code, None, message);
            let buc = json!({ PAGE_ID: [{"type": "pages", "call_count": 100, "total_cputime": 30,
                "total_time": 40, "estimated_time_to_regain_access": minutes}] });
            let app = json!({"call_count": 100, "total_cputime": 30, "total_time": 40});
            r.headers_mut().insert(
                "x-business-use-case-usage",
                buc.to_string().parse().unwrap(),
            );
            r.headers_mut()
                .insert("x-app-usage", app.to_string().parse().unwrap());
            r
        }
        Scripted::Refuse(506) => invalid_code(506, "(#506) Duplicate status message"),
        Scripted::Refuse(code) => invalid_code(
            code,
            "It looks like you've already posted this. Try posting something different.",
        ),
    })
}

fn invalid_code(code: i64, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, None, message)
}

/// The shared behaviours' refusals, in the Graph's terms.
pub fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(secs) => {
            let mut r = graph_error(
                StatusCode::TOO_MANY_REQUESTS,
                4,
                None,
                "(#4) Application request limit reached",
            );
            r.headers_mut().extend(retry_after(secs));
            r
        }
        Refusal::Unavailable(wait) => {
            let mut r = graph_error(
                StatusCode::SERVICE_UNAVAILABLE,
                2,
                None,
                "Service temporarily unavailable",
            );
            if let Some(secs) = wait {
                r.headers_mut().extend(retry_after(secs));
            }
            r
        }
        Refusal::Failed(status) => fail(status),
    }
}

/// A server error: the 500 with code 2, or code 1 for other statuses.
pub fn fail(status: StatusCode) -> Response {
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return graph_error(
            status,
            2,
            None,
            "An unexpected error has occurred. Please retry your request later.",
        );
    }
    graph_error(status, 1, None, "An unknown error occurred")
}

/// The version segment: `v23.0`.
fn version_ok(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(a, b)| {
            !a.is_empty() && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
        })
}

/// A request refused before anything else: a malformed version in its
/// path, or no Page token.
pub(super) fn gate(
    version: &str,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    form: &Fields,
) -> Option<Response> {
    if !version_ok(version) {
        return Some(invalid("Unknown path components"));
    }
    (!authorized(headers, query, form)).then(bad_token)
}
