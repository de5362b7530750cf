//! The Bluesky adapter against the REAL reference PDS (`@atproto/pds`, see
//! /work/shared/peers/bluesky-pds): what the fake in tests/support/bluesky.rs
//! claims, checked against the real server.
//!
//! Runs when `POSTCAL_PDS_URL` is set (e.g. `http://127.0.0.1:2583`);
//! otherwise it says so and passes, unless `POSTCAL_REQUIRE_PDS=1`, which
//! makes a missing or unreachable PDS a failure (for CI).
//! `POSTCAL_PDS_ADMIN_PASSWORD` overrides the admin password (`admin-pass`).

// The test takes its PDS from the environment and reads the clock for
// `createdAt`: it stands where the CLI does.
#![allow(clippy::disallowed_methods, clippy::print_stderr)]

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postcal::adapters::{Adapter, ErrorKind, MediaItem, Part, Remote};
use postcal::publish::identity::bluesky_rkey;
use reqwest::blocking::Client;
use serde_json::{Value, json};

const PASSWORD_ENV: &str = "PDS_TEST_APP_PASSWORD";
const CHANNEL: &str = "sky";

/// The PDS to test against, or `None` (with a note) when there is none.
fn pds() -> Option<String> {
    let required = std::env::var("POSTCAL_REQUIRE_PDS").is_ok_and(|v| v == "1");
    let Some(url) = std::env::var("POSTCAL_PDS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            !required,
            "POSTCAL_REQUIRE_PDS=1 but POSTCAL_PDS_URL is not set"
        );
        eprintln!("note: POSTCAL_PDS_URL is not set; skipping the real-PDS test");
        return None;
    };
    let url = url.trim_end_matches('/').to_owned();
    let health = client()
        .get(format!("{url}/xrpc/_health"))
        .send()
        .map(|r| r.status().is_success());
    match health {
        Ok(true) => Some(url),
        other if required => panic!("the PDS at {url} is not reachable: {other:?}"),
        other => {
            eprintln!("note: the PDS at {url} is not reachable ({other:?}); skipping");
            None
        }
    }
}

fn client() -> Client {
    postcal::adapters::http::install_tls();
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Call an XRPC procedure with JSON; panic with the body unless it succeeds.
fn xrpc(url: &str, nsid: &str, auth: Option<&str>, body: &Value) -> Value {
    let mut req = client().post(format!("{url}/xrpc/{nsid}")).json(body);
    if let Some(token) = auth {
        req = req.bearer_auth(token);
    }
    let resp = req.send().unwrap();
    let status = resp.status();
    let text = resp.text().unwrap();
    assert!(status.is_success(), "{nsid}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// `getRecord` as anyone reads it: `Ok(record)` or `Err((status, body))`.
fn get_record(url: &str, uri: &str) -> Result<Value, (u16, Value)> {
    let rest = uri.strip_prefix("at://").unwrap();
    let mut it = rest.splitn(3, '/');
    let (repo, collection, rkey) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    let resp = client()
        .get(format!(
            "{url}/xrpc/com.atproto.repo.getRecord?repo={repo}&collection={collection}&rkey={rkey}"
        ))
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().unwrap_or(Value::Null);
    if status == 200 {
        Ok(body)
    } else {
        Err((status, body))
    }
}

struct Account {
    handle: String,
    did: String,
    app_password: String,
}

/// A new account (with an invite code when the PDS wants one) and an app password.
fn create_account(url: &str, name: &str) -> Account {
    let admin = std::env::var("POSTCAL_PDS_ADMIN_PASSWORD").unwrap_or_else(|_| "admin-pass".into());
    let handle = format!("{name}{:06}.test", fastrand::u32(..1_000_000));
    let invite = client()
        .post(format!("{url}/xrpc/com.atproto.server.createInviteCode"))
        .basic_auth("admin", Some(&admin))
        .json(&json!({"useCount": 1}))
        .send()
        .ok()
        .filter(|r| r.status().is_success())
        .and_then(|r| r.json::<Value>().ok())
        .and_then(|v| v["code"].as_str().map(str::to_owned));
    let mut body = json!({
        "handle": handle,
        "email": format!("{handle}@example.invalid"),
        "password": format!("main-{:x}", fastrand::u64(..)),
    });
    if let Some(code) = invite {
        body["inviteCode"] = json!(code);
    }
    let account = xrpc(url, "com.atproto.server.createAccount", None, &body);
    let access = account["accessJwt"].as_str().unwrap();
    let app = xrpc(
        url,
        "com.atproto.server.createAppPassword",
        Some(access),
        &json!({"name": "postcal"}),
    );
    Account {
        handle,
        did: account["did"].as_str().unwrap().to_owned(),
        app_password: app["password"].as_str().unwrap().to_owned(),
    }
}

/// A workspace with one bluesky channel for `account` on the PDS.
fn workspace(url: &str, handle: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "timezone: UTC\nchannels:\n  {CHANNEL}:\n    platform: bluesky\n    handle: {handle}\n    app_password: env:{PASSWORD_ENV}\n    service: {url}\n"
    );
    std::fs::write(dir.path().join("postcal.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    dir
}

fn adapter(root: &Path, env: &HashMap<String, String>) -> Box<dyn Adapter> {
    let ws = postcal::calendar::load(root, "2026-12-01T00:00:00Z".parse().unwrap()).unwrap();
    let channel = ws.config.channels.get(CHANNEL).unwrap();
    let timeouts = postcal::adapters::http::Timeouts {
        connect: Duration::from_secs(5),
        total: Duration::from_secs(20),
    };
    postcal::adapters::for_channel(
        root,
        channel,
        env,
        timeouts,
        support::TEST_NOW.parse().unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn part<'a>(
    post: &'a str,
    index: u32,
    text: &'a str,
    rkey: &'a str,
    now: DateTime<Utc>,
) -> Part<'a> {
    Part {
        post,
        channel: CHANNEL,
        index,
        text,
        cw: None,
        language: Some("es"),
        media: &[],
        reply_to: None,
        root: None,
        key: rkey,
        prepared: None,
        media_base: None,
        now,
    }
}

/// The text each facet covers, with its feature.
fn facet_spans(value: &Value) -> Vec<(String, Value)> {
    let text = value["text"].as_str().unwrap().as_bytes();
    value["facets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = f["index"]["byteStart"].as_u64().unwrap() as usize;
            let e = f["index"]["byteEnd"].as_u64().unwrap() as usize;
            (
                String::from_utf8(text[s..e].to_vec()).unwrap(),
                f["features"][0].clone(),
            )
        })
        .collect()
}

#[test]
fn posts_reads_back_looks_up_and_deletes_on_a_real_pds() {
    let Some(url) = pds() else { return };
    let me = create_account(&url, "postcal");
    let friend = create_account(&url, "friend");
    let ws = workspace(&url, &me.handle);
    let env: HashMap<String, String> = [(PASSWORD_ENV.to_owned(), me.app_password.clone())].into();
    let mut sky = adapter(ws.path(), &env);
    let now = Utc::now();
    let rkey = |post: &str, part: u32| bluesky_rkey(post, CHANNEL, part, now);

    // check: who the credentials belong to.
    let who = sky.check().unwrap();
    assert!(
        who.starts_with(&format!("@{} ({}) on {url}", me.handle, me.did)),
        "{who}"
    );
    // The reference PDS's refresh tokens last 90 days: doctor says until when.
    assert!(who.contains("; session renewable until 20"), "{who}");

    // Text with facets after multibyte characters.
    let text = format!(
        "Café ☕ 👩‍🚀 señal: https://example.com/ñ?q=1, hola @{} y @nadie.test #Rústico!",
        friend.handle
    );
    let k_text = rkey("facets", 0);
    let p_text = part("facets", 0, &text, &k_text, now);
    assert_eq!(sky.lookup(&p_text, now).unwrap(), None, "not posted yet");
    let r_text = sky.post(&p_text).unwrap();
    assert_eq!(
        r_text.id,
        format!("at://{}/app.bsky.feed.post/{k_text}", me.did)
    );
    assert_eq!(
        r_text.url.as_deref(),
        Some(format!("https://bsky.app/profile/{}/post/{k_text}", me.handle).as_str())
    );
    let got = get_record(&url, &r_text.id).unwrap();
    let value = &got["value"];
    assert_eq!(value["text"], text.as_str());
    assert_eq!(value["langs"], json!(["es"]));
    assert!(value["createdAt"].as_str().unwrap().ends_with('Z'));
    let spans = facet_spans(value);
    assert_eq!(spans.len(), 3, "{spans:?}");
    assert_eq!(spans[0].0, "https://example.com/ñ?q=1");
    assert_eq!(spans[0].1["uri"], "https://example.com/ñ?q=1");
    assert_eq!(spans[1].0, format!("@{}", friend.handle));
    assert_eq!(spans[1].1["did"], friend.did.as_str());
    assert_eq!(spans[2].0, "#Rústico");
    assert_eq!(spans[2].1["tag"], "Rústico");
    let facets = value["facets"].as_array().unwrap();
    assert_eq!(facets[0]["index"]["byteStart"], text.find("https").unwrap());
    assert_eq!(
        facets[1]["index"]["byteEnd"],
        text.find(" y @nadie").unwrap()
    );

    // An image with alt text and its aspect ratio.
    std::fs::write(ws.path().join("grey.png"), support::bluesky::png(64, 48)).unwrap();
    let media = [MediaItem {
        path: ws.path().join("grey.png"),
        name: "grey.png".into(),
        alt: Some("A grey gradient".into()),
    }];
    let k_image = rkey("image", 0);
    let mut p_image = part("image", 0, "Una imagen", &k_image, now);
    p_image.media = &media;
    let r_image = sky.post(&p_image).unwrap();
    let embed = &get_record(&url, &r_image.id).unwrap()["value"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images");
    assert_eq!(embed["images"][0]["alt"], "A grey gradient");
    assert_eq!(
        embed["images"][0]["aspectRatio"],
        json!({"width": 64, "height": 48})
    );
    assert_eq!(embed["images"][0]["image"]["mimeType"], "image/png");

    // A two-part thread; the second part from a new adapter (a later run).
    let k_root = rkey("thread", 0);
    let r_root = sky
        .post(&part("thread", 0, "Hilo 1/2", &k_root, now))
        .unwrap();
    let k_reply = rkey("thread", 1);
    let mut p_reply = part("thread", 1, "Hilo 2/2", &k_reply, now);
    p_reply.reply_to = Some(&r_root);
    p_reply.root = Some(&r_root);
    let r_reply = adapter(ws.path(), &env).post(&p_reply).unwrap();
    let root_rec = get_record(&url, &r_root.id).unwrap();
    let reply = &get_record(&url, &r_reply.id).unwrap()["value"]["reply"];
    let strong = json!({"uri": r_root.id, "cid": root_rec["cid"]});
    assert_eq!(reply["root"], strong);
    assert_eq!(reply["parent"], strong);

    // The same record key again: the real PDS refuses it (HTTP 500), the
    // adapter finds the record and reports it as posted; nothing is duplicated.
    let again = adapter(ws.path(), &env).post(&p_text).unwrap();
    assert_eq!(again, r_text);
    assert_eq!(count_posts(&url, &me.did), 4);

    // A cached access token the PDS refuses: refreshed, and the cache updated.
    let cache = ws
        .path()
        .join(format!(".postcal/cache/bluesky-{CHANNEL}.json"));
    let mut cached: Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    let old_refresh = cached["refreshJwt"].clone();
    cached["accessJwt"] = json!("eyJ.not-a-valid-token");
    std::fs::write(&cache, cached.to_string()).unwrap();
    let mut refreshed = adapter(ws.path(), &env);
    assert!(refreshed.check().unwrap().contains(&me.did));
    let cached: Value = serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_ne!(cached["accessJwt"], "eyJ.not-a-valid-token");
    assert_ne!(
        cached["refreshJwt"], old_refresh,
        "refreshSession rotates the refresh token"
    );

    // lookup finds what was posted.
    assert_eq!(
        refreshed.lookup(&p_text, now).unwrap(),
        Some(r_text.clone())
    );
    assert_eq!(
        refreshed.lookup(&p_reply, now).unwrap(),
        Some(r_reply.clone())
    );

    // Delete everything; deleting twice is fine; then nothing is found.
    let then = Utc::now();
    for remote in [&r_text, &r_image, &r_reply, &r_root] {
        refreshed.delete(remote, then, then).unwrap();
        let (status, body) = get_record(&url, &remote.id).unwrap_err();
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("RecordNotFound"))
        );
    }
    refreshed.delete(&r_text, then, then).unwrap();
    assert_eq!(refreshed.lookup(&p_text, now).unwrap(), None);
    assert_eq!(count_posts(&url, &me.did), 0);
}

#[test]
fn wrong_credentials_are_permanent_and_never_shown_on_a_real_pds() {
    let Some(url) = pds() else { return };
    let me = create_account(&url, "wrongpw");
    let ws = workspace(&url, &me.handle);
    let wrong = "zzzz-zzzz-zzzz-zzzz";
    let env: HashMap<String, String> = [(PASSWORD_ENV.to_owned(), wrong.to_owned())].into();
    let err = adapter(ws.path(), &env).check().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent, "{err:?}");
    assert!(err.message.contains("HTTP 401"), "{}", err.message);
    assert!(!err.message.contains(wrong), "{}", err.message);
    let missing = Remote {
        id: format!("at://{}/app.bsky.feed.post/3lbqtk2zhoq2c", me.did),
        url: None,
    };
    let env: HashMap<String, String> = [(PASSWORD_ENV.to_owned(), me.app_password.clone())].into();
    let mut sky = adapter(ws.path(), &env);
    let now = Utc::now();
    let mut p = part("reply", 1, "a reply to nothing", "3lbqtk2zhoq2d", now);
    p.reply_to = Some(&missing);
    p.root = Some(&missing);
    let err = sky.post(&p).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent, "{err:?}");
}

fn count_posts(url: &str, did: &str) -> usize {
    let body: Value = client()
        .get(format!(
            "{url}/xrpc/com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post&limit=100"
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    body["records"].as_array().unwrap().len()
}

/// `postcal publish --format json --now NOW` in `root` with the app password
/// in the environment: exit code, report and stderr. The password is never
/// printed.
fn publish(root: &Path, password: &str, now: &str) -> (Option<i32>, Value, String) {
    let out = assert_cmd::Command::cargo_bin("postcal")
        .unwrap()
        .env(PASSWORD_ENV, password)
        .arg("--workspace")
        .arg(root)
        .args(["publish", "--format", "json", "--now", now])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stdout.contains(password) && !stderr.contains(password));
    (
        out.status.code(),
        serde_json::from_str::<Value>(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

/// The at-uris `postcal publish` recorded in the ledger, in order.
fn published_uris(root: &Path) -> Vec<String> {
    let ledger = std::fs::read_to_string(root.join(".postcal/ledger.jsonl")).unwrap();
    ledger
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["event"] == "published")
        .map(|r| r["remote_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The whole flow through the binary: `postcal publish` posts a thread with
/// facets and an image to the real PDS, the records read back as the
/// calendar says, and `status: retracted` deletes them on the next run.
#[test]
fn postcal_publish_then_retract_on_a_real_pds() {
    let Some(url) = pds() else { return };
    let friend = create_account(&url, "friend");
    let me = create_account(&url, "brand");
    let ws = workspace(&url, &me.handle);
    std::fs::create_dir(ws.path().join("media")).unwrap();
    std::fs::write(
        ws.path().join("media/cup.png"),
        support::bluesky::png(64, 48),
    )
    .unwrap();
    let calendar = format!(
        "posts:\n  - id: launch\n    at: 2026-12-01T09:00:00Z\n    status: approved\n    channels: [{CHANNEL}]\n    language: en\n    text: \"Winter Blend ☕ is out: https://lumen.example/winter with @{} #WinterBlend\"\n    media:\n      - {{ file: media/cup.png, alt: A cup of coffee }}\n    thread: [\"Tasting notes: dark chocolate.\"]\n",
        friend.handle
    );
    std::fs::write(ws.path().join("calendars/c.yaml"), &calendar).unwrap();
    let publish = |now: &str| publish(ws.path(), &me.app_password, now);
    let (code, report, stderr) = publish("2026-12-01T09:05:00Z");
    assert_eq!(code, Some(0), "{report} {stderr}");
    assert_eq!(report["deliveries"][0]["outcome"], "published", "{report}");
    assert!(
        report["deliveries"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://bsky.app/profile/")
    );

    let uris = published_uris(ws.path());
    assert_eq!(uris.len(), 2);
    let first = get_record(&url, &uris[0]).unwrap();
    let second = get_record(&url, &uris[1]).unwrap();
    let post = &first["value"];
    assert!(
        post["text"]
            .as_str()
            .unwrap()
            .starts_with("Winter Blend ☕ is out: https://lumen.example/winter")
    );
    assert_eq!(post["langs"], json!(["en"]));
    let kinds: Vec<String> = facet_spans(post)
        .into_iter()
        .map(|(_, feature)| feature["$type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        kinds.iter().any(|k| k.ends_with("#link"))
            && kinds.iter().any(|k| k.ends_with("#mention"))
            && kinds.iter().any(|k| k.ends_with("#tag")),
        "{kinds:?}"
    );
    assert_eq!(post["embed"]["images"][0]["alt"], "A cup of coffee");
    assert_eq!(
        post["embed"]["images"][0]["aspectRatio"],
        json!({"width": 64, "height": 48})
    );
    let reply = &second["value"]["reply"];
    assert_eq!(reply["root"]["uri"], first["uri"]);
    assert_eq!(reply["parent"]["cid"], first["cid"]);

    // A second run posts nothing; it finds the session in the cache.
    let (code, report, _) = publish("2026-12-01T09:06:00Z");
    assert_eq!(
        (code, report["deliveries"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );

    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        calendar.replace("approved", "retracted"),
    )
    .unwrap();
    let (code, report, stderr) = publish("2026-12-01T10:00:00Z");
    assert_eq!(code, Some(0), "{report} {stderr}");
    assert_eq!(report["deliveries"][0]["outcome"], "retracted", "{report}");
    for uri in &uris {
        let (status, body) = get_record(&url, uri).unwrap_err();
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("RecordNotFound"))
        );
    }
}

/// Bare domains through the binary: the PDS accepts the facets and reads them
/// back as the official app would make them (`https://` in front, the text as
/// written, the TLD checked), with `httpbin.org` as a valid `https://` URI;
/// UTM parameters go only on the link written with `https://`.
#[test]
fn postcal_publish_links_bare_domains_on_a_real_pds() {
    let Some(url) = pds() else { return };
    let me = create_account(&url, "bare");
    let ws = workspace(&url, &me.handle);
    let config = ws.path().join("postcal.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap();
    yaml.push_str("links:\n  utm: { utm_source: \"{platform}\" }\n");
    std::fs::write(&config, yaml).unwrap();
    let calendar = format!(
        "posts:\n  - id: deals\n    at: 2026-12-01T09:00:00Z\n    status: approved\n    channels: [{CHANNEL}]\n    text: \"Deals ☕ at shop.example.com/deals, bit.ly/3xYzAbc (example.co.uk) and httpbin.org. Not example.zzz; see https://lumen.example/winter\"\n"
    );
    std::fs::write(ws.path().join("calendars/c.yaml"), calendar).unwrap();
    let (code, report, stderr) = publish(ws.path(), &me.app_password, "2026-12-01T09:05:00Z");
    assert_eq!(code, Some(0), "{report} {stderr}");
    assert_eq!(report["deliveries"][0]["outcome"], "published", "{report}");

    let uris = published_uris(ws.path());
    let post = &get_record(&url, &uris[0]).unwrap()["value"];
    assert_eq!(
        post["text"],
        "Deals ☕ at shop.example.com/deals, bit.ly/3xYzAbc (example.co.uk) and httpbin.org. \
         Not example.zzz; see https://lumen.example/winter?utm_source=bluesky"
    );
    let links: Vec<(String, String)> = facet_spans(post)
        .into_iter()
        .map(|(span, feature)| {
            assert_eq!(feature["$type"], "app.bsky.richtext.facet#link");
            (span, feature["uri"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [
        ("shop.example.com/deals", "https://shop.example.com/deals"),
        ("bit.ly/3xYzAbc", "https://bit.ly/3xYzAbc"),
        ("example.co.uk", "https://example.co.uk"),
        ("httpbin.org", "https://httpbin.org"),
        (
            "https://lumen.example/winter?utm_source=bluesky",
            "https://lumen.example/winter?utm_source=bluesky",
        ),
    ]
    .map(|(s, u)| (s.to_owned(), u.to_owned()));
    assert_eq!(links, expected);
}
