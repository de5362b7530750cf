//! Calendar files, from raw YAML to [`Post`]s: defaults merged, zones applied,
//! times resolved.

use chrono_tz::Tz;

use super::model::{Config, Field, Inherited, Media, Post, PostExtra, Status, Variant};
use super::raw::{RawCalendar, RawDefaults, RawMedia, RawPost, RawVariant};
use crate::diagnostic::{FileId, Finding, Located, RuleId, Subject};
use crate::schedule::{parse_at, parse_duration};

/// The posts of one calendar file, appended to `posts`.
pub fn posts_of(
    cal: RawCalendar,
    file: FileId,
    config: &Config,
    posts: &mut Vec<Post>,
    findings: &mut Vec<Finding>,
) {
    let zone = match &cal.timezone {
        Some(name) => match crate::schedule::parse_zone(&name.value) {
            Ok(tz) => tz,
            Err(_) => {
                findings.push(super::config::unknown_zone(name, file, Subject::File(file)));
                // Times in this file cannot be read in the intended zone; they
                // are left unresolved rather than guessed.
                return skip_times(cal, file, config, posts, findings);
            }
        },
        None => config.timezone,
    };
    let campaign: Option<std::sync::Arc<str>> =
        cal.campaign.as_ref().map(|c| c.value.as_str().into());
    let defaults = cal.defaults.unwrap_or_default();
    for raw in cal.posts {
        resolve_post(
            raw,
            file,
            Some(zone),
            campaign.clone(),
            &defaults,
            config,
            posts,
            findings,
        );
    }
}

fn skip_times(
    cal: RawCalendar,
    file: FileId,
    config: &Config,
    posts: &mut Vec<Post>,
    findings: &mut Vec<Finding>,
) {
    let campaign: Option<std::sync::Arc<str>> =
        cal.campaign.as_ref().map(|c| c.value.as_str().into());
    let defaults = cal.defaults.unwrap_or_default();
    for raw in cal.posts {
        let from = posts.len();
        resolve_post(
            raw,
            file,
            None,
            campaign.clone(),
            &defaults,
            config,
            posts,
            findings,
        );
        for post in &mut posts[from..] {
            post.zone = config.timezone;
        }
    }
}

/// Resolve one post and append it to `posts`: itself, or its occurrences
/// up to the horizon when it repeats.
#[allow(clippy::too_many_arguments)]
fn resolve_post(
    raw: Located<RawPost>,
    file: FileId,
    zone: Option<Tz>,
    campaign: Option<std::sync::Arc<str>>,
    defaults: &RawDefaults,
    config: &Config,
    posts: &mut Vec<Post>,
    findings: &mut Vec<Finding>,
) {
    let mut p = raw.value;
    let repeat = p.repeat.take();
    let skip = p.skip.take();
    let queue = queued(&mut p, repeat.is_some(), defaults, file, config, findings);
    let Some(mut post) = resolve_one(
        Located::new(p, raw.loc),
        file,
        zone,
        campaign,
        defaults,
        queue.is_some(),
        findings,
    ) else {
        return;
    };
    post.queue = queue.map(|q| q.value.as_str().into());
    match repeat {
        Some(repeat) => posts.extend(super::series::expand(
            post,
            repeat,
            skip.unwrap_or_default(),
            config.horizon,
            findings,
        )),
        None => {
            if let Some(first) = skip.as_ref().and_then(|s| s.first()) {
                findings.push(
                    Finding::error(
                        RuleId::REPEAT,
                        Subject::Post(post.id.value.clone()),
                        file,
                        first.loc,
                        format!("`{}` has `skip:` but no `repeat:`", post.id.value),
                    )
                    .with_help(
                        "add `repeat: { every: 1w }` (or another rhythm), or remove `skip:`",
                    ),
                );
            }
            posts.push(post);
        }
    }
}

/// A post's `queue:`, checked (no `at`, no `repeat`, a known queue), its
/// channels defaulting to the queue's.
fn queued(
    p: &mut RawPost,
    repeats: bool,
    defaults: &RawDefaults,
    file: FileId,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<Located<String>> {
    let q = p.queue.take()?;
    let subject =
        p.id.as_ref()
            .map_or(Subject::Entry(file), |id| Subject::Post(id.value.clone()));
    let problem = |rule, message: String, help: String| {
        Finding::error(rule, subject.clone(), file, q.loc, message).with_help(help)
    };
    if let Some(at) = &p.at {
        findings.push(problem(
            RuleId::UNKNOWN_QUEUE,
            format!("a queued post has no `at` (this one has `{}`)", at.value),
            "remove `at` to let the queue place it, or remove `queue` to post it at that time"
                .to_owned(),
        ));
    } else if repeats {
        findings.push(problem(
            RuleId::UNKNOWN_QUEUE,
            "a queued post cannot repeat".to_owned(),
            "remove `repeat:` (with `recycle:`, a queue posts an item again)".to_owned(),
        ));
    }
    match config.queues.iter().find(|k| k.name == q.value) {
        None if config.unusable_queues.contains(&q.value) => findings.push(problem(
            RuleId::UNKNOWN_QUEUE,
            format!(
                "queue `{}` cannot be used: postcal.yaml has errors in it",
                q.value
            ),
            format!(
                "fix `queues.{}` in postcal.yaml (`postcal validate` lists what is wrong)",
                q.value
            ),
        )),
        None => {
            let names: Vec<&str> = config.queues.iter().map(|k| k.name.as_str()).collect();
            let help = match crate::diagnostic::did_you_mean(&q.value, &names) {
                Some(best) => format!("did you mean `{best}`?"),
                None if names.is_empty() => "declare it under `queues:` in postcal.yaml".to_owned(),
                None => format!("queues are: {}", names.join(", ")),
            };
            findings.push(problem(
                RuleId::UNKNOWN_QUEUE,
                format!("unknown queue `{}`", q.value),
                help,
            ));
        }
        // A queued post goes to its queue's channels unless it names its own.
        Some(known) if p.channels.is_none() && defaults.channels.is_none() => {
            let list = known
                .channels
                .iter()
                .map(|c| Located::new(c.clone(), q.loc))
                .collect();
            p.channels = Some(Located::new(list, q.loc));
        }
        Some(_) => {}
    }
    Some(q)
}

fn resolve_one(
    raw: Located<RawPost>,
    file: FileId,
    zone: Option<Tz>,
    campaign: Option<std::sync::Arc<str>>,
    defaults: &RawDefaults,
    queued: bool,
    findings: &mut Vec<Finding>,
) -> Option<Post> {
    let loc = raw.loc;
    let p = raw.value;
    let Some(id) = p.id else {
        findings.push(
            Finding::error(
                RuleId::MISSING_FIELD,
                Subject::Entry(file),
                file,
                loc,
                "post has no `id`",
            )
            .with_help("add `id: a-short-name` (lowercase letters, digits, `.`, `_`, `-`)"),
        );
        return None;
    };
    let post_subject = Subject::Post(id.value.clone());
    let mut inherited = Inherited::default();
    let mut pick = |own: bool, field: Field| {
        if !own {
            inherited.set(field);
        }
    };
    // The subject of a finding about `field`: the file when the value comes
    // from `defaults:`, which every post of the file shares.
    let subject_of = |own: bool| {
        if own {
            post_subject.clone()
        } else {
            Subject::File(file)
        }
    };
    let (at, at_loc) = match (&p.at, zone) {
        // The queue gives it its time.
        (None, _) if queued => (None, loc),
        (None, _) => {
            findings.push(
                Finding::error(
                    RuleId::MISSING_FIELD,
                    post_subject.clone(),
                    file,
                    loc,
                    format!("post `{}` has no `at`", id.value),
                )
                .with_help("add `at: YYYY-MM-DD HH:MM` (wall time in the file's timezone)"),
            );
            (None, loc)
        }
        (Some(at), None) => (None, at.loc),
        (Some(at), Some(zone)) => match parse_at(&at.value, zone) {
            Ok(t) => (Some(t), at.loc),
            Err(e) => {
                findings.push(
                    Finding::error(
                        RuleId::INVALID_TIME,
                        post_subject.clone(),
                        file,
                        at.loc,
                        e.to_string(),
                    )
                    .with_help(e.help()),
                );
                (None, at.loc)
            }
        },
    };
    pick(p.status.is_some(), Field::Status);
    let status = p.status.as_ref().or(defaults.status.as_ref());
    let own_channels = p.channels.is_some();
    pick(own_channels, Field::Channels);
    let channels = p.channels.as_ref().or(defaults.channels.as_ref());
    let channels = match channels {
        Some(list) => {
            if list.value.is_empty() {
                findings.push(
                    Finding::error(
                        RuleId::MISSING_FIELD,
                        subject_of(own_channels),
                        file,
                        list.loc,
                        format!("post `{}` goes to no channel", id.value),
                    )
                    .with_help("list at least one channel from postcal.yaml"),
                );
            }
            list.value.clone()
        }
        None => {
            findings.push(
                Finding::error(
                    RuleId::MISSING_FIELD,
                    post_subject.clone(),
                    file,
                    loc,
                    format!("post `{}` has no `channels`", id.value),
                )
                .with_help(
                    "add `channels: [...]` to the post, or to `defaults:` at the top of the file",
                ),
            );
            Vec::new()
        }
    };
    let own_catch_up = p.catch_up.is_some();
    pick(own_catch_up, Field::CatchUp);
    let catch_up_raw = p.catch_up.as_ref().or(defaults.catch_up.as_ref());
    let catch_up = catch_up_raw.and_then(|c| match parse_duration(&c.value) {
        Ok(d) => Some(d),
        Err(e) => {
            findings.push(
                Finding::error(
                    RuleId::CONFIG,
                    subject_of(own_catch_up),
                    file,
                    c.loc,
                    format!("`{}` is not a duration: {e}", c.value),
                )
                .with_help("write e.g. `30m` or `2h`"),
            );
            None
        }
    });
    let zone = zone.unwrap_or(chrono_tz::UTC);
    pick(p.language.is_some(), Field::Language);
    pick(p.cw.is_some(), Field::Cw);
    Some(Post {
        id,
        file,
        loc,
        at,
        at_loc,
        zone,
        status: status.map_or(Status::Draft, |s| s.value),
        text: p.text,
        channels: channels.into(),
        variants: p
            .variants
            .into_iter()
            .map(|(k, v)| (k, variant(v.value)))
            .collect(),
        media: media(p.media.unwrap_or_default()).into(),
        thread: p.thread.unwrap_or_default().into(),
        campaign: p
            .campaign
            .as_ref()
            .map(|c| c.value.as_str().into())
            .or(campaign),
        extra: PostExtra {
            cw: p.cw.or_else(|| defaults.cw.clone()),
            language: p.language.or_else(|| defaults.language.clone()),
            catch_up,
            owner: p.owner.or_else(|| defaults.owner.clone()),
            approved_by: p.approved_by.or_else(|| defaults.approved_by.clone()),
            tags: p.tags.or_else(|| defaults.tags.clone()).unwrap_or_default(),
            notes: p.notes,
        }
        .boxed(),
        inherited,
        series: None,
        queue: None,
    })
}

fn media(raw: Vec<RawMedia>) -> Vec<Media> {
    raw.into_iter()
        .map(|m| Media {
            file: m.file,
            alt: m.alt,
        })
        .collect()
}

fn variant(raw: RawVariant) -> Variant {
    Variant {
        text: raw.text,
        thread: raw.thread,
        media: raw.media.map(media),
        cw: raw.cw,
    }
}
