//! Retraction: deletes are retried like posts, and a refusal is a failure.

use super::*;

/// `launch` part 0 published on `m` as status 42.
fn published() -> Vec<Record> {
    let mut r = Record::new(now(), "launch", "m", 0, Event::Published);
    r.remote_id = Some("42".to_owned());
    r.url = Some("https://m.example/@lumen/42".to_owned());
    vec![r]
}

fn retract(fx: &Fixture, platform: &mut Scripted) -> DeliveryOutcome {
    ended(
        fx.engine()
            .retract(platform, &fx.delivery("m"), &published()),
    )
}

#[test]
fn a_rate_limited_delete_is_retried_and_the_post_is_gone() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = [Err(transient(0)), Ok(())].into();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Retracted, "{outcome:?}");
    assert_eq!(platform.count("delete"), 2);
    assert_eq!(
        fx.events(),
        [
            Event::RetractAttempt,
            Event::RetractAttempt,
            Event::Retracted
        ]
    );
}

#[test]
fn a_delete_that_stays_rate_limited_is_left_to_the_next_run() {
    // Four requests, then a failure; the publication stays on record, so
    // the next run retracts it again.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = (0..4).map(|_| Err(transient(0))).collect();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert_eq!(platform.count("delete"), 4);
    assert_eq!(fx.events().last(), Some(&Event::Failed));
    // A wait beyond max_wait is not waited for.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = [Err(transient(2))].into();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert_eq!(platform.count("delete"), 1);
}

#[test]
fn a_refused_delete_is_a_failure_that_says_why() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.deletes = [Err(AdapterError::permanent("HTTP 403"))].into();
    let outcome = retract(&fx, &mut platform);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert!(
        outcome.error.as_deref().unwrap().contains("cannot retract"),
        "{outcome:?}"
    );
    let last = fx.records().pop().unwrap();
    assert_eq!(last.event, Event::Failed);
    assert!(last.error.unwrap().contains("HTTP 403"));
}
