//! The LinkedIn adapter against the strict local LinkedIn
//! (tests/support/linkedin.rs): escaping that round-trips, threads as
//! comments, images with alt text, retraction, the duplicate 422 settling
//! an unclear attempt, look-ups, and doctor's token expiry.

mod support;

use std::time::Duration;

use postcal::adapters::{Adapter, ErrorKind, MediaItem, Remote};
use postcal::platform::little_text;
use support::linkedin::{self, Behaviour, ORG, PERSON};
use support::{Fake, part};

fn workspace(fake: &Fake, author: Option<&str>, extra: &str) -> tempfile::TempDir {
    linkedin::workspace(fake, author.unwrap_or(PERSON), extra)
}

fn adapter(fake: &Fake, ws: &tempfile::TempDir) -> Box<dyn Adapter> {
    support::adapter(ws.path(), "li", &fake.env)
}

const RESERVED: &str = r"Brew (1:1) #tips @lumen_roasters ~ 50% *off* [today] {x|y} <b> C:\beans";

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Whatever the text, LinkedIn reads back exactly it, and its length as
    /// counted is that of what is sent.
    #[test]
    fn any_text_escaped_reads_back_as_written(
        text in proptest::prop_oneof!["\\PC*", "[a-z |{}@\\[\\]()<>#\\\\*_~]{0,40}"],
    ) {
        let sent = little_text::escape(&text);
        proptest::prop_assert_eq!(linkedin::shown(&sent), text.clone());
        proptest::prop_assert_eq!(little_text::length(&text), sent.encode_utf16().count());
    }
}

#[test]
fn reserved_characters_round_trip_where_unescaped_ones_cut_the_post() {
    let fake = linkedin::start(Behaviour::Ok);
    let ws = workspace(&fake, None, "");
    let text = format!("{RESERVED} — café ☕ 👩‍🚀");
    let remote = adapter(&fake, &ws).post(&part(&text, "k0")).unwrap();
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], text.as_str(), "shown as written");
    assert_eq!(posts[0]["id"], remote.id.as_str());
    assert!(remote.id.starts_with("urn:li:share:"), "{remote:?}");
    assert_eq!(
        remote.url.as_deref(),
        Some(format!("https://www.linkedin.com/feed/update/{}/", remote.id).as_str())
    );
    let sent = &fake.requests_to("/rest/posts")[0];
    assert_eq!(sent.headers["linkedin-version"], "202611");
    assert_eq!(sent.headers["x-restli-protocol-version"], "2.0.0");
    assert_eq!(sent.json()["author"], PERSON);
    assert_eq!(sent.json()["lifecycleState"], "PUBLISHED");

    // The same text unescaped, as a careless client sends it: LinkedIn
    // takes it and keeps only what comes before `(`.
    let raw = reqwest::blocking::Client::new()
        .post(format!("{}/rest/posts", fake.base))
        .bearer_auth(linkedin::TOKEN)
        .header("LinkedIn-Version", "202611")
        .header("X-Restli-Protocol-Version", "2.0.0")
        .json(&serde_json::json!({
            "author": PERSON, "commentary": text, "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED",
        }))
        .send()
        .unwrap();
    assert_eq!(raw.status(), 201);
    assert_eq!((fake.posts)()[1]["text"], "Brew ", "silently cut short");
}

#[test]
fn both_headers_are_required_and_an_old_version_is_refused_clearly() {
    let fake = linkedin::start(Behaviour::Ok);
    let client = reqwest::blocking::Client::new();
    let send = |headers: &[(&str, &str)]| {
        let mut request = client
            .post(format!("{}/rest/posts", fake.base))
            .bearer_auth(linkedin::TOKEN)
            .body("{}");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().unwrap().status().as_u16()
    };
    assert_eq!(send(&[("X-Restli-Protocol-Version", "2.0.0")]), 400);
    assert_eq!(send(&[("LinkedIn-Version", "202611")]), 400);
    assert_eq!(
        send(&[
            ("LinkedIn-Version", "202301"),
            ("X-Restli-Protocol-Version", "2.0.0")
        ]),
        426
    );

    let ws = workspace(&fake, None, "\n    linkedin_version: \"202301\"");
    let error = adapter(&fake, &ws).post(&part("Hello", "k")).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Permanent, "{error:?}");
    assert!(
        error.message.contains("linkedin_version"),
        "{}",
        error.message
    );
    assert!((fake.posts)().is_empty());
}

#[test]
fn a_thread_goes_out_as_comments_on_the_post() {
    let fake = linkedin::start(Behaviour::Ok);
    let ws = workspace(&fake, None, "");
    let mut li = adapter(&fake, &ws);
    let root = li.post(&part("The Winter Blend is here", "k0")).unwrap();
    let mut second = part("Notes: orange peel (and cocoa) #winter", "k1");
    second.index = 1;
    second.root = Some(&root);
    second.reply_to = Some(&root);
    let first_comment = li.post(&second).unwrap();
    let mut third = part("Ships Thursday", "k2");
    third.index = 2;
    third.root = Some(&root);
    third.reply_to = Some(&first_comment);
    let second_comment = li.post(&third).unwrap();

    let posts = (fake.posts)();
    assert_eq!(posts.len(), 3, "a post and two comments");
    assert_eq!(posts[1]["object"], root.id.as_str(), "on the post itself");
    assert_eq!(
        posts[2]["object"],
        root.id.as_str(),
        "on the post, not on a comment"
    );
    assert_eq!(posts[1]["text"], "Notes: orange peel (and cocoa) #winter");
    assert_eq!(posts[1]["actor"], PERSON);
    assert_eq!(
        first_comment.id,
        format!(
            "urn:li:comment:({},{})",
            root.id,
            posts[1]["id"].as_str().unwrap()
        )
    );
    assert_ne!(first_comment.id, second_comment.id);
    assert!(
        first_comment
            .url
            .as_deref()
            .unwrap()
            .contains("?commentUrn=urn%3Ali%3Acomment"),
        "{first_comment:?}"
    );
}

#[test]
fn images_go_up_once_each_and_carry_their_alt_text() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    let ws = workspace(&fake, Some(ORG), "");
    for name in ["a.png", "b.png"] {
        std::fs::write(ws.path().join(name), support::png::png(4, 4)).unwrap();
    }
    let item = |name: &str, alt: &str| MediaItem {
        path: ws.path().join(name),
        name: name.to_owned(),
        alt: Some(alt.to_owned()),
    };
    let mut li = adapter(&fake, &ws);

    let one = [item("a.png", "A bag of beans")];
    let mut single = part("One image", "k0");
    single.media = &one;
    li.post(&single).unwrap();
    let two = [
        item("a.png", "A bag of beans"),
        item("b.png", "A cup, steaming"),
    ];
    let mut multi = part("Two images", "k1");
    multi.media = &two;
    li.post(&multi).unwrap();

    let posts = (fake.posts)();
    let media = &posts[0]["content"]["media"];
    assert!(
        media["id"].as_str().unwrap().starts_with("urn:li:image:"),
        "{media}"
    );
    assert_eq!(media["altText"], "A bag of beans");
    let images = posts[1]["content"]["multiImage"]["images"]
        .as_array()
        .unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[1]["altText"], "A cup, steaming");
    let puts = fake.requests_to("/dms-uploads/");
    assert_eq!(puts.len(), 3, "one PUT per image");
    assert!(
        puts.iter()
            .all(|p| p.method == "PUT" && p.headers["content-type"] == "image/png")
    );
    assert_eq!(puts[0].body, support::png::png(4, 4));
    let init = &fake.requests_to("/rest/images")[0];
    assert_eq!(init.query, "action=initializeUpload");
    assert_eq!(init.json()["initializeUploadRequest"]["owner"], ORG);
    assert!(handle.image_polls() >= 6, "each polled until AVAILABLE");
}

#[test]
fn retraction_deletes_comments_and_posts_and_is_idempotent() {
    let fake = linkedin::start(Behaviour::Ok);
    let ws = workspace(&fake, None, "");
    let mut li = adapter(&fake, &ws);
    let root = li.post(&part("To be retracted", "k0")).unwrap();
    let mut reply = part("A follow-up", "k1");
    reply.index = 1;
    reply.root = Some(&root);
    let comment = li.post(&reply).unwrap();
    let t = "2026-12-03T08:00:00Z".parse().unwrap();
    li.delete(&comment, t, t).unwrap();
    assert_eq!((fake.posts)().len(), 1, "the comment is gone");
    let deleted = &fake.requests_to("/comments/")[0];
    assert_eq!(deleted.method, "DELETE");
    assert!(
        deleted.query.contains("actor=urn%3Ali%3Aperson%3A"),
        "{}",
        deleted.query
    );
    li.delete(&root, t, t).unwrap();
    assert!((fake.posts)().is_empty());
    li.delete(&root, t, t).expect("deleting again is done");
    li.delete(&comment, t, t)
        .expect("a comment gone with its post is done");
}

#[test]
fn a_duplicate_refusal_settles_an_unclear_attempt_as_the_post_it_names() {
    let fake = linkedin::start(Behaviour::CommitThenDrop);
    let ws = workspace(&fake, None, "");
    let mut li = adapter(&fake, &ws);
    let text = "Launch day (finally) #coffee";
    let first = li.post(&part(text, "k0")).unwrap_err();
    assert_eq!(first.kind, ErrorKind::Ambiguous, "{first:?}");
    (fake.set_behaviour)(Behaviour::Ok);

    // The engine asks first; a member token may not list its posts.
    let since = fake.control.now() - chrono::Duration::seconds(30);
    let asked = li.lookup(&part(text, "k0"), since).unwrap_err();
    assert_eq!(asked.kind, ErrorKind::Unsupported, "{asked:?}");
    assert!(
        asked.message.contains("r_member_social"),
        "{}",
        asked.message
    );
    // Sent again (`on_ambiguous: retry`): LinkedIn names the first post,
    // which is this part's.
    let settled = li.post(&part(text, "k0")).unwrap();
    let posts = (fake.posts)();
    assert_eq!(posts.len(), 1, "one post");
    assert_eq!(settled.id, posts[0]["id"].as_str().unwrap());
    assert_eq!(fake.created(), 1);
    assert!(
        !fake.requests_to("/rest/posts/urn").is_empty(),
        "the URN was read back"
    );
}

#[test]
fn a_duplicate_outside_settling_is_refused_with_what_to_do() {
    let fake = linkedin::start(Behaviour::Ok);
    let ws = workspace(&fake, None, "");
    let mut li = adapter(&fake, &ws);
    let first = li.post(&part("Same words", "a")).unwrap();
    let error = li.post(&part("Same words", "b")).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert!(error.message.contains(&first.id), "{}", error.message);
    assert!(
        error.message.contains("--mark-published launch@ch"),
        "{}",
        error.message
    );

    // Deleted, its text is still refused, naming a post that is gone.
    let t = "2026-12-03T08:00:00Z".parse().unwrap();
    li.delete(&first, t, t).unwrap();
    let ghost = li.post(&part("Same words", "c")).unwrap_err();
    assert_eq!(ghost.kind, ErrorKind::Permanent);
    assert!(
        ghost.message.contains("no longer exists"),
        "{}",
        ghost.message
    );
    assert!((fake.posts)().is_empty());
}

#[test]
fn an_organization_post_is_found_after_an_unclear_answer() {
    let fake = linkedin::start(Behaviour::CommitThenFail(504));
    let ws = workspace(&fake, Some(ORG), "");
    let mut li = adapter(&fake, &ws);
    let since = fake.control.now() - chrono::Duration::seconds(1);
    assert_eq!(li.lookup(&part("Found later", "k0"), since).unwrap(), None);
    let error = li.post(&part("Found later", "k0")).unwrap_err();
    assert_eq!(
        (error.kind, error.status),
        (ErrorKind::Ambiguous, Some(504))
    );
    let found = li
        .lookup(&part("Found later", "k0"), since)
        .unwrap()
        .unwrap();
    assert_eq!(found.id, (fake.posts)()[0]["id"].as_str().unwrap());
    let finder = fake
        .requests_to("/rest/posts")
        .into_iter()
        .find(|r| r.method == "GET")
        .unwrap();
    assert!(finder.query.contains("q=author"), "{}", finder.query);
    assert_eq!(finder.headers["x-restli-method"], "FINDER");
    // Not a post made before the attempt, nor one with other text.
    let later = fake.control.now() + chrono::Duration::minutes(10);
    assert_eq!(li.lookup(&part("Found later", "k0"), later).unwrap(), None);
    assert_eq!(li.lookup(&part("Other text", "k0"), since).unwrap(), None);
}

#[test]
fn a_comment_is_found_after_an_unclear_answer_where_it_can_be_read() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    handle.grant_member_reads();
    let ws = workspace(&fake, None, "");
    let mut li = adapter(&fake, &ws);
    let root = li.post(&part("A post", "k0")).unwrap();
    fake.control
        .script([Behaviour::CommitThenHang(Duration::from_secs(4))]);
    let mut reply = part("A comment (late)", "k1");
    reply.index = 1;
    reply.root = Some(&root);
    let since = fake.control.now();
    assert_eq!(li.post(&reply).unwrap_err().kind, ErrorKind::Ambiguous);
    let found: Remote = li.lookup(&reply, since).unwrap().unwrap();
    assert_eq!(found.id, (fake.posts)()[1]["commentUrn"].as_str().unwrap());
    fake.settle(Duration::from_secs(10));
}

#[test]
fn a_refused_token_is_permanent_and_points_at_doctor() {
    let fake = linkedin::start(Behaviour::Unauthorized);
    let ws = workspace(&fake, None, "");
    let error = adapter(&fake, &ws).post(&part("Hello", "k")).unwrap_err();
    assert_eq!(
        (error.kind, error.status),
        (ErrorKind::Permanent, Some(401))
    );
    assert!(error.message.contains("60 days") && error.message.contains("postcal doctor"));
    assert!(!error.message.contains(linkedin::TOKEN));
}

#[test]
fn check_says_who_posts_and_refuses_someone_else() {
    let fake = linkedin::start(Behaviour::Ok);
    let person = workspace(&fake, None, "");
    assert_eq!(
        adapter(&fake, &person).check().unwrap(),
        format!("Ana Lumen ({PERSON})")
    );
    let org = workspace(&fake, Some(ORG), "");
    assert_eq!(
        adapter(&fake, &org).check().unwrap(),
        format!("Lumen Roasters ({ORG})")
    );
    let other = workspace(&fake, Some("urn:li:person:Zz9"), "");
    let error = adapter(&fake, &other).check().unwrap_err();
    assert!(
        error.message.contains("not the channel's author"),
        "{}",
        error.message
    );
}

/// `postcal doctor` on the fake's workspace, at the fake's time.
fn doctor(fake: &Fake, ws: &tempfile::TempDir, args: &[&str]) -> (i32, String) {
    let now = fake.control.now().to_rfc3339();
    let out = assert_cmd::Command::cargo_bin("postcal")
        .unwrap()
        .envs(&fake.env)
        .env("FAKE_LINKEDIN_SECRET", linkedin::CLIENT_SECRET)
        .args(["--color", "never", "--now", &now, "--workspace"])
        .arg(ws.path())
        .arg("doctor")
        .args(args)
        .timeout(Duration::from_secs(60))
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
fn doctor_warns_two_weeks_before_the_token_expires() {
    let (fake, handle) = linkedin::start_with(Behaviour::Ok);
    let day = |n: i64| fake.control.now() + chrono::Duration::days(n);

    // Recorded by the user, read even offline.
    let recorded = format!("\n    expires_at: {}", day(10).format("%Y-%m-%d"));
    let ws = workspace(&fake, None, &recorded);
    let (code, out) = doctor(&fake, &ws, &["--offline"]);
    assert_eq!(code, 0, "a warning, not a failure:\n{out}");
    assert!(
        out.contains("warning: channel `li`: its credential expires in"),
        "{out}"
    );
    assert!(out.contains("`expires_at` in postcal.yaml"), "{out}");
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.path.contains("introspect")),
        "offline"
    );
    let far = format!("\n    expires_at: {}", day(40).format("%Y-%m-%d"));
    let (code, out) = doctor(&fake, &workspace(&fake, None, &far), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok: Ana Lumen") && out.contains("in 3"),
        "{out}"
    );
    assert!(!out.contains("warning"), "{out}");

    // Asked of LinkedIn with the app's credentials, which win.
    handle.set_expiry(day(5) + chrono::Duration::hours(1));
    let app = format!(
        "\n    client_id: {}\n    client_secret: env:FAKE_LINKEDIN_SECRET{far}",
        linkedin::CLIENT_ID
    );
    let ws = workspace(&fake, None, &app);
    let (code, out) = doctor(&fake, &ws, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("expires in 5 days"), "{out}");
    assert!(out.contains("token introspection"), "{out}");
    let asked = fake.requests_to("/oauth/v2/introspectToken");
    assert_eq!(asked.len(), 1);
    assert!(!out.contains(linkedin::CLIENT_SECRET) && !out.contains(linkedin::TOKEN));

    // Run out: a problem.
    handle.set_expiry(day(-1));
    let (code, out) = doctor(&fake, &ws, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("EXPIRED"), "{out}");

    // Nothing recorded: doctor says how it could know.
    let (code, out) = doctor(&fake, &workspace(&fake, None, ""), &["--offline"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("record `expires_at:`"), "{out}");
}

#[test]
fn validate_checks_linkedin_channels_and_counts_as_linkedin_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postcal.yaml"),
        "timezone: UTC\nchannels:\n  ok:\n    platform: linkedin\n    author: urn:li:person:Ab3\n    token: env:T\n  bad:\n    platform: linkedin\n    author: urn:li:company:1\n    token: env:T\n    linkedin_version: \"2026-11\"\n    client_id: abc\n    expires_at: next month\n  pasted:\n    platform: linkedin\n    author: urn:li:organization:1\n    token: env:T\n    client_id: abc\n    client_secret: WPL_AP1.pastedSECRET\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    // 2,990 characters, ten of them reserved: 3,000 as sent. One more
    // reserved one is two more.
    let fits = format!("{}{}", "a".repeat(2980), "#".repeat(10));
    let over = format!("{fits}_");
    std::fs::write(
        dir.path().join("calendars/c.yaml"),
        format!("posts:\n  - id: fits\n    at: 2026-12-10 09:00\n    channels: [ok]\n    text: \"{fits}\"\n  - id: over\n    at: 2026-12-11 09:00\n    channels: [ok]\n    text: \"{over}\"\n"),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("postcal")
        .unwrap()
        .args(["--now", "2026-12-01T10:00:00Z", "--workspace"])
        .arg(dir.path())
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["rule"], f["message"]))
        .collect();
    let has = |s: &str| messages.iter().any(|m| m.contains(s));
    assert!(
        has("`urn:li:company:1` is not a LinkedIn author"),
        "{messages:#?}"
    );
    assert!(
        has("`2026-11` is not a LinkedIn API version"),
        "{messages:#?}"
    );
    assert!(
        has("`client_id` and `client_secret` go together"),
        "{messages:#?}"
    );
    assert!(has("`expires_at` is not a date"), "{messages:#?}");
    assert!(has("literal-secret"), "{messages:#?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("pastedSECRET"));
    let too_long: Vec<&String> = messages.iter().filter(|m| m.contains("too-long")).collect();
    assert_eq!(too_long.len(), 1, "{messages:#?}");
    assert!(
        too_long[0].contains("3002") && too_long[0].contains("linkedin allows 3000"),
        "{too_long:?}"
    );
}
