//! The fake's reporting APIs, as Microsoft Learn documents them:
//! `organizationalEntityShareStatistics` (an administered organization's
//! posts, as Rest.li lists of encoded URNs; a post with no actions or
//! impressions, or older than 12 months, is left out) and
//! `memberCreatorPostAnalytics` (the member's own posts, one metric a
//! request, `r_member_postAnalytics` only; `metricType` a string from
//! 202605, a one-key object before; a post it does not know: 404).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ORG, PERSON, St, error, refuse, versioned};

/// What a post has gathered.
#[derive(Clone, Copy, Default)]
pub struct Stats {
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
    pub impressions: u64,
    pub clicks: u64,
}

fn bad(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "ILLEGAL_ARGUMENT", message)
}

fn denied(message: &str) -> Response {
    error(StatusCode::FORBIDDEN, "ACCESS_DENIED", message)
}

/// A Rest.li key: its reserved characters (`:`, `,`, `(`, `)`) must come
/// encoded, as LinkedIn rejects them raw.
fn key(raw: &str) -> Option<String> {
    if raw.contains([':', ',', '(', ')', '+']) {
        return None;
    }
    let pair = format!("k={raw}");
    url::form_urlencoded::parse(pair.as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// What both reporting APIs check first: the token and headers, the
/// standing behaviour, then the finder `q`. `Ok`: the query's pairs.
fn finder(
    st: &St,
    headers: &HeaderMap,
    query: Option<String>,
    q: &str,
) -> Result<Vec<(String, String)>, Box<Response>> {
    if let Some(r) = versioned(headers) {
        return Err(Box::new(r));
    }
    if let Some(r) = st.control.behaviour().refusal(refuse) {
        return Err(Box::new(r));
    }
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if !pairs.iter().any(|(k, v)| k == "q" && v == q) {
        return Err(Box::new(bad(&format!("finder `q` must be {q}"))));
    }
    Ok(pairs)
}

/// The raw value of `k` among `pairs`.
fn param<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.as_str())
}

/// `List(a,b)` → the decoded keys.
fn list(raw: &str) -> Option<Vec<String>> {
    let inner = raw.strip_prefix("List(")?.strip_suffix(')')?;
    inner.split(',').map(key).collect()
}

/// `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&…`.
pub async fn share_statistics(
    State(st): State<St>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = match finder(&st, &headers, query, "organizationalEntity") {
        Ok(pairs) => pairs,
        Err(r) => return *r,
    };
    let get = |k: &str| param(&pairs, k);
    let Some(org) = get("organizationalEntity").and_then(key) else {
        return bad("Invalid param organizationalEntity: an encoded organization URN is required");
    };
    if org != ORG {
        return denied(&format!(
            "Not enough permissions to access: organizationalEntityShareStatistics for {org}"
        ));
    }
    let mut asked = Vec::new();
    for (param, prefix) in [("shares", "urn:li:share:"), ("ugcPosts", "urn:li:ugcPost:")] {
        if let Some(raw) = get(param) {
            let Some(urns) = list(raw) else {
                return bad(&format!(
                    "Invalid param {param}: expected List(…) of encoded URNs, got {raw}"
                ));
            };
            if let Some(other) = urns.iter().find(|u| !u.starts_with(prefix)) {
                return bad(&format!(
                    "Invalid param {param}: {other} is not a {prefix}… URN"
                ));
            }
            asked.extend(urns.into_iter().map(|u| (param, u)));
        }
    }
    let inner = st.inner.lock().unwrap();
    let year_ago = (st.control.now() - chrono::Duration::days(365)).timestamp_millis();
    let elements: Vec<Value> = asked
        .iter()
        .filter_map(|(param, urn)| {
            let post = inner.posts.get(urn)?;
            let recent = post["createdAt"].as_i64().is_some_and(|t| t >= year_ago);
            let stats = inner.stats.get(urn).copied().unwrap_or_default();
            let active = stats.likes + stats.comments + stats.shares + stats.impressions > 0;
            (post["author"] == ORG && recent && active).then(|| {
                let field = if *param == "shares" {
                    "share"
                } else {
                    "ugcPost"
                };
                json!({
                    "organizationalEntity": ORG,
                    field: urn,
                    "totalShareStatistics": {
                        "uniqueImpressionsCount": stats.impressions / 2,
                        "shareCount": stats.shares,
                        "engagement": 0.0,
                        "clickCount": stats.clicks,
                        "likeCount": stats.likes,
                        "impressionCount": stats.impressions,
                        "commentCount": stats.comments,
                    },
                })
            })
        })
        .collect();
    let count = elements.len();
    axum::Json(json!({"paging": {"count": count, "start": 0, "links": []}, "elements": elements}))
        .into_response()
}

/// `GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:…)&…`.
pub async fn member_analytics(
    State(st): State<St>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = match finder(&st, &headers, query, "entity") {
        Ok(pairs) => pairs,
        Err(r) => return *r,
    };
    let get = |k: &str| param(&pairs, k);
    let version = headers
        .get("linkedin-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let Some(metric) = get("queryType").filter(|m| {
        [
            "IMPRESSION",
            "MEMBERS_REACHED",
            "RESHARE",
            "REACTION",
            "COMMENT",
        ]
        .contains(m)
    }) else {
        return bad(
            "queryType must be one of IMPRESSION, MEMBERS_REACHED, RESHARE, REACTION, COMMENT",
        );
    };
    if get("aggregation") != Some("TOTAL") && get("aggregation") != Some("DAILY") {
        return bad("aggregation must be TOTAL or DAILY");
    }
    let entity = get("entity")
        .and_then(|e| e.strip_prefix('(')?.strip_suffix(')'))
        .and_then(|e| e.split_once(':'))
        .and_then(|(kind, urn)| Some((kind, key(urn)?)));
    let Some((kind, urn)) = entity else {
        return bad("Invalid param entity: expected (share:ENCODED_URN) or (ugc:ENCODED_URN)");
    };
    let expected = if kind == "ugc" {
        "urn:li:ugcPost:"
    } else {
        "urn:li:share:"
    };
    if !["share", "ugc"].contains(&kind) || !urn.starts_with(expected) {
        return bad(&format!("Invalid param entity: ({kind}:{urn})"));
    }
    let inner = st.inner.lock().unwrap();
    if !inner.member_post_analytics {
        return denied(
            "Not enough permissions to access: memberCreatorPostAnalytics.FINDER-entity",
        );
    }
    let Some(post) = inner.posts.get(&urn) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    };
    if post["author"] != PERSON {
        return denied(
            "Not enough permissions to access: memberCreatorPostAnalytics.FINDER-entity",
        );
    }
    let stats = inner.stats.get(&urn).copied().unwrap_or_default();
    let count = match metric {
        "IMPRESSION" => stats.impressions,
        "MEMBERS_REACHED" => stats.impressions / 2,
        "RESHARE" => stats.shares,
        "REACTION" => stats.likes,
        _ => stats.comments,
    };
    let metric_type = if version.as_str() >= "202605" {
        json!(metric)
    } else {
        json!({"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": metric})
    };
    axum::Json(json!({
        "paging": {"count": 10, "start": 0, "links": []},
        "elements": [{"count": count, "metricType": metric_type, "targetEntity": {kind: urn}}],
    }))
    .into_response()
}
