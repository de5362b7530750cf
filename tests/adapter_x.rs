//! The X adapter against a local server that follows X's API v2 as
//! PLATFORMS.md §3 describes it, checking every OAuth 1.0a signature.

mod support;

use chrono::{DateTime, Utc};
use postcal::adapters::{Adapter, ErrorKind, MediaItem, Remote};
use support::{Behaviour, Fake, x};

fn adapter(fake: &Fake) -> (tempfile::TempDir, Box<dyn Adapter>) {
    let ws = support::workspace(&[("x", "x", fake)]);
    let adapter = support::adapter(ws.path(), "x", &fake.env);
    (ws, adapter)
}

fn now() -> DateTime<Utc> {
    support::TEST_NOW.parse().unwrap()
}

#[test]
fn every_request_is_signed_and_a_bad_signature_is_refused() {
    let (fake, account) = x::start_with(Behaviour::Ok);
    let (_ws, mut good) = adapter(&fake);
    good.post(&support::part("Signed", "k")).unwrap();
    assert_eq!(account.unauthorized(), Vec::<String>::new());
    let create = &fake.requests_to("/2/tweets")[0];
    let auth = &create.headers["authorization"];
    assert!(
        auth.starts_with("OAuth ") && auth.contains("oauth_signature="),
        "{auth}"
    );
    assert!(!auth.contains(x::oauth::API_SECRET) && !auth.contains(x::oauth::ACCESS_SECRET));

    // The same header sent again is a replay: its nonce was used.
    let replay = reqwest::blocking::Client::new()
        .post(format!("{}/2/tweets", fake.base))
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(create.body.clone())
        .send()
        .unwrap();
    assert_eq!(replay.status(), 401);

    // A wrong secret makes a signature X cannot verify.
    let mut env = fake.env.clone();
    env.insert("FAKE_X_API_SECRET".into(), "not-the-secret-at-all".into());
    let ws = support::workspace(&[("x", "x", &fake)]);
    let error = support::adapter(ws.path(), "x", &env)
        .post(&support::part("Unsigned", "k2"))
        .unwrap_err();
    assert_eq!(
        (error.kind, error.status),
        (ErrorKind::Permanent, Some(401))
    );
    assert!(error.message.contains("credentials"), "{error}");
    for secret in fake
        .secrets
        .iter()
        .map(String::as_str)
        .chain(["not-the-secret-at-all"])
    {
        assert!(!error.message.contains(secret), "{error}");
    }
    let why = account.unauthorized();
    assert!(why[0].contains("nonce used twice"), "{why:?}");
    assert!(why[1].contains("bad signature"), "{why:?}");
    assert_eq!(fake.created(), 1);
}

#[test]
fn a_thread_is_a_chain_of_self_replies_with_images_and_alt_text() {
    let (fake, account) = x::start_with(Behaviour::Ok);
    let (ws, mut adapter) = adapter(&fake);
    // Big enough for three 1 MiB segments, under X's 5 MB.
    let big = support::png::png(1600, 1600);
    assert!(big.len() > 2 * 1024 * 1024 && big.len() < 5_000_000);
    std::fs::write(ws.path().join("big.png"), &big).unwrap();
    std::fs::write(ws.path().join("small.png"), support::png::png(8, 8)).unwrap();
    let media = [
        MediaItem {
            path: ws.path().join("big.png"),
            name: "big.png".into(),
            alt: Some("A bag of Winter Blend on a yellow table".into()),
        },
        MediaItem {
            path: ws.path().join("small.png"),
            name: "small.png".into(),
            alt: None,
        },
    ];
    let mut first = support::part("Winter Blend is here", "k0");
    first.media = &media;
    let root = adapter.post(&first).unwrap();
    assert_eq!(
        root.url.as_deref(),
        Some(format!("https://x.com/i/web/status/{}", root.id).as_str())
    );
    let mut second = support::part("Brew it at 94 °C", "k1");
    second.reply_to = Some(&root);
    second.root = Some(&root);
    let reply = adapter.post(&second).unwrap();

    let posts = (fake.posts)();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0]["reply_to"], serde_json::Value::Null);
    assert_eq!(posts[1]["reply_to"], root.id.as_str());
    assert_eq!(posts[1]["id"], reply.id.as_str());
    let attached = posts[0]["media"].as_array().unwrap();
    assert_eq!(attached.len(), 2);
    assert_eq!(
        attached[0]["alt"],
        "A bag of Winter Blend on a yellow table"
    );
    assert_eq!(attached[0]["bytes"], big.len());
    assert_eq!(attached[1]["alt"], serde_json::Value::Null);
    assert_eq!(
        fake.requests_to("/append").len(),
        3 + 1,
        "1 MiB segments: three for the big image, one for the small"
    );
    assert_eq!(fake.requests_to("/2/media/metadata").len(), 1);
    assert!(
        account
            .uploads()
            .iter()
            .all(|u| u["category"] == "tweet_image")
    );
}

#[test]
fn media_still_processing_is_polled_until_it_succeeded() {
    let (fake, account) = x::start_with(Behaviour::Ok);
    account.processing_polls(2);
    let (ws, mut adapter) = adapter(&fake);
    std::fs::write(ws.path().join("a.png"), support::png::png(4, 4)).unwrap();
    let media = [MediaItem {
        path: ws.path().join("a.png"),
        name: "a.png".into(),
        alt: Some("A cup".into()),
    }];
    let mut part = support::part("Processed", "k");
    part.media = &media;
    adapter.post(&part).unwrap();
    let statuses: Vec<_> = fake
        .requests_to("/2/media/upload")
        .into_iter()
        .filter(|r| r.method == "GET" && r.query.contains("command=STATUS"))
        .collect();
    assert_eq!(statuses.len(), 2, "polled until `succeeded`, then stopped");
    assert_eq!(account.uploads()[0]["polls"], 2);
    assert_eq!(fake.created(), 1);
}

#[test]
fn retraction_deletes_the_post_and_a_second_delete_finds_it_gone() {
    let fake = x::start(Behaviour::Ok);
    let (_ws, mut adapter) = adapter(&fake);
    let posted = adapter.post(&support::part("Bye", "k")).unwrap();
    adapter.delete(&posted, now(), now()).unwrap();
    assert!((fake.posts)().is_empty());
    let gone = Remote {
        id: posted.id,
        url: None,
    };
    adapter.delete(&gone, now(), now()).unwrap();
    assert_eq!(fake.requests_to("/2/tweets/").len(), 2);
    let who = adapter.check().unwrap();
    assert!(who.contains(&format!("@{}", x::USERNAME)), "{who}");
}

#[test]
fn after_an_ambiguous_answer_lookup_finds_the_post_though_x_rewrote_its_link() {
    let fake = x::start(Behaviour::CommitThenFail(504));
    let (_ws, mut adapter) = adapter(&fake);
    let text = "Winter Blend is here & it's good: https://lumen.coffee/winter?utm_source=x";
    let before = fake.control.now();
    let part = support::part(text, "k");
    let error = adapter.post(&part).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Ambiguous, "{error:?}");
    let shown = (fake.posts)()[0]["text"].as_str().unwrap().to_owned();
    assert!(
        shown.contains("https://t.co/")
            && shown.contains("&amp;")
            && !shown.contains("lumen.coffee"),
        "X keeps its own text: {shown}"
    );

    let found = adapter.lookup(&part, before).unwrap().expect("found");
    assert_eq!(found.id, (fake.posts)()[0]["id"].as_str().unwrap());
    let timeline = &fake.requests_to("/tweets")[1];
    assert!(timeline.query.contains("start_time="), "{}", timeline.query);

    // Another text, a reply where the post was not one, or a window after
    // it: not this part.
    assert_eq!(
        adapter
            .lookup(&support::part("Something else", "k"), before)
            .unwrap(),
        None
    );
    let mut reply = support::part(text, "k");
    reply.reply_to = Some(&found);
    assert_eq!(adapter.lookup(&reply, before).unwrap(), None);
    let later = fake.control.now() + chrono::Duration::hours(1);
    assert_eq!(adapter.lookup(&part, later).unwrap(), None);
    assert_eq!(fake.create_requests(), 1, "looked up, never re-sent");
}

#[test]
fn a_duplicate_refusal_is_ambiguous_and_the_earlier_post_is_found() {
    let fake = x::start(Behaviour::Ok);
    let (_ws, mut first_run) = adapter(&fake);
    let part = support::part("Doors open at 9:00 https://lumen.coffee/popup", "k");
    let original = first_run.post(&part).unwrap();
    // A later run (say the first one's answer was lost) sends it again.
    let (_ws2, mut adapter) = adapter(&fake);
    let since = fake.control.now();
    let error = adapter.post(&part).unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::Ambiguous,
        "never retried blindly: {error:?}"
    );
    assert_eq!(
        (error.status, error.code.as_deref()),
        (Some(403), Some("duplicate-content"))
    );
    assert!(error.message.contains("duplicate"), "{error}");
    assert!(!error.message.contains("credentials"), "{error}");
    // The earlier post is older than this attempt: found all the same.
    assert_eq!(
        adapter.lookup(&part, since).unwrap(),
        Some(original.clone())
    );
    assert_eq!(fake.created(), 1);

    // X calls it a duplicate of a post the account has only as a reply, so
    // nothing it lists is this part: a person has to look.
    let mut reply = support::part("Same words", "r");
    reply.reply_to = Some(&original);
    adapter.post(&reply).unwrap();
    let alone = support::part("Same words", "alone");
    assert_eq!(adapter.post(&alone).unwrap_err().kind, ErrorKind::Ambiguous);
    let unknown = adapter.lookup(&alone, fake.control.now()).unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::Unsupported, "{unknown:?}");
    assert!(unknown.message.contains("duplicate"), "{unknown}");
}

#[test]
fn the_reply_restriction_is_permanent() {
    let (fake, account) = x::start_with(Behaviour::Ok);
    let (_ws, mut adapter) = adapter(&fake);
    let foreign = Remote {
        id: x::FOREIGN_POST.into(),
        url: None,
    };
    let mut reply = support::part("Agreed!", "k");
    reply.reply_to = Some(&foreign);
    let error = adapter.post(&reply).unwrap_err();
    assert_eq!(
        (error.kind, error.status, error.code.as_deref()),
        (ErrorKind::Permanent, Some(403), Some("reply-not-allowed"))
    );
    assert!(error.message.contains("not allowed"), "{error}");

    // Should X ever refuse self-threads too, the thread stops there.
    account.restrict_replies(true);
    let root = adapter.post(&support::part("Part one", "k0")).unwrap();
    let mut next = support::part("Part two", "k1");
    next.reply_to = Some(&root);
    assert_eq!(adapter.post(&next).unwrap_err().kind, ErrorKind::Permanent);
    assert_eq!(fake.created(), 1);
}

#[test]
fn errors_inside_a_200_are_a_failure() {
    let (fake, account) = x::start_with(Behaviour::Ok);
    account.errors_in_200(1);
    let (_ws, mut adapter) = adapter(&fake);
    let error = adapter
        .post(&support::part("Refused kindly", "k"))
        .unwrap_err();
    assert_eq!(
        (error.kind, error.status),
        (ErrorKind::Permanent, Some(200))
    );
    assert!(error.message.contains("could not be created"), "{error}");
    assert_eq!(error.code.as_deref(), Some("invalid-request"));
    assert_eq!(fake.created(), 0);
    adapter.post(&support::part("Refused kindly", "k")).unwrap();
}

#[test]
fn a_429_waits_until_x_rate_limit_reset() {
    let fake = x::start(Behaviour::RateLimited {
        retry_after_secs: 15 * 60,
    });
    let (_ws, mut adapter) = adapter(&fake);
    let error = adapter.post(&support::part("Later", "k")).unwrap_err();
    let ErrorKind::Transient {
        retry_after: Some(wait),
    } = error.kind
    else {
        panic!("{error:?}")
    };
    assert!((890..=901).contains(&wait.as_secs()), "{wait:?}");
    assert_eq!(fake.created(), 0);
}

fn postcal(fake: &Fake, root: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("postcal")
        .unwrap()
        .envs(&fake.env)
        .env_remove("POSTCAL_FREEZE")
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn publish_a_thread_settle_an_unclear_answer_and_retract_through_the_binary() {
    let fake = x::start(Behaviour::Ok);
    // The second part's create makes the post, then answers 500: looked up
    // on the timeline and recorded, never sent again.
    fake.control
        .plan("Brew it at 94 °C.", [Behaviour::CommitThenFail(500)]);
    let ws = support::workspace(&[("x", "x", &fake)]);
    std::fs::create_dir(ws.path().join("media")).unwrap();
    std::fs::write(ws.path().join("media/bag.png"), support::png::png(8, 8)).unwrap();
    let now = fake.control.now();
    let calendar = |status: &str| {
        format!(
            "posts:\n  - id: launch\n    at: {}\n    status: {status}\n    channels: [x]\n    text: \"Winter Blend is here https://lumen.coffee/winter\"\n    thread: [\"Brew it at 94 °C.\"]\n    media:\n      - {{ file: media/bag.png, alt: A bag of Winter Blend }}\n",
            (now - chrono::Duration::minutes(10)).to_rfc3339()
        )
    };
    std::fs::write(ws.path().join("calendars/c.yaml"), calendar("approved")).unwrap();
    let at = |minutes: i64| (now + chrono::Duration::minutes(minutes)).to_rfc3339();

    let (code, out) = postcal(&fake, ws.path(), &["publish", "--now", &at(0)]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("published") && out.contains("launch@x"),
        "{out}"
    );
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["reply_to"], posts[0]["id"]);
    assert_eq!(posts[0]["media"][0]["alt"], "A bag of Winter Blend");
    assert_eq!(
        fake.create_requests(),
        2,
        "the unclear part was not re-sent"
    );
    let ledger = std::fs::read_to_string(ws.path().join(".postcal/ledger.jsonl")).unwrap();
    for post in &posts {
        assert!(ledger.contains(post["id"].as_str().unwrap()), "{ledger}");
    }
    assert!(ledger.contains("https://x.com/i/web/status/"), "{ledger}");

    // Nothing more to do; then the post is retracted.
    let (code, out) = postcal(&fake, ws.path(), &["publish", "--now", &at(5)]);
    assert_eq!((code, out.as_str()), (0, ""));
    std::fs::write(ws.path().join("calendars/c.yaml"), calendar("retracted")).unwrap();
    let (code, out) = postcal(&fake, ws.path(), &["publish", "--now", &at(10)]);
    assert_eq!(code, 0, "{out}");
    assert!((fake.posts)().is_empty(), "both parts deleted: {out}");
    let (_, status) = postcal(&fake, ws.path(), &["status", "--now", &at(11)]);
    assert!(status.contains("retracted"), "{status}");
    let (code, doctor) = postcal(&fake, ws.path(), &["doctor"]);
    assert_eq!(code, 0, "{doctor}");
    assert!(
        doctor.contains(&format!("ok: @{}", x::USERNAME)),
        "{doctor}"
    );
}
