//! A Threads channel: its settings and how they are read.

use super::{Builder, ChannelKind};

/// A Threads account, posted to with its (60-day, refreshable) user token.
#[derive(Debug, Clone)]
pub struct Threads {
    /// The account's numeric Threads user id.
    pub user_id: String,
    pub token: super::SecretRef,
    /// The Threads Graph API, without a trailing `/` or version.
    pub api_base: String,
}

/// The Threads API version postcal speaks (the path's first segment).
pub const THREADS_VERSION: &str = "v1.0";

impl Builder<'_> {
    pub(super) fn threads(&mut self) -> Option<ChannelKind> {
        let raw = &self.raw.value;
        // Each field on its own, so that every mistake is reported at once.
        let user_id = self.user_id();
        let api_base = self.endpoint("api_base", &raw.api_base, Some("https://graph.threads.net"));
        Some(ChannelKind::Threads(Threads {
            user_id: user_id?,
            token: self.credential(&raw.token)?,
            api_base: api_base?,
        }))
    }

    /// A Threads user id is a number (a username is not accepted).
    fn user_id(&mut self) -> Option<String> {
        self.numeric_id(
            &self.raw.value.user_id,
            "a Threads user id",
            "use the account's numeric id: `id` in GET https://graph.threads.net/v1.0/me with its token (README: Threads)",
        )
    }
}
