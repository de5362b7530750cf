//! A LinkedIn channel's settings: who posts (a member or an organization),
//! the API version, and what doctor needs to know when the token runs out
//! (LinkedIn tokens last 60 days, with no refresh for most apps).

use chrono::{DateTime, NaiveDate, Utc};

use super::{Builder, SecretRef, secret_ref};
use crate::diagnostic::{Located, RuleId};

/// The `LinkedIn-Version` sent when the channel does not say. LinkedIn
/// retires a version about a year after it ships; doctor says when it is
/// getting old.
pub const DEFAULT_VERSION: &str = "202611";

const API_BASE: &str = "https://api.linkedin.com";

/// Who posts: the `author` of posts and the `actor` of comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkedinAuthor {
    /// A member (`w_member_social`), by the id `/v2/userinfo` calls `sub`.
    Person(String),
    /// A company page (`w_organization_social`, Community Management API).
    Organization(String),
}

impl LinkedinAuthor {
    /// `urn:li:person:ID` or `urn:li:organization:ID`.
    pub fn parse(urn: &str) -> Option<LinkedinAuthor> {
        let valid = |id: &str| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if let Some(id) = urn.strip_prefix("urn:li:person:") {
            return valid(id).then(|| LinkedinAuthor::Person(id.to_owned()));
        }
        urn.strip_prefix("urn:li:organization:")
            .filter(|id| valid(id))
            .map(|id| LinkedinAuthor::Organization(id.to_owned()))
    }

    pub fn urn(&self) -> String {
        match self {
            LinkedinAuthor::Person(id) => format!("urn:li:person:{id}"),
            LinkedinAuthor::Organization(id) => format!("urn:li:organization:{id}"),
        }
    }
}

/// The LinkedIn app behind the token, for token introspection.
#[derive(Debug, Clone)]
pub struct LinkedinApp {
    pub client_id: String,
    pub client_secret: SecretRef,
}

#[derive(Debug, Clone)]
pub struct Linkedin {
    pub author: LinkedinAuthor,
    pub token: SecretRef,
    /// `YYYYMM`.
    pub version: String,
    /// The REST API, without a trailing `/` (default `https://api.linkedin.com`).
    pub api_base: String,
    pub app: Option<LinkedinApp>,
    /// When the token expires, as the user recorded it.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Builder<'_> {
    /// The channel, every field checked (each mistake a finding of its own).
    pub(super) fn linkedin(&mut self) -> Option<Linkedin> {
        let raw = &self.raw.value;
        let author = raw.author.as_ref()?;
        let author_urn = LinkedinAuthor::parse(author.value.trim());
        if author_urn.is_none() {
            self.error(
                RuleId::CONFIG,
                author.loc,
                format!("`{}` is not a LinkedIn author", author.value),
                "write `urn:li:person:ID` (ID is the `sub` of /v2/userinfo) or `urn:li:organization:ID` (the number in the company page's admin URL)".to_owned(),
            );
        }
        let version = match &raw.linkedin_version {
            Some(v) => self.version(v),
            None => Some(DEFAULT_VERSION.to_owned()),
        };
        let app = self.app();
        let expires_at = match &raw.expires_at {
            Some(e) => self.expires_at(e).map(Some),
            None => Some(None),
        };
        let api_base = self.endpoint("api_base", &raw.api_base, Some(API_BASE));
        Some(Linkedin {
            author: author_urn?,
            token: self.credential(&raw.token)?,
            version: version?,
            api_base: api_base?,
            app: app?,
            expires_at: expires_at?,
        })
    }

    fn version(&mut self, v: &Located<String>) -> Option<String> {
        let s = v.value.trim();
        let valid = s.len() == 6
            && s.bytes().all(|b| b.is_ascii_digit())
            && s[..4].parse::<u32>().is_ok_and(|y| y >= 2022)
            && s[4..].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
        if valid {
            return Some(s.to_owned());
        }
        self.error(
            RuleId::CONFIG,
            v.loc,
            format!("`{s}` is not a LinkedIn API version"),
            format!(
                "write the version as YYYYMM, e.g. `linkedin_version: \"{DEFAULT_VERSION}\"` (quoted, so YAML keeps it text)"
            ),
        );
        None
    }

    /// `client_id` and `client_secret`, both or neither.
    fn app(&mut self) -> Option<Option<LinkedinApp>> {
        let raw = &self.raw.value;
        match (&raw.client_id, &raw.client_secret) {
            (None, None) => Some(None),
            (Some(id), Some(secret)) => {
                let client_secret = secret_ref(&secret.value)?;
                Some(Some(LinkedinApp {
                    client_id: id.value.trim().to_owned(),
                    client_secret,
                }))
            }
            (Some(half), None) | (None, Some(half)) => {
                self.error(
                    RuleId::CONFIG,
                    half.loc,
                    "`client_id` and `client_secret` go together".to_owned(),
                    "give both (doctor then asks LinkedIn when the token expires), or neither (and record `expires_at`)".to_owned(),
                );
                None
            }
        }
    }

    fn expires_at(&mut self, e: &Located<String>) -> Option<DateTime<Utc>> {
        let s = e.value.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        // A date alone: its first moment, in UTC (the earlier reading).
        if let Some(t) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            return Some(t.and_utc());
        }
        self.error(
            RuleId::CONFIG,
            e.loc,
            format!("`expires_at` is not a date: `{s}`"),
            "write the date LinkedIn showed when the token was made, e.g. `expires_at: 2027-01-30` (or an RFC 3339 time)".to_owned(),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors() {
        assert_eq!(
            LinkedinAuthor::parse("urn:li:person:abc-D_9"),
            Some(LinkedinAuthor::Person("abc-D_9".into()))
        );
        assert_eq!(
            LinkedinAuthor::parse("urn:li:organization:2414183").map(|a| a.urn()),
            Some("urn:li:organization:2414183".to_owned())
        );
        for bad in [
            "urn:li:person:",
            "urn:li:company:1",
            "person:abc",
            "urn:li:person:a b",
        ] {
            assert_eq!(LinkedinAuthor::parse(bad), None, "{bad}");
        }
    }
}
