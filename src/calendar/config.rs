//! `postcal.yaml`, from raw YAML to [`Config`], with findings for what is wrong.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use indexmap::IndexMap;

use super::channel::{Builder, Channel};
use super::model::{Approval, Blackout, Config, PublishSettings, RuleEntry, RuleOptions};
use super::raw::{RawBlackout, RawConfig, RawLevel, RawPublish, RawRuleSetting};
use crate::diagnostic::{FileId, Finding, Level, Located, RuleId, Subject, did_you_mean};
use crate::schedule::{WrittenTime, parse_duration, parse_written, parse_zone, resolve_wall};

/// The placeholders a UTM template may use.
pub const PLACEHOLDERS: [&str; 4] = ["platform", "channel", "campaign", "post"];

/// A finding about postcal.yaml as a whole.
fn config_error(
    rule: RuleId,
    file: FileId,
    loc: crate::diagnostic::Loc,
    message: String,
) -> Finding {
    Finding::error(rule, Subject::Workspace, file, loc, message)
}

/// A finding for an unknown timezone, with the closest names.
pub fn unknown_zone(name: &Located<String>, file: FileId, subject: Subject) -> Finding {
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
        RuleId::UNKNOWN_TIMEZONE,
        subject,
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
) -> Result<Config, Box<Finding>> {
    let timezone: Tz = parse_zone(&raw.timezone.value)
        .map_err(|_| Box::new(unknown_zone(&raw.timezone, file, Subject::Workspace)))?;
    let mut channels = IndexMap::new();
    let mut unusable_channels = Vec::new();
    for (name, ch) in &raw.channels {
        match Builder::new(name, ch, file, findings, secrets).build() {
            Some(channel) => {
                channels.insert(name.value.clone(), channel);
            }
            None => unusable_channels.push(name.value.clone()),
        }
    }
    let publish = resolve_publish(raw.publish.as_ref(), file, findings);
    let approval = resolve_approval(raw.approval.as_ref(), &raw.channels, file, findings);
    let mut unusable_queues = Vec::new();
    let queues = super::queues::resolve(
        &raw.queues,
        &raw.channels,
        file,
        findings,
        &mut unusable_queues,
    );
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
    let rules = raw
        .rules
        .iter()
        .map(|(name, setting)| rule_entry(name, setting))
        .collect();
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
        unusable_channels,
        // Set by the loader from the run's clock.
        horizon: chrono::NaiveDate::MIN,
        approval,
        queues,
        unusable_queues,
        media_base: raw
            .media_base_url
            .as_ref()
            .and_then(|written| media_base(written, file, findings)),
    })
}

/// `media_base_url`, checked; a finding (and `None`) when it cannot be used.
fn media_base(
    written: &Located<String>,
    file: FileId,
    findings: &mut Vec<Finding>,
) -> Option<super::MediaBase> {
    match super::MediaBase::parse(&written.value) {
        Ok(base) => Some(base),
        Err((message, help)) => {
            findings.push(config_error(RuleId::CONFIG, file, written.loc, message).with_help(help));
            None
        }
    }
}

/// `approval:`, with a channel it names checked against `channels:`.
fn resolve_approval(
    raw: Option<&super::raw::RawApproval>,
    channels: &IndexMap<Located<String>, Located<super::raw::RawChannel>>,
    file: FileId,
    findings: &mut Vec<Finding>,
) -> Approval {
    let Some(raw) = raw else {
        return Approval::default();
    };
    let names = |list: &[Located<String>]| list.iter().map(|n| n.value.clone()).collect();
    let mut per_channel = Vec::new();
    for (channel, list) in &raw.channels {
        if !channels.keys().any(|c| c.value == channel.value) {
            let known: Vec<&str> = channels.keys().map(|c| c.value.as_str()).collect();
            let help = match crate::diagnostic::did_you_mean(&channel.value, &known) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("channels are: {}", known.join(", ")),
            };
            findings.push(
                Finding::error(
                    RuleId::CONFIG,
                    Subject::Workspace,
                    file,
                    channel.loc,
                    format!(
                        "`approval.channels` names `{}`, which is not a channel",
                        channel.value
                    ),
                )
                .with_help(help),
            );
            continue;
        }
        per_channel.push((channel.value.clone(), names(list)));
    }
    Approval {
        approvers: names(&raw.approvers),
        channels: per_channel,
    }
}

fn rule_entry(name: &Located<String>, setting: &Located<RawRuleSetting>) -> RuleEntry {
    let raw = &setting.value;
    let level = raw.level.as_ref().map(|l| {
        Located::new(
            match l.value {
                RawLevel::Off => Level::Off,
                RawLevel::Warn => Level::Warn,
                RawLevel::Error => Level::Error,
            },
            l.loc,
        )
    });
    let o = &raw.options;
    RuleEntry {
        name: name.clone(),
        loc: setting.loc,
        level,
        options: RuleOptions {
            max: o.max.clone(),
            minutes: o.minutes.clone(),
            days: o.days.clone(),
            phrases: o.phrases.clone(),
            max_usd_per_month: o.max_usd_per_month.clone(),
        },
    }
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
                config_error(
                    RuleId::CONFIG,
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
                    config_error(
                        RuleId::CONFIG,
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
    if let Some(d) = duration(&raw.claim_for, findings) {
        settings.claim_for = d;
    }
    settings.require_approval = raw.require_approval.unwrap_or(true);
    settings.freeze = raw.freeze.unwrap_or(false);
    settings.coordinate_git = raw.coordination == Some(super::raw::RawCoordination::Git);
    settings
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
                let help = match did_you_mean(&ch.value, &names) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("channels are: {}", names.join(", ")),
                };
                findings.push(
                    config_error(
                        RuleId::BLACKOUT,
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
            config_error(
                RuleId::BLACKOUT,
                file,
                b.to.loc,
                "the blackout ends before it starts".to_owned(),
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
            findings.push(
                config_error(RuleId::BLACKOUT, file, value.loc, e.to_string()).with_help(e.help()),
            )
        })
        .ok()
}
