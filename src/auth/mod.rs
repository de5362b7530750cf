//! Tokens that renew themselves: which channels keep theirs in the token
//! store, renewing those that run out within a week (`publish` and
//! `postcal auth refresh`, both under the publish lock), obtaining a first
//! one (`auth login`), and what `auth status` and `doctor` say about them.

mod login;

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use crate::adapters::Expiry;
use crate::adapters::http::Timeouts;
use crate::adapters::meta_token::{self, App};
use crate::calendar::channel::InstagramLogin;
use crate::calendar::{Channel, ChannelKind, SecretRef};
use crate::secrets::EnvSource;
use crate::tokens::{self, Entry, Store, StoreError};

pub use login::{Login, LoginError, Obtained, Source, login};

/// Renew what runs out within this many days.
pub const RENEW_WITHIN_DAYS: i64 = 7;
/// Meta renews a long-lived token only once it is this old.
const MIN_AGE: Duration = Duration::hours(24);
/// What Meta's long-lived tokens last, for one whose expiry was not said.
pub const META_LIFETIME_DAYS: i64 = 60;

/// A channel whose token is in the store and that its platform renews.
#[derive(Debug, Clone, Copy)]
pub struct Renewable<'a> {
    pub channel: &'a Channel,
    pub app: App,
    pub api_base: &'a str,
    /// The store entry (`store:NAME`).
    pub name: &'a str,
}

/// The channel's renewable token, if it has one.
pub fn renewable(channel: &Channel) -> Option<Renewable<'_>> {
    let (app, api_base, token) = match &channel.kind {
        ChannelKind::Threads(t) => (App::Threads, t.api_base.as_str(), &t.token),
        // A Facebook Login token is the linked Page's, which does not run out.
        ChannelKind::Instagram(i) if i.login == InstagramLogin::Instagram => {
            (App::Instagram, i.api_base.as_str(), &i.token)
        }
        _ => return None,
    };
    match token {
        SecretRef::Store(name) => Some(Renewable {
            channel,
            app,
            api_base,
            name,
        }),
        _ => None,
    }
}

/// Every `store:` name a channel uses, with the field.
pub fn stored_credentials(channel: &Channel) -> Vec<(&'static str, &str)> {
    channel
        .credentials()
        .into_iter()
        .filter_map(|(field, r)| match r {
            SecretRef::Store(name) => Some((field, name.as_str())),
            _ => None,
        })
        .collect()
}

/// When the channel's stored token runs out, as the store records it
/// (for `doctor`); `None` when it keeps no token there, or the store
/// cannot be read (the credential check says why).
pub fn stored_expiry(root: &Path, channel: &Channel, env: &dyn EnvSource) -> Option<Expiry> {
    let (_, name) = *stored_credentials(channel).first()?;
    let key = crate::secrets::store_key(env, root).ok()?;
    let store = tokens::load(root, &key).ok()?;
    let entry = store.get(name)?;
    let renews = renewable(channel).is_some();
    let at = if renews {
        expires_at(entry)
    } else {
        entry.expires_at?
    };
    let renew = if renews {
        format!(
            "`publish` and `postcal auth refresh` renew it in its last {RENEW_WITHIN_DAYS} days; once it has run out nothing can renew it: sign in again with `postcal auth login {} --app-id ID --app-secret env:NAME`",
            channel.name
        )
    } else {
        format!(
            "get a new one and `postcal auth login {} --paste --token`",
            channel.name
        )
    };
    Some(Expiry::At {
        at,
        source: format!("the token store, `{name}`"),
        renew,
    })
}

/// Why the channel's stored token cannot work any more (it has run out),
/// for `publish --dry-run`.
pub fn ran_out(
    root: &Path,
    channel: &Channel,
    env: &dyn EnvSource,
    now: DateTime<Utc>,
) -> Option<String> {
    match stored_expiry(root, channel, env)? {
        Expiry::At { at, renew, .. } if at <= now => Some(format!(
            "its stored token ran out on {}; {renew}",
            at.format("%Y-%m-%d %H:%M UTC")
        )),
        _ => None,
    }
}

/// What became of one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    pub channel: String,
    pub name: String,
    pub outcome: RenewalOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalOutcome {
    /// Renewed: good until then.
    Renewed { until: DateTime<Utc> },
    /// Not due: more than a week left.
    NotDue { until: Option<DateTime<Utc>> },
    /// Due (or forced), but under a day old: Meta renews a token only once
    /// it is 24 hours old; the next run after `from` will.
    TooYoung {
        until: DateTime<Utc>,
        from: DateTime<Utc>,
    },
    /// Could not be renewed; `until` is when the old one stops working.
    Failed {
        reason: String,
        until: Option<DateTime<Utc>>,
    },
}

/// When a token runs out: what Meta said, or 60 days after it was issued.
pub fn expires_at(entry: &Entry) -> DateTime<Utc> {
    entry
        .expires_at
        .unwrap_or(entry.obtained_at + Duration::days(META_LIFETIME_DAYS))
}

/// Renew the tokens of `channels` that run out within a week (all of them
/// with `force`), writing the store back once if any was renewed. The
/// caller holds the publish lock.
pub fn renew(
    root: &Path,
    channels: &[Renewable<'_>],
    env: &dyn EnvSource,
    timeouts: Timeouts,
    now: DateTime<Utc>,
    force: bool,
) -> Result<Vec<Renewal>, StoreError> {
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    let key = crate::secrets::store_key(env, root)?;
    let mut store = tokens::load(root, &key)?;
    let mut out = Vec::new();
    let mut changed = false;
    // Two channels may share one token: renew it once.
    let mut done: Vec<&str> = Vec::new();
    for r in channels {
        let outcome = if done.contains(&r.name) {
            let until = store.get(r.name).map(expires_at);
            RenewalOutcome::NotDue { until }
        } else {
            done.push(r.name);
            let outcome = renew_one(&mut store, r, timeouts, now, force);
            changed |= matches!(outcome, RenewalOutcome::Renewed { .. });
            outcome
        };
        out.push(Renewal {
            channel: r.channel.name.clone(),
            name: r.name.to_owned(),
            outcome,
        });
    }
    if changed {
        tokens::save(&store, root)?;
    }
    Ok(out)
}

fn renew_one(
    store: &mut Store,
    r: &Renewable<'_>,
    timeouts: Timeouts,
    now: DateTime<Utc>,
    force: bool,
) -> RenewalOutcome {
    let Some(entry) = store.get(r.name) else {
        return RenewalOutcome::Failed {
            reason: format!(
                "the store has no token `{}`: run `postcal auth login {}`",
                r.name, r.channel.name
            ),
            until: None,
        };
    };
    let until = expires_at(entry);
    if until <= now {
        return RenewalOutcome::Failed {
            reason: format!(
                "it ran out on {} and Meta does not renew an expired token: sign in again with `postcal auth login {} --app-id ID --app-secret env:NAME`",
                until.format("%Y-%m-%d %H:%M UTC"),
                r.channel.name
            ),
            until: Some(until),
        };
    }
    let due = force || entry.expires_within(now, RENEW_WITHIN_DAYS) || entry.expires_at.is_none();
    if !due {
        return RenewalOutcome::NotDue { until: Some(until) };
    }
    if now - entry.obtained_at < MIN_AGE {
        return RenewalOutcome::TooYoung {
            until,
            from: entry.obtained_at + MIN_AGE,
        };
    }
    match meta_token::refresh(r.app, r.api_base, &entry.value(), timeouts) {
        Ok(fresh) => {
            let mut renewed = Entry::new(&fresh.token, now);
            renewed.platform = Some(r.app.name().to_owned());
            renewed.account = entry.account.clone();
            let lifetime = fresh.expires_in.unwrap_or(META_LIFETIME_DAYS * 86_400);
            renewed.expires_at = Some(now + Duration::seconds(lifetime));
            let until = expires_at(&renewed);
            store.put(r.name, renewed);
            RenewalOutcome::Renewed { until }
        }
        Err(e) => RenewalOutcome::Failed {
            reason: e.message,
            until: Some(until),
        },
    }
}

/// One row of `auth status`: never a value.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusRow {
    pub name: String,
    pub platform: Option<String>,
    pub account: Option<String>,
    pub obtained_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whole days left (negative: ran out that long ago).
    pub days_left: Option<i64>,
    /// The channels that use it.
    pub channels: Vec<String>,
}

/// What the store holds, for `auth status`.
pub fn status(store: &Store, channels: &[&Channel], now: DateTime<Utc>) -> Vec<StatusRow> {
    store
        .tokens
        .iter()
        .map(|(name, entry)| {
            let expires = entry
                .expires_at
                .or_else(|| App::of(entry.platform.as_deref()?).map(|_| expires_at(entry)));
            StatusRow {
                name: name.clone(),
                platform: entry.platform.clone(),
                account: entry.account.clone(),
                obtained_at: entry.obtained_at,
                expires_at: expires,
                days_left: expires.map(|at| (at - now).num_days()),
                channels: channels
                    .iter()
                    .filter(|c| stored_credentials(c).iter().any(|(_, n)| n == name))
                    .map(|c| c.name.clone())
                    .collect(),
            }
        })
        .collect()
}
