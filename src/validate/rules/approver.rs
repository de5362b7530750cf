//! `approver`: with `approval.approvers` in postcal.yaml, a post marked
//! approved names who approved it, and that person may approve for each of
//! its channels.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::calendar::Status;
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("approver"),
        default_level: Level::Error,
        configurable: true,
        options: &[],
        summary: "With `approval.approvers`, `status: approved` needs `approved_by` naming an approver of each of the post's channels.",
        bad: "status: approved   # no approved_by, or someone not in approval.approvers",
        good: "status: approved\napproved_by: ana",
    },
    check: Some(Check::Delivery(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    if d.post.status != Status::Approved {
        return;
    }
    let Some(allowed) = cx.config.approval.for_channel(&d.channel.name) else {
        return;
    };
    let id = &d.post.id.value;
    let named = d
        .post
        .extra
        .as_deref()
        .and_then(|e| e.approved_by.as_deref());
    let who = allowed.join(", ");
    let finding = match named {
        // Said once for the post: who may approve for each of its channels.
        None => cfg
            .finding(
                RULE.meta.id,
                d.post.subject(),
                d.post.file,
                d.post.id.loc,
                format!("`{id}` is approved but does not say who approved it"),
            )
            .with_help(format!("add `approved_by: NAME` ({})", approvers_of(cx, d))),
        Some(name) if !allowed.iter().any(|a| a == name) => cfg
            .finding(
                RULE.meta.id,
                d.subject(),
                d.post.file,
                d.post.id.loc,
                format!(
                    "`{id}` is approved by {name}, who may not approve posts for {}",
                    d.channel.name
                ),
            )
            .with_help(format!(
                "have {} approve it, or add {name} to `approval` in postcal.yaml",
                if allowed.len() == 1 {
                    who.clone()
                } else {
                    format!("one of {who}")
                }
            )),
        Some(_) => return,
    };
    out.push(finding);
}

/// "approvers: ana, luis", or per channel when the post's channels differ:
/// "approvers: ana, luis for m; ana for n".
fn approvers_of(cx: &Context<'_>, d: &Delivery<'_>) -> String {
    let lists: Vec<(&str, String)> = d
        .post
        .channels
        .iter()
        .filter_map(|c| {
            let list = cx.config.approval.for_channel(&c.value)?;
            Some((c.value.as_str(), list.join(", ")))
        })
        .collect();
    match lists.as_slice() {
        [] => "approvers: none named".to_owned(),
        [(_, only), rest @ ..] if rest.iter().all(|(_, l)| l == only) => {
            format!("approvers: {only}")
        }
        _ => {
            let each: Vec<String> = lists.iter().map(|(c, l)| format!("{l} for {c}")).collect();
            format!("approvers: {}", each.join("; "))
        }
    }
}
