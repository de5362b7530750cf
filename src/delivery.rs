//! Deliveries: a post on one channel, rendered exactly as it will be posted
//! (variant chosen, UTM parameters appended, each thread part on its own) and
//! measured against the platform's limit.

use chrono::{DateTime, Utc};

use crate::calendar::{Channel, Config, Media, Post, Variant, Workspace};
use crate::diagnostic::{Loc, Located, Subject};
use crate::platform::{Length, count_text, http_links};

/// One rendered part of a delivery: the main text (part 0) or a thread follow-up.
#[derive(Debug, Clone)]
pub struct RenderedPart {
    pub text: String,
    /// Where its text is written (the post's, or a variant's).
    pub loc: Loc,
    pub length: Length,
}

#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    pub post: &'a Post,
    pub channel: &'a Channel,
    pub at: DateTime<Utc>,
    /// Part 0 is the post itself; the rest are its thread, in order.
    pub parts: Vec<RenderedPart>,
    pub media: &'a [Media],
    pub cw: Option<&'a str>,
}

impl Delivery<'_> {
    /// `post-id@channel`, as deliveries are named in output and the ledger.
    pub fn key(&self) -> String {
        format!("{}@{}", self.post.id.value, self.channel.name)
    }

    /// What a finding about this delivery is about.
    pub fn subject(&self) -> Subject {
        self.post.delivery_subject(&self.channel.name)
    }

    pub fn text(&self) -> &str {
        &self.parts[0].text
    }

    /// The length to show for the whole delivery: the first part over its
    /// limit, else the first part's.
    pub fn worst_length(&self) -> Length {
        self.parts
            .iter()
            .map(|p| p.length)
            .find(Length::is_over)
            .unwrap_or(self.parts[0].length)
    }
}

/// The deliveries due in `[from, to)`, in time order; only posts in the
/// window are rendered.
pub fn between(ws: &Workspace, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Delivery<'_>> {
    let mut out: Vec<Delivery<'_>> = ws
        .posts
        .iter()
        .filter(|p| p.at.is_some_and(|at| at >= from && at < to))
        .flat_map(|post| of_post(post, &ws.config))
        .collect();
    sort(&mut out);
    out
}

fn sort(deliveries: &mut [Delivery<'_>]) {
    deliveries.sort_by(|a, b| {
        (a.at, &a.post.id.value, &a.channel.name).cmp(&(b.at, &b.post.id.value, &b.channel.name))
    });
}

/// The deliveries of one post, one per known channel.
pub fn of_post<'a>(post: &'a Post, config: &'a Config) -> Vec<Delivery<'a>> {
    let Some(at) = post.at else { return Vec::new() };
    post.channels
        .iter()
        .filter_map(|name| config.channels.get(&name.value))
        .map(|channel| render(post, channel, at, config))
        .collect()
}

/// A queued post's deliveries before the queue gives it a time, for the
/// checks that do not depend on time (length, text, approval): rendered as
/// if at the Unix epoch, which nothing else sees.
pub fn unplaced<'a>(post: &'a Post, config: &'a Config) -> Vec<Delivery<'a>> {
    if post.queue.is_none() || post.at.is_some() {
        return Vec::new();
    }
    post.channels
        .iter()
        .filter_map(|name| config.channels.get(&name.value))
        .map(|channel| render(post, channel, DateTime::<Utc>::UNIX_EPOCH, config))
        .collect()
}

/// The delivery of `post` on `channel`, if the post has a time.
pub fn on_channel<'a>(
    post: &'a Post,
    channel: &'a Channel,
    config: &Config,
) -> Option<Delivery<'a>> {
    post.at.map(|at| render(post, channel, at, config))
}

/// The variant of `post` that applies on `channel`: one named after the
/// channel wins over one named after its platform.
pub fn variant_for<'a>(post: &'a Post, channel: &Channel) -> Option<&'a Variant> {
    post.variants
        .iter()
        .find(|(key, _)| key.value == channel.name)
        .or_else(|| {
            post.variants
                .iter()
                .find(|(key, _)| key.value == channel.platform().name())
        })
        .map(|(_, v)| v)
}

/// The media a delivery of `post` on `channel` attaches.
pub fn media_for<'a>(post: &'a Post, channel: &Channel) -> &'a [Media] {
    variant_for(post, channel)
        .and_then(|v| v.media.as_deref())
        .unwrap_or(&post.media)
}

fn render<'a>(
    post: &'a Post,
    channel: &'a Channel,
    at: DateTime<Utc>,
    config: &Config,
) -> Delivery<'a> {
    let variant = variant_for(post, channel);
    let text = variant.and_then(|v| v.text.as_ref()).or(post.text.as_ref());
    let thread: &[Located<String>] = variant
        .and_then(|v| v.thread.as_deref())
        .unwrap_or(&post.thread);
    let media = media_for(post, channel);
    // Only platforms with a content-warning field get one; `cw-unsupported`
    // warns about the others.
    let cw = variant
        .and_then(|v| v.cw.as_ref())
        .or(post.cw())
        .map(|c| c.value.as_str())
        .filter(|_| channel.platform().supports_cw());

    let decorate = |s: &str| append_utm(s, &config.utm, post, channel);
    let main_text = text
        .map(|t| decorate(t.value.trim_end()))
        .unwrap_or_default();
    let main_loc = text.map_or(post.loc, |t| t.loc);
    let mut parts = vec![RenderedPart {
        length: count_text(
            channel.platform(),
            &main_text,
            cw,
            channel.max_chars(),
            !media.is_empty(),
        ),
        text: main_text,
        loc: main_loc,
    }];
    parts.extend(thread.iter().map(|t| {
        let text = decorate(t.value.trim_end());
        RenderedPart {
            length: count_text(channel.platform(), &text, None, channel.max_chars(), false),
            text,
            loc: t.loc,
        }
    }));
    Delivery {
        post,
        channel,
        at,
        parts,
        media,
        cw,
    }
}

/// Append the workspace's UTM parameters to every http(s) link in `text`.
/// A parameter that expands to "" is left out; one the link already has is
/// kept as written.
pub fn append_utm(text: &str, utm: &[(String, String)], post: &Post, channel: &Channel) -> String {
    if utm.is_empty() {
        return text.to_owned();
    }
    let links: Vec<_> = http_links(text).collect();
    if links.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + links.len() * 64);
    let mut pos = 0;
    for range in links {
        out.push_str(&text[pos..range.start]);
        out.push_str(&decorate_link(&text[range.clone()], utm, post, channel));
        pos = range.end;
    }
    out.push_str(&text[pos..]);
    out
}

fn decorate_link(link: &str, utm: &[(String, String)], post: &Post, channel: &Channel) -> String {
    let (base, fragment) = match link.find('#') {
        Some(i) => (&link[..i], &link[i..]),
        None => (link, ""),
    };
    let existing: Vec<String> = base
        .split_once('?')
        .map(|(_, q)| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut out = base.to_owned();
    let mut sep = if base.contains('?') {
        if base.ends_with('?') || base.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    for (key, template) in utm {
        if existing.iter().any(|k| k == key) {
            continue;
        }
        let value = expand(template, post, channel);
        if value.is_empty() {
            continue;
        }
        out.push_str(sep);
        out.extend(url::form_urlencoded::byte_serialize(key.as_bytes()));
        out.push('=');
        out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        sep = "&";
    }
    out.push_str(fragment);
    out
}

fn expand(template: &str, post: &Post, channel: &Channel) -> String {
    template
        .replace("{platform}", channel.platform().name())
        .replace("{channel}", &channel.name)
        .replace("{campaign}", post.campaign.as_deref().unwrap_or(""))
        .replace("{post}", &post.id.value)
}
