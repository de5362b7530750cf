//! `unknown-channel`: posts and variants name channels from postcal.yaml.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Field;
use crate::diagnostic::{RuleId, did_you_mean};
use crate::platform::Platform;
use crate::validate::{Context, Finding};

pub const UNKNOWN_CHANNEL: RuleId = RuleId("unknown-channel");

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: UNKNOWN_CHANNEL,
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Channels and variant keys name a channel in postcal.yaml (variants may also name a platform).",
        bad: "channels: [acme-mastdon]",
        good: "channels: [acme-mastodon]",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let channels = &cx.config.channels;
    let unusable = &cx.config.unusable_channels;
    let names: Vec<&str> = channels.keys().map(String::as_str).collect();
    let hint = |name: &str, extra: &[&str]| {
        let mut candidates = names.clone();
        candidates.extend_from_slice(extra);
        match did_you_mean(name, &candidates) {
            Some(best) => format!("did you mean `{best}`?"),
            None if names.is_empty() => "postcal.yaml defines no channels yet".to_owned(),
            None => format!("channels are: {}", names.join(", ")),
        }
    };
    for post in cx.posts {
        for ch in &post.channels {
            if !channels.contains_key(&ch.value) && !unusable.contains(&ch.value) {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        post.subject_of(Field::Channels),
                        post.file,
                        ch.loc,
                        format!("unknown channel `{}`", ch.value),
                    )
                    .with_help(hint(&ch.value, &[])),
                );
            }
        }
        let platforms: Vec<&str> = Platform::ALL.iter().map(|p| p.name()).collect();
        for (key, _) in &post.variants {
            if !channels.contains_key(&key.value)
                && !unusable.contains(&key.value)
                && Platform::from_name(&key.value).is_none()
            {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        post.subject(),
                        post.file,
                        key.loc,
                        format!("variant `{}` names no channel or platform", key.value),
                    )
                    .with_help(hint(&key.value, &platforms)),
                );
            }
        }
    }
}
