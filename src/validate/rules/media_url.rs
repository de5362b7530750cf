//! `media-url`: media for a platform that fetches it by URL (Threads,
//! Instagram) has
//! somewhere to be fetched from: `media_base_url` in postcal.yaml.

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::media_for;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("media-url"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Media for a platform that fetches it from a URL (Threads, Instagram) needs `media_base_url` in postcal.yaml: where the workspace folder is served.",
        bad: "# postcal.yaml without media_base_url\nmedia:\n  - file: media/launch.png # to a threads or instagram channel",
        good: "# postcal.yaml\nmedia_base_url: https://acme.github.io/calendar/",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    if cx.config.media_base.is_some() {
        return;
    }
    for post in cx.posts {
        for c in &post.channels {
            let Some(channel) = cx.config.channels.get(&c.value) else {
                continue;
            };
            let platform = channel.platform();
            let media = media_for(post, channel);
            let Some(first) = media.first().filter(|_| platform.fetches_media_by_url()) else {
                continue;
            };
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    post.delivery_subject(&channel.name),
                    post.file,
                    first.file.loc,
                    format!(
                        "{platform} fetches media from a URL, and postcal.yaml has no `media_base_url` to make `{}` one for {}",
                        first.file.value, channel.name
                    ),
                )
                .with_help("set `media_base_url: https://…/` in postcal.yaml to where this workspace folder is served (GitHub Pages, a CDN, the repository's raw address), and deploy the media there before the post is due"),
            );
        }
    }
}
