//! Generic webhook: a JSON POST of the rendered part, signed Standard-Webhooks
//! style when a secret is set (`webhook-id` stable across retries, so the
//! receiver can deduplicate). PLATFORMS.md §11.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

use super::http::Http;
use super::{Adapter, AdapterError, Context, ErrorKind, Part, Remote};
use crate::calendar::channel::{self, WebhookUrl};

pub struct Webhook {
    http: Http,
    url: SecretString,
    secret: Option<SecretString>,
}

#[derive(Deserialize, Default)]
struct Answer {
    id: Option<serde_json::Value>,
    url: Option<String>,
}

impl Webhook {
    pub fn new(config: &channel::Webhook, cx: &Context<'_>) -> Result<Webhook, AdapterError> {
        // A literal URL is configuration; one given as `env:` may carry a token.
        let url = match &config.url {
            WebhookUrl::Secret(r) => {
                let url = cx.secret("url", r)?;
                super::http::secret_url(cx.channel, "url", &url)?;
                url
            }
            WebhookUrl::Literal(url) => SecretString::from(url.clone()),
        };
        let secret = match &config.secret {
            Some(r) => Some(cx.secret("secret", r)?),
            None => None,
        };
        let mut hidden = vec![url.clone()];
        hidden.extend(secret.clone());
        Ok(Webhook {
            http: Http::for_context(cx, hidden)?,
            url,
            secret,
        })
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`; a `whsec_`
    /// secret is base64 after its prefix, as Standard Webhooks defines.
    fn signature(
        &self,
        secret: &SecretString,
        id: &str,
        timestamp: i64,
        body: &str,
    ) -> Result<String, AdapterError> {
        let raw = secret.expose_secret();
        let key = match raw.strip_prefix("whsec_") {
            Some(b64) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| {
                    AdapterError::permanent(
                        "the webhook secret starts with `whsec_` but is not base64 after it",
                    )
                })?,
            None => raw.as_bytes().to_vec(),
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| {
            AdapterError::permanent("the webhook secret cannot be used as an HMAC key")
        })?;
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        Ok(format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        ))
    }
}

/// A receiver may deduplicate by `webhook-id` (that is what it is for), but
/// postcal cannot know that this one does: a resend is not assumed safe.
impl Adapter for Webhook {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let body = serde_json::json!({
            "type": "postcal.delivery",
            "post": part.post,
            "channel": part.channel,
            "part": part.index,
            "text": part.text,
            "cw": part.cw,
            "language": part.language,
            "media": part.media.iter().map(|m| serde_json::json!({ "file": m.name, "alt": m.alt })).collect::<Vec<_>>(),
            "reply_to": part.reply_to.map(|r| &r.id),
        })
        .to_string();
        let timestamp = part.now.timestamp();
        let mut request = self
            .http
            .client()
            .post(self.url.expose_secret())
            .header("content-type", "application/json")
            .header("webhook-id", part.key)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(secret) = &self.secret {
            request = request.header(
                "webhook-signature",
                self.signature(secret, part.key, timestamp, &body)?,
            );
        }
        let what = "POST (webhook)";
        let response = match self.http.send(what, request.body(body)) {
            Err(e) if e.status == Some(410) => {
                return Err(AdapterError::new(
                    ErrorKind::Permanent,
                    format!(
                        "{}; the receiver disabled this endpoint (410 Gone)",
                        e.message
                    ),
                ));
            }
            other => other?,
        };
        let status = response.status();
        let text = self.http.body(what, response).unwrap_or_default();
        let answer: Answer = if status == StatusCode::NO_CONTENT {
            Answer::default()
        } else {
            serde_json::from_str(&text).unwrap_or_default()
        };
        let id = match answer.id {
            Some(serde_json::Value::String(s)) => s,
            Some(v @ serde_json::Value::Number(_)) => v.to_string(),
            _ => part.key.to_owned(),
        };
        Ok(Remote {
            id,
            url: answer.url,
        })
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        Ok("endpoint configured (a webhook cannot be checked without sending to it)".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_signature() {
        // The example from the Standard Webhooks specification.
        let hook = Webhook {
            http: Http::new(Default::default(), vec![]).unwrap(),
            url: SecretString::from("http://127.0.0.1/".to_owned()),
            secret: None,
        };
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
        let sig = hook
            .signature(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#,
            )
            .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
