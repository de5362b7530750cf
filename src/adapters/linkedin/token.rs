//! Who the token posts as (`GET /v2/userinfo` for a member, the
//! organization for a company page), and when it runs out: LinkedIn's
//! token introspection when the app's client id and secret are given, else
//! the `expires_at` recorded in the channel. Most apps get no refresh
//! tokens, so a person signs in again every 60 days.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Linkedin, encode};
use crate::adapters::{AdapterError, Expiry};
use crate::calendar::channel::LinkedinAuthor;
use crate::secrets::ExposeSecret;

const RENEW: &str = "sign in through the LinkedIn app again (its OAuth flow, or the developer portal's token generator) and update the channel's token and `expires_at`";

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Organization {
    #[serde(default)]
    localized_name: Option<String>,
}

#[derive(Deserialize)]
struct Introspection {
    active: bool,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
}

impl Linkedin {
    /// One cheap authenticated call: who the token is, and that it is the
    /// channel's author.
    pub(super) fn whoami(&self) -> Result<String, AdapterError> {
        let urn = self.author.urn();
        match &self.author {
            LinkedinAuthor::Person(id) => {
                let what = "GET /v2/userinfo";
                let request = self
                    .http
                    .client()
                    .get(self.url("/v2/userinfo"))
                    .header("Authorization", crate::adapters::http::bearer(&self.token));
                let me: UserInfo = match self
                    .http
                    .send(what, request)
                    .map_err(super::token_hint)
                    .and_then(|r| self.http.json(what, r))
                {
                    Ok(me) => me,
                    // Accepted, but without `openid profile` it cannot say whose.
                    Err(e) if e.status == Some(403) => {
                        return Ok(format!(
                            "token accepted; it cannot read /v2/userinfo (add the `openid profile` scopes to check that it is {urn})"
                        ));
                    }
                    Err(e) => return Err(e),
                };
                if &me.sub != id {
                    return Err(AdapterError::permanent(format!(
                        "the token is urn:li:person:{}{}, not the channel's author {urn}",
                        me.sub,
                        me.name.map(|n| format!(" ({n})")).unwrap_or_default()
                    )));
                }
                Ok(match me.name {
                    Some(name) => format!("{name} ({urn})"),
                    None => urn,
                })
            }
            LinkedinAuthor::Organization(id) => {
                let what = "GET /rest/organizations/:id";
                let url = self.url(&format!("/rest/organizations/{}", encode(id)));
                let org: Organization = self
                    .send(what, self.http.client().get(url))
                    .and_then(|r| self.http.json(what, r))
                    .map_err(|mut e| {
                        if e.status == Some(403) {
                            e.message.push_str(
                                "; the token's member must be an administrator of the page, and the app needs the Community Management API",
                            );
                        }
                        e
                    })?;
                Ok(match org.localized_name {
                    Some(name) => format!("{name} ({urn})"),
                    None => urn,
                })
            }
        }
    }

    /// When the token runs out, and who says so.
    pub(super) fn token_expiry(&self, online: bool) -> Result<Expiry, AdapterError> {
        if online && let Some((client_id, secret)) = &self.app {
            return self.introspect(client_id, secret);
        }
        if let Some(at) = self.expires_at {
            return Ok(Expiry::At {
                at,
                source: "`expires_at` in postcal.yaml".to_owned(),
                renew: RENEW.to_owned(),
            });
        }
        Ok(Expiry::Unknown(match &self.app {
            Some(_) => "LinkedIn tokens last 60 days; doctor asks LinkedIn when it is online".to_owned(),
            None => "LinkedIn tokens last 60 days: record `expires_at:` for this channel, or give the app's `client_id` and `client_secret`, so doctor can warn before it runs out".to_owned(),
        }))
    }

    /// `POST /oauth/v2/introspectToken` with the app's credentials.
    fn introspect(
        &self,
        client_id: &str,
        secret: &secrecy::SecretString,
    ) -> Result<Expiry, AdapterError> {
        let what = "POST /oauth/v2/introspectToken";
        let form = [
            ("client_id", client_id),
            ("client_secret", secret.expose_secret()),
            ("token", self.token.expose_secret()),
        ];
        let answer: Introspection = self
            .http
            .send(
                what,
                self.http
                    .client()
                    .post(format!("{}/oauth/v2/introspectToken", self.oauth))
                    .form(&form),
            )
            .and_then(|r| self.http.json(what, r))
            .map_err(|mut e| {
                if matches!(e.status, Some(400 | 401)) {
                    e.message
                        .push_str("; check the channel's `client_id` and `client_secret`");
                }
                e
            })?;
        let at = answer
            .expires_at
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
        match (answer.active, answer.status.as_deref(), at) {
            (false, Some("revoked"), _) => Err(AdapterError::permanent(format!(
                "LinkedIn says the token was revoked: {RENEW}"
            ))),
            (_, _, Some(at)) => Ok(Expiry::At {
                at,
                source: match answer.scope {
                    Some(scope) => format!("LinkedIn's token introspection (scopes {scope})"),
                    None => "LinkedIn's token introspection".to_owned(),
                },
                renew: RENEW.to_owned(),
            }),
            (false, _, None) => Err(AdapterError::permanent(format!(
                "LinkedIn says the token is no longer active: {RENEW}"
            ))),
            (true, _, None) => Ok(Expiry::Unknown(
                "LinkedIn's token introspection gave no expiry".to_owned(),
            )),
        }
    }
}

/// The expiry the channel records (`expires_at`), read without the token:
/// what `doctor` can say when the token itself is not at hand.
pub fn recorded_expiry(channel: &crate::calendar::channel::Linkedin) -> Option<Expiry> {
    channel.expires_at.map(|at| Expiry::At {
        at,
        source: "`expires_at` in postcal.yaml".to_owned(),
        renew: RENEW.to_owned(),
    })
}
