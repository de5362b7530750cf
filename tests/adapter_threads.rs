//! The Threads adapter through `postcal publish` (the binary) against a
//! local server that follows the Threads API's contract
//! (tests/support/threads.rs), with the workspace's media served by
//! another local server acting as `media_base_url`: text posts and
//! threads, images with alt text (the fake fetches them), carousels, a
//! publish too early, the quota, unclear answers, crashes between the
//! container and its publication, retraction, metrics and doctor.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::threads::{self, Account, TOKEN, USER_ID};
use support::{Behaviour, Fake, server::Server};

const NOW: &str = "2026-12-01T10:00:00+01:00";

/// A workspace with one Threads channel `th` on `fake`, its folder served
/// at `media_base_url` by a server of its own.
struct Ws {
    dir: tempfile::TempDir,
    _media: Server,
}

fn workspace(fake: &Fake, account: &Account) -> Ws {
    account.set_clock(NOW.parse().unwrap());
    let dir = support::workspace(&[("th", "threads", fake)]);
    let media = threads::serve_dir(dir.path().to_path_buf());
    let config = dir.path().join("postcal.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("media_base_url: {}\n{text}", media.base)).unwrap();
    std::fs::create_dir(dir.path().join("media")).unwrap();
    Ws { dir, _media: media }
}

impl Ws {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn calendar(&self, posts: &str) {
        std::fs::write(self.root().join("calendars/c.yaml"), posts).unwrap();
    }

    fn ledger(&self) -> Vec<Value> {
        std::fs::read_to_string(self.root().join(".postcal/ledger.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The `published` records' remote ids, by part.
    fn published(&self) -> Vec<String> {
        self.ledger()
            .iter()
            .filter(|r| r["event"] == "published")
            .map(|r| r["remote_id"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn command(root: &Path, fake: &Fake, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postcal"));
    cmd.env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE")
        .envs(&fake.env)
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Run postcal: exit code, stdout and stderr together.
fn run(root: &Path, fake: &Fake, args: &[&str]) -> (i32, String) {
    let out = command(root, fake, args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(TOKEN), "the token was printed: {text}");
    (out.status.code().unwrap_or(-1), text)
}

fn publish(ws: &Ws, fake: &Fake, now: &str) -> (i32, String) {
    run(
        ws.root(),
        fake,
        &["publish", "--format", "json", "--now", now],
    )
}

/// A workspace whose one post is `A cup` with the image `media/a.png`.
fn one_image(fake: &Fake, account: &Account) -> Ws {
    let ws = workspace(fake, account);
    png(&ws, "a.png", 2);
    ws.calendar(&post(
        "A cup",
        "    media:\n      - file: media/a.png\n        alt: A cup\n",
    ));
    ws
}

/// `POST /{user}/threads_publish` requests received.
fn publishes(fake: &Fake) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/threads_publish"))
        .count()
}

fn post(text: &str, extra: &str) -> String {
    format!(
        "posts:\n  - id: launch\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [th]\n    text: {text}\n{extra}"
    )
}

fn png(ws: &Ws, name: &str, size: u32) -> Vec<u8> {
    let bytes = support::png::png(size, size);
    std::fs::write(ws.root().join("media").join(name), &bytes).unwrap();
    bytes
}

#[test]
fn a_text_post_and_its_thread_chain_each_part_to_the_one_before() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    ws.calendar(&post(
        "Winter Blend is here ☕",
        "    thread: [Doors open at 9., See you there!]\n",
    ));
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    let posts = account.posts();
    assert_eq!(posts.len(), 3, "{posts:?}");
    assert_eq!(posts[0].reply_to, None);
    assert_eq!(posts[1].reply_to.as_ref(), Some(&posts[0].id));
    assert_eq!(
        posts[2].reply_to.as_ref(),
        Some(&posts[1].id),
        "each part replies to the one before"
    );
    assert_eq!(posts[0].text, "Winter Blend is here ☕");
    let ids: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ws.published(), ids, "the ledger has the media ids");
    for r in fake.requests() {
        assert_eq!(
            r.headers.get("authorization").map(String::as_str),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(!r.query.contains(TOKEN) && !r.body_text().contains(TOKEN));
    }
    let creates = fake.requests_to(&format!("/v1.0/{USER_ID}/threads"));
    let form = creates.iter().find(|r| r.method == "POST").unwrap().form();
    assert!(
        form.contains(&("auto_publish_text".into(), "true".into())),
        "{form:?}"
    );
    assert!(form.iter().all(|(k, _)| k != "alt_text"));
    assert!(
        fake.requests_to("threads_publishing_limit").len() >= 3,
        "the quota is read before each part"
    );
}

#[test]
fn an_image_goes_out_from_media_base_url_with_its_alt_text() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    let bytes = png(&ws, "cup of coffee.png", 3);
    ws.calendar(&post(
        "Our new cup",
        "    media:\n      - file: media/cup of coffee.png\n        alt: A white cup on a yellow table\n",
    ));
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    let posts = account.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].media,
        vec![bytes],
        "Threads fetched the file itself"
    );
    assert_eq!(
        posts[0].alts,
        vec![Some("A white cup on a yellow table".to_owned())]
    );
    let containers = account.containers();
    let (container, c) = containers.iter().next().unwrap();
    assert!(
        c.url
            .as_deref()
            .unwrap()
            .ends_with("/media/cup%20of%20coffee.png"),
        "{:?}",
        c.url
    );
    // The container was on disk before the publish, and the post is the media id.
    let ledger = ws.ledger();
    let named = ledger
        .iter()
        .position(|r| r["container"] == container.as_str())
        .expect("container recorded");
    let published = ledger
        .iter()
        .position(|r| r["event"] == "published")
        .unwrap();
    assert!(named < published);
    assert_eq!(ws.published(), [posts[0].id.clone()]);
    assert_ne!(&posts[0].id, container, "never the container id");
}

#[test]
fn a_carousel_is_its_children_then_one_post() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    let (a, b) = (png(&ws, "a.png", 2), png(&ws, "b.png", 4));
    ws.calendar(&post(
        "Two cups",
        "    media:\n      - file: media/a.png\n        alt: One\n      - file: media/b.png\n        alt: Two\n",
    ));
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    let posts = account.posts();
    assert_eq!(posts.len(), 1, "the children are not posts");
    assert_eq!(posts[0].media_type, "CAROUSEL_ALBUM");
    assert_eq!(posts[0].media, vec![a, b]);
    assert_eq!(posts[0].alts, vec![Some("One".into()), Some("Two".into())]);
}

#[test]
fn a_publish_too_early_is_waited_out_and_posts_once() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    png(&ws, "a.png", 2);
    ws.calendar(&post(
        "Fresh",
        "    media:\n      - file: media/a.png\n        alt: A cup\n",
    ));
    account.not_propagated(1);
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        publishes(&fake),
        2,
        "refused once with 4279009, then published"
    );
    assert_eq!(account.posts().len(), 1);
    assert_eq!(account.containers().len(), 1, "the same container");
}

#[test]
fn a_used_up_quota_holds_the_post_and_sends_nothing() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    account.published_before(250, chrono::Duration::hours(3));
    ws.calendar(&post("One too many", ""));
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Threads quota: 250 of 250 posts used in the last 24 h"),
        "{out}"
    );
    assert_eq!(fake.create_requests(), 0, "nothing sent");
    let last = ws.ledger().pop().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["transient"].as_bool()),
        (Some("failed"), Some(true))
    );
    // A day on, the quota has freed: it goes out (inside its catch-up window).
    account.advance(chrono::Duration::hours(22));
    let (code, out) = publish(&ws, &fake, "2026-12-01T10:30:00+01:00");
    assert_eq!(code, 0, "{out}");
    assert_eq!(account.posts().len(), 251);
}

#[test]
fn a_create_or_publish_answered_500_is_settled_without_a_second_post() {
    // A text post's one call answered 500 after it made the post: found
    // among the account's posts.
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    fake.control
        .plan("Winter Blend", [Behaviour::CommitThenFail(500)]);
    ws.calendar(&post("Winter Blend", ""));
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    assert_eq!((fake.create_requests(), account.posts().len()), (1, 1));
    assert_eq!(ws.published(), [account.posts()[0].id.clone()]);

    // An image whose publish answered 500 after publishing: its container
    // says PUBLISHED, and the media id comes from the account's posts.
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = one_image(&fake, &account);
    account.script_publish([Behaviour::CommitThenFail(500)]);
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    assert_eq!(publishes(&fake), 1, "not published again");
    assert_eq!(account.posts().len(), 1);
    assert_eq!(ws.published(), [account.posts()[0].id.clone()]);

    // A container create answered 500: no post exists, so a new container
    // is made; the first is never published.
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = one_image(&fake, &account);
    fake.control.plan("A cup", [Behaviour::CommitThenFail(500)]);
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    assert_eq!((account.containers().len(), account.posts().len()), (2, 1));
}

/// Start a publish, wait until `ready` says so, and kill it (SIGKILL).
fn kill_when(ws: &Ws, fake: &Fake, ready: impl Fn() -> bool) {
    let mut child = command(ws.root(), fake, &["publish", "--now", NOW])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "the run never got there");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn killed_between_the_container_and_its_publication_the_next_run_publishes_that_container() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = one_image(&fake, &account);
    // Processing never ends while the run waits: it dies in between.
    account.ready_after(u32::MAX);
    kill_when(&ws, &fake, || {
        ws.ledger().iter().any(|r| r.get("container").is_some())
    });
    assert!(publishes(&fake) == 0);
    account.ready_after(0);
    let later = "2026-12-01T10:05:00+01:00";
    let (code, out) = publish(&ws, &fake, later);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        (account.containers().len(), account.posts().len()),
        (1, 1),
        "that container, once"
    );
    assert_eq!(ws.published(), [account.posts()[0].id.clone()]);
}

#[test]
fn killed_after_the_publication_the_next_run_records_the_media_id() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = one_image(&fake, &account);
    account.script_publish([Behaviour::CommitThenHang(Duration::from_secs(60))]);
    kill_when(&ws, &fake, || !account.posts().is_empty());
    assert!(ws.published().is_empty());
    // The killed run's request ends on the server.
    fake.advance(Duration::from_secs(61));
    fake.settle(Duration::from_secs(10));
    let later = "2026-12-01T10:05:00+01:00";
    let (code, out) = publish(&ws, &fake, later);
    assert_eq!(code, 0, "{out}");
    assert_eq!(publishes(&fake), 1, "not published again");
    let posts = account.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        ws.published(),
        [posts[0].id.clone()],
        "the media id, not the container's"
    );
    fake.settle(Duration::from_secs(70));
}

#[test]
fn a_retracted_post_is_deleted_and_metrics_and_doctor_work() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    let calendar = post("Winter Blend", "    thread: [Doors open at 9.]\n");
    ws.calendar(&calendar);
    let (code, out) = publish(&ws, &fake, NOW);
    assert_eq!(code, 0, "{out}");
    let id = account.posts()[0].id.clone();
    account.engage(&id, [25, 4, 3, 1, 900]);
    let (code, out) = run(
        ws.root(),
        &fake,
        &["metrics", "pull", "--now", "2026-12-02T08:00:00+01:00"],
    );
    assert_eq!(code, 0, "{out}");
    let metrics = std::fs::read_to_string(ws.root().join(".postcal/metrics.jsonl")).unwrap();
    let first: Value =
        serde_json::from_str(metrics.lines().find(|l| l.contains(&id)).unwrap()).unwrap();
    assert_eq!(
        first["metrics"],
        serde_json::json!({"likes": 25, "replies": 4, "reposts": 3, "quotes": 1, "views": 900})
    );

    let (code, out) = run(ws.root(), &fake, &["doctor"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("@lumen.coffee"), "{out}");

    ws.calendar(&calendar.replace("approved", "retracted"));
    let (code, out) = publish(&ws, &fake, "2026-12-01T10:30:00+01:00");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"retracted\""), "{out}");
    assert!(account.posts().is_empty(), "post and reply deleted");
    // A post deleted there is gone for metrics.
    let (code, out) = run(
        ws.root(),
        &fake,
        &["metrics", "pull", "--now", "2026-12-03T08:00:00+01:00"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn validate_counts_as_threads_does_and_says_what_is_missing() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    let emoji = "😀".repeat(125);
    let long = "a".repeat(501);
    let mut posts = format!(
        "posts:\n  - id: emoji\n    at: 2026-12-05 09:00\n    status: approved\n    channels: [th]\n    text: \"{emoji}\"\n  - id: long\n    at: 2026-12-05 10:00\n    status: approved\n    channels: [th]\n    text: {long}\n  - id: pic\n    at: 2026-12-05 11:00\n    status: approved\n    channels: [th]\n    text: A cup\n    media:\n      - file: media/a.png\n        alt: A cup\n"
    );
    for i in 0..251 {
        posts.push_str(&format!(
            "  - id: burst-{i}\n    at: 2026-12-10 {:02}:{:02}\n    status: approved\n    channels: [th]\n    text: Burst {i}\n",
            i / 60 % 24,
            i % 60
        ));
    }
    png(&ws, "a.png", 2);
    ws.calendar(&posts);
    // Without media_base_url, the media has nowhere to be fetched from.
    let config = ws.root().join("postcal.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.lines().skip(1).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let (code, out) = run(
        ws.root(),
        &fake,
        &["validate", "--now", "2026-12-01T08:00:00Z"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("`emoji`"), "125 emoji are 500 bytes: {out}");
    assert!(
        out.contains("text is 501 characters on th (threads allows 500)"),
        "{out}"
    );
    assert!(
        out.contains("calendars/c.yaml:18:"),
        "at the media line: {out}"
    );
    assert!(out.contains("media_base_url"), "{out}");
    assert!(out.contains("`burst-250` is post 251 on th"), "{out}");
    assert_eq!(out.matches("publish-quota").count(), 1, "{out}");
}

#[test]
fn media_base_url_must_be_a_plain_http_address() {
    let (fake, account) = threads::start_with(Behaviour::Ok);
    let ws = workspace(&fake, &account);
    let config = ws.root().join("postcal.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let rest: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    for (bad, said) in [
        ("https://user:hunter2@cdn.example/", "carries credentials"),
        ("https://cdn.example/?sig=1", "query"),
        ("ftp://cdn.example/", "http(s)"),
    ] {
        std::fs::write(&config, format!("media_base_url: {bad}\n{rest}")).unwrap();
        let (code, out) = run(ws.root(), &fake, &["validate"]);
        assert_ne!(code, 0, "{bad}: {out}");
        assert!(out.contains(said), "{bad}: {out}");
        assert!(
            !out.contains("hunter2") || out.contains("media_base_url: https://user:"),
            "{out}"
        );
    }
}
