//! Sending: transient failures are retried within the run, with the
//! platform's wait, up to four requests; a long wait is left to the next
//! run; a refusal is final until the post changes; an ambiguous answer is
//! never re-sent blindly.

use super::*;

#[test]
fn a_rate_limited_request_is_retried_and_posts_once() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(transient(0)), Ok(remote("1"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 2);
    assert_eq!(
        fx.events(),
        [Event::Attempt, Event::Attempt, Event::Published],
        "an attempt before each request"
    );
}

#[test]
fn a_platform_that_stays_rate_limited_gets_four_requests_then_the_next_run() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = (0..4).map(|_| Err(transient(0))).collect();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert_eq!(platform.count("post"), 4);
    let last = fx.records().pop().unwrap();
    assert_eq!(last.event, Event::Failed);
    assert!(last.transient, "a later run retries it: {last:?}");
}

#[test]
fn a_wait_of_exactly_max_wait_is_waited_and_not_called_too_long() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    let asked = Duration::from_millis(5);
    platform.posts = (0..4)
        .map(|_| {
            Err(AdapterError::new(
                ErrorKind::Transient {
                    retry_after: Some(asked),
                },
                "HTTP 429",
            ))
        })
        .collect();
    let mut engine = fx.engine();
    engine.backoff.max_wait = asked;
    let send = Send {
        delivery: fx.delivery("m"),
        from: 0,
        pending: None,
        late: false,
        root: None,
        parent: None,
        keys: vec!["postcal-k".into()],
        opened: None,
    };
    let outcome = ended(engine.publish(&mut platform, &send));
    assert_eq!(platform.count("post"), 4, "each wait was honoured");
    assert_eq!(outcome.error.as_deref(), Some("HTTP 429"), "{outcome:?}");
}

#[test]
fn a_wait_longer_than_max_wait_is_left_to_the_next_run() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(transient(2))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(platform.count("post"), 1, "no waiting inside the run");
    assert!(
        outcome
            .error
            .as_deref()
            .unwrap()
            .contains("left to the next run"),
        "{outcome:?}"
    );
    assert!(fx.records().pop().unwrap().transient);
}

#[test]
fn a_refused_request_is_a_permanent_failure() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(AdapterError::permanent("HTTP 422"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Failed);
    assert_eq!(platform.count("post"), 1);
    let last = fx.records().pop().unwrap();
    assert_eq!((last.event, last.transient), (Event::Failed, false));
}

#[test]
fn backoff_doubles_from_its_base_up_to_its_cap_with_jitter() {
    let backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(800),
        max_wait: Duration::from_secs(60),
    };
    for (attempt, expected) in [(1, 100), (2, 200), (3, 400), (4, 800), (9, 800)] {
        for _ in 0..20 {
            let wait = backoff.wait(attempt, None).as_secs_f64() * 1000.0;
            let (low, high) = (expected as f64 * 0.75, expected as f64 * 1.25);
            assert!(
                (low..=high).contains(&wait),
                "retry {attempt}: {wait} ms, not within 25% of {expected} ms"
            );
        }
    }
    assert_eq!(
        backoff.wait(1, Some(Duration::from_secs(7))),
        Duration::from_secs(7),
        "the platform's word wins"
    );
}

// An ambiguous answer in this run: never re-sent blindly.

#[test]
fn an_ambiguous_answer_then_found_is_published_once() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(ambiguous())].into();
    platform.lookups = [Ok(Some(remote("7")))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
    let last = fx.records().pop().unwrap();
    assert_eq!(
        (last.event, last.remote_id.as_deref()),
        (Event::Published, Some("7"))
    );
}

#[test]
fn an_ambiguous_answer_not_found_yet_is_left_for_a_later_run() {
    // The request may still be creating it: not resent, not given up.
    for lookup in [Ok(None), Err(transient(0))] {
        let fx = Fixture::new();
        let mut platform = Scripted::new();
        platform.posts = [Err(ambiguous())].into();
        platform.lookups = [lookup].into();
        let outcome = publish(&fx, &mut platform, "m", None, false);
        assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
        assert!(
            outcome
                .error
                .as_deref()
                .unwrap()
                .contains("may have been posted"),
            "{outcome:?}"
        );
        assert_eq!(platform.count("post"), 1);
        assert_eq!(fx.events(), [Event::Attempt], "the attempt stays open");
    }
}

#[test]
fn an_ambiguous_answer_where_nobody_can_tell_is_unknown() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(ambiguous())].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
    assert_eq!(fx.events(), [Event::Attempt, Event::Unknown]);
    // What to do about it, in the report and the ledger alike.
    let what = "HTTP 502; part 0 may or may not have been posted on m: look at the channel, then run `postcal publish --retry-unknown launch@m` if it is not there, or `--mark-published launch@m --url URL` if it is";
    assert_eq!(outcome.error.as_deref(), Some(what));
}

#[test]
fn an_ambiguous_answer_is_resent_where_that_cannot_make_a_copy_or_the_team_says_so() {
    // A platform whose key makes a resend safe (Bluesky's record key)…
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = |_, _| true;
    platform.posts = [Err(ambiguous()), Ok(remote("2"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 2);
    // …and a channel with `on_ambiguous: retry`.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(ambiguous()), Ok(remote("3"))].into();
    let outcome = publish(&fx, &mut platform, "r", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 2);
}

#[test]
fn a_thread_is_a_chain_of_replies_under_its_first_part() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = ["1", "2", "3"].map(|id| Ok(remote(id))).into();
    let send = Send {
        delivery: fx.delivery_of("thread", "m"),
        from: 0,
        pending: None,
        late: false,
        root: None,
        parent: None,
        keys: vec!["k0".into(), "k1".into(), "k2".into()],
        opened: None,
    };
    let outcome = ended(fx.engine().publish(&mut platform, &send));
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    let id = |s: &str| Some(s.to_owned());
    assert_eq!(
        platform.sent,
        [
            (0, None, None),
            (1, id("1"), id("1")),
            (2, id("2"), id("1"))
        ],
        "(part, reply to, root)"
    );
    assert_eq!(outcome.url.as_deref(), Some("https://m.example/@lumen/1"));
}

#[test]
fn a_failed_thread_part_is_named_in_the_report() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [
        Ok(remote("1")),
        Err(AdapterError::permanent("HTTP 422: too long")),
    ]
    .into();
    let send = Send {
        delivery: fx.delivery_of("thread", "m"),
        from: 0,
        pending: None,
        late: false,
        root: None,
        parent: None,
        keys: vec!["k0".into(), "k1".into(), "k2".into()],
        opened: None,
    };
    let outcome = ended(fx.engine().publish(&mut platform, &send));
    assert_eq!(outcome.kind, OutcomeKind::Failed);
    assert_eq!(
        outcome.error.as_deref(),
        Some("thread part 1: HTTP 422: too long")
    );
    // The post itself is not called a thread part.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Err(AdapterError::permanent("HTTP 422: too long"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.error.as_deref(), Some("HTTP 422: too long"));
}

#[test]
fn ambiguous_answers_are_resent_at_most_four_times_then_unknown() {
    // Even where a resend cannot make a copy, a platform that keeps
    // answering unclearly is not asked forever.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = |_, _| true;
    platform.posts = (0..4).map(|_| Err(ambiguous())).collect();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 4);
    assert_eq!(fx.events().last(), Some(&Event::Unknown));
}
