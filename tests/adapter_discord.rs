//! The Discord adapter against a local server that follows Discord's webhook API.

mod support;

use postcal::adapters::{AdapterError, ErrorKind, MediaItem, Remote};
use support::{Behaviour, Fake, discord};

fn setup(fake: &Fake) -> (tempfile::TempDir, Box<dyn postcal::adapters::Adapter>) {
    let ws = support::workspace(&[("d", "discord", fake)]);
    let adapter = support::adapter(ws.path(), "d", &fake.env);
    (ws, adapter)
}

fn assert_no_secret(fake: &Fake, err: &AdapterError) {
    for secret in &fake.secrets {
        assert!(!err.message.contains(secret.as_str()), "leaked: {err}");
    }
    assert!(!err.message.contains(discord::TOKEN), "leaked: {err}");
}

fn execute_requests(fake: &Fake) -> Vec<support::Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

#[test]
fn posts_text_and_waits_for_the_message() {
    let fake = discord::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    let remote = adapter
        .post(&support::part("Hello, Discord", "k0"))
        .unwrap();

    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["content"], "Hello, Discord");
    assert_eq!(remote.id, posts[0]["id"].as_str().unwrap());
    assert_eq!(
        remote.url.as_deref(),
        Some(
            format!(
                "https://discord.com/channels/{}/{}/{}",
                discord::GUILD_ID,
                discord::CHANNEL_ID,
                remote.id
            )
            .as_str()
        ),
        "the link takes the server from the webhook"
    );
    let sent = &execute_requests(&fake)[0];
    assert_eq!(sent.query, "wait=true");
    assert_eq!(
        sent.json(),
        serde_json::json!({"content": "Hello, Discord"})
    );
}

#[test]
fn the_fake_drops_the_message_id_without_wait() {
    // What the adapter guards against: without `wait=true` Discord answers
    // 204 with no body, so there is nothing to record.
    let fake = discord::start(Behaviour::Ok);
    let response = reqwest::blocking::Client::new()
        .post(&fake.env["FAKE_DISCORD_WEBHOOK"])
        .json(&serde_json::json!({"content": "hi"}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.text().unwrap().is_empty());
}

#[test]
fn media_goes_as_multipart_with_alt_text() {
    let fake = discord::start(Behaviour::Ok);
    let (ws, mut adapter) = setup(&fake);
    let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0];
    std::fs::write(ws.path().join("cup.png"), png).unwrap();
    std::fs::write(ws.path().join("mug.png"), png).unwrap();
    let media = [
        MediaItem {
            path: ws.path().join("cup.png"),
            name: "cup.png".into(),
            alt: Some("A cup of coffee".into()),
        },
        MediaItem {
            path: ws.path().join("mug.png"),
            name: "mug.png".into(),
            alt: None,
        },
    ];
    let mut part = support::part("Two pictures", "k0");
    part.media = &media;
    adapter.post(&part).unwrap();

    let posts = (fake.posts)();
    assert_eq!(posts[0]["content"], "Two pictures");
    let attachments = posts[0]["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["filename"], "cup.png");
    assert_eq!(attachments[0]["description"], "A cup of coffee");
    assert_eq!(attachments[0]["content_type"], "image/png");
    assert_eq!(attachments[1]["filename"], "mug.png");
    assert!(attachments[1]["description"].is_null());
    let sent = &execute_requests(&fake)[0];
    assert_eq!(sent.query, "wait=true");
    assert!(
        sent.headers["content-type"].starts_with("multipart/form-data"),
        "{:?}",
        sent.headers
    );
    let body = sent.body_text();
    assert!(body.contains("name=\"files[0]\""), "{body}");
    assert!(body.contains("name=\"payload_json\""), "{body}");
}

#[test]
fn a_thread_goes_out_as_separate_messages_in_order() {
    let fake = discord::start(Behaviour::Ok);
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
    let third_remote = adapter.post(&third).unwrap();

    let contents: Vec<_> = (fake.posts)()
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents, ["1/3", "2/3", "3/3"]);
    let ids = [&first.id, &second_remote.id, &third_remote.id];
    assert!(ids.windows(2).all(|w| w[0] != w[1]));
    for request in execute_requests(&fake) {
        assert_eq!(request.query, "wait=true");
        let keys: Vec<_> = request
            .json()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["content"], "a webhook cannot reply");
    }
    // The webhook is read once, for the server id in links.
    let gets = fake.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!(gets, 1);
}

#[test]
fn error_messages_say_what_discord_said() {
    let fake = discord::start(Behaviour::Invalid);
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert!(err.message.contains("HTTP 400"), "{err}");
    assert!(err.message.contains("Invalid Form Body"), "{err}");

    let fake = discord::start(Behaviour::Unauthorized);
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert!(err.message.contains("401: Unauthorized"), "{err}");
    assert!(err.message.contains("credentials"), "{err}");
}

#[test]
fn content_over_2000_characters_is_refused() {
    let fake = discord::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    let long = "é".repeat(2001);
    let err = adapter.post(&support::part(&long, "k")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent, "{err}");
    assert!(err.message.contains("Invalid Form Body"), "{err}");
    adapter
        .post(&support::part(&"é".repeat(2000), "k"))
        .unwrap();
}

#[test]
fn no_server_listening_is_transient() {
    let mut fake = discord::start(Behaviour::Ok);
    let dead = format!(
        "http://127.0.0.1:1/api/webhooks/{}/{}",
        discord::WEBHOOK_ID,
        discord::TOKEN
    );
    fake.env.insert("FAKE_DISCORD_WEBHOOK".into(), dead.clone());
    fake.secrets.push(dead);
    let (_ws, mut adapter) = setup(&fake);
    let err = adapter.post(&support::part("x", "k")).unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Transient { retry_after: None },
        "{err}"
    );
    assert_no_secret(&fake, &err);
    let err = adapter.check().unwrap_err();
    assert_no_secret(&fake, &err);
}

#[test]
fn a_deleted_webhook_is_permanent_with_a_hint() {
    let mut fake = discord::start(Behaviour::Ok);
    let gone = format!("{}/api/webhooks/999/{}", fake.base, discord::TOKEN);
    fake.env.insert("FAKE_DISCORD_WEBHOOK".into(), gone.clone());
    fake.secrets.push(gone);
    let (_ws, mut adapter) = setup(&fake);
    for err in [
        adapter.post(&support::part("x", "k")).unwrap_err(),
        adapter.check().unwrap_err(),
        adapter
            .delete(
                &Remote {
                    id: "1".into(),
                    url: None,
                },
                support::part("", "").now,
                support::part("", "").now,
            )
            .unwrap_err(),
    ] {
        assert_eq!(err.kind, ErrorKind::Permanent, "{err}");
        assert!(err.message.contains("Unknown Webhook"), "{err}");
        assert!(err.message.contains("webhook was deleted"), "{err}");
        assert_no_secret(&fake, &err);
    }
}

#[test]
fn delete_and_check() {
    let fake = discord::start(Behaviour::Ok);
    let (_ws, mut adapter) = setup(&fake);
    let posted = adapter.post(&support::part("Bye", "k")).unwrap();
    let now = support::part("", "").now;
    adapter.delete(&posted, now, now).unwrap();
    assert!((fake.posts)().is_empty());
    let deletes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(
        deletes[0].path,
        format!(
            "/api/webhooks/{}/{}/messages/{}",
            discord::WEBHOOK_ID,
            discord::TOKEN,
            posted.id
        )
    );
    // Deleting again is fine: it is gone either way.
    adapter.delete(&posted, now, now).unwrap();

    let who = adapter.check().unwrap();
    assert!(who.contains("Lumen announcements"), "{who}");
    assert!(who.contains(discord::CHANNEL_ID), "{who}");
    assert!(!who.contains(discord::TOKEN), "{who}");
}
