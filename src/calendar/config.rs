//! `postcal.yaml`, from raw YAML to [`Config`], with findings for what is wrong.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use indexmap::IndexMap;

use super::located::{Loc, Located};
use super::model::{Blackout, Channel, Config, PublishSettings, SecretRef};
use super::raw::{RawBlackout, RawChannel, RawConfig, RawPublish};
use super::source::FileId;
use crate::delivery::PLACEHOLDERS;
use crate::schedule::{WrittenTime, parse_duration, parse_written, parse_zone, resolve_wall};
use crate::validate::Finding;
use crate::validate::rules::{
    BLACKOUT, CONFIG, RuleSettings, UNKNOWN_TIMEZONE, insecure_endpoint, literal_secret,
};

/// Credential fields: they take `env:NAME` or `file:PATH`, never a value.
const CREDENTIAL_FIELDS: [&str; 4] = ["token", "app_password", "webhook", "secret"];

/// A finding for an unknown timezone, with the closest names.
pub fn unknown_zone(name: &Located<String>, file: FileId) -> Finding {
    let suggestions = parse_zone(&name.value).err().unwrap_or_default();
    let help = if suggestions.is_empty() {
        "use an IANA name such as `Europe/Madrid` or `America/New_York`".to_owned()
    } else {
        format!(
            "did you mean {}?",
            suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    Finding::error(
        UNKNOWN_TIMEZONE,
        file,
        name.loc,
        format!("unknown timezone `{}`", name.value),
    )
    .with_help(help)
}

/// Resolve the configuration. `Err` when it is unusable (no valid timezone).
pub fn resolve(
    raw: RawConfig,
    file: FileId,
    findings: &mut Vec<Finding>,
    secrets: &mut Vec<std::ops::Range<usize>>,
) -> Result<Config, Finding> {
    let timezone: Tz =
        parse_zone(&raw.timezone.value).map_err(|_| unknown_zone(&raw.timezone, file))?;
    let channels = raw
        .channels
        .iter()
        .filter_map(|(name, ch)| {
            resolve_channel(name, ch, file, findings, secrets).map(|c| (name.value.clone(), c))
        })
        .collect::<IndexMap<_, _>>();
    let publish = resolve_publish(raw.publish.as_ref(), file, findings);
    let blackouts = raw
        .blackouts
        .iter()
        .filter_map(|b| resolve_blackout(b, timezone, &channels, file, findings))
        .collect();
    let utm = raw
        .links
        .as_ref()
        .map(|links| {
            links
                .utm
                .iter()
                .map(|(key, value)| {
                    check_placeholders(value, file, findings);
                    (key.clone(), value.value.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let rules = RuleSettings::resolve(&raw.rules, file, findings);
    Ok(Config {
        file,
        timezone,
        calendars: raw
            .calendars
            .map_or_else(|| "calendars".to_owned(), |c| c.value),
        channels,
        publish,
        blackouts,
        utm,
        rules,
    })
}

fn check_placeholders(value: &Located<String>, file: FileId, findings: &mut Vec<Finding>) {
    let mut rest = value.value.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        if !PLACEHOLDERS.contains(&name) {
            findings.push(
                Finding::error(
                    CONFIG,
                    file,
                    value.loc,
                    format!("unknown placeholder `{{{name}}}`"),
                )
                .with_help("placeholders are {platform}, {channel}, {campaign} and {post}"),
            );
        }
        rest = &rest[start + len + 1..];
    }
}

fn resolve_publish(
    raw: Option<&RawPublish>,
    file: FileId,
    findings: &mut Vec<Finding>,
) -> PublishSettings {
    let mut settings = PublishSettings::default();
    let Some(raw) = raw else { return settings };
    let duration = |v: &Option<Located<String>>, findings: &mut Vec<Finding>| -> Option<Duration> {
        let v = v.as_ref()?;
        parse_duration(&v.value)
            .map_err(|e| {
                findings.push(
                    Finding::error(
                        CONFIG,
                        file,
                        v.loc,
                        format!("`{}` is not a duration: {e}", v.value),
                    )
                    .with_help("write e.g. `2h`, `30m` or `1h 30m`"),
                );
            })
            .ok()
    };
    if let Some(d) = duration(&raw.catch_up, findings) {
        settings.catch_up = d;
    }
    if let Some(d) = duration(&raw.max_wait, findings) {
        settings.max_wait = d;
    }
    settings.require_approval = raw.require_approval.unwrap_or(true);
    settings.freeze = raw.freeze.unwrap_or(false);
    settings
}

fn present_fields(ch: &RawChannel) -> Vec<(&'static str, Loc)> {
    let string_fields = [
        ("instance", &ch.instance),
        ("token", &ch.token),
        ("handle", &ch.handle),
        ("app_password", &ch.app_password),
        ("service", &ch.service),
        ("webhook", &ch.webhook),
        ("api_base", &ch.api_base),
        ("url", &ch.url),
        ("secret", &ch.secret),
    ];
    let mut out: Vec<_> = string_fields
        .iter()
        .filter_map(|(n, v)| v.as_ref().map(|v| (*n, v.loc)))
        .collect();
    if let Some(v) = &ch.max_chars {
        out.push(("max_chars", v.loc));
    }
    if let Some(v) = &ch.chat_id {
        out.push(("chat_id", v.loc));
    }
    out
}

fn resolve_channel(
    name: &Located<String>,
    ch: &Located<RawChannel>,
    file: FileId,
    findings: &mut Vec<Finding>,
    literal_secrets: &mut Vec<std::ops::Range<usize>>,
) -> Option<Channel> {
    let platform = ch.value.platform.value;
    let raw = &ch.value;
    if !is_valid_name(&name.value) {
        findings.push(
            Finding::error(
                CONFIG,
                file,
                name.loc,
                format!("channel name `{}` is not allowed", name.value),
            )
            .with_help(
                "use lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit",
            ),
        );
    }
    let present = present_fields(raw);
    for (field, loc) in &present {
        if !platform.fields().contains(field) {
            findings.push(
                Finding::error(
                    CONFIG,
                    file,
                    *loc,
                    format!("`{field}` is not a field of a {platform} channel"),
                )
                .with_help(format!(
                    "a {platform} channel takes: platform, {}",
                    platform.fields().join(", ")
                )),
            );
        }
    }
    for field in platform.required_fields() {
        if !present.iter().any(|(f, _)| f == field) {
            findings.push(
                Finding::error(
                    CONFIG,
                    file,
                    ch.loc,
                    format!("channel `{}` has no `{field}`", name.value),
                )
                .with_help(format!(
                    "a {platform} channel needs: {}",
                    platform.required_fields().join(", ")
                )),
            );
        }
    }
    let mut secrets = IndexMap::new();
    let credentials = [&raw.token, &raw.app_password, &raw.webhook, &raw.secret];
    for (field, value) in CREDENTIAL_FIELDS.into_iter().zip(credentials) {
        let Some(value) = value else { continue };
        match secret_ref(&value.value) {
            Some(r) => {
                secrets.insert(field, r);
            }
            None => {
                literal_secrets.push(value.loc.range());
                findings.push(literal_secret::finding(field, &name.value, value.loc, file));
            }
        }
    }
    let endpoint_field = [
        ("instance", &raw.instance),
        ("service", &raw.service),
        ("api_base", &raw.api_base),
        ("url", &raw.url),
    ]
    .into_iter()
    .find_map(|(f, v)| v.as_ref().map(|v| (f, v)));
    let mut endpoint = None;
    if let Some((field, value)) = endpoint_field {
        if field == "url"
            && let Some(r) = secret_ref(&value.value)
        {
            secrets.insert("url", r);
        } else {
            insecure_endpoint::check(field, value, file, findings);
            endpoint = Some(value.value.trim_end_matches('/').to_owned());
        }
    }
    if let Some(max) = &raw.max_chars
        && max.value == 0
    {
        findings.push(
            Finding::error(CONFIG, file, max.loc, "`max_chars` must be at least 1")
                .with_help("remove it to use the platform's default"),
        );
    }
    if let Some(chat) = &raw.chat_id
        && let super::raw::RawChatId::Name(s) = &chat.value
        && !(s.starts_with('@') || s.parse::<i64>().is_ok())
    {
        findings.push(
            Finding::error(
                CONFIG,
                file,
                chat.loc,
                format!("`{s}` is not a Telegram chat id"),
            )
            .with_help("use the numeric chat id or `@channelname`"),
        );
    }
    Some(Channel {
        name: name.value.clone(),
        platform,
        loc: name.loc,
        endpoint,
        secrets,
        handle: raw.handle.as_ref().map(|h| h.value.clone()),
        chat_id: raw.chat_id.as_ref().map(|c| c.value.clone()),
        max_chars: raw.max_chars.as_ref().map(|m| m.value as usize),
    })
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

/// `env:NAME` or `file:PATH`; anything else is a literal (and refused).
pub fn secret_ref(value: &str) -> Option<SecretRef> {
    if let Some(name) = value.strip_prefix("env:") {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return valid.then(|| SecretRef::Env(name.to_owned()));
    }
    value
        .strip_prefix("file:")
        .filter(|p| !p.is_empty())
        .map(|p| SecretRef::File(p.to_owned()))
}

fn resolve_blackout(
    raw: &Located<RawBlackout>,
    zone: Tz,
    channels: &IndexMap<String, Channel>,
    file: FileId,
    findings: &mut Vec<Finding>,
) -> Option<Blackout> {
    let b = &raw.value;
    let from = blackout_time(&b.from, zone, false, file, findings);
    let to = blackout_time(&b.to, zone, true, file, findings);
    if let Some(list) = &b.channels {
        for ch in list {
            if !channels.contains_key(&ch.value) {
                let names: Vec<&str> = channels.keys().map(String::as_str).collect();
                let help = match super::did_you_mean(&ch.value, &names) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("channels are: {}", names.join(", ")),
                };
                findings.push(
                    Finding::error(
                        BLACKOUT,
                        file,
                        ch.loc,
                        format!("blackout names unknown channel `{}`", ch.value),
                    )
                    .with_help(help),
                );
            }
        }
    }
    let (from, to) = (from?, to?);
    if to < from {
        findings.push(
            Finding::error(
                BLACKOUT,
                file,
                b.to.loc,
                "the blackout ends before it starts",
            )
            .with_help("swap `from` and `to`"),
        );
        return None;
    }
    Some(Blackout {
        from,
        to,
        reason: b.reason.clone(),
        channels: b
            .channels
            .as_ref()
            .map(|l| l.iter().map(|c| c.value.clone()).collect()),
        loc: raw.loc,
    })
}

/// A blackout bound: a wall time, an instant, or a date (its start for `from`,
/// its last second for `to`).
fn blackout_time(
    value: &Located<String>,
    zone: Tz,
    end: bool,
    file: FileId,
    findings: &mut Vec<Finding>,
) -> Option<DateTime<Utc>> {
    let resolved = parse_written(&value.value).and_then(|w| match w {
        WrittenTime::Instant(t) => Ok(t.with_timezone(&Utc)),
        WrittenTime::Wall(wall) => resolve_wall(wall, zone),
        WrittenTime::Date(d) => {
            let wall = if end {
                d.and_hms_opt(23, 59, 59)
            } else {
                d.and_hms_opt(0, 0, 0)
            };
            resolve_wall(wall.unwrap_or_default(), zone)
        }
    });
    resolved
        .map_err(|e| {
            findings
                .push(Finding::error(BLACKOUT, file, value.loc, e.to_string()).with_help(e.help()))
        })
        .ok()
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
    }

    #[test]
    fn names() {
        assert!(is_valid_name("bf-teaser.2026_x"));
        assert!(!is_valid_name("Teaser"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name(""));
    }
}
