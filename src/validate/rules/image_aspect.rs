//! `image-aspect`: an image's shape (read from the file itself) is one
//! the platform publishes (Instagram's feed: 4:5 to 1.91:1).

use std::collections::HashMap;

use super::media::locate;
use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::media_for;
use crate::diagnostic::RuleId;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("image-aspect"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Images have an aspect ratio the platform publishes, read from the file (Instagram: 4:5 to 1.91:1).",
        bad: "media:\n  - file: media/banner-2x1.jpg # to an instagram channel",
        good: "media:\n  - file: media/square.jpg",
    },
    check: Some(Check::Posts(check)),
};

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    // Width and height by path; `None` for what is not a readable image
    // (the `media` rule says what is wrong with it).
    let mut sizes: HashMap<&str, Option<(usize, usize)>> = HashMap::new();
    for post in cx.posts {
        for c in &post.channels {
            let Some(channel) = cx.config.channels.get(&c.value) else {
                continue;
            };
            let platform = channel.platform();
            let Some((low, high)) = platform.image_aspect() else {
                continue;
            };
            for m in media_for(post, channel) {
                let size = *sizes.entry(m.file.value.as_str()).or_insert_with(|| {
                    let path = locate(cx.root, &m.file.value).ok()?;
                    let size = imagesize::size(path).ok()?;
                    Some((size.width, size.height))
                });
                let Some((w, h)) = size.filter(|(w, h)| *w > 0 && *h > 0) else {
                    continue;
                };
                let ratio = w as f64 / h as f64;
                // Meta's bounds, with room for rounding (1080×1350 is 0.8).
                if ratio >= low - 0.001 && ratio <= high + 0.001 {
                    continue;
                }
                out.push(
                    cfg.finding(
                        RULE.meta.id,
                        post.delivery_subject(&channel.name),
                        post.file,
                        m.file.loc,
                        format!(
                            "`{}` is {w}×{h} (aspect {ratio:.2}:1); {platform} publishes images from 4:5 (0.8) to 1.91:1, so {} would refuse it",
                            m.file.value, channel.name
                        ),
                    )
                    .with_help(format!(
                        "crop it to between 4:5 and 1.91:1 (1080×1350, 1080×1080 or 1080×566), or give {} a variant with another image",
                        channel.name
                    )),
                );
            }
        }
    }
}
