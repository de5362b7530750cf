//! One contract, every adapter: the same body runs against each platform's
//! local server (tests/support), checking how answers are classified as
//! SPEC §4 requires — success; bad credentials and validation errors are
//! permanent; 429, and 503 with `Retry-After`, are transient with the
//! platform's wait; once the request was sent, a 500/502/504, a 503 without
//! `Retry-After`, a timeout, a dropped connection or an unreadable success
//! is ambiguous, never transient, and the post exists on the platform
//! exactly as often as the platform made it; no server at all is transient
//! — and that no secret ever shows in an error.
//!
//! Each case runs on every platform at once; a failure names every
//! platform it failed on.

mod support;

use std::time::Duration;

use postcal::adapters::{AdapterError, ErrorKind, Remote};
use support::{Behaviour, Fake};

struct Platform {
    name: &'static str,
    start: fn(Behaviour) -> Fake,
    /// A 2xx whose body is unreadable is success (a generic webhook's 2xx
    /// is, whatever the body), not an unclear outcome.
    any_2xx_is_success: bool,
    /// The platform can say whether the post exists (Bluesky `getRecord` on
    /// the record key; Mastodon the `Idempotency-Key` once the first request
    /// has finished, or the account's statuses; Facebook the Page's feed),
    /// so its adapter may settle an unclear outcome itself and answer with
    /// the post.
    settles: bool,
}

const PLATFORMS: [Platform; 9] = [
    Platform {
        name: "mastodon",
        start: support::mastodon::start,
        any_2xx_is_success: false,
        settles: true,
    },
    Platform {
        name: "bluesky",
        start: support::bluesky::start,
        any_2xx_is_success: false,
        settles: true,
    },
    Platform {
        name: "discord",
        start: support::discord::start,
        any_2xx_is_success: false,
        settles: false,
    },
    Platform {
        name: "slack",
        start: support::slack::start,
        any_2xx_is_success: false,
        settles: false,
    },
    Platform {
        name: "telegram",
        start: support::telegram::start,
        any_2xx_is_success: false,
        settles: false,
    },
    Platform {
        name: "webhook",
        start: support::webhook::start,
        any_2xx_is_success: true,
        settles: false,
    },
    Platform {
        name: "linkedin",
        start: support::linkedin::start,
        any_2xx_is_success: false,
        settles: false,
    },
    Platform {
        name: "facebook",
        start: support::facebook::start,
        any_2xx_is_success: false,
        settles: true,
    },
    // X can be asked (the account's posts since the attempt), but that is
    // the engine's `lookup` after the answer: `post` itself never re-sends.
    Platform {
        name: "x",
        start: support::x::start,
        any_2xx_is_success: false,
        settles: false,
    },
];

const TEXT: &str = "Hello from the contract test";

/// Run `body` for every platform at once (each on a thread named after it);
/// fail naming every platform it failed on.
fn each(body: impl Fn(&Platform) + Sync) {
    let failed: Vec<&str> = std::thread::scope(|scope| {
        let runs: Vec<_> = PLATFORMS
            .iter()
            .map(|p| {
                let body = &body;
                let run = std::thread::Builder::new()
                    .name(p.name.to_owned())
                    .spawn_scoped(scope, move || body(p))
                    .unwrap();
                (p.name, run)
            })
            .collect();
        runs.into_iter()
            .filter_map(|(name, run)| run.join().is_err().then_some(name))
            .collect()
    });
    assert!(
        failed.is_empty(),
        "failed on {failed:?} (each platform's message is above, under its name)"
    );
}

/// Post one part through `platform`'s adapter (which gives up after 2 s)
/// against a fake answering `behaviour`.
fn post(platform: &Platform, behaviour: Behaviour) -> (Result<Remote, AdapterError>, Fake) {
    let fake = (platform.start)(behaviour);
    let ws = support::workspace(&[("ch", platform.name, &fake)]);
    let mut adapter = support::adapter(ws.path(), "ch", &fake.env);
    let result = adapter.post(&support::part(TEXT, "3lbqtk2zhoq2c"));
    (result, fake)
}

fn assert_no_secret(platform: &Platform, fake: &Fake, error: &AdapterError) {
    for secret in &fake.secrets {
        assert!(
            !error.message.contains(secret.as_str()),
            "{}: secret in {:?}",
            platform.name,
            error.message
        );
        assert!(
            !error
                .code
                .as_deref()
                .unwrap_or("")
                .contains(secret.as_str()),
            "{}: secret in the code",
            platform.name
        );
    }
}

/// An outcome the client cannot know (SPEC §4 "Ambiguous failures"): the
/// adapter answers `Ambiguous` — never transient, never permanent — or,
/// where the platform can say, settles it and answers with the post that
/// exists. Either way nothing was re-sent blindly: the platform made the
/// post `made` times (0 or 1) and no more.
fn assert_unclear(
    p: &Platform,
    fake: &Fake,
    result: &Result<Remote, AdapterError>,
    what: &str,
    made: usize,
) {
    match result {
        Ok(remote) => {
            assert!(
                p.settles,
                "{}: {what}: answered {remote:?}, though nothing in the answer says the post exists and the platform cannot be asked",
                p.name
            );
            assert_eq!(
                fake.created_for(TEXT),
                1,
                "{}: {what}: settled, so the post exists once",
                p.name
            );
            let posts = serde_json::to_string(&(fake.posts)()).unwrap();
            assert!(
                posts.contains(&remote.id),
                "{}: {what}: {remote:?} is not on the platform: {posts}",
                p.name
            );
        }
        Err(error) => {
            assert_eq!(
                error.kind,
                ErrorKind::Ambiguous,
                "{}: {what} once the request was sent may mean the post exists: {error:?}",
                p.name
            );
            assert_no_secret(p, fake, error);
            assert_eq!(
                fake.created_for(TEXT),
                made,
                "{}: {what}: posts the platform made",
                p.name
            );
        }
    }
    if !p.settles {
        assert_eq!(
            fake.create_requests(),
            1,
            "{}: {what}: sent again without a way to know whether the first landed",
            p.name
        );
    }
}

#[test]
fn success_returns_the_post_and_it_exists() {
    each(|p| {
        let (result, fake) = post(p, Behaviour::Ok);
        let remote = result.unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(!remote.id.is_empty(), "{}", p.name);
        assert_eq!(
            (fake.posts)().len(),
            1,
            "{}: one post on the platform",
            p.name
        );
        assert_eq!(fake.create_requests(), 1, "{}", p.name);
    });
}

#[test]
fn refused_requests_are_permanent() {
    each(|p| {
        for behaviour in [Behaviour::Unauthorized, Behaviour::Invalid] {
            let (result, fake) = post(p, behaviour);
            let error = result.expect_err(p.name);
            assert_eq!(
                error.kind,
                ErrorKind::Permanent,
                "{} {behaviour:?}: {error}",
                p.name
            );
            assert!(
                error.status.is_some_and(|s| (400..500).contains(&s)),
                "{} {behaviour:?}: {error:?}",
                p.name
            );
            assert_no_secret(p, &fake, &error);
            assert!((fake.posts)().is_empty(), "{}", p.name);
        }
    });
}

/// A transient failure with the platform's wait, and nothing posted.
fn assert_transient_with_wait(p: &Platform, behaviour: Behaviour, status: u16) {
    let (result, fake) = post(p, behaviour);
    let error = result.expect_err(p.name);
    let ErrorKind::Transient {
        retry_after: Some(wait),
    } = error.kind
    else {
        panic!("{} {behaviour:?}: transient with a wait: {error:?}", p.name)
    };
    assert!(
        (5..=8).contains(&wait.as_secs()),
        "{} {behaviour:?}: waits {wait:?}",
        p.name
    );
    assert_eq!(error.status, Some(status), "{}", p.name);
    assert_no_secret(p, &fake, &error);
    assert_eq!(fake.created(), 0, "{}", p.name);
}

#[test]
fn rate_limits_are_transient_with_the_platforms_wait() {
    each(|p| {
        let limited = Behaviour::RateLimited {
            retry_after_secs: 7,
        };
        assert_transient_with_wait(p, limited, 429);
    });
}

#[test]
fn unavailable_with_retry_after_is_transient_with_that_wait() {
    each(|p| {
        let unavailable = Behaviour::Unavailable {
            retry_after_secs: 7,
        };
        assert_transient_with_wait(p, unavailable, 503);
    });
}

#[test]
fn a_transient_failure_then_a_retry_posts_once() {
    each(|p| {
        let fake = (p.start)(Behaviour::Ok);
        fake.control.script([Behaviour::Unavailable {
            retry_after_secs: 1,
        }]);
        let ws = support::workspace(&[("ch", p.name, &fake)]);
        let mut adapter = support::adapter(ws.path(), "ch", &fake.env);
        let part = support::part("Hello again", "3lbqtk2zhoq2c");
        let error = adapter.post(&part).expect_err(p.name);
        assert!(error.is_transient(), "{}: {error:?}", p.name);
        adapter
            .post(&part)
            .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert_eq!((fake.posts)().len(), 1, "{}", p.name);
        assert_eq!(fake.created(), 1, "{}", p.name);
    });
}

#[test]
fn a_5xx_after_the_post_was_made_is_ambiguous_and_it_exists_once() {
    each(|p| {
        for status in [500, 502, 504] {
            let (result, fake) = post(p, Behaviour::CommitThenFail(status));
            if let Err(e) = &result {
                assert_eq!(e.status, Some(status), "{}: {e:?}", p.name);
            }
            assert_unclear(p, &fake, &result, &format!("HTTP {status}"), 1);
        }
    });
}

#[test]
fn a_5xx_that_made_nothing_is_ambiguous_all_the_same() {
    // The client cannot tell these from the case above.
    each(|p| {
        for (behaviour, what) in [
            (Behaviour::FailOnceThenOk, "HTTP 500"),
            (Behaviour::ServerError, "HTTP 503 without Retry-After"),
        ] {
            let (result, fake) = post(p, behaviour);
            assert_unclear(p, &fake, &result, what, 0);
        }
    });
}

#[test]
fn an_answer_that_never_comes_is_ambiguous_and_the_post_exists_once() {
    each(|p| {
        // The test adapters give up after 2 s.
        let (result, fake) = post(p, Behaviour::CommitThenHang(Duration::from_secs(4)));
        assert_unclear(p, &fake, &result, "a timeout after the post was made", 1);
    });
}

#[test]
fn a_connection_dropped_after_sending_is_ambiguous_and_the_post_exists_once() {
    each(|p| {
        let (result, fake) = post(p, Behaviour::CommitThenDrop);
        assert_unclear(p, &fake, &result, "a dropped connection", 1);
    });
}

#[test]
fn an_unreadable_success_may_have_posted() {
    each(|p| {
        let (result, fake) = post(p, Behaviour::Garbage);
        if p.any_2xx_is_success {
            assert!(result.is_ok(), "{}: a 2xx is success: {result:?}", p.name);
            assert_eq!(fake.created(), 1, "{}", p.name);
        } else {
            assert_unclear(p, &fake, &result, "an unreadable 200", 1);
        }
    });
}

#[test]
fn a_server_too_slow_leaves_the_outcome_open() {
    each(|p| {
        // The adapter gives up after 2 s; the server goes on and makes the
        // post at 4 s.
        let (result, fake) = post(p, Behaviour::Slow(Duration::from_secs(4)));
        fake.settle(Duration::from_secs(10));
        assert_unclear(p, &fake, &result, "a timeout", 1);
    });
}

#[test]
fn no_server_is_transient_and_nothing_happened() {
    each(|p| {
        let fake = (p.start)(Behaviour::Ok);
        let ws = support::workspace(&[("ch", p.name, &fake)]);
        let mut adapter = support::adapter(ws.path(), "ch", &fake.env);
        let Fake {
            server,
            secrets,
            env,
            ..
        } = fake;
        drop(server);
        let error = adapter
            .post(&support::part("Hello", "k"))
            .expect_err(p.name);
        assert!(error.is_transient(), "{}: {error:?}", p.name);
        for secret in &secrets {
            assert!(
                !error.message.contains(secret.as_str()),
                "{}: {}",
                p.name,
                error.message
            );
        }
        drop(env);
    });
}
