//! `past-post`: a post whose time has passed but that never went out.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Status;
use crate::diagnostic::RuleId;
use crate::diagnostic::Subject;
use crate::validate::{CrossContext, Finding, PostSummary};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("past-post"),
        default_level: Level::Warn,
        configurable: true,
        options: &[],
        summary: "A post is scheduled in the past and the ledger shows it was not published.",
        bad: "at: 2020-01-01 09:00",
        good: "at: 2026-12-01 09:00",
    },
    check: Some(Check::Clock(check)),
};

fn check(cx: &CrossContext<'_>, cfg: &RuleConfig, posts: &[PostSummary], out: &mut Vec<Finding>) {
    let zone = cx.config.timezone;
    for post in posts {
        let Some(at) = post.at else { continue };
        if at >= cx.now || matches!(post.status, Status::Cancelled | Status::Retracted) {
            continue;
        }
        let unpublished = post.deliveries.iter().any(|d| {
            let name = cx.channel_name(d.channel);
            !cx.published.contains(&(post.id.clone(), name.to_owned()))
        });
        if unpublished {
            let when = at.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z");
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    Subject::Post(post.id.clone()),
                    post.file,
                    post.at_loc,
                    format!(
                        "`{}` was due {when}, which has passed, and was not published",
                        post.id
                    ),
                )
                .with_help("reschedule it, or set `status: cancelled` if it should not go out"),
            );
        }
    }
}
