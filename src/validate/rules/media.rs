//! `media`: attachments exist inside the workspace and are of a type, size
//! and number the platform accepts.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path};

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::delivery::media_for;
use crate::diagnostic::RuleId;
use crate::platform::MediaSupport;
use crate::validate::{Context, Finding};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("media"),
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Media files exist inside the workspace (no `..`, no symlink out) and are a type, size and count the platform accepts; alt text fits the platform.",
        bad: "media:\n  - file: ../secrets/id_rsa",
        good: "media:\n  - file: media/launch.png\n    alt: The new blend's bag on a yellow background",
    },
    check: Some(Check::Posts(check)),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image,
    Video,
}

#[derive(Debug, Clone)]
struct Info {
    kind: Kind,
    mime: &'static str,
    bytes: u64,
}

/// The file at `rel` (relative to `root`), when it is a file inside the
/// workspace; else what is wrong and how to fix it.
pub fn locate(root: &Path, rel: &str) -> Result<std::path::PathBuf, (String, String)> {
    let path = Path::new(rel);
    if path.is_absolute()
        || path.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        })
    {
        return Err((
            format!("media path `{rel}` leaves the workspace"),
            "media paths are relative to the workspace root and stay inside it, e.g. `media/launch.png`".to_owned(),
        ));
    }
    let full = root.join(path);
    let canonical = full.canonicalize().map_err(|_| {
        (
            format!("media file `{rel}` does not exist"),
            "check the path: it is relative to the workspace root (where postcal.yaml is)"
                .to_owned(),
        )
    })?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !canonical.starts_with(&root) {
        return Err((
            format!("media file `{rel}` is a link to a file outside the workspace"),
            "copy the file into the workspace instead of linking to it".to_owned(),
        ));
    }
    let meta = std::fs::metadata(&canonical).map_err(|e| {
        (
            format!("cannot read media file `{rel}`: {e}"),
            "check its permissions".to_owned(),
        )
    })?;
    if !meta.is_file() {
        return Err((
            format!("media path `{rel}` is not a file"),
            "point `file:` at an image or video file".to_owned(),
        ));
    }
    Ok(canonical)
}

/// Inspect the file at `rel` (relative to `root`): where it is, what it is.
fn inspect(root: &Path, rel: &str) -> Result<Info, (String, String)> {
    let canonical = locate(root, rel)?;
    let meta = std::fs::metadata(&canonical).map_err(|e| {
        (
            format!("cannot read media file `{rel}`: {e}"),
            "check its permissions".to_owned(),
        )
    })?;
    let mut head = Vec::with_capacity(8192);
    std::fs::File::open(&canonical)
        .and_then(|f| f.take(8192).read_to_end(&mut head))
        .map_err(|e| {
            (
                format!("cannot read media file `{rel}`: {e}"),
                "check its permissions".to_owned(),
            )
        })?;
    let kind = infer::get(&head).and_then(|t| match t.matcher_type() {
        infer::MatcherType::Image => Some((Kind::Image, t.mime_type())),
        infer::MatcherType::Video => Some((Kind::Video, t.mime_type())),
        _ => None,
    });
    let Some((kind, mime)) = kind else {
        return Err((
            format!("media file `{rel}` is not an image or video postcal recognises"),
            "use PNG, JPEG, GIF or WebP images, or MP4/WebM/MOV video".to_owned(),
        ));
    };
    Ok(Info {
        kind,
        mime,
        bytes: meta.len(),
    })
}

fn check(cx: &Context<'_>, cfg: &RuleConfig, out: &mut Vec<Finding>) {
    let root = &cx.root;
    let mut cache: HashMap<&str, Result<Info, (String, String)>> = HashMap::new();
    let channels = &cx.config.channels;
    let deliveries = cx.posts.iter().flat_map(|post| {
        post.channels
            .iter()
            .filter_map(|c| channels.get(&c.value))
            .map(move |channel| (post, channel))
    });
    for (post, channel) in deliveries {
        let media = media_for(post, channel);
        if media.is_empty() {
            continue;
        }
        let rules = channel.platform().media_rules();
        let platform = channel.platform();
        let subject = post.delivery_subject(&channel.name);
        if !media.is_empty() && rules.accepts == MediaSupport::None {
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    subject.clone(),
                    post.file,
                    media[0].file.loc,
                    format!(
                        "{platform} cannot attach media, but `{}` has some for {}",
                        post.id.value, channel.name
                    ),
                )
                .with_help(format!(
                    "add `variants: {{ {}: {{ media: [] }} }}` to post it without media",
                    channel.name
                )),
            );
            continue;
        }
        if media.len() > rules.max_items {
            out.push(
                cfg.finding(
                    RULE.meta.id,
                    subject.clone(),
                    post.file,
                    media[rules.max_items].file.loc,
                    format!(
                        "{} media items for {}; {platform} takes at most {}",
                        media.len(),
                        channel.name,
                        rules.max_items
                    ),
                )
                .with_help("remove some, or give this channel a variant with fewer"),
            );
        }
        for m in media {
            let info = cache
                .entry(m.file.value.as_str())
                .or_insert_with(|| inspect(root, &m.file.value));
            let info = match info {
                Ok(info) => info,
                Err((message, help)) => {
                    out.push(
                        cfg.finding(
                            RULE.meta.id,
                            post.subject(),
                            post.file,
                            m.file.loc,
                            message.clone(),
                        )
                        .with_help(help.clone()),
                    );
                    continue;
                }
            };
            let at_item = |message: String, help: &str| {
                cfg.finding(
                    RULE.meta.id,
                    subject.clone(),
                    post.file,
                    m.file.loc,
                    message,
                )
                .with_help(help.to_owned())
            };
            let limit = match info.kind {
                Kind::Image => match platform.image_limit(info.mime) {
                    Some(image) => {
                        if image.alone && media.len() > 1 {
                            out.push(at_item(
                                format!(
                                    "{platform} takes `{}` only as the post's one attachment; {} has {}",
                                    info.mime,
                                    channel.name,
                                    media.len()
                                ),
                                "post it on its own, or give this channel a variant with only it",
                            ));
                        }
                        Some(image.max_bytes)
                    }
                    None => {
                        out.push(at_item(
                            format!(
                                "{platform} does not take {} images; {} would be refused",
                                info.mime, channel.name
                            ),
                            platform.image_types_help(),
                        ));
                        continue;
                    }
                },
                Kind::Video if !platform.takes_video_type(info.mime) => {
                    out.push(at_item(
                        format!(
                            "{platform} does not take {} video; {} would refuse it",
                            info.mime, channel.name
                        ),
                        "convert it to MP4 (H.264, AAC audio)",
                    ));
                    continue;
                }
                Kind::Video => rules.max_video_bytes,
            };
            match limit {
                None => out.push(
                    cfg.finding(
                        RULE.meta.id,
                        subject.clone(),
                        post.file,
                        m.file.loc,
                        format!(
                            "{platform} does not take video ({}) from postcal; {} would be refused",
                            info.mime, channel.name
                        ),
                    )
                    .with_help("attach an image for this channel, or a variant without it"),
                ),
                Some(max) if info.bytes > max => out.push(
                    cfg.finding(
                        RULE.meta.id,
                        subject.clone(),
                        post.file,
                        m.file.loc,
                        format!(
                            "`{}` is {} bytes; {platform} takes at most {max}",
                            m.file.value, info.bytes
                        ),
                    )
                    .with_help("compress or resize it"),
                ),
                _ => {}
            }
            if let (Some(alt), Some(max)) = (&m.alt, rules.max_alt_chars) {
                let chars = alt.value.chars().count();
                if chars > max {
                    out.push(
                        cfg.finding(
                            RULE.meta.id,
                            subject.clone(),
                            post.file,
                            alt.loc,
                            format!("alt text is {chars} characters; {platform} allows {max}"),
                        )
                        .with_help("shorten it: describe what matters in the image"),
                    );
                }
            }
        }
    }
}
