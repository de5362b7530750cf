//! The Bluesky adapter against a local PDS that follows the atproto contract
//! (tests/support/bluesky.rs; checked against the reference PDS by
//! tests/bluesky_pds.rs).

mod support;

use std::time::Duration;

use postcal::adapters::{ErrorKind, MediaItem, Part, Remote};
use serde_json::Value;
use support::{Behaviour, bluesky};

const CACHE: &str = ".postcal/cache/bluesky-b.json";

fn setup(behaviour: Behaviour) -> (support::Fake, bluesky::Pds, tempfile::TempDir) {
    let (fake, pds) = bluesky::start_with(behaviour);
    let ws = support::workspace(&[("b", "bluesky", &fake)]);
    (fake, pds, ws)
}

fn part<'a>(text: &'a str, rkey: &'a str) -> Part<'a> {
    // On Bluesky a part's key is its record key.
    support::part(text, rkey)
}

/// The record the fake holds under `rkey`.
fn record(fake: &support::Fake, rkey: &str) -> Value {
    (fake.posts)()
        .into_iter()
        .find(|r| r["uri"].as_str().unwrap().ends_with(&format!("/{rkey}")))
        .unwrap_or_else(|| panic!("no record {rkey}"))
}

/// The text each facet covers, with its feature.
fn facet_spans(record: &Value) -> Vec<(String, Value)> {
    let text = record["value"]["text"].as_str().unwrap().as_bytes();
    record["value"]["facets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let (s, e) = (
                f["index"]["byteStart"].as_u64().unwrap() as usize,
                f["index"]["byteEnd"].as_u64().unwrap() as usize,
            );
            (
                String::from_utf8(text[s..e].to_vec()).unwrap(),
                f["features"][0].clone(),
            )
        })
        .collect()
}

#[test]
fn facets_use_utf8_byte_offsets() {
    let (fake, _, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let text =
        "Café ☕ 👩‍🚀 señal: https://example.com/ñ?q=1, hola @ana.test y @nadie.test #Rústico! #1";
    let mut p = part(text, "3lbqtk2zhoq2c");
    p.language = Some("es");
    let remote = adapter.post(&p).unwrap();
    assert_eq!(
        remote.id,
        format!("at://{}/app.bsky.feed.post/3lbqtk2zhoq2c", bluesky::DID)
    );
    assert_eq!(
        remote.url.as_deref(),
        Some("https://bsky.app/profile/lumen.test/post/3lbqtk2zhoq2c")
    );

    let rec = record(&fake, "3lbqtk2zhoq2c");
    let value = &rec["value"];
    assert_eq!(value["$type"], "app.bsky.feed.post");
    assert_eq!(value["text"], text);
    assert_eq!(value["createdAt"], "2026-12-03T08:00:00.000Z");
    assert_eq!(value["langs"], serde_json::json!(["es"]));
    let spans = facet_spans(&rec);
    assert_eq!(
        spans.len(),
        3,
        "the unknown handle and `#1` get no facet: {spans:?}"
    );
    assert_eq!(spans[0].0, "https://example.com/ñ?q=1");
    assert_eq!(spans[0].1["$type"], "app.bsky.richtext.facet#link");
    assert_eq!(spans[0].1["uri"], "https://example.com/ñ?q=1");
    assert_eq!(spans[1].0, "@ana.test");
    assert_eq!(spans[1].1["$type"], "app.bsky.richtext.facet#mention");
    assert_eq!(spans[1].1["did"], bluesky::KNOWN_HANDLES[0].1);
    assert_eq!(spans[2].0, "#Rústico");
    assert_eq!(spans[2].1["$type"], "app.bsky.richtext.facet#tag");
    assert_eq!(spans[2].1["tag"], "Rústico");
    // Exact offsets, computed independently of the adapter.
    let facets = value["facets"].as_array().unwrap();
    let link_start = text.find("https://").unwrap() as u64;
    assert_eq!(facets[0]["index"]["byteStart"], link_start);
    assert_eq!(link_start, 30, "`Café ☕ 👩‍🚀 señal: ` is 30 UTF-8 bytes");
}

#[test]
fn images_carry_alt_text_and_aspect_ratio() {
    let (fake, _, ws) = setup(Behaviour::Ok);
    let png = bluesky::png(64, 48);
    std::fs::write(ws.path().join("wide.png"), &png).unwrap();
    std::fs::write(ws.path().join("tall.png"), bluesky::png(10, 30)).unwrap();
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let media = [
        MediaItem {
            path: ws.path().join("wide.png"),
            name: "wide.png".into(),
            alt: Some("A wide grey gradient".into()),
        },
        MediaItem {
            path: ws.path().join("tall.png"),
            name: "tall.png".into(),
            alt: None,
        },
    ];
    let mut p = part("Two pictures", "3lbqtk2zhoq2c");
    p.media = &media;
    adapter.post(&p).unwrap();

    let uploads = fake.requests_to("com.atproto.repo.uploadBlob");
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[0].headers["content-type"], "image/png");
    assert_eq!(uploads[0].body, png, "raw bytes, not multipart");
    let embed = &record(&fake, "3lbqtk2zhoq2c")["value"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images");
    let images = embed["images"].as_array().unwrap();
    assert_eq!(images[0]["alt"], "A wide grey gradient");
    assert_eq!(
        images[0]["aspectRatio"],
        serde_json::json!({"width": 64, "height": 48})
    );
    assert_eq!(images[1]["alt"], "", "alt is required: empty when missing");
    assert_eq!(
        images[1]["aspectRatio"],
        serde_json::json!({"width": 10, "height": 30})
    );
    assert_eq!(images[0]["image"]["$type"], "blob");
    assert_eq!(images[0]["image"]["mimeType"], "image/png");
}

#[test]
fn threads_reference_root_and_parent_by_uri_and_cid() {
    let (fake, _, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let root = adapter.post(&part("1/3", "3lbqtk2zhoq2c")).unwrap();
    let mut second = part("2/3", "3lbqtk2zhoq2d");
    second.index = 1;
    second.reply_to = Some(&root);
    second.root = Some(&root);
    let middle = adapter.post(&second).unwrap();
    assert!(
        fake.requests_to("getRecord").is_empty(),
        "cids of our own records are remembered"
    );
    // The last part from a new adapter (a later run): it must read the cids back.
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let mut third = part("3/3", "3lbqtk2zhoq2e");
    third.index = 2;
    third.reply_to = Some(&middle);
    third.root = Some(&root);
    adapter.post(&third).unwrap();
    assert_eq!(fake.requests_to("getRecord").len(), 2);

    let (r0, r1, r2) = (
        record(&fake, "3lbqtk2zhoq2c"),
        record(&fake, "3lbqtk2zhoq2d"),
        record(&fake, "3lbqtk2zhoq2e"),
    );
    let strong = |r: &Value| serde_json::json!({"uri": r["uri"], "cid": r["cid"]});
    assert!(r0["value"].get("reply").is_none());
    assert_eq!(r1["value"]["reply"]["root"], strong(&r0));
    assert_eq!(r1["value"]["reply"]["parent"], strong(&r0));
    assert_eq!(r2["value"]["reply"]["root"], strong(&r0));
    assert_eq!(r2["value"]["reply"]["parent"], strong(&r1));
}

#[test]
fn the_session_is_cached_between_runs() {
    let (fake, pds, ws) = setup(Behaviour::Ok);
    support::adapter(ws.path(), "b", &fake.env)
        .post(&part("first run", "3lbqtk2zhoq2c"))
        .unwrap();
    let mut second = support::adapter(ws.path(), "b", &fake.env);
    second.post(&part("second run", "3lbqtk2zhoq2d")).unwrap();
    assert!(second.check().unwrap().starts_with("@lumen.test (did:plc:"));
    assert_eq!(pds.logins(), 1, "one login for two runs");
    assert_eq!((fake.posts)().len(), 2);

    let path = ws.path().join(CACHE);
    assert_eq!(
        std::fs::read_to_string(ws.path().join(".postcal/cache/.gitignore")).unwrap(),
        "*\n",
        "the session never lands in git with the ledger"
    );
    let cached = std::fs::read_to_string(&path).unwrap();
    assert!(cached.contains("accessJwt"));
    assert!(
        !cached.contains(bluesky::APP_PASSWORD),
        "the app password is not cached"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn an_expired_access_token_is_refreshed_not_logged_in_again() {
    let (fake, pds, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    adapter.post(&part("before", "3lbqtk2zhoq2c")).unwrap();
    pds.expire_access_tokens();
    adapter.post(&part("after", "3lbqtk2zhoq2d")).unwrap();
    assert_eq!((pds.logins(), pds.refreshes()), (1, 1));
    let refresh = &fake.requests_to("refreshSession")[0];
    assert!(refresh.headers["authorization"].contains("fake-refresh"));

    // The refreshed session is what the next run finds, and it expires mid-post.
    pds.expire_access_tokens_after(1);
    std::fs::write(ws.path().join("p.png"), bluesky::png(4, 4)).unwrap();
    let media = [MediaItem {
        path: ws.path().join("p.png"),
        name: "p.png".into(),
        alt: None,
    }];
    let mut p = part("with a picture", "3lbqtk2zhoq2e");
    p.media = &media;
    support::adapter(ws.path(), "b", &fake.env)
        .post(&p)
        .unwrap();
    assert_eq!((pds.logins(), pds.refreshes()), (1, 3));
    assert_eq!((fake.posts)().len(), 3);
}

#[test]
fn a_refused_refresh_token_means_logging_in_again() {
    let (fake, pds, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    adapter.post(&part("one", "3lbqtk2zhoq2c")).unwrap();
    pds.expire_access_tokens();
    pds.revoke_refresh_tokens();
    adapter.post(&part("two", "3lbqtk2zhoq2d")).unwrap();
    assert_eq!(pds.logins(), 2);
    assert_eq!((fake.posts)().len(), 2);
}

#[test]
fn posting_the_same_rkey_again_returns_the_existing_record() {
    let (fake, _, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let first = adapter.post(&part("Once", "3lbqtk2zhoq2c")).unwrap();
    let again = adapter.post(&part("Once", "3lbqtk2zhoq2c")).unwrap();
    // And from a later run that knows nothing of the first.
    let later = support::adapter(ws.path(), "b", &fake.env)
        .post(&part("Once", "3lbqtk2zhoq2c"))
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first, later);
    assert_eq!((fake.posts)().len(), 1, "no duplicate");
    assert_eq!(fake.requests_to("createRecord").len(), 3);
}

#[test]
fn an_answer_that_never_comes_is_settled_by_get_record() {
    let (fake, _, ws) = setup(Behaviour::CommitThenHang(Duration::from_secs(4)));
    let remote = support::adapter(ws.path(), "b", &fake.env)
        .post(&part("slow", "3lbqtk2zhoq2c"))
        .unwrap();
    assert!(remote.id.ends_with("/3lbqtk2zhoq2c"));
    assert_eq!((fake.posts)().len(), 1);
}

#[test]
fn a_server_error_without_a_record_is_ambiguous_and_safe_to_resend() {
    let (fake, _, ws) = setup(Behaviour::FailOnceThenOk);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let err = adapter.post(&part("x", "3lbqtk2zhoq2c")).unwrap_err();
    // getRecord found nothing under the key; the 500 stays ambiguous, and
    // the record key makes the resend safe.
    assert_eq!(err.kind, postcal::adapters::ErrorKind::Ambiguous, "{err:?}");
    assert!((fake.posts)().is_empty());
    adapter.post(&part("x", "3lbqtk2zhoq2c")).unwrap();
    assert_eq!((fake.posts)().len(), 1);
}

#[test]
fn lookup_finds_a_record_by_its_key() {
    let (fake, _, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let p = part("Was it posted?", "3lbqtk2zhoq2c");
    assert_eq!(adapter.lookup(&p, p.now).unwrap(), None);
    let posted = adapter.post(&p).unwrap();
    assert_eq!(adapter.lookup(&p, p.now).unwrap(), Some(posted));
    // The record key guards a resend, even while the first may still run.
    assert!(adapter.resend_is_safe(chrono::Duration::zero(), true));
}

#[test]
fn delete_is_idempotent_and_check_names_the_account() {
    let (fake, _, ws) = setup(Behaviour::Ok);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let posted = adapter.post(&part("Bye", "3lbqtk2zhoq2c")).unwrap();
    let now: chrono::DateTime<chrono::Utc> = "2026-12-03T08:00:00Z".parse().unwrap();
    adapter.delete(&posted, now, now).unwrap();
    assert!((fake.posts)().is_empty());
    adapter.delete(&posted, now, now).unwrap();
    let bad = Remote {
        id: "https://bsky.app/profile/lumen.test/post/3lbqtk2zhoq2c".into(),
        url: None,
    };
    assert_eq!(
        adapter.delete(&bad, now, now).unwrap_err().kind,
        ErrorKind::Permanent
    );
    assert_eq!(
        adapter.check().unwrap(),
        format!("@lumen.test ({}) on {}", bluesky::DID, fake.base)
    );
}

#[test]
fn bad_credentials_are_permanent_and_never_shown() {
    let (fake, _, ws) = setup(Behaviour::Unauthorized);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let err = adapter.post(&part("x", "3lbqtk2zhoq2c")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(err.message.contains("HTTP 401"), "{}", err.message);
    assert!(err.message.contains("AuthenticationRequired"));
    assert!(!err.message.contains(bluesky::APP_PASSWORD));
    assert!(!format!("{err:?}").contains(bluesky::APP_PASSWORD));
    assert!(adapter.check().is_err());
    assert!(!ws.path().join(CACHE).exists());
}

#[test]
fn tokens_learnt_at_run_time_are_redacted() {
    // This fake echoes the authorization header back in its error.
    let (fake, _, ws) = setup(Behaviour::Invalid);
    let mut adapter = support::adapter(ws.path(), "b", &fake.env);
    let err = adapter.post(&part("x", "3lbqtk2zhoq2c")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    let cached: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join(CACHE)).unwrap()).unwrap();
    let token = cached["accessJwt"].as_str().unwrap();
    assert!(!err.message.contains(token), "{}", err.message);
    assert!(err.message.contains("[redacted]"), "{}", err.message);
}

#[test]
fn rate_limits_are_transient_with_the_wait() {
    let (fake, _, ws) = setup(Behaviour::RateLimited {
        retry_after_secs: 90,
    });
    let err = support::adapter(ws.path(), "b", &fake.env)
        .post(&part("x", "3lbqtk2zhoq2c"))
        .unwrap_err();
    let ErrorKind::Transient {
        retry_after: Some(wait),
    } = err.kind
    else {
        panic!("{err:?}")
    };
    assert!((80..=91).contains(&wait.as_secs()), "{wait:?}");
}
