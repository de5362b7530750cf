//! `in-blackout`: posts planned inside a blackout will not go out then.

use super::{Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Status;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "in-blackout",
        default_level: Level::Warn,
        configurable: true,
        options: &[],
        summary: "A delivery falls inside a blackout window for its channel (it will not be published).",
        bad: "at: 2026-12-25 10:00   # blackout 24–26 Dec",
        good: "at: 2026-12-27 10:00",
    },
    check: Some(check),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    for d in cx.deliveries {
        if matches!(d.post.status, Status::Cancelled | Status::Retracted) {
            continue;
        }
        if let Some(b) = cx
            .workspace
            .config
            .blackouts
            .iter()
            .find(|b| b.covers(d.at, &d.channel.name))
        {
            let reason = b
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            out.push(
                cfg.finding(RULE.meta.id, d.post.file, d.post.at_loc, format!("`{}` on {} falls in a blackout{reason}", d.post.id.value, d.channel.name))
                    .with_help("move it outside the window; during a blackout it is not published and will be reported missed"),
            );
        }
    }
}
