//! Posts and comments: creating them, reading one back, finding one an
//! unclear attempt may have made, and LinkedIn's duplicate refusal.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Linkedin, SKEW, decode, encode, post_url};
use crate::adapters::{AdapterError, ErrorKind, Part, Remote};
use crate::platform::little_text;

/// Posts read back when looking for one an attempt may have made.
const RECENT: &str = "20";

/// A post as `GET /rest/posts` gives it (the fields postcal reads).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Post {
    id: String,
    author: String,
    #[serde(default)]
    commentary: String,
    /// Milliseconds since the epoch.
    #[serde(default)]
    created_at: Option<i64>,
}

/// A Rest.li collection's answer.
#[derive(Deserialize)]
pub(super) struct Elements<T> {
    pub(super) elements: Vec<T>,
}

#[derive(Deserialize)]
struct Comment {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    created: Option<Stamp>,
    #[serde(default, rename = "commentUrn")]
    comment_urn: Option<String>,
    #[serde(default, rename = "$URN")]
    urn: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    text: String,
}

#[derive(Deserialize)]
struct Stamp {
    time: i64,
}

impl Comment {
    /// Its URN: as given, or built from its id and the post it is on.
    fn urn(&self, object: &str) -> Option<String> {
        self.comment_urn
            .clone()
            .or_else(|| self.urn.clone())
            .or_else(|| {
                let id = self.id.as_deref()?;
                Some(if id.starts_with("urn:li:comment:") {
                    id.to_owned()
                } else {
                    format!("urn:li:comment:({object},{id})")
                })
            })
    }
}

impl Linkedin {
    /// `POST /rest/posts`: the post's URN comes in `x-restli-id`.
    pub(super) fn create_post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let media = self.upload_images(part.media)?;
        let mut body = json!({
            "author": self.author.urn(),
            "commentary": little_text::escape(part.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        });
        match media.as_slice() {
            [] => {}
            [one] => body["content"] = json!({ "media": one }),
            many => body["content"] = json!({ "multiImage": { "images": many } }),
        }
        let what = "POST /rest/posts";
        let sent = self.send(
            what,
            self.http.client().post(self.url("/rest/posts")).json(&body),
        );
        let response = match sent {
            Ok(response) => response,
            Err(e) if is_duplicate(&e) => return self.duplicate(part, e),
            Err(e) => return Err(e),
        };
        let status = response.status();
        let id = response
            .headers()
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| decode(v.trim()))
            .filter(|v| v.starts_with("urn:li:"));
        match id {
            Some(id) => Ok(Remote {
                url: Some(post_url(&id)),
                id,
            }),
            None => Err(AdapterError::new(
                ErrorKind::Ambiguous,
                format!("{what}: {status}, but without the new post's id (`x-restli-id`)"),
            )),
        }
    }

    /// `POST /rest/socialActions/{post}/comments`: a thread's follow-up.
    pub(super) fn create_comment(
        &mut self,
        part: &Part<'_>,
        object: &str,
    ) -> Result<Remote, AdapterError> {
        let body = json!({
            "actor": self.author.urn(),
            "object": object,
            "message": { "text": little_text::escape(part.text) },
        });
        let what = "POST /rest/socialActions/:urn/comments";
        let url = self.url(&format!("/rest/socialActions/{}/comments", encode(object)));
        let response = self.send(what, self.http.client().post(url).json(&body))?;
        let header = response
            .headers()
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| decode(v.trim()));
        let comment: Option<Comment> = self
            .http
            .body(what, response)
            .ok()
            .and_then(|b| serde_json::from_str(&b).ok());
        let urn = comment.and_then(|c| c.urn(object)).or_else(|| {
            header.map(|h| match h.starts_with("urn:li:comment:") {
                true => h,
                false => format!("urn:li:comment:({object},{h})"),
            })
        });
        let Some(urn) = urn else {
            return Err(AdapterError::new(
                ErrorKind::Ambiguous,
                format!("{what}: the comment was accepted, but its id was not in the answer"),
            ));
        };
        Ok(Remote {
            url: Some(format!("{}?commentUrn={}", post_url(object), encode(&urn))),
            id: urn,
        })
    }

    /// The author's post with this text made since `since`, if LinkedIn
    /// lists one (`GET /rest/posts?q=author`).
    pub(super) fn find_post(
        &self,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        let request = self
            .http
            .client()
            .get(self.url("/rest/posts"))
            .query(&[
                ("author", self.author.urn().as_str()),
                ("q", "author"),
                ("count", RECENT),
                ("sortBy", "LAST_MODIFIED"),
            ])
            .header("X-RestLi-Method", "FINDER");
        let what = "GET /rest/posts?q=author";
        let posts: Elements<Post> = self
            .send(what, request)
            .and_then(|r| self.http.json(what, r))
            .map_err(cannot_list)?;
        Ok(posts
            .elements
            .into_iter()
            .find(|p| self.is_ours(p, text, since))
            .map(|p| Remote {
                url: Some(post_url(&p.id)),
                id: p.id,
            }))
    }

    /// The author's comment on `object` with this text made since `since`.
    pub(super) fn find_comment(
        &self,
        object: &str,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Remote>, AdapterError> {
        let what = "GET /rest/socialActions/:urn/comments";
        let url = self.url(&format!("/rest/socialActions/{}/comments", encode(object)));
        let comments: Elements<Comment> = self
            .send(what, self.http.client().get(url))
            .and_then(|r| self.http.json(what, r))
            .map_err(cannot_list)?;
        let author = self.author.urn();
        let found = comments.elements.into_iter().find(|c| {
            c.actor == author
                && c.message
                    .as_ref()
                    .is_some_and(|m| little_text::same_text(&m.text, text))
                && c.created
                    .as_ref()
                    .is_none_or(|t| millis(t.time) >= since - SKEW)
        });
        Ok(found.and_then(|c| c.urn(object)).map(|urn| Remote {
            url: Some(format!("{}?commentUrn={}", post_url(object), encode(&urn))),
            id: urn,
        }))
    }

    /// `GET /rest/posts/:urn`: the post, or `None` when LinkedIn has no
    /// such post (deleted).
    pub(super) fn read_post(&self, urn: &str) -> Result<Option<Post>, AdapterError> {
        let what = "GET /rest/posts/:urn";
        let url = self.url(&format!("/rest/posts/{}", encode(urn)));
        match self
            .send(what, self.http.client().get(url))
            .and_then(|r| self.http.json(what, r))
        {
            Ok(post) => Ok(Some(post)),
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn is_ours(&self, post: &Post, text: &str, since: DateTime<Utc>) -> bool {
        post.author == self.author.urn()
            && little_text::same_text(&post.commentary, text)
            && post.created_at.is_none_or(|t| millis(t) >= since - SKEW)
    }

    /// LinkedIn refused the text as a duplicate of a post it names: while
    /// settling this part, that post (the author's, this text, made since
    /// the earlier attempt) is the part; otherwise say which post it means.
    fn duplicate(
        &mut self,
        part: &Part<'_>,
        refused: AdapterError,
    ) -> Result<Remote, AdapterError> {
        let Some(urn) = duplicate_of(&refused.message) else {
            return Err(refused);
        };
        let post = match self.read_post(&urn) {
            Ok(Some(post)) => post,
            Ok(None) => {
                return Err(AdapterError {
                    message: format!(
                        "{}; that post no longer exists (LinkedIn keeps refusing the text of a deleted post for a while): change the text",
                        refused.message
                    ),
                    ..refused
                });
            }
            Err(e) => return Err(e),
        };
        if let Some(since) = self.settling.get(part.key)
            && self.is_ours(&post, part.text, *since)
        {
            return Ok(Remote {
                url: Some(post_url(&post.id)),
                id: post.id,
            });
        }
        Err(AdapterError {
            message: format!(
                "{}: LinkedIn takes the same text once; change the text, or if {} is this post, record it with `postcal publish --mark-published {}@{} --url {}`",
                refused.message,
                urn,
                part.post,
                part.channel,
                post_url(&urn)
            ),
            ..refused
        })
    }
}

/// LinkedIn's 422 for a text it already has.
fn is_duplicate(e: &AdapterError) -> bool {
    e.status == Some(422) && e.code.as_deref() == Some("DUPLICATE_POST")
}

/// The post a duplicate refusal names: "…duplicate of urn:li:share:123".
fn duplicate_of(message: &str) -> Option<String> {
    ["urn:li:share:", "urn:li:ugcPost:"]
        .iter()
        .filter_map(|prefix| {
            let start = message.find(prefix)?;
            let digits: String = message[start + prefix.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (!digits.is_empty()).then(|| format!("{prefix}{digits}"))
        })
        .next()
}

/// A list LinkedIn will not give this token (members need the private
/// `r_member_social`; organizations `r_organization_social`): the platform
/// cannot be asked.
fn cannot_list(e: AdapterError) -> AdapterError {
    if matches!(e.status, Some(400 | 403)) {
        return AdapterError::unsupported(format!(
            "{}; LinkedIn lets this token post but not read its posts back (that needs `r_member_social`, a private permission, or `r_organization_social` for a company page)",
            e.message
        ));
    }
    e
}

fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The `content` entry of one image: its URN and alt text.
pub(super) fn image_entry(urn: &str, alt: Option<&str>) -> Value {
    let mut entry = json!({ "id": urn });
    if let Some(alt) = alt.filter(|a| !a.is_empty()) {
        entry["altText"] = json!(alt);
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duplicate_names_the_existing_post() {
        assert_eq!(
            duplicate_of(
                "POST /rest/posts: HTTP 422: Content is a duplicate of urn:li:share:7141138937766391808"
            )
            .as_deref(),
            Some("urn:li:share:7141138937766391808")
        );
        assert_eq!(
            duplicate_of("duplicate of urn:li:ugcPost:42.").as_deref(),
            Some("urn:li:ugcPost:42")
        );
        assert_eq!(duplicate_of("Duplicate post is detected"), None);
    }
}
