//! An Instagram channel (a professional account): its settings and how
//! they are read.

use super::{Builder, ChannelKind};
use crate::calendar::raw::RawLogin;

/// How the account's token was obtained, which decides the API's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstagramLogin {
    /// Business Login for Instagram: `graph.instagram.com`, an Instagram
    /// user token (60 days, refreshable).
    Instagram,
    /// Facebook Login for Business: `graph.facebook.com`, with a Page token
    /// of the Facebook Page linked to the account.
    Facebook,
}

/// An Instagram professional account, posted to through its containers.
#[derive(Debug, Clone)]
pub struct Instagram {
    /// The account's numeric Instagram user id.
    pub user_id: String,
    pub token: super::SecretRef,
    pub login: InstagramLogin,
    /// `vMAJOR.MINOR`, e.g. `v23.0`.
    pub graph_version: String,
    /// The Graph API for the login kind, without a trailing `/` or version.
    pub api_base: String,
}

impl Builder<'_> {
    pub(super) fn instagram(&mut self) -> Option<ChannelKind> {
        let raw = &self.raw.value;
        let login = match raw.login.as_ref().map(|l| l.value) {
            Some(RawLogin::Facebook) => InstagramLogin::Facebook,
            Some(RawLogin::Instagram) | None => InstagramLogin::Instagram,
        };
        let host = match login {
            InstagramLogin::Instagram => "https://graph.instagram.com",
            InstagramLogin::Facebook => "https://graph.facebook.com",
        };
        // Each field on its own, so that every mistake is reported at once.
        let user_id = self.numeric_id(
            &raw.user_id,
            "an Instagram user id",
            "use the account's numeric id: `user_id` in GET https://graph.instagram.com/v23.0/me?fields=user_id,username with its token, or `instagram_business_account` of its Facebook Page (README: Instagram)",
        );
        let graph_version = self.graph_version();
        let api_base = self.endpoint("api_base", &raw.api_base, Some(host));
        Some(ChannelKind::Instagram(Instagram {
            user_id: user_id?,
            token: self.credential(&raw.token)?,
            login,
            graph_version: graph_version?,
            api_base: api_base?,
        }))
    }
}
