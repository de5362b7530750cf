//! `banned-phrases`: words the brand never says.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("banned-phrases"),
        default_level: Level::Error,
        configurable: true,
        options: &[("phrases", "[]")],
        summary: "None of `phrases` appears in a post's text, thread or content warning (case-insensitive).",
        bad: "text: Guaranteed results in 7 days!",
        good: "text: Most customers see results within a week.",
    },
    check: Some(Check::Delivery(check)),
};

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    if cfg.phrases.is_empty() {
        return;
    }
    let phrases: Vec<(String, &str)> = cfg
        .phrases
        .iter()
        .map(|p| (p.to_lowercase(), p.as_str()))
        .collect();
    {
        for part in &d.parts {
            let lower = part.text.to_lowercase();
            for (needle, phrase) in &phrases {
                if lower.contains(needle.as_str()) {
                    out.push(
                        cfg.finding(RULE.meta.id, d.subject(), d.post.file, part.loc, format!("`{}` says \"{phrase}\", a banned phrase", d.post.id.value))
                            .with_help("reword it; banned phrases are listed under `rules: banned-phrases` in postcal.yaml"),
                    );
                }
            }
        }
        if let (Some(cw), Some(loc)) = (d.cw, d.post.cw().map(|c| c.loc)) {
            let lower = cw.to_lowercase();
            for (needle, phrase) in &phrases {
                if lower.contains(needle.as_str()) {
                    out.push(
                        cfg.finding(
                            RULE.meta.id,
                            d.subject(),
                            d.post.file,
                            loc,
                            format!("the content warning says \"{phrase}\", a banned phrase"),
                        )
                        .with_help("reword it"),
                    );
                }
            }
        }
    }
}
