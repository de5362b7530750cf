//! Channels: where posts go. Each platform's settings are a type of their
//! own, built when postcal.yaml is loaded, so a channel that lacks what its
//! platform needs is a finding with a line, never an adapter error at
//! publish time. Adding a platform is adding a variant here, its fields to
//! `raw::RawChannel` and `Platform::fields`, and a file in `adapters/`.

mod linkedin;

pub use linkedin::{Linkedin, LinkedinApp, LinkedinAuthor};

use super::raw::{RawChannel, RawChatId, RawOnAmbiguous};
use crate::diagnostic::{FileId, Finding, Loc, Located, RuleId, Subject};
use crate::platform::Platform;

mod facebook;
pub use facebook::{Facebook, GRAPH_VERSION};
mod threads;
pub use threads::{THREADS_VERSION, Threads};
mod instagram;
pub use instagram::{Instagram, InstagramLogin};

/// A credential as written: a reference resolved at publish time, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    Env(String),
    File(String),
    /// A token in the token store (`store:NAME`), renewed as it ages.
    Store(String),
}

/// What to do when a request may or may not have taken effect and the
/// platform cannot be asked (`on_ambiguous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnAmbiguous {
    /// Record the outcome as unknown and wait for a person (the default).
    #[default]
    Hold,
    /// Send again: this team prefers a possible duplicate to a missed post.
    Retry,
}

/// One configured channel.
#[derive(Debug, Clone)]
pub struct Channel {
    pub name: String,
    /// Where its name is written in postcal.yaml.
    pub loc: Loc,
    pub on_ambiguous: OnAmbiguous,
    pub kind: ChannelKind,
}

/// A channel's platform and the settings that platform needs.
#[derive(Debug, Clone)]
pub enum ChannelKind {
    Mastodon(Mastodon),
    Bluesky(Bluesky),
    Discord(Discord),
    Slack(Slack),
    Telegram(Telegram),
    Webhook(Webhook),
    Linkedin(Linkedin),
    Facebook(Facebook),
    X(X),
    Threads(Threads),
    Instagram(Instagram),
}

#[derive(Debug, Clone)]
pub struct Mastodon {
    /// The server, without a trailing `/`.
    pub instance: String,
    pub token: SecretRef,
    pub max_chars: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Bluesky {
    /// The login handle, without a leading `@`.
    pub handle: String,
    pub app_password: SecretRef,
    /// The PDS, without a trailing `/`.
    pub service: String,
    /// The AppView metrics are read from, without a trailing `/`.
    pub appview: String,
}

#[derive(Debug, Clone)]
pub struct Discord {
    /// The webhook URL (it carries the webhook's token).
    pub webhook: SecretRef,
}

#[derive(Debug, Clone)]
pub struct Slack {
    pub webhook: SecretRef,
}

/// A Telegram chat: its number, or `@channelname`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatId {
    Number(i64),
    Name(String),
}

impl std::fmt::Display for ChatId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChatId::Number(n) => write!(f, "{n}"),
            ChatId::Name(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Telegram {
    pub token: SecretRef,
    pub chat_id: ChatId,
    pub api_base: String,
}

/// Where a generic webhook posts: a URL written out, or one held as a
/// secret (it may carry a token).
#[derive(Debug, Clone)]
pub enum WebhookUrl {
    Literal(String),
    Secret(SecretRef),
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: WebhookUrl,
    /// Signs each request (Standard Webhooks) when set.
    pub secret: Option<SecretRef>,
    pub max_chars: Option<usize>,
}

/// An X account, posted to with OAuth 1.0a user context: the app's key
/// and secret, the account's access token and secret (they do not expire).
#[derive(Debug, Clone)]
pub struct X {
    pub api_key: SecretRef,
    pub api_secret: SecretRef,
    pub access_token: SecretRef,
    pub access_secret: SecretRef,
    /// The API, without a trailing `/` (default `https://api.x.com`).
    pub api_base: String,
}

impl Channel {
    pub fn platform(&self) -> Platform {
        match &self.kind {
            ChannelKind::Mastodon(_) => Platform::Mastodon,
            ChannelKind::Bluesky(_) => Platform::Bluesky,
            ChannelKind::Discord(_) => Platform::Discord,
            ChannelKind::Slack(_) => Platform::Slack,
            ChannelKind::Telegram(_) => Platform::Telegram,
            ChannelKind::Webhook(_) => Platform::Webhook,
            ChannelKind::Linkedin(_) => Platform::Linkedin,
            ChannelKind::Facebook(_) => Platform::Facebook,
            ChannelKind::X(_) => Platform::X,
            ChannelKind::Threads(_) => Platform::Threads,
            ChannelKind::Instagram(_) => Platform::Instagram,
        }
    }

    /// The channel's own character limit, where it sets one.
    pub fn max_chars(&self) -> Option<usize> {
        match &self.kind {
            ChannelKind::Mastodon(m) => m.max_chars,
            ChannelKind::Webhook(w) => w.max_chars,
            _ => None,
        }
    }

    /// Every credential the channel names, by field.
    pub fn credentials(&self) -> Vec<(&'static str, &SecretRef)> {
        match &self.kind {
            ChannelKind::Mastodon(m) => vec![("token", &m.token)],
            ChannelKind::Bluesky(b) => vec![("app_password", &b.app_password)],
            ChannelKind::Discord(d) => vec![("webhook", &d.webhook)],
            ChannelKind::Slack(s) => vec![("webhook", &s.webhook)],
            ChannelKind::Telegram(t) => vec![("token", &t.token)],
            ChannelKind::Facebook(f) => vec![("page_token", &f.page_token)],
            ChannelKind::Threads(t) => vec![("token", &t.token)],
            ChannelKind::Instagram(i) => vec![("token", &i.token)],
            ChannelKind::Webhook(w) => {
                let mut out = Vec::new();
                if let WebhookUrl::Secret(r) = &w.url {
                    out.push(("url", r));
                }
                out.extend(w.secret.as_ref().map(|s| ("secret", s)));
                out
            }
            ChannelKind::Linkedin(l) => {
                let mut out = vec![("token", &l.token)];
                out.extend(l.app.as_ref().map(|a| ("client_secret", &a.client_secret)));
                out
            }
            ChannelKind::X(x) => vec![
                ("api_key", &x.api_key),
                ("api_secret", &x.api_secret),
                ("access_token", &x.access_token),
                ("access_secret", &x.access_secret),
            ],
        }
    }
}

/// `env:NAME`, `file:PATH` or `store:NAME`; anything else is a literal (and
/// refused).
pub fn secret_ref(value: &str) -> Option<SecretRef> {
    if let Some(name) = value.strip_prefix("env:") {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return valid.then(|| SecretRef::Env(name.to_owned()));
    }
    if let Some(name) = value.strip_prefix("store:") {
        return is_valid_name(name).then(|| SecretRef::Store(name.to_owned()));
    }
    value
        .strip_prefix("file:")
        .filter(|p| !p.is_empty())
        .map(|p| SecretRef::File(p.to_owned()))
}

/// `[a-z0-9][a-z0-9._-]*`: the shape of post ids and channel names.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Builds one channel from its YAML, reporting what is wrong.
pub(super) struct Builder<'a> {
    pub name: &'a Located<String>,
    pub raw: &'a Located<RawChannel>,
    pub file: FileId,
    pub findings: &'a mut Vec<Finding>,
    /// Byte ranges of secrets pasted into credential fields, never to be shown.
    pub literal_secrets: &'a mut Vec<std::ops::Range<usize>>,
    /// Whether everything the platform needs is there and usable.
    ok: bool,
}

impl<'a> Builder<'a> {
    pub fn new(
        name: &'a Located<String>,
        raw: &'a Located<RawChannel>,
        file: FileId,
        findings: &'a mut Vec<Finding>,
        literal_secrets: &'a mut Vec<std::ops::Range<usize>>,
    ) -> Self {
        Builder {
            name,
            raw,
            file,
            findings,
            literal_secrets,
            ok: true,
        }
    }

    fn error(&mut self, rule: RuleId, loc: Loc, message: String, help: String) {
        self.ok = false;
        self.findings.push(
            Finding::error(
                rule,
                Subject::Channel(self.name.value.clone()),
                self.file,
                loc,
                message,
            )
            .with_help(help),
        );
    }

    /// The channel, or `None` when it cannot be used (the findings say why).
    pub fn build(mut self) -> Option<Channel> {
        let raw = &self.raw.value;
        let platform = raw.platform.value;
        if !is_valid_name(&self.name.value) {
            self.error(
                RuleId::CONFIG,
                self.name.loc,
                format!("channel name `{}` is not allowed", self.name.value),
                "use lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit"
                    .to_owned(),
            );
        }
        let present = raw.present_fields();
        for (field, loc) in &present {
            if !platform.fields().contains(field) {
                let help = format!(
                    "a {platform} channel takes: platform, {}",
                    platform.fields().join(", ")
                );
                self.error(
                    RuleId::CONFIG,
                    *loc,
                    format!("`{field}` is not a field of a {platform} channel"),
                    help,
                );
            }
        }
        for field in platform.required_fields() {
            if !present.iter().any(|(f, _)| f == field) {
                self.error(
                    RuleId::CONFIG,
                    self.raw.loc,
                    format!("channel `{}` has no `{field}`", self.name.value),
                    format!(
                        "a {platform} channel needs: {}",
                        platform.required_fields().join(", ")
                    ),
                );
            }
        }
        // Every credential field written, whether or not the platform takes
        // it: a pasted secret is reported and never shown.
        for (field, value) in [
            ("token", &raw.token),
            ("app_password", &raw.app_password),
            ("webhook", &raw.webhook),
            ("secret", &raw.secret),
            ("client_secret", &raw.client_secret),
            ("page_token", &raw.page_token),
            ("api_key", &raw.api_key),
            ("api_secret", &raw.api_secret),
            ("access_token", &raw.access_token),
            ("access_secret", &raw.access_secret),
        ] {
            if let Some(value) = value
                && secret_ref(&value.value).is_none()
            {
                self.literal(field, value.loc);
            }
        }
        if let Some(max) = &raw.max_chars
            && max.value == 0
        {
            self.error(
                RuleId::CONFIG,
                max.loc,
                "`max_chars` must be at least 1".to_owned(),
                "remove it to use the platform's default".to_owned(),
            );
        }
        let kind = self.kind(platform);
        let kind = kind.filter(|_| self.ok)?;
        Some(Channel {
            name: self.name.value.clone(),
            loc: self.name.loc,
            on_ambiguous: match raw.on_ambiguous.as_ref().map(|o| o.value) {
                Some(RawOnAmbiguous::Retry) => OnAmbiguous::Retry,
                Some(RawOnAmbiguous::Hold) | None => OnAmbiguous::Hold,
            },
            kind,
        })
    }

    fn kind(&mut self, platform: Platform) -> Option<ChannelKind> {
        let raw = &self.raw.value;
        let max_chars = raw.max_chars.as_ref().map(|m| m.value as usize);
        Some(match platform {
            Platform::Mastodon => ChannelKind::Mastodon(Mastodon {
                instance: self.endpoint("instance", &raw.instance, None)?,
                token: self.credential(&raw.token)?,
                max_chars,
            }),
            Platform::Bluesky => ChannelKind::Bluesky(Bluesky {
                handle: raw
                    .handle
                    .as_ref()?
                    .value
                    .trim_start_matches('@')
                    .to_owned(),
                app_password: self.credential(&raw.app_password)?,
                service: self.endpoint("service", &raw.service, Some("https://bsky.social"))?,
                appview: self.endpoint(
                    "appview",
                    &raw.appview,
                    Some("https://public.api.bsky.app"),
                )?,
            }),
            Platform::Discord => ChannelKind::Discord(Discord {
                webhook: self.credential(&raw.webhook)?,
            }),
            Platform::Slack => ChannelKind::Slack(Slack {
                webhook: self.credential(&raw.webhook)?,
            }),
            Platform::Telegram => ChannelKind::Telegram(Telegram {
                token: self.credential(&raw.token)?,
                chat_id: self.chat_id()?,
                api_base: self.endpoint(
                    "api_base",
                    &raw.api_base,
                    Some("https://api.telegram.org"),
                )?,
            }),
            Platform::Webhook => {
                let url = raw.url.as_ref()?;
                let url = match secret_ref(&url.value) {
                    Some(r) => WebhookUrl::Secret(r),
                    _ => WebhookUrl::Literal(self.endpoint("url", &raw.url, None)?),
                };
                let secret = match &raw.secret {
                    Some(_) => Some(self.credential(&raw.secret)?),
                    None => None,
                };
                ChannelKind::Webhook(Webhook {
                    url,
                    secret,
                    max_chars,
                })
            }
            Platform::Linkedin => ChannelKind::Linkedin(self.linkedin()?),
            Platform::Facebook => self.facebook()?,
            Platform::Threads => self.threads()?,
            Platform::Instagram => self.instagram()?,
            Platform::X => ChannelKind::X(X {
                api_key: self.credential(&raw.api_key)?,
                api_secret: self.credential(&raw.api_secret)?,
                access_token: self.credential(&raw.access_token)?,
                access_secret: self.credential(&raw.access_secret)?,
                api_base: self.endpoint("api_base", &raw.api_base, Some("https://api.x.com"))?,
            }),
        })
    }

    /// A credential field's reference; `None` when it is absent or a
    /// literal (reported by `literal`).
    fn credential(&self, value: &Option<Located<String>>) -> Option<SecretRef> {
        secret_ref(&value.as_ref()?.value)
    }

    /// A value pasted into a credential field: a finding that never repeats
    /// it, and a range of the file never to show.
    fn literal(&mut self, field: &str, loc: Loc) {
        self.literal_secrets.push(loc.range());
        let channel = self.name.value.clone();
        let var = format!(
            "{}_{}",
            channel.to_ascii_uppercase().replace(['-', '.'], "_"),
            field.to_ascii_uppercase()
        );
        self.error(
            RuleId::LITERAL_SECRET,
            loc,
            format!("`{field}` of channel `{channel}` holds a value instead of a reference"),
            format!(
                "secrets never live in YAML: write `{field}: env:{var}` (or `file:/run/secrets/…`), remove the value from git history, and rotate it"
            ),
        );
    }

    /// An endpoint field: a URL, https:// unless on loopback, without a
    /// trailing `/`; `default` when it is not written.
    fn endpoint(
        &mut self,
        field: &str,
        value: &Option<Located<String>>,
        default: Option<&str>,
    ) -> Option<String> {
        let Some(value) = value else {
            return default.map(str::to_owned);
        };
        let parsed = match url::Url::parse(&value.value) {
            Ok(u) => u,
            Err(e) => {
                self.error(
                    RuleId::CONFIG,
                    value.loc,
                    format!("`{field}` is not a URL: {e}"),
                    "write it in full, e.g. `https://mastodon.social`".to_owned(),
                );
                return None;
            }
        };
        match parsed.scheme() {
            "https" => {}
            "http" if is_loopback(&parsed) => {}
            scheme => {
                self.error(
                    RuleId::INSECURE_ENDPOINT,
                    value.loc,
                    format!("`{field}` uses {scheme}://: credentials would travel in clear text"),
                    "use https:// (http:// is accepted only on 127.0.0.1, ::1 and localhost)"
                        .to_owned(),
                );
                return None;
            }
        }
        Some(value.value.trim_end_matches('/').to_owned())
    }

    fn chat_id(&mut self) -> Option<ChatId> {
        let chat = self.raw.value.chat_id.as_ref()?;
        match &chat.value {
            RawChatId::Number(n) => Some(ChatId::Number(*n)),
            RawChatId::Name(s) if s.starts_with('@') => Some(ChatId::Name(s.clone())),
            RawChatId::Name(s) => match s.parse::<i64>() {
                Ok(n) => Some(ChatId::Number(n)),
                Err(_) => {
                    self.error(
                        RuleId::CONFIG,
                        chat.loc,
                        format!("`{s}` is not a Telegram chat id"),
                        "use the numeric chat id or `@channelname`".to_owned(),
                    );
                    None
                }
            },
        }
    }
}

/// Whether `url` points at this machine (127.0.0.0/8, ::1 or localhost).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_references() {
        assert_eq!(
            secret_ref("env:ACME_TOKEN"),
            Some(SecretRef::Env("ACME_TOKEN".into()))
        );
        assert_eq!(
            secret_ref("file:/run/secrets/t"),
            Some(SecretRef::File("/run/secrets/t".into()))
        );
        assert_eq!(secret_ref("env:"), None);
        assert_eq!(secret_ref("env:has space"), None);
        assert_eq!(secret_ref("hunter2"), None);
        assert_eq!(
            secret_ref("store:brand-threads"),
            Some(SecretRef::Store("brand-threads".into()))
        );
        assert_eq!(secret_ref("store:"), None);
        assert_eq!(secret_ref("store:Has Space"), None);
    }

    #[test]
    fn names() {
        assert!(is_valid_name("bf-teaser.2026_x"));
        assert!(!is_valid_name("Teaser"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name(""));
    }
}
