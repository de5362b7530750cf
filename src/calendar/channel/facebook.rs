//! A Facebook Page channel: its settings and how they are read.

use super::{Builder, ChannelKind};
use crate::calendar::raw::RawNumericId;
use crate::diagnostic::Located;
use crate::diagnostic::RuleId;

/// A Facebook Page, posted to with a Page access token.
#[derive(Debug, Clone)]
pub struct Facebook {
    /// The Page's numeric id.
    pub page_id: String,
    pub page_token: super::SecretRef,
    /// `vMAJOR.MINOR`, e.g. `v23.0`.
    pub graph_version: String,
    /// The Graph API, without a trailing `/`.
    pub api_base: String,
}

/// The Graph API version a Facebook channel uses unless it names one.
pub const GRAPH_VERSION: &str = "v23.0";

impl Builder<'_> {
    pub(super) fn facebook(&mut self) -> Option<ChannelKind> {
        let raw = &self.raw.value;
        // Each field on its own, so that every mistake is reported at once.
        let (page_id, graph_version) = (self.page_id(), self.graph_version());
        let api_base = self.endpoint(
            "api_base",
            &raw.api_base,
            Some("https://graph.facebook.com"),
        );
        Some(ChannelKind::Facebook(Facebook {
            page_id: page_id?,
            page_token: self.credential(&raw.page_token)?,
            graph_version: graph_version?,
            api_base: api_base?,
        }))
    }

    /// A Page id is a number (a vanity name is not accepted for posting).
    fn page_id(&mut self) -> Option<String> {
        self.numeric_id(
            &self.raw.value.page_id,
            "a Facebook Page id",
            "use the Page's numeric id (in the Page's About → Page transparency, or `id` in GET /me/accounts)",
        )
    }

    /// A numeric id (`what`: "a Facebook Page id"), as a number or quoted
    /// digits; anything else (a name) is an error with `help`.
    pub(super) fn numeric_id(
        &mut self,
        id: &Option<Located<RawNumericId>>,
        what: &str,
        help: &str,
    ) -> Option<String> {
        let id = id.as_ref()?;
        let text = match &id.value {
            RawNumericId::Number(n) => return Some(n.to_string()),
            RawNumericId::Text(s) => s.trim(),
        };
        if is_number(text) {
            return Some(text.to_owned());
        }
        self.error(
            RuleId::CONFIG,
            id.loc,
            format!("`{text}` is not {what}"),
            help.to_owned(),
        );
        None
    }

    /// `vMAJOR.MINOR`, default [`GRAPH_VERSION`].
    pub(super) fn graph_version(&mut self) -> Option<String> {
        let Some(v) = &self.raw.value.graph_version else {
            return Some(GRAPH_VERSION.to_owned());
        };
        let valid = v
            .value
            .strip_prefix('v')
            .and_then(|n| n.split_once('.'))
            .is_some_and(|(major, minor)| {
                [major, minor].iter().all(|p| p.len() <= 3 && is_number(p))
            });
        if valid {
            return Some(v.value.clone());
        }
        self.error(
            RuleId::CONFIG,
            v.loc,
            format!("`{}` is not a Graph API version", v.value),
            format!("write it as Meta does, e.g. `{GRAPH_VERSION}`"),
        );
        None
    }
}

pub(super) fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}
