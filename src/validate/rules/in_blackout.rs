//! `in-blackout`: posts planned inside a blackout will not go out then.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Status;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("in-blackout"),
        default_level: Level::Warn,
        configurable: true,
        options: &[],
        summary: "A delivery falls inside a blackout window for its channel (it will not be published).",
        bad: "at: 2026-12-25 10:00   # blackout 24–26 Dec",
        good: "at: 2026-12-27 10:00",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let blackouts = &cx.config.blackouts;
    if blackouts.is_empty() {
        return;
    }
    for post in cx.posts {
        let Some(at) = post.at else { continue };
        if matches!(post.status, Status::Cancelled | Status::Retracted) {
            continue;
        }
        for channel in &post.channels {
            if let Some(b) = blackouts.iter().find(|b| b.covers(at, &channel.value)) {
                let reason = b
                    .reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                out.push(
                    cfg.finding(RULE.meta.id, post.delivery_subject(&channel.value), post.file, post.at_loc, format!("`{}` on {} falls in a blackout{reason}", post.id.value, channel.value))
                        .with_help("move it outside the window; during a blackout it is not published and will be reported missed"),
                );
            }
        }
    }
}
