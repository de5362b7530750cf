//! Mastodon: `POST /api/v1/statuses` with an `Idempotency-Key`, media through
//! `/api/v2/media` (polled until processed), replies by `in_reply_to_id`,
//! delete, and `verify_credentials` for doctor. PLATFORMS.md §1.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::SecretString;
use serde::Deserialize;

use super::http::{Http, bearer, deleted, not_found};
use super::{Adapter, AdapterError, Context, ErrorKind, MediaItem, Part, Remote};
use crate::calendar::channel;

/// Mastodon keeps idempotency keys for an hour; resend only well inside it.
const KEY_LIFETIME: chrono::Duration = chrono::Duration::minutes(55);
/// How long to wait for media to finish processing.
const MEDIA_WAIT: Duration = Duration::from_secs(60);

pub struct Mastodon {
    http: Http,
    instance: String,
    token: SecretString,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    url: Option<String>,
}

#[derive(Deserialize)]
struct Media {
    id: String,
}

#[derive(Deserialize)]
struct Account {
    acct: String,
}

impl Mastodon {
    pub fn new(config: &channel::Mastodon, cx: &Context<'_>) -> Result<Mastodon, AdapterError> {
        let token = cx.secret("token", &config.token)?;
        Ok(Mastodon {
            http: Http::for_context(cx, vec![token.clone()])?,
            instance: config.instance.clone(),
            token,
        })
    }

    fn bearer(&self) -> String {
        bearer(&self.token)
    }

    fn upload(&self, item: &MediaItem) -> Result<String, AdapterError> {
        let file = item.form_part()?;
        let mut form = reqwest::blocking::multipart::Form::new().part("file", file);
        if let Some(alt) = &item.alt {
            form = form.text("description", alt.clone());
        }
        let what = "POST /api/v2/media";
        let response = self.http.send(
            what,
            self.http
                .client()
                .post(format!("{}/api/v2/media", self.instance))
                .header("Authorization", self.bearer())
                .multipart(form),
        )?;
        let processing = response.status() == StatusCode::ACCEPTED;
        let media: Media = self.http.json(what, response)?;
        if processing {
            self.wait_processed(&media.id)?;
        }
        Ok(media.id)
    }

    /// Poll `GET /api/v1/media/:id`: 206 while processing, 200 when done.
    fn wait_processed(&self, id: &str) -> Result<(), AdapterError> {
        let deadline = Instant::now() + MEDIA_WAIT;
        let mut pause = Duration::from_millis(200);
        loop {
            let what = "GET /api/v1/media/:id";
            let response = self.http.send(
                what,
                self.http
                    .client()
                    .get(format!("{}/api/v1/media/{id}", self.instance))
                    .header("Authorization", self.bearer()),
            )?;
            if response.status() == StatusCode::OK {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(AdapterError::new(
                    ErrorKind::Transient { retry_after: None },
                    "media is still processing on the instance after 60 s",
                ));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
}

/// How many statuses one `GET /api/v1/statuses` asks for.
const METRICS_BATCH: usize = 20;

/// A status's counts, as the API reports them.
#[derive(serde::Deserialize)]
struct Counts {
    #[serde(default)]
    id: String,
    favourites_count: u64,
    reblogs_count: u64,
    replies_count: u64,
    #[serde(default)]
    quotes_count: Option<u64>,
}

impl Counts {
    fn metrics(&self) -> super::Metrics {
        super::Metrics {
            likes: Some(self.favourites_count),
            reposts: Some(self.reblogs_count),
            replies: Some(self.replies_count),
            quotes: self.quotes_count,
            ..super::Metrics::default()
        }
    }
}

impl Mastodon {
    /// The statuses of `ids` the server still has.
    fn statuses(&self, ids: &[&str]) -> Result<Vec<Counts>, AdapterError> {
        let query: Vec<(&str, &str)> = ids.iter().map(|id| ("id[]", *id)).collect();
        self.http.send_json(
            "GET /api/v1/statuses",
            self.http
                .client()
                .get(format!("{}/api/v1/statuses", self.instance))
                .query(&query)
                .header("Authorization", self.bearer()),
        )
    }
}

impl Adapter for Mastodon {
    fn redactor(&self) -> &crate::adapters::redact::Redactor {
        self.http.redactor()
    }

    fn post(&mut self, part: &Part<'_>) -> Result<Remote, AdapterError> {
        let media_ids = part
            .media
            .iter()
            .map(|m| self.upload(m))
            .collect::<Result<Vec<_>, _>>()?;
        let mut form: Vec<(&str, String)> = vec![
            ("status", part.text.to_owned()),
            ("visibility", "public".to_owned()),
        ];
        for id in media_ids {
            form.push(("media_ids[]", id));
        }
        if let Some(reply) = part.reply_to {
            form.push(("in_reply_to_id", reply.id.clone()));
        }
        if let Some(cw) = part.cw {
            form.push(("spoiler_text", cw.to_owned()));
        }
        if let Some(lang) = part.language {
            form.push(("language", lang.to_owned()));
        }
        let status: Status = self.http.send_json(
            "POST /api/v1/statuses",
            self.http
                .client()
                .post(format!("{}/api/v1/statuses", self.instance))
                .header("Authorization", self.bearer())
                .header("Idempotency-Key", part.key)
                .form(&form),
        )?;
        Ok(Remote {
            id: status.id,
            url: status.url,
        })
    }

    /// The server remembers a key only once the first request has created
    /// the status, and for an hour: a resend is safe once the first request
    /// has surely ended, well inside the hour.
    fn resend_is_safe(&self, age: chrono::Duration, may_be_running: bool) -> bool {
        !may_be_running && age < KEY_LIFETIME
    }

    fn delete(
        &mut self,
        remote: &Remote,
        _published_at: chrono::DateTime<chrono::Utc>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AdapterError> {
        let what = "DELETE /api/v1/statuses/:id";
        let result = self.http.send(
            what,
            self.http
                .client()
                .delete(format!(
                    "{}/api/v1/statuses/{}?delete_media=true",
                    self.instance, remote.id
                ))
                .header("Authorization", self.bearer()),
        );
        deleted(result, not_found)
    }

    /// `GET /api/v1/statuses/:id` for each: its favourites, reblogs,
    /// replies (and quotes, on servers that count them).
    /// Twenty at a time through `GET /api/v1/statuses?id[]=…` (Mastodon
    /// 4.3 and later: a status missing from the answer is gone); a server
    /// without that endpoint (404 or 405) is asked one status at a time.
    fn metrics(&mut self, ids: &[&str]) -> Result<Vec<Option<super::Metrics>>, AdapterError> {
        let mut out = Vec::with_capacity(ids.len());
        let mut batched = true;
        for chunk in ids.chunks(METRICS_BATCH) {
            if batched {
                match self.statuses(chunk) {
                    Ok(found) => {
                        out.extend(
                            chunk
                                .iter()
                                .map(|id| found.iter().find(|c| c.id == **id).map(Counts::metrics)),
                        );
                        continue;
                    }
                    Err(e) if matches!(e.status, Some(404 | 405)) => batched = false,
                    Err(e) => return Err(e),
                }
            }
            for id in chunk {
                let result: Result<Counts, AdapterError> = self.http.send_json(
                    "GET /api/v1/statuses/:id",
                    self.http
                        .client()
                        .get(format!("{}/api/v1/statuses/{id}", self.instance))
                        .header("Authorization", self.bearer()),
                );
                out.push(match result {
                    Ok(c) => Some(c.metrics()),
                    Err(e) if not_found(&e) => None,
                    Err(e) => return Err(e),
                });
            }
        }
        Ok(out)
    }

    fn check(&mut self) -> Result<String, AdapterError> {
        let account: Account = self.http.send_json(
            "GET /api/v1/accounts/verify_credentials",
            self.http
                .client()
                .get(format!(
                    "{}/api/v1/accounts/verify_credentials",
                    self.instance
                ))
                .header("Authorization", self.bearer()),
        )?;
        Ok(format!("@{} on {}", account.acct, self.instance))
    }
}
