//! `duplicate-id`: a post id names one post in the whole workspace.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::diagnostic::RuleId;
use crate::diagnostic::Subject;
use crate::validate::{CrossContext, Finding, PostSummary};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("duplicate-id"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Post ids are unique across the workspace; the later of two is reported.",
        bad: "- id: launch   # in two files",
        good: "- id: launch\n- id: launch-reminder",
    },
    check: Some(Check::Summaries(check)),
};

fn check(cx: &CrossContext<'_>, cfg: &RuleConfig, posts: &[PostSummary], out: &mut Vec<Finding>) {
    // By the id as written: the occurrences of a series (`ID#DATE`) share
    // their series' id and its place, and are one post here.
    let mut first = foldhash::HashMap::with_capacity_and_hasher(posts.len(), Default::default());
    for post in posts {
        let written = crate::diagnostic::series_of(&post.id);
        let here = (post.file, post.id_loc);
        match first.get(written) {
            Some(prev) if *prev == here => {}
            Some((file, loc)) => {
                let (file, line): (crate::diagnostic::FileId, u32) = (*file, loc.line);
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        Subject::Post(post.id.clone()),
                        post.file,
                        post.id_loc,
                        format!("post id `{written}` is already used"),
                    )
                    .with_help(format!(
                        "first used at {}:{line}; give this post another id",
                        cx.sources.path(file)
                    )),
                );
            }
            None => {
                first.insert(written, here);
            }
        }
    }
}
