//! `too-many-links`: a part has no more distinct links than its platform
//! takes (Threads: 5, refused at creation with
//! `THREADS_API__LINK_LIMIT_EXCEEDED`).

use std::collections::HashSet;

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::platform::links_in;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("too-many-links"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Each part has at most as many distinct links as the platform takes (Threads: 5, bare domains included).",
        bad: "text: six links # to Threads",
        good: "text: five links, the sixth in a thread part",
    },
    check: Some(Check::Delivery(check)),
};

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    let platform = d.channel.platform();
    let Some(max) = platform.max_links() else {
        return;
    };
    for (i, part) in d.parts.iter().enumerate() {
        let links = links_in(platform, &part.text);
        let distinct: HashSet<&str> = links.iter().map(|l| l.uri.as_str()).collect();
        if distinct.len() <= max {
            continue;
        }
        let what = if i == 0 {
            "text".to_owned()
        } else {
            format!("thread part {i}")
        };
        out.push(
            cfg.finding(
                RULE.meta.id,
                d.subject(),
                d.post.file,
                part.loc,
                format!(
                    "{what} has {} links on {} ({platform} takes at most {max})",
                    distinct.len(),
                    d.channel.name
                ),
            )
            .with_help(
                "move some links into a thread part, or give this channel a variant with fewer",
            ),
        );
    }
}
