//! Telegram Bot API: `sendMessage` for text, `sendPhoto` (multipart, the
//! text as `caption`) for a part with an image, threads as reply chains
//! (`reply_parameters.message_id`), `deleteMessage` within 48 hours, `getMe`
//! for doctor. PLATFORMS.md §8.
//!
//! - The token sits in the URL path (`/bot<TOKEN>/<method>`), so no URL is
//!   ever shown: messages name the method instead, and `Http` redacts the
//!   token from anything else.
//! - Every answer is `{"ok", "result" | "error_code", "description",
//!   "parameters"}`; an `ok: false` is an error whatever the HTTP status.
//! - Text goes without `parse_mode`, so what the calendar says is what is
//!   shown. Telegram has no alt text.
//! - No idempotency: a resend after an ambiguous failure may post twice.

use reqwest::blocking::RequestBuilder;
use reqwest::blocking::multipart::Form;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::http::{self, Http};
use super::{Adapter, AdapterError, Context, ErrorKind, MediaItem, Part, Remote};
use crate::calendar::{ChatId, channel};

/// `<bot id>:<secret>`, as @BotFather hands them out.
fn looks_like_bot_token(token: &str) -> bool {
    token.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && secret.len() >= 20
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// Telegram deletes only messages sent less than this long ago.
const DELETE_WINDOW: chrono::Duration = chrono::Duration::hours(48);

pub struct Telegram {
    http: Http,
    api_base: String,
    token: SecretString,
    chat: ChatId,
}

#[derive(Debug, Deserialize)]
struct Message {
    message_id: i64,
}

#[derive(Deserialize)]
struct User {
    username: Option<String>,
    first_name: String,
}

impl Telegram {
    pub fn new(config: &channel::Telegram, cx: &Context<'_>) -> Result<Telegram, AdapterError> {
        let token = cx.secret("token", &config.token)?;
        if !looks_like_bot_token(token.expose_secret()) {
            return Err(AdapterError::permanent(format!(
                "the `token` of channel `{}` is not a Telegram bot token (BOT_ID:SECRET, from @BotFather; its value is not shown)",
                cx.channel
            )));
        }
        Ok(Telegram {
            http: Http::for_context(cx, vec![token.clone()])?,
            api_base: config.api_base.clone(),
            token,
            chat: config.chat_id.clone(),
        })
    }

    fn method_url(&self, method: &str) -> String {
        format!(
            "{}/bot{}/{method}",
            self.api_base,
            self.token.expose_secret()
        )
    }

    fn chat_json(&self) -> serde_json::Value {
        match &self.chat {
            ChatId::Number(n) => (*n).into(),
            ChatId::Name(s) => s.clone().into(),
        }
    }

    fn chat_text(&self) -> String {
        self.chat.to_string()
    }

    /// Call `method` and return its `result`.
    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        request: impl FnOnce(&str) -> RequestBuilder,
    ) -> Result<T, AdapterError> {
        let what = format!("Telegram {method}");
        let response = self
            .http
            .send(&what, request(&self.method_url(method)))
            .map_err(with_hint)?;
        let answer: serde_json::Value = self.http.json(&what, response)?;
        self.result(&what, answer)
    }

    /// The `result` of a Bot API answer; `ok: false` is an error even in a 200.
    fn result<T: DeserializeOwned>(
        &self,
        what: &str,
        answer: serde_json::Value,
    ) -> Result<T, AdapterError> {
        let ambiguous = |why: String| {
            AdapterError::new(
                ErrorKind::Ambiguous,
                self.http.redact(&format!("{what}: HTTP 200, but {why}")),
            )
        };
        match answer.get("ok").and_then(serde_json::Value::as_bool) {
            Some(true) => serde_json::from_value(answer["result"].clone())
                .map_err(|e| ambiguous(format!("the result is not the expected JSON ({e})"))),
            Some(false) => Err(with_hint(self.refusal(what, &answer))),
            None => Err(ambiguous("the answer is not from the Bot API".to_owned())),
        }
    }

    /// An `ok: false` answer that came with a success status.
    fn refusal(&self, what: &str, answer: &serde_json::Value) -> AdapterError {
        let code = answer.get("error_code").and_then(serde_json::Value::as_u64);
        let description = answer
            .get("description")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("no description");
        let kind = match code {
            Some(429) | Some(500..) => ErrorKind::Transient {
                retry_after: http::retry_after(&HeaderMap::new(), Some(answer)),
            },
            _ => ErrorKind::Permanent,
        };
        let code = code.map_or_else(|| "?".to_owned(), |c| c.to_string());
        AdapterError::new(
            kind,
            self.http
                .redact(&format!("{what}: error {code}: {description}")),
        )
    }

    fn reply_parameters(part: &Part<'_>) -> Result<Option<serde_json::Value>, AdapterError> {
        let Some(reply) = part.reply_to else {
            return Ok(None);
        };
        let id: i64 = reply.id.parse().map_err(|_| {
            AdapterError::permanent(format!(
                "cannot reply to `{}`: not a Telegram message id",
                reply.id
            ))
        })?;
        Ok(Some(serde_json::json!({ "message_id": id })))
    }

    fn send_message(&self, part: &Part<'_>) -> Result<Message, AdapterError> {
        let mut body = serde_json::json!({ "chat_id": self.chat_json(), "text": part.text });
        if let Some(reply) = Self::reply_parameters(part)? {
            body["reply_parameters"] = reply;
        }
        self.call("sendMessage", |url| {
            self.http.client().post(url).json(&body)
        })
    }

    fn send_photo(&self, part: &Part<'_>, item: &MediaItem) -> Result<Message, AdapterError> {
        let mut form = Form::new()
            .text("chat_id", self.chat_text())
            .part("photo", item.form_part()?);
        if !part.text.is_empty() {
            form = form.text("caption", part.text.to_owned());
        }
        if let Some(reply) = Self::reply_parameters(part)? {
            form = form.text("reply_parameters", reply.to_string());
        }
        self.call("sendPhoto", |url| {
            self.http.client().post(url).multipart(form)
        })
    }

    /// Where people see a message: only public channels (`@name`) have links.
    fn message_url(&self, message_id: i64) -> Option<String> {
        match &self.chat {
            ChatId::Name(name) => name
                .strip_prefix('@')
                .map(|name| format!("https://t.me/{name}/{message_id}")),
            ChatId::Number(_) => None,
        }
    }
}

impl Adapter for Telegram {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let message = match part.media {
            [] => self.send_message(part)?,
            [item] => self.send_photo(part, item)?,
            _ => {
                return Err(AdapterError::permanent(
                    "a Telegram post takes one image (sendPhoto); split the others into thread parts",
                ));
            }
        };
        Ok(Remote {
            id: message.message_id.to_string(),
            url: self.message_url(message.message_id),
        })
    }

    fn delete(
        &mut self,
        remote: &Remote,
        published_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AdapterError> {
        if now - published_at >= DELETE_WINDOW {
            return Err(AdapterError::unsupported(
                "Telegram deletes only messages younger than 48 hours; delete it by hand",
            ));
        }
        let message_id: i64 = remote.id.parse().map_err(|_| {
            AdapterError::permanent(format!("`{}` is not a Telegram message id", remote.id))
        })?;
        let body = serde_json::json!({ "chat_id": self.chat_json(), "message_id": message_id });
        let result: Result<bool, _> = self.call("deleteMessage", |url| {
            self.http.client().post(url).json(&body)
        });
        http::deleted(result, |e| {
            e.message.contains("message to delete not found")
        })
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let me: User = self.call("getMe", |url| self.http.client().get(url))?;
        Ok(match me.username {
            Some(username) => format!("@{username}"),
            None => me.first_name,
        })
    }
}

/// What to do about the refusals people run into.
fn with_hint(e: AdapterError) -> AdapterError {
    let hint = if e.message.contains("chat not found") {
        "check `chat_id`, and that the bot was added to the chat"
    } else if e.message.contains("bot was blocked") || e.message.contains("not a member") {
        "add the bot to the chat again (as an administrator of a channel)"
    } else if e.message.contains("not enough rights") || e.message.contains("can't be deleted") {
        "the bot needs the right to post (or delete) messages in the chat"
    } else {
        return e;
    };
    AdapterError::new(e.kind, format!("{}; {hint}", e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn telegram(chat: ChatId) -> Telegram {
        let token = SecretString::from("123:secret".to_owned());
        Telegram {
            http: Http::new(Default::default(), vec![token.clone()]).unwrap(),
            api_base: "http://127.0.0.1:1".into(),
            token,
            chat,
        }
    }

    #[test]
    fn links_only_for_public_channels() {
        let named = telegram(ChatId::Name("@lumen".into()));
        assert_eq!(
            named.message_url(7).as_deref(),
            Some("https://t.me/lumen/7")
        );
        assert_eq!(telegram(ChatId::Number(-1001)).message_url(7), None);
        assert_eq!(telegram(ChatId::Name("-1001".into())).message_url(7), None);
    }

    #[test]
    fn ok_false_in_a_200_is_an_error() {
        let tg = telegram(ChatId::Number(1));
        let flood = serde_json::json!({
            "ok": false, "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5}
        });
        let err = tg
            .result::<Message>("Telegram sendMessage", flood)
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Transient {
                retry_after: Some(std::time::Duration::from_secs(5))
            }
        );
        let refused = serde_json::json!({
            "ok": false, "error_code": 400, "description": "Bad Request: chat not found"
        });
        let err = tg
            .result::<Message>("Telegram sendMessage", refused)
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Permanent);
        assert!(err.message.contains("chat not found"), "{err}");
        let odd = serde_json::json!({"result": {"message_id": 1}});
        let err = tg
            .result::<Message>("Telegram sendMessage", odd)
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Ambiguous);
    }

    #[test]
    fn the_token_never_shows() {
        let tg = telegram(ChatId::Number(1));
        let echo = serde_json::json!({
            "ok": false, "error_code": 400, "description": "Bad Request: /bot123:secret/x"
        });
        let err = tg.result::<Message>("Telegram x", echo).unwrap_err();
        assert!(!err.message.contains("123:secret"), "{err}");
    }
}
