//! The Mastodon adapter against a local server that follows Mastodon's API.

mod support;

use postcal::adapters::{ErrorKind, MediaItem, Remote};
use support::{Behaviour, mastodon};

#[test]
fn posts_a_thread_with_media_cw_and_language() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    std::fs::write(
        ws.path().join("pic.png"),
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0],
    )
    .unwrap();
    let mut adapter = support::adapter(ws.path(), "m", &fake.env);
    let media = [MediaItem {
        path: ws.path().join("pic.png"),
        name: "pic.png".into(),
        alt: Some("A cup".into()),
    }];
    let mut first = support::part("Hello", "key-0");
    first.media = &media;
    first.cw = Some("Coffee");
    first.language = Some("en");
    let root = adapter.post(&first).unwrap();
    assert!(root.url.as_deref().unwrap().ends_with(&root.id));
    let mut second = support::part("And more", "key-1");
    second.reply_to = Some(&root);
    let reply = adapter.post(&second).unwrap();

    let posts = (fake.posts)();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0]["spoiler_text"], "Coffee");
    assert_eq!(posts[0]["language"], "en");
    assert_eq!(posts[0]["media_attachments"].as_array().unwrap().len(), 1);
    assert_eq!(posts[1]["in_reply_to_id"], root.id.as_str());
    assert_ne!(reply.id, root.id);
    let upload = &fake.requests_to("/api/v2/media")[0];
    assert!(
        upload.body_text().contains("A cup"),
        "alt text goes as `description`"
    );
    assert!(
        fake.requests_to("/api/v1/media/").len() >= 2,
        "polled until processed"
    );
    let status = &fake.requests_to("/api/v1/statuses")[0];
    assert_eq!(status.headers["idempotency-key"], "key-0");
}

#[test]
fn the_same_key_returns_the_same_status() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let mut adapter = support::adapter(ws.path(), "m", &fake.env);
    let a = adapter.post(&support::part("Once", "same")).unwrap();
    let b = adapter.post(&support::part("Once", "same")).unwrap();
    assert_eq!(a, b);
    assert_eq!((fake.posts)().len(), 1);
    // Safe once the first request has surely ended, within the key's hour.
    assert!(adapter.resend_is_safe(chrono::Duration::minutes(30), false));
    assert!(!adapter.resend_is_safe(chrono::Duration::minutes(30), true));
    assert!(!adapter.resend_is_safe(chrono::Duration::minutes(61), false));
}

#[test]
fn rate_limit_reset_becomes_retry_after() {
    let fake = mastodon::start(Behaviour::RateLimited {
        retry_after_secs: 120,
    });
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let err = support::adapter(ws.path(), "m", &fake.env)
        .post(&support::part("x", "k"))
        .unwrap_err();
    let ErrorKind::Transient {
        retry_after: Some(wait),
    } = err.kind
    else {
        panic!("{err:?}")
    };
    assert!((110..=121).contains(&wait.as_secs()), "{wait:?}");
}

#[test]
fn delete_and_check() {
    let fake = mastodon::start(Behaviour::Ok);
    let ws = support::workspace(&[("m", "mastodon", &fake)]);
    let mut adapter = support::adapter(ws.path(), "m", &fake.env);
    let posted = adapter.post(&support::part("Bye", "k")).unwrap();
    let now: chrono::DateTime<chrono::Utc> = "2026-12-03T08:00:00Z".parse().unwrap();
    adapter.delete(&posted, now, now).unwrap();
    assert!((fake.posts)().is_empty());
    // Deleting again is fine: it is gone either way.
    adapter
        .delete(
            &Remote {
                id: posted.id,
                url: None,
            },
            now,
            now,
        )
        .unwrap();
    assert!(adapter.check().unwrap().contains("@lumen"));
}
