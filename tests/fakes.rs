//! The fakes themselves: the Mastodon fake keeps `Idempotency-Key`s as the
//! real server does (PLATFORMS.md §1: looked up when a request starts,
//! stored once the status exists, per account, for an hour), on a clock the
//! test moves.

mod support;

use std::time::Duration;

use reqwest::blocking::{Client, Response};
use support::{Behaviour, Fake, mastodon};

fn create(fake: &Fake, token: &str, key: &str, text: &str) -> Response {
    Client::new()
        .post(format!("{}/api/v1/statuses", fake.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .form(&[("status", text)])
        .send()
        .unwrap()
}

/// The id of the status a successful create returned.
fn id(response: Response) -> String {
    assert_eq!(response.status(), 200);
    let status: serde_json::Value = response.json().unwrap();
    status["id"].as_str().unwrap().to_owned()
}

/// Start a create that stays inside the server for ten (fake) minutes
/// before it makes the status; returns once the server has it.
fn start_slow_create(fake: &Fake) -> std::thread::JoinHandle<Response> {
    fake.control
        .script([Behaviour::Slow(Duration::from_secs(600))]);
    let (base, before) = (fake.base.clone(), fake.create_requests());
    let first = std::thread::spawn(move || {
        Client::new()
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(mastodon::TOKEN)
            .header("Idempotency-Key", "k")
            .form(&[("status", "Hello")])
            .send()
            .unwrap()
    });
    while fake.create_requests() == before {
        std::thread::sleep(Duration::from_millis(5));
    }
    first
}

#[test]
fn a_key_is_stored_only_once_its_status_exists() {
    let fake = mastodon::start(Behaviour::Ok);
    let first = start_slow_create(&fake);
    // The first request is still creating: the key is not there yet.
    let second = id(create(&fake, mastodon::TOKEN, "k", "Hello"));
    fake.advance(Duration::from_secs(600));
    let first = id(first.join().unwrap());
    assert_ne!(first, second, "two overlapping requests, two statuses");
    assert_eq!(fake.created(), 2);
    // Both have finished: a repeat gets the status last stored under the key.
    assert_eq!(id(create(&fake, mastodon::TOKEN, "k", "Hello")), first);
    assert_eq!(fake.created(), 2);
}

#[test]
fn a_repeat_returns_the_original_for_an_hour_then_posts_again() {
    let fake = mastodon::start(Behaviour::Ok);
    let original = id(create(&fake, mastodon::TOKEN, "k", "Hello"));
    fake.advance(Duration::from_secs(59 * 60));
    assert_eq!(id(create(&fake, mastodon::TOKEN, "k", "Hello")), original);
    fake.advance(Duration::from_secs(60));
    let again = id(create(&fake, mastodon::TOKEN, "k", "Hello"));
    assert_ne!(again, original, "the key expired after an hour");
    assert_eq!(fake.created_for("Hello"), 2);
    assert_eq!(fake.create_requests_for("Hello"), 3);
}

#[test]
fn a_key_is_per_account() {
    let fake = mastodon::start(Behaviour::Ok);
    let mine = id(create(&fake, mastodon::TOKEN, "k", "Hello"));
    let theirs = id(create(&fake, mastodon::OTHER_TOKEN, "k", "Hello"));
    assert_ne!(mine, theirs);
    assert_eq!(id(create(&fake, mastodon::TOKEN, "k", "Hello")), mine);
}

#[test]
fn a_key_whose_status_was_deleted_answers_404() {
    let fake = mastodon::start(Behaviour::Ok);
    let original = id(create(&fake, mastodon::TOKEN, "k", "Hello"));
    let deleted = Client::new()
        .delete(format!("{}/api/v1/statuses/{original}", fake.base))
        .bearer_auth(mastodon::TOKEN)
        .send()
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let repeat = create(&fake, mastodon::TOKEN, "k", "Hello");
    assert_eq!(repeat.status(), 404);
    assert_eq!(repeat.text().unwrap(), r#"{"error":"Record not found"}"#);
}

#[test]
fn a_failure_after_the_status_exists_keeps_the_key() {
    let fake = mastodon::start(Behaviour::CommitThenFail(502));
    let failed = create(&fake, mastodon::TOKEN, "k", "Hello");
    assert_eq!(failed.status(), 502);
    assert_eq!(failed.text().unwrap(), r#"{"error":"Bad Gateway"}"#);
    (fake.set_behaviour)(Behaviour::Ok);
    let status = id(create(&fake, mastodon::TOKEN, "k", "Hello"));
    assert_eq!((fake.posts)()[0]["id"], status.as_str());
    assert_eq!(fake.created(), 1);
}

#[test]
fn with_the_newer_servers_lock_an_overlapping_request_gets_503() {
    let (fake, instance) = mastodon::start_with(Behaviour::Ok);
    instance.lock_keys(true);
    let first = start_slow_create(&fake);
    let second = create(&fake, mastodon::TOKEN, "k", "Hello");
    assert_eq!(second.status(), 503);
    assert!(second.headers().get("retry-after").is_none());
    fake.advance(Duration::from_secs(600));
    let first = id(first.join().unwrap());
    assert_eq!(fake.created(), 1);
    assert_eq!(id(create(&fake, mastodon::TOKEN, "k", "Hello")), first);
}

#[test]
fn the_account_lists_its_statuses_newest_first() {
    let fake = mastodon::start(Behaviour::Ok);
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        id(create(&fake, mastodon::TOKEN, &format!("k{i}"), text));
    }
    id(create(&fake, mastodon::OTHER_TOKEN, "k", "not mine"));
    let listed: Vec<serde_json::Value> = Client::new()
        .get(format!("{}/api/v1/accounts/1/statuses?limit=2", fake.base))
        .bearer_auth(mastodon::TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let texts: Vec<&str> = listed
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["three", "two"]);
}
