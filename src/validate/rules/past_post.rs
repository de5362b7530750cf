//! `past-post`: a post whose time has passed but that never went out.

use super::{Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Status;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "past-post",
        default_level: Level::Warn,
        configurable: true,
        options: &[],
        summary: "A post is scheduled in the past and the ledger shows it was not published.",
        bad: "at: 2020-01-01 09:00",
        good: "at: 2026-12-01 09:00",
    },
    check: Some(check),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let mut reported = std::collections::HashSet::new();
    for d in cx.deliveries {
        if d.at >= cx.now || matches!(d.post.status, Status::Cancelled | Status::Retracted) {
            continue;
        }
        if cx
            .published
            .contains(&(d.post.id.value.clone(), d.channel.name.clone()))
        {
            continue;
        }
        if !reported.insert(d.post.id.value.as_str()) {
            continue;
        }
        let when =
            d.at.with_timezone(&cx.workspace.config.timezone)
                .format("%Y-%m-%d %H:%M %Z");
        out.push(
            cfg.finding(
                RULE.meta.id,
                d.post.file,
                d.post.at_loc,
                format!(
                    "`{}` was due {when}, which has passed, and was not published",
                    d.post.id.value
                ),
            )
            .with_help("reschedule it, or set `status: cancelled` if it should not go out"),
        );
    }
}
