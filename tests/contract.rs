//! One contract, every adapter: the same body runs against each platform's
//! local server (tests/support), checking how answers are classified —
//! success, bad credentials, validation errors, 429 with the platform's wait,
//! 5xx (and a retry after one), an unreadable success, a server too slow, no
//! server at all — and that no secret ever shows in an error.

mod support;

use std::time::Duration;

use postcal::adapters::{AdapterError, ErrorKind};
use support::{Behaviour, Fake};

struct Platform {
    name: &'static str,
    start: fn(Behaviour) -> Fake,
    /// What a 200 with an unreadable body means: `Ambiguous` for platforms
    /// whose success body carries the post's id; a generic webhook's 2xx is
    /// success whatever the body.
    garbage: Option<fn(&ErrorKind) -> bool>,
}

fn ambiguous(kind: &ErrorKind) -> bool {
    *kind == ErrorKind::Ambiguous
}

const PLATFORMS: [Platform; 6] = [
    Platform {
        name: "mastodon",
        start: support::mastodon::start,
        garbage: Some(ambiguous),
    },
    Platform {
        name: "bluesky",
        start: support::bluesky::start,
        garbage: Some(ambiguous),
    },
    Platform {
        name: "discord",
        start: support::discord::start,
        garbage: Some(ambiguous),
    },
    Platform {
        name: "slack",
        start: support::slack::start,
        garbage: Some(ambiguous),
    },
    Platform {
        name: "telegram",
        start: support::telegram::start,
        garbage: Some(ambiguous),
    },
    Platform {
        name: "webhook",
        start: support::webhook::start,
        garbage: None,
    },
];

/// Post one part through `platform`'s adapter against a fake answering `behaviour`.
fn post(
    platform: &Platform,
    behaviour: Behaviour,
) -> (Result<postcal::adapters::Remote, AdapterError>, Fake) {
    let fake = (platform.start)(behaviour);
    let ws = support::workspace(&[("ch", platform.name, &fake)]);
    let mut adapter = support::adapter(ws.path(), "ch", &fake.env);
    let result = adapter.post(&support::part(
        "Hello from the contract test",
        "3lbqtk2zhoq2c",
    ));
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

#[test]
fn success_returns_the_post_and_it_exists() {
    for p in &PLATFORMS {
        let (result, fake) = post(p, Behaviour::Ok);
        let remote = result.unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(!remote.id.is_empty(), "{}", p.name);
        assert_eq!(
            (fake.posts)().len(),
            1,
            "{}: one post on the platform",
            p.name
        );
    }
}

#[test]
fn refused_requests_are_permanent() {
    for p in &PLATFORMS {
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
    }
}

#[test]
fn rate_limits_are_transient_with_the_platforms_wait() {
    for p in &PLATFORMS {
        let (result, fake) = post(
            p,
            Behaviour::RateLimited {
                retry_after_secs: 7,
            },
        );
        let error = result.expect_err(p.name);
        let ErrorKind::Transient {
            retry_after: Some(wait),
        } = error.kind
        else {
            panic!("{}: {error:?}", p.name)
        };
        assert!(
            (5..=8).contains(&wait.as_secs()),
            "{}: waits {wait:?}",
            p.name
        );
        assert_eq!(error.status, Some(429), "{}", p.name);
        assert_no_secret(p, &fake, &error);
    }
}

#[test]
fn server_errors_without_a_retry_after_are_ambiguous() {
    // A 503 that does not say when to come back may come from a proxy after
    // the platform created the post: never retried blindly.
    for p in &PLATFORMS {
        let (result, fake) = post(p, Behaviour::ServerError);
        let error = result.expect_err(p.name);
        assert_eq!(error.kind, ErrorKind::Ambiguous, "{}: {error:?}", p.name);
        assert_no_secret(p, &fake, &error);
    }
}

#[test]
fn a_500_then_a_retry_posts_once() {
    for p in &PLATFORMS {
        let fake = (p.start)(Behaviour::FailOnceThenOk);
        let ws = support::workspace(&[("ch", p.name, &fake)]);
        let mut adapter = support::adapter(ws.path(), "ch", &fake.env);
        let part = support::part("Hello again", "3lbqtk2zhoq2c");
        let error = adapter.post(&part).expect_err(p.name);
        // A 500 may mean the post exists: ambiguous, never transient.
        assert_eq!(error.kind, ErrorKind::Ambiguous, "{}: {error:?}", p.name);
        adapter
            .post(&part)
            .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert_eq!((fake.posts)().len(), 1, "{}", p.name);
    }
}

#[test]
fn an_unreadable_success_may_have_posted() {
    for p in &PLATFORMS {
        let (result, fake) = post(p, Behaviour::Garbage);
        match p.garbage {
            Some(expected) => {
                let error = result.expect_err(p.name);
                assert!(expected(&error.kind), "{}: {error:?}", p.name);
                assert_no_secret(p, &fake, &error);
            }
            None => assert!(result.is_ok(), "{}: a 2xx is success: {result:?}", p.name),
        }
    }
}

#[test]
fn a_server_too_slow_leaves_the_outcome_open() {
    for p in &PLATFORMS {
        // The test adapters give up after 2 s.
        let (result, fake) = post(p, Behaviour::Slow(Duration::from_secs(4)));
        let error = result.expect_err(p.name);
        assert_eq!(error.kind, ErrorKind::Ambiguous, "{}: {error:?}", p.name);
        assert_no_secret(p, &fake, &error);
    }
}

#[test]
fn no_server_is_transient_and_nothing_happened() {
    for p in &PLATFORMS {
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
    }
}
