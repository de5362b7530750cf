//! The platform's own id for a post, read from the address people see it
//! at (`publish --mark-published --url`), and the shape a recorded id must
//! have before a delete may trust the platform's "not found". No network:
//! the URL alone must say it, or it is refused.

use crate::calendar::{ChannelKind, ChatId, channel::Channel};

/// The id postcal records for a post at `url` on `channel`, or why it
/// cannot read one.
pub fn from_url(channel: &Channel, url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let segments: Vec<&str> = parsed
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let host = parsed.host_str().unwrap_or("");
    match &channel.kind {
        ChannelKind::Mastodon(m) => {
            let instance = url::Url::parse(&m.instance).ok();
            let own = instance.as_ref().and_then(|i| i.host_str()).unwrap_or("");
            if !host.eq_ignore_ascii_case(own) {
                return Err(format!(
                    "`{url}` is not on {own}: each instance numbers statuses its own way, so open the post on {own} and give that address"
                ));
            }
            // /@user/ID, /@user@remote/ID, /users/user/statuses/ID
            match segments.as_slice() {
                [user, id] if user.starts_with('@') && is_number(id) => Ok((*id).to_owned()),
                ["users", _, "statuses", id] if is_number(id) => Ok((*id).to_owned()),
                _ => Err(format!(
                    "`{url}` is not a Mastodon status address (https://{own}/@user/ID)"
                )),
            }
        }
        ChannelKind::Bluesky(b) => {
            if let Some(rest) = url.trim().strip_prefix("at://") {
                return match rest.split('/').collect::<Vec<_>>().as_slice() {
                    [repo, "app.bsky.feed.post", rkey] if !repo.is_empty() && is_rkey(rkey) => {
                        Ok(url.trim().to_owned())
                    }
                    _ => Err(format!("`{url}` is not a Bluesky post URI")),
                };
            }
            match segments.as_slice() {
                ["profile", who, "post", rkey] if is_rkey(rkey) => {
                    let who = who.trim_start_matches('@');
                    if !(who.eq_ignore_ascii_case(&b.handle) || who.starts_with("did:")) {
                        return Err(format!(
                            "`{url}` is a post of {who}, not of this channel's account {}",
                            b.handle
                        ));
                    }
                    Ok(format!("at://{who}/app.bsky.feed.post/{rkey}"))
                }
                _ => Err(format!(
                    "`{url}` is not a Bluesky post address (https://bsky.app/profile/HANDLE/post/ID)"
                )),
            }
        }
        ChannelKind::Discord(_) => match segments.as_slice() {
            ["channels", guild, channel, message]
                if host.ends_with("discord.com")
                    && is_number(guild)
                    && is_number(channel)
                    && is_number(message) =>
            {
                Ok((*message).to_owned())
            }
            _ => Err(format!(
                "`{url}` is not a Discord message link (https://discord.com/channels/SERVER/CHANNEL/MESSAGE: right-click the message, Copy Message Link)"
            )),
        },
        ChannelKind::Telegram(t) => {
            let chat_matches = |name: &str| match &t.chat_id {
                ChatId::Name(n) => n.trim_start_matches('@').eq_ignore_ascii_case(name),
                ChatId::Number(n) => {
                    // t.me/c/<id> shows a supergroup's id without its -100.
                    let digits = n.to_string();
                    digits.trim_start_matches("-100") == name
                }
            };
            match segments.as_slice() {
                ["c", chat, id] | [chat, id] if host == "t.me" && is_number(id) => {
                    if chat_matches(chat) {
                        Ok((*id).to_owned())
                    } else {
                        Err(format!(
                            "`{url}` is a message of another chat than this channel's `{}`",
                            t.chat_id
                        ))
                    }
                }
                _ => Err(format!(
                    "`{url}` is not a Telegram message link (https://t.me/CHANNEL/ID)"
                )),
            }
        }
        ChannelKind::Facebook(f) => super::facebook::id_from_url(&f.page_id, &parsed, url),
        ChannelKind::X(_) => {
            let host = host
                .trim_start_matches("www.")
                .trim_start_matches("mobile.");
            let on_x =
                host.eq_ignore_ascii_case("x.com") || host.eq_ignore_ascii_case("twitter.com");
            match segments.as_slice() {
                // /USER/status/ID, /i/web/status/ID, /i/status/ID, and a
                // photo's /USER/status/ID/photo/1.
                [_, "status", id, ..] | ["i", "web", "status", id, ..] if on_x && is_number(id) => {
                    Ok((*id).to_owned())
                }
                _ => Err(format!(
                    "`{url}` is not an X post address (https://x.com/USER/status/ID)"
                )),
            }
        }
        ChannelKind::Slack(_) | ChannelKind::Webhook(_) => Err(format!(
            "a {} channel has no message addresses postcal can read; record it without --url (or give --remote-id)",
            channel.platform()
        )),
        ChannelKind::Linkedin(_) => linkedin_from_url(url.trim(), &parsed, &segments),
        // threads.net/@user/post/CODE shows a shortcode, not the media id
        // the API deletes and reads by.
        ChannelKind::Threads(_) => Err(format!(
            "`{url}` shows the post's short code, not its Threads media id: give `--remote-id ID` instead (the post's `id` in GET https://graph.threads.net/v1.0/me/threads?fields=id,permalink)"
        )),
        // instagram.com/p/CODE/ (or /reel/CODE/) shows a shortcode too.
        ChannelKind::Instagram(_) => Err(format!(
            "`{url}` shows the post's short code, not its Instagram media id: give `--remote-id ID` instead (the post's `id` in GET /{{user_id}}/media?fields=id,permalink)"
        )),
    }
}

/// LinkedIn: `https://www.linkedin.com/feed/update/URN/` (a comment's
/// address adds `?commentUrn=…`), or the URN itself.
fn linkedin_from_url(url: &str, parsed: &url::Url, segments: &[&str]) -> Result<String, String> {
    if url.starts_with("urn:") {
        return linkedin_urn(url)
            .map(str::to_owned)
            .ok_or_else(|| format!("`{url}` is not a LinkedIn post or comment URN"));
    }
    let comment = parsed
        .query_pairs()
        .find(|(k, _)| k == "commentUrn")
        .map(|(_, v)| v.into_owned());
    match (segments, comment) {
        (["feed", "update", _], Some(c)) if linkedin_urn(&c).is_some() => Ok(c),
        (["feed", "update", urn], None) if linkedin_urn(urn).is_some() => Ok((*urn).to_owned()),
        (["feed", "update", urn], None) if urn.starts_with("urn:li:activity:") => Err(format!(
            "`{url}` names the feed activity, not the post: give the post's URN (urn:li:share:… or urn:li:ugcPost:…) with --remote-id"
        )),
        _ => Err(format!(
            "`{url}` is not a LinkedIn post address (https://www.linkedin.com/feed/update/urn:li:share:ID/)"
        )),
    }
}

/// `urn` if it is a post (`urn:li:share:N`, `urn:li:ugcPost:N`) or comment
/// (`urn:li:comment:(…,N)`) URN.
fn linkedin_urn(urn: &str) -> Option<&str> {
    let post = ["urn:li:share:", "urn:li:ugcPost:"]
        .iter()
        .any(|p| urn.strip_prefix(p).is_some_and(is_number));
    let comment = urn
        .strip_prefix("urn:li:comment:(urn:li:")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|rest| rest.rsplit_once(','))
        .is_some_and(|(_, id)| is_number(id));
    (post || comment).then_some(urn)
}

/// Whether `id` has the shape of this platform's post ids, so that a
/// delete's "not found" can be trusted to mean the post is gone.
pub fn looks_like_id(channel: &Channel, id: &str) -> bool {
    match &channel.kind {
        ChannelKind::Mastodon(_)
        | ChannelKind::Discord(_)
        | ChannelKind::Telegram(_)
        | ChannelKind::X(_)
        | ChannelKind::Threads(_)
        | ChannelKind::Instagram(_) => is_number(id),
        ChannelKind::Bluesky(_) => id.starts_with("at://") && id.matches('/').count() == 4,
        ChannelKind::Facebook(_) => id
            .split_once('_')
            .is_some_and(|(a, b)| is_number(a) && is_number(b)),
        ChannelKind::Slack(_) | ChannelKind::Webhook(_) => !id.is_empty(),
        ChannelKind::Linkedin(_) => linkedin_urn(id).is_some(),
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_rkey(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::channel::{Bluesky, Discord, Mastodon, SecretRef, Slack, Telegram, X};
    use crate::calendar::{ChannelKind, OnAmbiguous};

    fn channel(kind: ChannelKind) -> Channel {
        Channel {
            name: "c".into(),
            loc: Default::default(),
            on_ambiguous: OnAmbiguous::Hold,
            kind,
        }
    }

    fn secret() -> SecretRef {
        SecretRef::Env("T".into())
    }

    #[test]
    fn mastodon_status_addresses() {
        let m = channel(ChannelKind::Mastodon(Mastodon {
            instance: "https://mastodon.social".into(),
            token: secret(),
            max_chars: None,
        }));
        assert_eq!(
            from_url(&m, "https://mastodon.social/@lumen/113456789012345678").unwrap(),
            "113456789012345678"
        );
        assert_eq!(
            from_url(&m, "https://mastodon.social/users/lumen/statuses/42").unwrap(),
            "42"
        );
        assert!(from_url(&m, "https://other.example/@lumen@mastodon.social/99").is_err());
        assert!(from_url(&m, "https://mastodon.social/@lumen").is_err());
        assert!(looks_like_id(&m, "113456789012345678"));
        assert!(!looks_like_id(&m, "https://mastodon.social/@lumen/1"));
    }

    #[test]
    fn bluesky_post_addresses() {
        let b = channel(ChannelKind::Bluesky(Bluesky {
            handle: "lumen.bsky.social".into(),
            app_password: secret(),
            service: "https://bsky.social".into(),
            appview: "https://public.api.bsky.app".into(),
        }));
        assert_eq!(
            from_url(
                &b,
                "https://bsky.app/profile/lumen.bsky.social/post/3lbqtk2zhoq2c"
            )
            .unwrap(),
            "at://lumen.bsky.social/app.bsky.feed.post/3lbqtk2zhoq2c"
        );
        assert_eq!(
            from_url(
                &b,
                "https://bsky.app/profile/did:plc:abc/post/3lbqtk2zhoq2c"
            )
            .unwrap(),
            "at://did:plc:abc/app.bsky.feed.post/3lbqtk2zhoq2c"
        );
        assert!(from_url(&b, "https://bsky.app/profile/someone.else/post/3lbq").is_err());
        assert!(looks_like_id(
            &b,
            "at://did:plc:abc/app.bsky.feed.post/3lbqtk2zhoq2c"
        ));
        assert!(!looks_like_id(&b, "https://bsky.app/profile/x/post/y"));
    }

    #[test]
    fn discord_and_telegram_links() {
        let d = channel(ChannelKind::Discord(Discord { webhook: secret() }));
        assert_eq!(
            from_url(&d, "https://discord.com/channels/1/2/1234567890").unwrap(),
            "1234567890"
        );
        assert!(from_url(&d, "https://discord.com/channels/1/2").is_err());
        let t = channel(ChannelKind::Telegram(Telegram {
            token: secret(),
            chat_id: ChatId::Name("@lumen_news".into()),
            api_base: "https://api.telegram.org".into(),
        }));
        assert_eq!(from_url(&t, "https://t.me/lumen_news/42").unwrap(), "42");
        assert!(from_url(&t, "https://t.me/other/42").is_err());
        let private = channel(ChannelKind::Telegram(Telegram {
            token: secret(),
            chat_id: ChatId::Number(-1001234567890),
            api_base: "https://api.telegram.org".into(),
        }));
        assert_eq!(
            from_url(&private, "https://t.me/c/1234567890/7").unwrap(),
            "7"
        );
        let s = channel(ChannelKind::Slack(Slack { webhook: secret() }));
        assert!(from_url(&s, "https://example.slack.com/archives/C1/p1").is_err());
    }

    #[test]
    fn linkedin_post_and_comment_addresses() {
        let l = channel(ChannelKind::Linkedin(crate::calendar::channel::Linkedin {
            author: crate::calendar::channel::LinkedinAuthor::Person("abc".into()),
            token: secret(),
            version: "202611".into(),
            api_base: "https://api.linkedin.com".into(),
            app: None,
            expires_at: None,
        }));
        assert_eq!(
            from_url(
                &l,
                "https://www.linkedin.com/feed/update/urn:li:share:7141138937766391808/"
            )
            .unwrap(),
            "urn:li:share:7141138937766391808"
        );
        assert_eq!(
            from_url(&l, "urn:li:ugcPost:42").unwrap(),
            "urn:li:ugcPost:42"
        );
        assert_eq!(
            from_url(
                &l,
                "https://www.linkedin.com/feed/update/urn:li:share:1/?commentUrn=urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A1%2C77%29"
            )
            .unwrap(),
            "urn:li:comment:(urn:li:share:1,77)"
        );
        let activity = from_url(
            &l,
            "https://www.linkedin.com/feed/update/urn:li:activity:9/",
        );
        assert!(activity.unwrap_err().contains("--remote-id"));
        assert!(from_url(&l, "https://www.linkedin.com/in/someone/").is_err());
        assert!(looks_like_id(&l, "urn:li:share:1"));
        assert!(looks_like_id(&l, "urn:li:comment:(urn:li:share:1,2)"));
        assert!(!looks_like_id(
            &l,
            "https://www.linkedin.com/feed/update/urn:li:share:1/"
        ));
    }

    #[test]
    fn x_post_addresses() {
        let x = channel(ChannelKind::X(X {
            api_key: secret(),
            api_secret: secret(),
            access_token: secret(),
            access_secret: secret(),
            api_base: "https://api.x.com".into(),
        }));
        for url in [
            "https://x.com/lumen/status/1880028106020515840",
            "https://twitter.com/lumen/status/1880028106020515840?s=20",
            "https://mobile.twitter.com/lumen/status/1880028106020515840",
            "https://x.com/i/web/status/1880028106020515840",
            "https://x.com/lumen/status/1880028106020515840/photo/1",
        ] {
            assert_eq!(from_url(&x, url).unwrap(), "1880028106020515840", "{url}");
        }
        assert!(from_url(&x, "https://x.com/lumen").is_err());
        assert!(from_url(&x, "https://example.com/lumen/status/1").is_err());
        assert!(from_url(&x, "https://x.com/lumen/status/abc").is_err());
        assert!(looks_like_id(&x, "1880028106020515840"));
        assert!(!looks_like_id(&x, "https://x.com/i/web/status/1"));
    }
}
