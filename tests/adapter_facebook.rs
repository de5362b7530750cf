//! The Facebook Page adapter against a local server that follows the Graph
//! API's contract (tests/support/facebook.rs): posts with a link or photos
//! (uploaded unpublished, alt text, attached), threads as comments,
//! retraction, the look-up after an HTTP 500 with code 2 that made the
//! post, duplicates, a refused token, and throttling by the usage headers.

mod support;

use std::time::Duration;

use postcal::adapters::{Adapter, ErrorKind, MediaItem, Remote};
use support::facebook::{self, PAGE_ID, TOKEN};
use support::{Behaviour, Fake};

fn adapter_for(fake: &Fake, extra: &str) -> (tempfile::TempDir, Box<dyn Adapter>) {
    let ws = support::workspace(&[("fb", "facebook", fake)]);
    if !extra.is_empty() {
        let config = std::fs::read_to_string(ws.path().join("postcal.yaml")).unwrap();
        std::fs::write(
            ws.path().join("postcal.yaml"),
            format!("{config}    {extra}\n"),
        )
        .unwrap();
    }
    let adapter = support::adapter(ws.path(), "fb", &fake.env);
    (ws, adapter)
}

fn now() -> chrono::DateTime<chrono::Utc> {
    support::part("", "").now
}

/// A fake Page whose clock reads the parts' `now`.
fn start(behaviour: Behaviour) -> (Fake, facebook::Graph) {
    let (fake, graph) = facebook::start_with(behaviour);
    graph.set_clock(now());
    (fake, graph)
}

/// Every request carried the token in its `Authorization` header, and
/// none in its URL or body.
fn token_only_in_headers(fake: &Fake) {
    for r in fake.requests() {
        assert_eq!(
            r.headers.get("authorization").map(String::as_str),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} {}",
            r.method,
            r.path
        );
        assert!(!r.query.contains(TOKEN) && !r.body_text().contains(TOKEN));
    }
}

#[test]
fn a_post_with_a_link_and_its_thread_as_comments() {
    let (fake, graph) = start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter_for(&fake, "");
    let root = adapter
        .post(&support::part(
            "New blend https://lumen.example/b?utm_source=facebook",
            "k0",
        ))
        .unwrap();
    assert!(root.id.starts_with(&format!("{PAGE_ID}_")), "{root:?}");
    let number = root.id.split_once('_').unwrap().1;
    assert_eq!(
        root.url.as_deref(),
        Some(format!("https://www.facebook.com/{PAGE_ID}/posts/{number}").as_str())
    );
    let mut second = support::part("Doors open at 9.", "k1");
    second.index = 1;
    second.root = Some(&root);
    second.reply_to = Some(&root);
    let comment = adapter.post(&second).unwrap();
    let mut third = support::part("See you there.", "k2");
    third.index = 2;
    third.root = Some(&root);
    third.reply_to = Some(&comment);
    adapter.post(&third).unwrap();

    let feed = &fake.requests_to("/feed")[0];
    assert_eq!(
        feed.path,
        format!("/v23.0/{PAGE_ID}/feed"),
        "the default version"
    );
    let form = feed.form();
    assert!(form.contains(&(
        "link".into(),
        "https://lumen.example/b?utm_source=facebook".into()
    )));
    let comments = graph.comments();
    assert_eq!(comments.len(), 2);
    for (c, text) in comments.iter().zip(["Doors open at 9.", "See you there."]) {
        assert_eq!(
            c["post"],
            root.id.as_str(),
            "each follow-up comments on the post"
        );
        assert_eq!(c["message"], text);
    }
    assert!(
        comment.url.as_deref().unwrap().contains("?comment_id="),
        "{comment:?}"
    );
    token_only_in_headers(&fake);
}

#[test]
fn photos_go_up_unpublished_with_their_alt_text_then_one_post_attaches_them() {
    let (fake, graph) = start(Behaviour::Ok);
    let (ws, mut adapter) = adapter_for(&fake, "");
    let png = support::png::png(2, 2);
    let media: Vec<MediaItem> = ["a.png", "b.png"]
        .iter()
        .map(|name| {
            std::fs::write(ws.path().join(name), &png).unwrap();
            MediaItem {
                path: ws.path().join(name),
                name: (*name).into(),
                alt: Some(format!("Alt for {name}")),
            }
        })
        .collect();
    let mut part = support::part("Two cups https://lumen.example/c", "k0");
    part.media = &media;
    let remote = adapter.post(&part).unwrap();
    let mut photos = graph.photos();
    photos.sort();
    assert_eq!(
        photos,
        [
            (Some("Alt for a.png".into()), false, Some(remote.id.clone())),
            (Some("Alt for b.png".into()), false, Some(remote.id.clone())),
        ]
    );
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1, "the photos are not posts of their own");
    assert_eq!(posts[0]["attached_media"].as_array().unwrap().len(), 2);
    assert!(
        posts[0].get("link").is_none(),
        "a post with photos carries no link preview"
    );
    token_only_in_headers(&fake);
}

#[test]
fn an_unclear_photo_upload_is_tried_again_since_nothing_shows() {
    let (fake, graph) = start(Behaviour::Ok);
    let (ws, mut adapter) = adapter_for(&fake, "");
    std::fs::write(ws.path().join("a.png"), support::png::png(2, 2)).unwrap();
    let media = [MediaItem {
        path: ws.path().join("a.png"),
        name: "a.png".into(),
        alt: None,
    }];
    let mut part = support::part("A cup", "k0");
    part.media = &media;
    graph.fail_uploads(1);
    let e = adapter.post(&part).unwrap_err();
    assert!(e.is_transient(), "no post exists yet: {e:?}");
    assert!((fake.posts)().is_empty());
    adapter.post(&part).unwrap();
    assert_eq!((fake.posts)().len(), 1);
    let attached: Vec<bool> = graph.photos().iter().map(|p| p.2.is_some()).collect();
    assert_eq!(attached.iter().filter(|a| **a).count(), 1, "{attached:?}");
    assert_eq!(
        attached.len(),
        2,
        "the first stays unpublished, shown nowhere"
    );
}

#[test]
fn a_500_with_code_2_that_made_the_post_is_found_by_looking_it_up() {
    let (fake, _graph) = start(Behaviour::CommitThenFail(500));
    let (_ws, mut adapter) = adapter_for(&fake, "");
    let part = support::part("Winter Blend is here", "k0");
    let error = adapter.post(&part).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Ambiguous, "{error:?}");
    assert_eq!(error.code.as_deref(), Some("2"));
    let found = adapter.lookup(&part, now()).unwrap().expect("it exists");
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["id"], found.id.as_str());
    assert_eq!(fake.create_requests(), 1, "nothing was sent again");
}

#[test]
fn a_look_up_matches_the_message_and_only_since_the_attempt() {
    let (fake, graph) = start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter_for(&fake, "");
    let at = now();
    // The same text went out a day earlier.
    graph.set_clock(at - chrono::Duration::days(1));
    adapter.post(&support::part("Same words", "old")).unwrap();
    graph.set_clock(at);
    let part = support::part("Same words", "k0");
    assert_eq!(
        adapter.lookup(&part, at).unwrap(),
        None,
        "yesterday's copy is not it"
    );
    adapter.post(&support::part("Other words", "k9")).unwrap();
    graph.visitor_post("Same words");
    assert_eq!(
        adapter.lookup(&part, at).unwrap(),
        None,
        "not the Page's own"
    );
    let made = adapter.post(&part).unwrap();
    assert_eq!(adapter.lookup(&part, at).unwrap(), Some(made.clone()));

    // A follow-up is looked for among the post's comments.
    let mut reply = support::part("Later words", "k1");
    reply.index = 1;
    reply.root = Some(&made);
    assert_eq!(adapter.lookup(&reply, at).unwrap(), None);
    let comment = adapter.post(&reply).unwrap();
    assert_eq!(adapter.lookup(&reply, at).unwrap(), Some(comment));
    assert!(
        fake.requests_to("/comments")
            .iter()
            .any(|r| r.method == "GET")
    );

    // A post of photos alone cannot be told apart: it is left to a person.
    let e = adapter.lookup(&support::part("", "k2"), at).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
}

#[test]
fn a_duplicate_refusal_is_settled_by_the_copy_on_the_page() {
    let (fake, graph) = start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter_for(&fake, "");
    let part = support::part("Once only", "k0");
    let first = adapter.post(&part).unwrap();
    graph.refuse_next(506);
    assert_eq!(
        adapter.post(&part).unwrap(),
        first,
        "the copy there is the post"
    );
    assert_eq!((fake.create_requests(), fake.created()), (2, 1));

    // 368 while nothing like it is there: refused, and never sent blindly.
    graph.refuse_next(368);
    let e = adapter
        .post(&support::part("Never posted", "k1"))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permanent, "{e:?}");
    assert_eq!(e.code.as_deref(), Some("368"));
    assert!(e.message.contains("nothing was posted"), "{}", e.message);
    assert_eq!(fake.created(), 1);
}

#[test]
fn a_refused_token_is_permanent_and_points_at_doctor() {
    let (fake, _graph) = start(Behaviour::Ok);
    let ws = support::workspace(&[("fb", "facebook", &fake)]);
    let env = [(
        "FAKE_FACEBOOK_TOKEN".to_owned(),
        "EAAGwrongTOKEN0000".to_owned(),
    )]
    .into();
    let mut adapter = support::adapter(ws.path(), "fb", &env);
    let e = adapter.post(&support::part("Hello", "k0")).unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::Permanent, Some(400)));
    assert_eq!(e.code.as_deref(), Some("190"));
    assert!(e.message.contains("postcal doctor"), "{}", e.message);
    assert!(!e.message.contains("EAAGwrongTOKEN0000"));
    assert!(adapter.check().is_err());
    let mut good = support::adapter(ws.path(), "fb", &fake.env);
    let who = good.check().unwrap();
    assert!(
        who.contains("Lumen Coffee") && who.contains(PAGE_ID),
        "{who}"
    );
    let page = fake
        .requests()
        .into_iter()
        .rfind(|r| r.path == format!("/v23.0/{PAGE_ID}"))
        .unwrap();
    assert_eq!(page.query, "fields=id%2Cname");
}

#[test]
fn graph_throttling_waits_as_the_usage_headers_say_and_holds_off_until_then() {
    let (fake, graph) = start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter_for(&fake, "");
    graph.throttle(32, 3, 1);
    let e = adapter.post(&support::part("Busy", "k0")).unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Transient {
            retry_after: Some(Duration::from_secs(180))
        },
        "{e:?}"
    );
    assert_eq!(e.status, Some(400), "Graph throttles with a 400");
    // Until then, nothing is sent.
    let sent = fake.requests().len();
    let again = adapter.post(&support::part("Busy", "k0")).unwrap_err();
    let ErrorKind::Transient {
        retry_after: Some(wait),
    } = again.kind
    else {
        panic!("{again:?}")
    };
    assert!(wait > Duration::from_secs(170), "{wait:?}");
    assert_eq!(fake.requests().len(), sent, "held off without a request");
    assert_eq!(fake.created(), 0);

    for code in [4, 17, 613] {
        let (fake, graph) = start(Behaviour::Ok);
        let (_ws, mut adapter) = adapter_for(&fake, "");
        graph.throttle(code, 1, 1);
        let e = adapter.post(&support::part("Busy", "k0")).unwrap_err();
        assert!(
            matches!(e.kind, ErrorKind::Transient { retry_after: Some(w) } if w == Duration::from_secs(60)),
            "{code}: {e:?}"
        );
    }
}

#[test]
fn usage_at_the_limit_on_a_success_holds_the_next_request() {
    let (fake, graph) = start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter_for(&fake, "");
    graph.set_usage(100, 2);
    adapter.post(&support::part("Just in", "k0")).unwrap();
    let sent = fake.requests().len();
    let e = adapter.post(&support::part("Next", "k1")).unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::Transient { retry_after: Some(w) } if w > Duration::from_secs(100)),
        "{e:?}"
    );
    assert_eq!(fake.requests().len(), sent);
}

#[test]
fn retraction_deletes_comments_and_post_and_a_second_delete_finds_them_gone() {
    let (fake, _graph) = start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter_for(&fake, "graph_version: v21.0");
    let root = adapter.post(&support::part("Oops", "k0")).unwrap();
    let mut reply = support::part("More oops", "k1");
    reply.index = 1;
    reply.root = Some(&root);
    let comment = adapter.post(&reply).unwrap();
    assert_eq!((fake.posts)().len(), 2);
    let t = now();
    adapter.delete(&comment, t, t).unwrap();
    adapter.delete(&root, t, t).unwrap();
    assert!((fake.posts)().is_empty());
    adapter.delete(&root, t, t).unwrap();
    let deletes = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 3);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path.starts_with("/v21.0/")),
        "the channel's graph_version"
    );
    let bogus = Remote {
        id: "../../me".into(),
        url: None,
    };
    assert_eq!(
        adapter.delete(&bogus, t, t).unwrap_err().kind,
        ErrorKind::Permanent
    );
}

#[test]
fn an_address_names_the_post_for_mark_published() {
    let (fake, _graph) = start(Behaviour::Ok);
    let ws = support::workspace(&[("fb", "facebook", &fake)]);
    let loaded =
        postcal::calendar::load(ws.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let channel = loaded.config.channels.get("fb").unwrap();
    let id = |url: &str| postcal::adapters::remote_id::from_url(channel, url);
    let post = format!("{PAGE_ID}_1000000000042");
    for url in [
        format!("https://www.facebook.com/{PAGE_ID}/posts/1000000000042"),
        format!("https://www.facebook.com/permalink.php?story_fbid=1000000000042&id={PAGE_ID}"),
        format!("https://m.facebook.com/{post}"),
    ] {
        assert_eq!(id(&url).as_deref(), Ok(post.as_str()), "{url}");
    }
    assert_eq!(
        id(&format!(
            "https://www.facebook.com/{PAGE_ID}/posts/1000000000042?comment_id=77"
        ))
        .as_deref(),
        Ok("1000000000042_77")
    );
    for bad in [
        "https://www.facebook.com/lumencoffee/posts/pfbid02abc",
        "https://www.facebook.com/999/posts/1000000000042",
        "https://evil.example/104857600123/posts/1",
    ] {
        assert!(id(bad).is_err(), "{bad}");
    }
    assert!(postcal::adapters::remote_id::looks_like_id(channel, &post));
    assert!(!postcal::adapters::remote_id::looks_like_id(channel, "42"));
}

/// `postcal publish` (the binary) on the workspace at `root`, at `now`.
fn publish(root: &std::path::Path, fake: &Fake, now: &str) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("postcal")
        .unwrap()
        .env_remove("POSTCAL_FREEZE")
        .envs(&fake.env)
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(["publish", "--format", "json", "--now", now])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn publish_settles_a_500_with_code_2_by_the_feed_then_retracts_the_thread() {
    let (fake, graph) = start(Behaviour::Ok);
    let now = "2026-12-01T10:00:00+01:00";
    graph.set_clock(chrono::DateTime::parse_from_rfc3339(now).unwrap().into());
    fake.control
        .plan("Winter Blend is here", [Behaviour::CommitThenFail(500)]);
    let ws = support::workspace(&[("fb", "facebook", &fake)]);
    let post = "posts:\n  - id: launch\n    at: 2026-12-01 09:50\n    status: STATUS\n    channels: [fb]\n    text: Winter Blend is here\n    thread: [Doors open at 9.]\n";
    let calendar = ws.path().join("calendars/c.yaml");
    std::fs::write(&calendar, post.replace("STATUS", "approved")).unwrap();
    let (code, out) = publish(ws.path(), &fake, now);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"published\""), "{out}");
    assert_eq!(
        fake.create_requests_for("Winter Blend is here"),
        1,
        "found in the feed after the 500, not sent again"
    );
    assert_eq!((fake.posts)().len(), 2, "the post and its comment");

    std::fs::write(&calendar, post.replace("STATUS", "retracted")).unwrap();
    let (code, out) = publish(ws.path(), &fake, "2026-12-01T10:30:00+01:00");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"retracted\""), "{out}");
    assert!((fake.posts)().is_empty(), "post and comment deleted");
}

#[test]
fn a_facebook_channel_is_checked_when_the_workspace_loads() {
    let dir = tempfile::tempdir().unwrap();
    let config = "timezone: UTC\nchannels:
  ok:
    platform: facebook
    page_id: 104857600123
    page_token: env:FB_TOKEN
  named:
    platform: facebook
    page_id: lumencoffee
    page_token: env:FB_TOKEN
    graph_version: \"23\"
  pasted:
    platform: facebook
    page_id: \"1\"
    page_token: EAAGpastedSECRETtoken
    token: env:OTHER
  bare:
    platform: facebook
    page_id: \"1\"
";
    std::fs::write(dir.path().join("postcal.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    let ws = postcal::calendar::load(dir.path(), "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let findings: Vec<(u32, String)> =
        postcal::validate::validate(&ws, now(), &postcal::validate::PublishedSet::new())
            .into_iter()
            .map(|f| (f.loc.line, f.message))
            .collect();
    let expect = |line: u32, text: &str| {
        assert!(
            findings.iter().any(|(l, m)| *l == line && m.contains(text)),
            "line {line}: `{text}` in {findings:?}"
        );
    };
    expect(9, "`lumencoffee` is not a Facebook Page id");
    expect(11, "`23` is not a Graph API version");
    expect(15, "`page_token` of channel `pasted` holds a value");
    expect(16, "`token` is not a field of a facebook channel");
    expect(18, "channel `bare` has no `page_token`");
    assert!(
        findings.iter().all(|(_, m)| !m.contains("EAAGpasted")),
        "{findings:?}"
    );
    assert!(
        ws.config.channels.get("ok").is_some(),
        "a numeric id is fine"
    );
    assert_eq!(findings.len(), 5, "{findings:?}");
}
