//! `invalid-id`: post ids are short, stable names usable in URLs and the ledger.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::is_valid_name;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("invalid-id"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Post ids match `[a-z0-9][a-z0-9._-]*`.",
        bad: "id: Black Friday!",
        good: "id: bf-teaser",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    for post in cx.posts {
        // An occurrence's id (`SERIES#DATE`) is made, not written: the
        // series' id is what to check.
        let written = post.series.as_deref().unwrap_or(&post.id.value);
        if !is_valid_name(written) {
            let suggestion: String = written
                .to_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .trim_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_owned();
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    post.subject(),
                    post.file,
                    post.id.loc,
                    format!("post id `{written}` is not allowed"),
                )
                .with_help(format!(
                    "use lowercase letters, digits, `.`, `_` and `-`, e.g. `{suggestion}`"
                )),
            );
        }
    }
}
