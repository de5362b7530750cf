//! The Telegram adapter against a local server that follows the Bot API.

mod support;

use chrono::{DateTime, Utc};
use postcal::adapters::{AdapterError, ErrorKind, MediaItem, Remote};
use support::{Behaviour, Fake, telegram};

fn setup(fake: &Fake) -> (tempfile::TempDir, Box<dyn postcal::adapters::Adapter>) {
    let ws = support::workspace(&[("t", "telegram", fake)]);
    let adapter = support::adapter(ws.path(), "t", &fake.env);
    (ws, adapter)
}

fn assert_no_secret(err: &AdapterError) {
    assert!(!err.message.contains(telegram::TOKEN), "leaked: {err}");
    let encoded: String =
        url::form_urlencoded::byte_serialize(telegram::TOKEN.as_bytes()).collect();
    assert!(!err.message.contains(&encoded), "leaked: {err}");
}

fn now() -> DateTime<Utc> {
    support::part("", "").now
}

#[test]
fn posts_text_with_a_link_to_the_channel() {
    let fake = telegram::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    let remote = adapter
        .post(&support::part("Hello, Telegram", "k0"))
        .unwrap();

    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], "Hello, Telegram");
    assert_eq!(remote.id, posts[0]["message_id"].to_string());
    assert_eq!(
        remote.url.as_deref(),
        Some(format!("https://t.me/lumen/{}", remote.id).as_str())
    );
    let sent = &fake.requests_to("/sendMessage")[0];
    assert_eq!(sent.path, format!("/bot{}/sendMessage", telegram::TOKEN));
    assert_eq!(
        sent.json(),
        serde_json::json!({"chat_id": "@lumen", "text": "Hello, Telegram"})
    );
}

#[test]
fn a_numeric_chat_has_no_public_link() {
    let mut fake = telegram::start(Behaviour::Ok);
    fake.channel_yaml = fake
        .channel_yaml
        .replace("\"@lumen\"", &telegram::CHAT_ID.to_string());
    let (_ws, mut adapter) = setup(&fake);
    let remote = adapter.post(&support::part("Hi", "k0")).unwrap();
    assert_eq!(remote.url, None);
    let sent = &fake.requests_to("/sendMessage")[0];
    assert_eq!(sent.json()["chat_id"], telegram::CHAT_ID);
}

#[test]
fn a_picture_goes_with_sendphoto_and_the_text_as_caption() {
    let fake = telegram::start(Behaviour::Ok);
    let (ws, mut adapter) = setup(&fake);
    std::fs::write(
        ws.path().join("cup.png"),
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0],
    )
    .unwrap();
    let media = [MediaItem {
        path: ws.path().join("cup.png"),
        name: "cup.png".into(),
        alt: Some("A cup (Telegram has no alt text)".into()),
    }];
    let first = adapter.post(&support::part("Intro", "k0")).unwrap();
    let mut part = support::part("Coffee time", "k1");
    part.media = &media;
    part.index = 1;
    part.reply_to = Some(&first);
    let remote = adapter.post(&part).unwrap();

    let posts = (fake.posts)();
    let photo = posts
        .iter()
        .find(|p| p["message_id"].as_i64() == remote.id.parse().ok())
        .unwrap();
    assert_eq!(photo["caption"], "Coffee time");
    assert_eq!(photo["photo"][0]["file_size"], 12);
    assert_eq!(
        photo["reply_to_message"]["message_id"].to_string(),
        first.id
    );
    let sent = &fake.requests_to("/sendPhoto")[0];
    assert!(sent.headers["content-type"].starts_with("multipart/form-data"));
    let body = sent.body_text();
    assert!(
        body.contains("name=\"photo\"; filename=\"cup.png\""),
        "{body}"
    );
    assert!(!body.contains("alt text"), "{body}");
}

#[test]
fn a_thread_is_a_reply_chain() {
    let fake = telegram::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    let first = adapter.post(&support::part("1/3", "k0")).unwrap();
    let mut second = support::part("2/3", "k1");
    second.index = 1;
    second.reply_to = Some(&first);
    second.root = Some(&first);
    let second_remote = adapter.post(&second).unwrap();
    let mut third = support::part("3/3", "k2");
    third.index = 2;
    third.reply_to = Some(&second_remote);
    third.root = Some(&first);
    adapter.post(&third).unwrap();

    let posts = (fake.posts)();
    let texts: Vec<_> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["1/3", "2/3", "3/3"]);
    assert!(posts[0].get("reply_to_message").is_none());
    assert_eq!(
        posts[1]["reply_to_message"]["message_id"].to_string(),
        first.id
    );
    assert_eq!(
        posts[2]["reply_to_message"]["message_id"].to_string(),
        second_remote.id
    );
    let sent = fake.requests_to("/sendMessage");
    assert_eq!(
        sent[2].json()["reply_parameters"],
        serde_json::json!({"message_id": second_remote.id.parse::<i64>().unwrap()})
    );
}

#[test]
fn error_messages_say_what_telegram_said() {
    let fake = telegram::start(Behaviour::Invalid);
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert!(
        err.message.contains("Bad Request: message is too long"),
        "{err}"
    );

    let mut fake = telegram::start(Behaviour::Ok);
    fake.channel_yaml = fake.channel_yaml.replace("@lumen", "@elsewhere");
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(err.message.contains("chat not found"), "{err}");
    assert!(err.message.contains("chat_id"), "hint: {err}");

    let mut fake = telegram::start(Behaviour::Ok);
    fake.env.insert(
        "FAKE_TELEGRAM_TOKEN".into(),
        "1:wrong-token-of-the-right-shape".into(),
    );
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.check().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(err.message.contains("Unauthorized"), "{err}");
    assert!(!err.message.contains("wrong-token"), "leaked: {err}");
}

#[test]
fn text_limits_are_the_platforms() {
    let fake = telegram::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    // 2048 emoji are 4096 UTF-16 units: the most Telegram takes.
    adapter
        .post(&support::part(&"😀".repeat(2048), "k"))
        .unwrap();
    let err = adapter
        .post(&support::part(&"😀".repeat(2049), "k"))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(err.message.contains("message is too long"), "{err}");
}

#[test]
fn ok_false_in_a_200_is_an_error() {
    use axum::routing::post;
    let router = axum::Router::new().route(
        "/{bot}/sendMessage",
        post(|| async {
            axum::Json(serde_json::json!({
                "ok": false,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }))
        }),
    );
    let (server, _log) = support::server::start(router);
    let mut fake = telegram::start(Behaviour::Ok);
    fake.channel_yaml = fake.channel_yaml.replace(&fake.base, &server.base);
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent, "{err}");
    assert!(err.message.contains("bot was blocked"), "{err}");
    assert_no_secret(&err);
    assert!((fake.posts)().is_empty());
}

#[test]
fn no_server_listening_is_transient() {
    let mut fake = telegram::start(Behaviour::Ok);
    fake.channel_yaml = fake.channel_yaml.replace(&fake.base, "http://127.0.0.1:1");
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Transient { retry_after: None },
        "{err}"
    );
    assert_no_secret(&err);
    assert_no_secret(&adapter.check().unwrap_err());
}

#[test]
fn deletes_only_within_48_hours() {
    let fake = telegram::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    let posted = adapter.post(&support::part("Bye", "k")).unwrap();
    let published = now();

    let err = adapter
        .delete(&posted, published, published + chrono::Duration::hours(48))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert_eq!(
        err.message,
        "Telegram deletes only messages younger than 48 hours; delete it by hand"
    );
    assert!(
        fake.requests_to("/deleteMessage").is_empty(),
        "too old: not asked"
    );
    assert_eq!((fake.posts)().len(), 1);

    let just_in_time = published + chrono::Duration::hours(48) - chrono::Duration::seconds(1);
    adapter.delete(&posted, published, just_in_time).unwrap();
    assert!((fake.posts)().is_empty());
    let sent = &fake.requests_to("/deleteMessage")[0];
    assert_eq!(
        sent.json(),
        serde_json::json!({"chat_id": "@lumen", "message_id": posted.id.parse::<i64>().unwrap()})
    );
    // Deleting again is fine: it is gone either way.
    adapter
        .delete(
            &Remote {
                id: posted.id,
                url: None,
            },
            published,
            published,
        )
        .unwrap();
}

#[test]
fn check_names_the_bot() {
    let fake = telegram::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    assert_eq!(
        adapter.check().unwrap(),
        format!("@{}", telegram::BOT_USERNAME)
    );
}
