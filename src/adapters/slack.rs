//! Slack incoming webhook: `POST` JSON `{"text"}`; success is `200 ok` in plain
//! text. There is no message id, so nothing can be edited or deleted, and no
//! cheap check exists that does not post. PLATFORMS.md §10.

use secrecy::{ExposeSecret, SecretString};

use super::http::Http;
use super::{Adapter, AdapterError, Context, ErrorKind, Part, Remote};
use crate::calendar::channel;

pub struct Slack {
    http: Http,
    webhook: SecretString,
}

impl Slack {
    pub fn new(config: &channel::Slack, cx: &Context<'_>) -> Result<Slack, AdapterError> {
        let webhook = cx.secret("webhook", &config.webhook)?;
        super::http::secret_url(cx.channel, "webhook", &webhook)?;
        Ok(Slack {
            http: Http::for_context(cx, vec![webhook.clone()])?,
            webhook,
        })
    }
}

impl Adapter for Slack {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let what = "POST (Slack webhook)";
        let response = self.http.send(
            what,
            self.http
                .client()
                .post(self.webhook.expose_secret())
                .json(&serde_json::json!({ "text": part.text })),
        )?;
        let body = self.http.body(what, response)?;
        if body.trim() != "ok" {
            // A 200 that is not Slack's `ok`: something answered, but not Slack.
            return Err(AdapterError::new(
                ErrorKind::Ambiguous,
                self.http.redact(&format!(
                    "{what}: HTTP 200 but the answer was not `ok`: {}",
                    body.chars().take(200).collect::<String>()
                )),
            ));
        }
        // Slack gives no id: the delivery key stands in for one.
        Ok(Remote {
            id: format!("slack:{}", part.key),
            url: None,
        })
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        Ok("webhook URL set (Slack cannot check an incoming webhook without posting)".to_owned())
    }
}
