//! Discord webhook: `POST {webhook}?wait=true` with JSON `{content}`, or
//! multipart (`files[n]` + `payload_json` whose `attachments` carry the alt
//! text as `description`) when the part has media; `DELETE
//! {webhook}/messages/{id}`; `GET {webhook}` for doctor. PLATFORMS.md §9.
//!
//! - Always `wait=true`: without it Discord answers 204 and may drop the
//!   message without an error, and there is no id to record.
//! - Threads: a webhook cannot reply to a message, so a thread's follow-up
//!   parts go out as separate messages, one after the other, in order;
//!   `reply_to` is not used.
//! - The webhook URL holds the token: it is kept secret and never shown, nor
//!   is the token on its own.
//! - A REST message carries no `guild_id`, which the message link needs; it
//!   is read once from the webhook itself (a failure there only costs the URL).
//! - No idempotency: a resend after an ambiguous failure may post twice.

use reqwest::blocking::multipart::{Form, Part as FormPart};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::http::{Http, deleted, not_found};
use super::{Adapter, AdapterError, Context, ErrorKind, MediaItem, Part, Remote};
use crate::calendar::channel;

pub struct Discord {
    http: Http,
    /// The webhook URL (it holds the token).
    webhook: SecretString,
    /// The server the webhook posts into: `None` until asked, then what the
    /// webhook said (`Some(None)` when it could not tell).
    guild: Option<Option<String>>,
}

#[derive(Deserialize)]
struct Message {
    id: String,
    channel_id: String,
    guild_id: Option<String>,
}

#[derive(Deserialize)]
struct WebhookInfo {
    name: Option<String>,
    channel_id: String,
    guild_id: Option<String>,
}

impl Discord {
    pub fn new(config: &channel::Discord, cx: &Context<'_>) -> Result<Discord, AdapterError> {
        let webhook = cx.secret("webhook", &config.webhook)?;
        super::http::secret_url(cx.channel, "webhook", &webhook)?;
        let token = webhook_token(webhook.expose_secret()).ok_or_else(|| {
            AdapterError::permanent(format!(
                "the `webhook` of channel `{}` is not a Discord webhook URL \
                 (expected https://discord.com/api/webhooks/ID/TOKEN)",
                cx.channel
            ))
        })?;
        Ok(Discord {
            http: Http::for_context(cx, vec![webhook.clone(), SecretString::from(token)])?,
            webhook,
            guild: None,
        })
    }

    /// The webhook URL with `segments` appended to its path, its query (such
    /// as `thread_id`) kept except for `wait`.
    fn url(&self, segments: &[&str]) -> Result<Url, AdapterError> {
        let not_a_url = || AdapterError::permanent("the Discord webhook URL is not a URL");
        let mut url = Url::parse(self.webhook.expose_secret()).map_err(|_| not_a_url())?;
        url.path_segments_mut()
            .map_err(|()| not_a_url())?
            .pop_if_empty()
            .extend(segments);
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "wait")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
        Ok(url)
    }

    /// The execute URL, always with `wait=true`: without it Discord may drop
    /// the message silently and returns no id.
    fn execute_url(&self) -> Result<Url, AdapterError> {
        let mut url = self.url(&[])?;
        url.query_pairs_mut().append_pair("wait", "true");
        Ok(url)
    }

    fn info(&self) -> Result<WebhookInfo, AdapterError> {
        let what = "GET (Discord webhook)";
        self.http
            .send_json(what, self.http.client().get(self.url(&[])?))
            .map_err(unknown_webhook)
    }

    /// The webhook's server, asked once per run.
    fn guild(&mut self) -> Option<String> {
        if self.guild.is_none() {
            self.guild = Some(self.info().ok().and_then(|w| w.guild_id));
        }
        self.guild.clone().flatten()
    }

    /// A multipart body: `payload_json` plus one `files[n]` per attachment,
    /// each described in `attachments` with its alt text.
    fn multipart(&self, text: &str, media: &[MediaItem]) -> Result<Form, AdapterError> {
        let mut attachments = Vec::new();
        let mut form = Form::new();
        for (n, item) in media.iter().enumerate() {
            let (file_name, part) = (item.file_name(), item.form_part()?);
            attachments.push(serde_json::json!({
                "id": n,
                "filename": file_name,
                "description": item.alt,
            }));
            form = form.part(format!("files[{n}]"), part);
        }
        let payload = serde_json::json!({ "content": text, "attachments": attachments });
        let payload = FormPart::text(payload.to_string())
            .mime_str("application/json")
            .map_err(|e| AdapterError::permanent(format!("payload_json: {e}")))?;
        Ok(form.part("payload_json", payload))
    }
}

impl Adapter for Discord {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let guild = self.guild();
        let request = self.http.client().post(self.execute_url()?);
        let request = if part.media.is_empty() {
            request.json(&serde_json::json!({ "content": part.text }))
        } else {
            request.multipart(self.multipart(part.text, part.media)?)
        };
        let message: Message = self
            .http
            .send_json("POST (Discord webhook)", request)
            .map_err(unknown_webhook)?;
        let guild = message.guild_id.or(guild);
        Ok(Remote {
            url: guild.map(|g| message_url(&g, &message.channel_id, &message.id)),
            id: message.id,
        })
    }

    fn delete(
        &mut self,
        remote: &Remote,
        _published_at: chrono::DateTime<chrono::Utc>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AdapterError> {
        let url = self.url(&["messages", &remote.id])?;
        let result = self.http.send(
            "DELETE (Discord webhook message)",
            self.http.client().delete(url),
        );
        // A deleted webhook (its messages stay) becomes an error without a
        // status; any other 404 is Unknown Message: already gone.
        deleted(result.map_err(unknown_webhook), not_found)
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let info = self.info()?;
        self.guild = Some(info.guild_id.clone());
        let name = info.name.as_deref().unwrap_or("(unnamed)");
        Ok(match info.guild_id {
            Some(guild) => format!(
                "webhook `{name}` in channel {} of server {guild}",
                info.channel_id
            ),
            None => format!("webhook `{name}` in channel {}", info.channel_id),
        })
    }
}

/// `https://discord.com/channels/{guild}/{channel}/{message}`.
fn message_url(guild: &str, channel: &str, message: &str) -> String {
    format!("https://discord.com/channels/{guild}/{channel}/{message}")
}

/// The token in `…/webhooks/{id}/{token}`.
fn webhook_token(webhook: &str) -> Option<String> {
    let url = Url::parse(webhook).ok()?;
    let mut segments = url.path_segments()?.skip_while(|s| *s != "webhooks");
    segments.next()?;
    let _id = segments.next().filter(|s| !s.is_empty())?;
    segments.next().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Discord answers 404 for a webhook that was deleted (code 10015) and for
/// a message that is gone (10008).
fn is_unknown_webhook(e: &AdapterError) -> bool {
    e.status == Some(404) && e.code.as_deref() == Some("10015")
}

/// A 404 on the webhook itself means it was deleted: say what to do.
fn unknown_webhook(e: AdapterError) -> AdapterError {
    if !is_unknown_webhook(&e) {
        return e;
    }
    AdapterError::new(
        ErrorKind::Permanent,
        format!(
            "{}; the webhook was deleted in Discord (or the URL is wrong): \
             create a new one and update the channel's `webhook`",
            e.message
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_the_segment_after_the_id() {
        assert_eq!(
            webhook_token("https://discord.com/api/webhooks/123/abc-DEF_9").as_deref(),
            Some("abc-DEF_9")
        );
        assert_eq!(
            webhook_token("https://discord.com/api/v10/webhooks/123/tok?thread_id=9").as_deref(),
            Some("tok")
        );
        assert_eq!(webhook_token("https://discord.com/api/webhooks/123"), None);
        assert_eq!(webhook_token("https://discord.com/api/webhooks/123/"), None);
        assert_eq!(webhook_token("not a url"), None);
    }

    #[test]
    fn execute_url_always_waits_and_keeps_the_thread() {
        let hook = Discord {
            http: Http::new(Default::default(), vec![]).unwrap(),
            webhook: SecretString::from(
                "https://discord.com/api/webhooks/1/t?wait=false&thread_id=9".to_owned(),
            ),
            guild: None,
        };
        assert_eq!(
            hook.execute_url().unwrap().as_str(),
            "https://discord.com/api/webhooks/1/t?thread_id=9&wait=true"
        );
        assert_eq!(
            hook.url(&["messages", "42"]).unwrap().as_str(),
            "https://discord.com/api/webhooks/1/t/messages/42?thread_id=9"
        );
    }

    #[test]
    fn a_plain_webhook_gets_only_wait() {
        let hook = Discord {
            http: Http::new(Default::default(), vec![]).unwrap(),
            webhook: SecretString::from("https://discord.com/api/webhooks/1/t/".to_owned()),
            guild: None,
        };
        assert_eq!(
            hook.execute_url().unwrap().as_str(),
            "https://discord.com/api/webhooks/1/t?wait=true"
        );
        assert_eq!(
            hook.url(&[]).unwrap().as_str(),
            "https://discord.com/api/webhooks/1/t"
        );
    }

    #[test]
    fn message_link() {
        assert_eq!(
            message_url("1", "2", "3"),
            "https://discord.com/channels/1/2/3"
        );
    }
}
