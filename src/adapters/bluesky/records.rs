//! Bluesky records: reading one back (`getRecord`), what a reply needs to
//! point at (strong refs to the parent and the thread's root), and at-uris.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Bluesky, POST};
use crate::adapters::{AdapterError, ErrorKind, Part, Remote};

const GET_RECORD: &str = "com.atproto.repo.getRecord";

#[derive(Deserialize)]
pub(super) struct Created {
    pub(super) uri: String,
    pub(super) cid: String,
}

#[derive(Deserialize)]
/// A record as `getRecord` answers it.
pub(super) struct StoredRecord {
    pub(super) uri: String,
    pub(super) cid: Option<String>,
    #[serde(default)]
    pub(super) value: Value,
}

#[derive(Debug, Clone)]
pub(super) struct Known {
    pub(super) cid: String,
    /// The `reply.root` strong ref the record carries, if it is a reply.
    pub(super) root: Option<Value>,
}

impl Bluesky {
    /// `getRecord` (public, no token needed); `None` when the PDS says
    /// `RecordNotFound`.
    pub(super) fn get_record(
        &mut self,
        repo: &str,
        rkey: &str,
    ) -> Result<Option<StoredRecord>, AdapterError> {
        let result = self.http.send_json::<StoredRecord>(
            GET_RECORD,
            self.http.client().get(self.query_url(
                GET_RECORD,
                &[("repo", repo), ("collection", POST), ("rkey", rkey)],
            )),
        );
        match result {
            Ok(record) => {
                if let Some(cid) = &record.cid {
                    let root = record.value.pointer("/reply/root").cloned();
                    self.known.insert(
                        record.uri.clone(),
                        Known {
                            cid: cid.clone(),
                            root,
                        },
                    );
                }
                Ok(Some(record))
            }
            Err(e) if e.code.as_deref() == Some("RecordNotFound") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The uri, cid and thread root of a record, from memory or `getRecord`.
    pub(super) fn known(&mut self, remote: &Remote) -> Result<(String, Known), AdapterError> {
        if let Some(k) = self.known.get(&remote.id) {
            return Ok((remote.id.clone(), k.clone()));
        }
        let (repo, _, rkey) = parse_at_uri(&remote.id)?;
        let missing = || {
            AdapterError::permanent(format!(
                "cannot reply to {}: the post is not on Bluesky any more",
                remote.id
            ))
        };
        let record = self.get_record(repo, rkey)?.ok_or_else(missing)?;
        let known = self.known.get(&record.uri).cloned().ok_or_else(missing)?;
        // The PDS's own form of the uri (a DID, even if ours named a handle).
        Ok((record.uri, known))
    }

    /// `reply: {root, parent}` for a thread follow-up.
    pub(super) fn reply_refs(&mut self, part: &Part<'_>) -> Result<Option<Value>, AdapterError> {
        let Some(parent) = part.reply_to else {
            return Ok(None);
        };
        let (parent_uri, parent_known) = self.known(parent)?;
        let parent_ref = json!({"uri": parent_uri, "cid": parent_known.cid});
        let root_ref = match part.root {
            Some(root) if root.id != parent.id => {
                let (uri, known) = self.known(root)?;
                json!({"uri": uri, "cid": known.cid})
            }
            Some(_) => parent_ref.clone(),
            // No root given: the parent's own root, or the parent itself.
            None => parent_known.root.unwrap_or_else(|| parent_ref.clone()),
        };
        Ok(Some(json!({"root": root_ref, "parent": parent_ref})))
    }

    pub(super) fn remote(&self, uri: &str) -> Remote {
        let rkey = uri.rsplit('/').next().unwrap_or_default();
        let url = self.session.as_ref().map(|s| {
            let who = if s.handle == "handle.invalid" {
                &s.did
            } else {
                &s.handle
            };
            format!("https://bsky.app/profile/{who}/post/{rkey}")
        });
        Remote {
            id: uri.to_owned(),
            url,
        }
    }
}

/// Whether a failed `createRecord` may have left the record in place: the
/// key is taken ("There is already a value at key" is not a typed XRPC error
/// and comes back as HTTP 500), or the answer never came.
pub(super) fn may_exist(e: &AdapterError) -> bool {
    match e.kind {
        ErrorKind::Ambiguous => true,
        ErrorKind::Transient { .. } => e.status.is_some_and(|status| status >= 500),
        ErrorKind::Permanent => e.message.contains("already"),
        ErrorKind::Unsupported | ErrorKind::Held => false,
    }
}

/// `at://<repo>/<collection>/<rkey>`.
pub(super) fn parse_at_uri(uri: &str) -> Result<(&str, &str, &str), AdapterError> {
    let parts: Option<Vec<&str>> = uri
        .strip_prefix("at://")
        .map(|rest| rest.split('/').collect());
    match parts.as_deref() {
        Some([repo, collection, rkey]) if !repo.is_empty() && !rkey.is_empty() => {
            Ok((repo, collection, rkey))
        }
        _ => Err(AdapterError::permanent(format!(
            "`{uri}` is not a Bluesky record URI (at://did/collection/rkey)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_uris() {
        assert_eq!(
            parse_at_uri("at://did:plc:abc/app.bsky.feed.post/3lbqtk2zhoq2c").unwrap(),
            ("did:plc:abc", "app.bsky.feed.post", "3lbqtk2zhoq2c")
        );
        assert!(parse_at_uri("https://bsky.app/profile/x/post/y").is_err());
        assert!(parse_at_uri("at://did:plc:abc/app.bsky.feed.post").is_err());
    }
}
