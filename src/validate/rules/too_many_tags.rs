//! `too-many-tags`: a caption stays inside what the platform takes
//! (Instagram: 30 hashtags, refused beyond; 20 @mentions, reported as a
//! warning, since only third parties say so).

use super::max_hashtags::hashtags;
use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::Delivery;
use crate::diagnostic::{RuleId, Severity};
use crate::platform::http_links;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("too-many-tags"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Each part has at most as many hashtags as the platform takes (Instagram: 30; more than 20 @mentions is a warning).",
        bad: "text: 31 hashtags # to an instagram channel",
        good: "text: New blend! #coffee #winter",
    },
    check: Some(Check::Delivery(check)),
};

/// `@name` mentions in `text`: `@` not after a word character, then word
/// characters or `.` (Instagram usernames), outside links.
pub fn mentions(text: &str) -> usize {
    let links: Vec<_> = http_links(text).collect();
    let mut prev: Option<char> = None;
    let mut count = 0;
    for (i, c) in text.char_indices() {
        if c == '@'
            && prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'))
            && !links.iter().any(|l| l.contains(&i))
            && text[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| n.is_alphanumeric() || n == '_')
        {
            count += 1;
        }
        prev = Some(c);
    }
    count
}

fn check(_cx: &Context<'_>, cfg: &RuleConfig, d: &Delivery<'_>, out: &mut Vec<Finding>) {
    let platform = d.channel.platform();
    let Some((max_tags, max_mentions)) = platform.max_tags() else {
        return;
    };
    for part in &d.parts {
        let tags = hashtags(&part.text).len();
        if tags > max_tags {
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    d.subject(),
                    d.post.file,
                    part.loc,
                    format!(
                        "{tags} hashtags in `{}`; {platform} takes at most {max_tags}, so {} would refuse it",
                        d.post.id.value, d.channel.name
                    ),
                )
                .with_help(format!(
                    "keep at most {max_tags} (the few people follow), or give {} a variant with fewer",
                    d.channel.name
                )),
            );
        }
        let at = mentions(&part.text);
        if at > max_mentions {
            let mut finding = cfg
                .finding(
                    RULE.meta.id,
                    d.subject(),
                    d.post.file,
                    part.loc,
                    format!(
                        "{at} @mentions in `{}`; {platform} is said to take at most {max_mentions}",
                        d.post.id.value
                    ),
                )
                .with_help("mention fewer accounts, or tag them on the image in the app");
            finding.severity = Severity::Warning;
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn counts_mentions_not_emails_or_links() {
        assert_eq!(
            mentions("@lumen and @ana.b, mail a@b.example, https://x.io/@me, @ alone"),
            2
        );
    }
}
