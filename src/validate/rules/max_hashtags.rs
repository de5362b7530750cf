//! `max-hashtags`: a post with too many hashtags reads as spam.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::RuleId;
use crate::platform::http_links;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("max-hashtags"),
        default_level: Level::Warn,
        configurable: true,
        options: &[("max", "5")],
        summary: "At most `max` hashtags in each part of a post.",
        bad: "text: New blend! #coffee #beans #roast #winter #cozy #sale",
        good: "text: New blend! #coffee #winter",
    },
    check: Some(Check::Delivery(check)),
};

/// Hashtags in `text`: `#` not after a word character, then word characters
/// with at least one letter (`#1` is not a hashtag), outside links.
pub fn hashtags(text: &str) -> Vec<&str> {
    let links: Vec<_> = http_links(text).collect();
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == '#'
            && prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '&'))
            && !links.iter().any(|l| l.contains(&i))
        {
            let rest = &text[i + 1..];
            let len = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            let tag = &rest[..len];
            if tag.chars().any(char::is_alphabetic) {
                out.push(tag);
            }
        }
        prev = Some(c);
    }
    out
}

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    let max = cfg.max.unwrap_or(5) as usize;
    {
        for part in &d.parts {
            let tags = hashtags(&part.text);
            if tags.len() > max {
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        d.subject(),
                        d.post.file,
                        part.loc,
                        format!(
                            "{} hashtags in `{}`; the limit is {max}",
                            tags.len(),
                            d.post.id.value
                        ),
                    )
                    .with_help("keep the few that people actually follow"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hashtags;

    #[test]
    fn finds_hashtags_not_numbers_or_anchors() {
        assert_eq!(
            hashtags("#coffee and #café, issue #1, a#b, https://x.io/#frag"),
            vec!["coffee", "café"]
        );
    }
}
