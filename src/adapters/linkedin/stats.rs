//! Engagement of published posts, from the two reporting APIs LinkedIn
//! documents (PLATFORMS.md addendum B; Microsoft Learn, Community
//! Management: "Organization Share Statistics", "Member Post Statistics").
//!
//! - An organization's posts: `GET /rest/organizationalEntityShareStatistics`
//!   (`rw_organization_admin`), up to [`BATCH`] posts a request as Rest.li
//!   lists (`shares=List(…)`, `ugcPosts=List(…)`). "Shares with no actions
//!   or impressions are not included": a post missing from the answer has
//!   counts of 0, unless reading it back says it is gone. Only the last 12
//!   months are reported.
//! - A member's posts: `GET /rest/memberCreatorPostAnalytics?q=entity`
//!   (`r_member_postAnalytics`), one metric a request, so four requests a
//!   post (reactions, comments, reshares, impressions). `metricType` is a
//!   string from version 202605 and a one-key object before; an empty
//!   answer is 0. A post the API does not find (404) is gone.

use serde::Deserialize;
use serde_json::Value;

use super::posts::Elements;
use super::{Linkedin, encode};
use crate::adapters::{AdapterError, ErrorKind, Metrics};
use crate::calendar::channel::LinkedinAuthor;

/// Posts asked for in one share-statistics request (the URL stays short).
const BATCH: usize = 20;

/// The member metrics read, and where each goes.
const MEMBER_METRICS: [&str; 4] = ["REACTION", "COMMENT", "RESHARE", "IMPRESSION"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareStatistics {
    #[serde(default)]
    share: Option<String>,
    #[serde(default)]
    ugc_post: Option<String>,
    total_share_statistics: Totals,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Totals {
    #[serde(default)]
    like_count: u64,
    #[serde(default)]
    comment_count: u64,
    #[serde(default)]
    share_count: u64,
    #[serde(default)]
    impression_count: u64,
    #[serde(default)]
    click_count: u64,
}

#[derive(Deserialize)]
struct MemberMetric {
    count: u64,
    #[serde(default, rename = "metricType")]
    metric_type: Value,
}

impl Linkedin {
    pub(super) fn read_metrics(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Option<Metrics>>, AdapterError> {
        for id in ids {
            if post_kind(id).is_none() {
                return Err(AdapterError::permanent(format!(
                    "{id} is not a LinkedIn post URN (urn:li:share:… or urn:li:ugcPost:…)"
                )));
            }
        }
        match &self.author {
            LinkedinAuthor::Organization(_) => {
                let mut out = Vec::with_capacity(ids.len());
                for batch in ids.chunks(BATCH) {
                    out.extend(self.organization_batch(batch)?);
                }
                Ok(out)
            }
            LinkedinAuthor::Person(_) => ids.iter().map(|id| self.member_post(id)).collect(),
        }
    }

    fn organization_batch(&self, ids: &[&str]) -> Result<Vec<Option<Metrics>>, AdapterError> {
        let what = "GET /rest/organizationalEntityShareStatistics";
        let list = |kind: &str| {
            let urns: Vec<String> = ids
                .iter()
                .filter(|id| post_kind(id) == Some(kind))
                .map(|id| encode(id))
                .collect();
            urns.join(",")
        };
        let mut url = self.url(&format!(
            "/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={}",
            encode(&self.author.urn())
        ));
        for (kind, param) in [("share", "shares"), ("ugcPost", "ugcPosts")] {
            let urns = list(kind);
            if !urns.is_empty() {
                url.push_str(&format!("&{param}=List({urns})"));
            }
        }
        let answer: Elements<ShareStatistics> = self
            .send(what, self.http.client().get(url))
            .map_err(|e| permission_hint(e, "rw_organization_admin (an administrator of the page)"))
            .and_then(|r| self.http.json(what, r))?;
        ids.iter()
            .map(|id| {
                let found = answer
                    .elements
                    .iter()
                    .find(|s| s.share.as_deref() == Some(id) || s.ugc_post.as_deref() == Some(id));
                match found {
                    Some(s) => {
                        let t = &s.total_share_statistics;
                        Ok(Some(Metrics {
                            likes: Some(t.like_count),
                            replies: Some(t.comment_count),
                            reposts: Some(t.share_count),
                            views: Some(t.impression_count),
                            clicks: Some(t.click_count),
                            quotes: None,
                        }))
                    }
                    // Not reported: no actions yet, or deleted.
                    None => Ok(self.read_post(id)?.is_some().then_some(Metrics {
                        likes: Some(0),
                        replies: Some(0),
                        reposts: Some(0),
                        views: Some(0),
                        clicks: Some(0),
                        quotes: None,
                    })),
                }
            })
            .collect()
    }

    fn member_post(&self, id: &str) -> Result<Option<Metrics>, AdapterError> {
        let what = "GET /rest/memberCreatorPostAnalytics";
        let kind = if post_kind(id) == Some("ugcPost") {
            "ugc"
        } else {
            "share"
        };
        let mut counts = [0u64; MEMBER_METRICS.len()];
        for (metric, count) in MEMBER_METRICS.iter().zip(counts.iter_mut()) {
            let url = self.url(&format!(
                "/rest/memberCreatorPostAnalytics?q=entity&entity=({kind}:{})&queryType={metric}&aggregation=TOTAL",
                encode(id)
            ));
            let answer: Elements<MemberMetric> = match self
                .send(what, self.http.client().get(url))
                .and_then(|r| self.http.json(what, r))
            {
                Ok(answer) => answer,
                Err(e) if e.status == Some(404) => return Ok(None),
                Err(e) => {
                    return Err(permission_hint(
                        e,
                        "r_member_postAnalytics (Community Management API)",
                    ));
                }
            };
            let Some(element) = answer.elements.first() else {
                continue;
            };
            if metric_type(&element.metric_type) != Some(metric) {
                return Err(AdapterError::new(
                    ErrorKind::Permanent,
                    format!(
                        "{what}: asked for {metric}, LinkedIn answered with {}",
                        element.metric_type
                    ),
                ));
            }
            *count = element.count;
        }
        let [likes, replies, reposts, views] = counts;
        Ok(Some(Metrics {
            likes: Some(likes),
            replies: Some(replies),
            reposts: Some(reposts),
            views: Some(views),
            clicks: None,
            quotes: None,
        }))
    }
}

/// `share` or `ugcPost` for a post URN; `None` for anything else (a
/// comment's URN, say).
fn post_kind(id: &str) -> Option<&'static str> {
    let digits = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    if id.strip_prefix("urn:li:share:").is_some_and(digits) {
        Some("share")
    } else if id.strip_prefix("urn:li:ugcPost:").is_some_and(digits) {
        Some("ugcPost")
    } else {
        None
    }
}

/// `"REACTION"`, or `{"com.linkedin…CreatorPostAnalyticsMetricTypeV1": "REACTION"}`.
fn metric_type(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(map) if map.len() == 1 => map.values().next()?.as_str(),
        _ => None,
    }
}

/// A 403 from a reporting API: the token lacks the permission it needs.
fn permission_hint(mut e: AdapterError, permission: &str) -> AdapterError {
    if e.status == Some(403) {
        e.kind = ErrorKind::Permanent;
        e.message.push_str(&format!(
            "; reading engagement needs the token to carry {permission}: grant it to the app, sign in again, and update the channel's `token`"
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_kinds() {
        assert_eq!(post_kind("urn:li:share:7141"), Some("share"));
        assert_eq!(post_kind("urn:li:ugcPost:7141"), Some("ugcPost"));
        assert_eq!(post_kind("urn:li:comment:(urn:li:share:1,2)"), None);
        assert_eq!(post_kind("urn:li:share:"), None);
    }

    #[test]
    fn metric_types_in_both_shapes() {
        assert_eq!(metric_type(&Value::from("COMMENT")), Some("COMMENT"));
        let old = serde_json::json!({"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": "REACTION"});
        assert_eq!(metric_type(&old), Some("REACTION"));
        assert_eq!(metric_type(&serde_json::json!({})), None);
    }
}
