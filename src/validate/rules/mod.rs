//! The rule table: every check `validate` runs, with its documentation.
//! One rule per file; `postcal rules` and the README table come from here.

mod alt_text;
mod approver;
mod banned_phrases;
mod cw_unsupported;
mod duplicate_id;
mod duplicate_text;
mod empty_post;
mod image_aspect;
mod in_blackout;
mod insecure_endpoint;
mod invalid_id;
mod language;
mod literal_secret;
mod max_hashtags;
mod max_per_day;
pub mod media;
mod media_url;
mod min_gap;
mod needs_media;
mod no_threads;
mod past_post;
mod publish_quota;
mod structural;
mod too_long;
mod too_many_links;
mod too_many_tags;
mod unknown_channel;
mod x_cost_budget;

use std::collections::HashMap;

use super::{Context, CrossContext, PostSummary};
use crate::calendar::RuleEntry;
use crate::delivery::Delivery;
use crate::diagnostic::{FileId, Finding, Level, Loc, RuleId, Severity, Subject, did_you_mean};

pub use unknown_channel::UNKNOWN_CHANNEL;

/// What a rule is, for `postcal rules` and the README.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: RuleId,
    pub default_level: Level,
    /// Whether `rules:` in postcal.yaml may change its level. Rules that
    /// guard what a platform would reject cannot be turned off.
    pub configurable: bool,
    /// Options it takes, with their defaults, e.g. `max: 5`.
    pub options: &'static [(&'static str, &'static str)],
    pub summary: &'static str,
    pub bad: &'static str,
    pub good: &'static str,
}

/// One channel's deliveries in time order, as schedule rules see them
/// (kept small: a big workspace has one per delivery).
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub at: chrono::DateTime<chrono::Utc>,
    /// Index into the workspace's post summaries.
    pub post: u32,
    /// Hash of the text with case and spacing normalised; `None` when empty.
    pub text_hash: Option<std::num::NonZeroU64>,
}

/// What a rule looks at. Rules over one file's posts and deliveries can be
/// run file by file (in parallel, and kept in the index for files that did
/// not change); rules across files see what each post contributes.
#[derive(Clone, Copy)]
pub enum Check {
    /// One calendar file's posts, with the configuration.
    Posts(fn(&Context<'_>, &RuleConfig, &mut Vec<Finding>)),
    /// Each delivery, rendered as it will be posted. Deliveries are rendered
    /// once and streamed past the delivery rules.
    Delivery(fn(&Context<'_>, &RuleConfig, &Delivery<'_>, &mut Vec<Finding>)),
    /// Every post of the workspace, summarised.
    Summaries(fn(&CrossContext<'_>, &RuleConfig, &[PostSummary], &mut Vec<Finding>)),
    /// Every post's summary, as of the run's time and the ledger.
    Clock(fn(&CrossContext<'_>, &RuleConfig, &[PostSummary], &mut Vec<Finding>)),
    /// Each channel's schedule (cancelled and retracted posts left out).
    Schedule(fn(&CrossContext<'_>, &RuleConfig, &str, &[Slot], &mut Vec<Finding>)),
}

pub struct Rule {
    pub meta: RuleMeta,
    /// `None` for rules checked while loading (syntax, time, configuration).
    pub check: Option<Check>,
}

/// Every rule, in the order `postcal rules` lists them.
pub fn all() -> &'static [Rule] {
    static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = structural::rules();
        rules.insert(3, literal_secret::RULE);
        rules.insert(4, insecure_endpoint::RULE);
        rules.extend([
            language::RULE,
            invalid_id::RULE,
            duplicate_id::RULE,
            unknown_channel::RULE,
            too_long::RULE,
            too_many_links::RULE,
            too_many_tags::RULE,
            empty_post::RULE,
            needs_media::RULE,
            no_threads::RULE,
            media::RULE,
            image_aspect::RULE,
            media_url::RULE,
            alt_text::RULE,
            approver::RULE,
            cw_unsupported::RULE,
            in_blackout::RULE,
            past_post::RULE,
            max_hashtags::RULE,
            banned_phrases::RULE,
            min_gap::RULE,
            max_per_day::RULE,
            publish_quota::RULE,
            duplicate_text::RULE,
            x_cost_budget::RULE,
        ]);
        rules
    })
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.meta.id.as_str() == id)
}

/// One rule's effective configuration.
#[derive(Debug, Clone)]
pub struct RuleConfig {
    pub severity: Severity,
    pub max: Option<u32>,
    pub minutes: Option<u32>,
    pub days: Option<u32>,
    pub phrases: Vec<String>,
    /// A budget in US dollars (`max_usd_per_month`).
    pub max_usd: Option<f64>,
}

impl RuleConfig {
    fn default_for(meta: &RuleMeta) -> Option<RuleConfig> {
        let severity = meta.default_level.severity()?;
        Some(RuleConfig {
            severity,
            max: None,
            minutes: None,
            days: None,
            phrases: Vec::new(),
            max_usd: None,
        })
    }

    /// A finding of this rule's severity about `subject`, at `loc` of `file`.
    pub fn finding(
        &self,
        rule: RuleId,
        subject: Subject,
        file: FileId,
        loc: Loc,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(rule, self.severity, subject, Some(file), loc, message)
    }
}

/// The `rules:` section, resolved: rule id to its configuration, `None` when off.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    overrides: HashMap<RuleId, Option<RuleConfig>>,
}

impl RuleSettings {
    /// The effective configuration of `id`, or `None` when it is off.
    pub fn get(&self, meta: &RuleMeta) -> Option<RuleConfig> {
        match self.overrides.get(&meta.id) {
            Some(cfg) => cfg.clone(),
            None => RuleConfig::default_for(meta),
        }
    }

    /// Resolve `rules:` from postcal.yaml (`file`); problems become
    /// `config` findings about the workspace.
    pub fn resolve(
        entries: &[RuleEntry],
        file: FileId,
        findings: &mut Vec<Finding>,
    ) -> RuleSettings {
        let mut settings = RuleSettings::default();
        let ids: Vec<&str> = all()
            .iter()
            .filter(|r| r.meta.configurable)
            .map(|r| r.meta.id.as_str())
            .collect();
        for entry in entries {
            let name = &entry.name;
            let Some(rule) = find(&name.value) else {
                let help = match did_you_mean(&name.value, &ids) {
                    Some(best) => {
                        format!("did you mean `{best}`? `postcal rules` lists every rule")
                    }
                    None => "`postcal rules` lists every rule".to_owned(),
                };
                findings.push(
                    config_error(file, name.loc, format!("unknown rule `{}`", name.value))
                        .with_help(help),
                );
                continue;
            };
            if !rule.meta.configurable {
                findings.push(
                    config_error(file, name.loc, format!("rule `{}` cannot be configured", rule.meta.id))
                        .with_help("it guards what the platform would reject or what postcal cannot read; remove this entry"),
                );
                continue;
            }
            if let Some(cfg) = resolve_one(&rule.meta, entry, file, findings) {
                settings.overrides.insert(rule.meta.id, cfg);
            }
        }
        settings
    }
}

fn config_error(file: FileId, loc: Loc, message: String) -> Finding {
    Finding::error(RuleId::CONFIG, Subject::Workspace, file, loc, message)
}

fn resolve_one(
    meta: &RuleMeta,
    entry: &RuleEntry,
    file: FileId,
    findings: &mut Vec<Finding>,
) -> Option<Option<RuleConfig>> {
    let allowed: Vec<&str> = meta.options.iter().map(|(name, _)| *name).collect();
    let o = &entry.options;
    let given = [
        ("max", o.max.as_ref().map(|v| v.loc)),
        ("minutes", o.minutes.as_ref().map(|v| v.loc)),
        ("days", o.days.as_ref().map(|v| v.loc)),
        ("phrases", o.phrases.as_ref().map(|v| v.loc)),
        (
            "max_usd_per_month",
            o.max_usd_per_month.as_ref().map(|v| v.loc),
        ),
    ];
    let mut ok = true;
    for (name, at) in given {
        if let Some(at) = at
            && !allowed.contains(&name)
        {
            let help = if allowed.is_empty() {
                format!("`{}` takes no options, only a level", meta.id)
            } else {
                format!("`{}` takes: {}", meta.id, allowed.join(", "))
            };
            findings.push(
                config_error(
                    file,
                    at,
                    format!("`{name}` is not an option of rule `{}`", meta.id),
                )
                .with_help(help),
            );
            ok = false;
        }
    }
    if let Some(usd) = &o.max_usd_per_month
        && !(usd.value.is_finite() && usd.value >= 0.0)
    {
        findings.push(
            config_error(
                file,
                usd.loc,
                "`max_usd_per_month` must be a number of dollars, 0 or more".to_owned(),
            )
            .with_help("e.g. `max_usd_per_month: 25`"),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let level = match entry.level.as_ref().map(|l| l.value) {
        Some(Level::Off) => return Some(None),
        Some(Level::Warn) => Severity::Warning,
        Some(Level::Error) => Severity::Error,
        None => match meta.default_level.severity() {
            Some(sev) => sev,
            None => {
                findings.push(
                    config_error(file, entry.loc, format!("rule `{}` needs a level", meta.id))
                        .with_help("add `level: warn` or `level: error`"),
                );
                return None;
            }
        },
    };
    Some(Some(RuleConfig {
        severity: level,
        max: o.max.as_ref().map(|v| v.value),
        minutes: o.minutes.as_ref().map(|v| v.value),
        days: o.days.as_ref().map(|v| v.value),
        phrases: o
            .phrases
            .as_ref()
            .map(|v| v.value.clone())
            .unwrap_or_default(),
        max_usd: o.max_usd_per_month.as_ref().map(|v| v.value),
    }))
}

/// The enabled rules with a check, and their configuration.
pub fn enabled(settings: &RuleSettings) -> Vec<(&'static Rule, Check, RuleConfig)> {
    all()
        .iter()
        .filter_map(|rule| Some((rule, rule.check?, settings.get(&rule.meta)?)))
        .collect()
}
