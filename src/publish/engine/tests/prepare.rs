//! Two-step platforms (Threads): what `prepare` made is on disk, in an
//! `attempt`'s `container`, before the call that publishes it; retries and
//! the next run publish that one, never a second.

use super::*;

fn containers(fx: &Fixture) -> Vec<(Event, Option<String>)> {
    fx.records()
        .into_iter()
        .map(|r| (r.event, r.container))
        .collect()
}

#[test]
fn the_container_is_recorded_before_the_call_that_publishes_it() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.prepares = [Ok(Some("c1".to_owned()))].into();
    platform.posts = [Ok(remote("m1"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(
        containers(&fx),
        [
            (Event::Attempt, None),
            (Event::Attempt, Some("c1".into())),
            (Event::Published, None),
        ]
    );
    assert_eq!(
        platform.given,
        [("prepare", None), ("post", Some("c1".into()))]
    );
    assert_eq!(fx.records()[2].remote_id.as_deref(), Some("m1"));
}

#[test]
fn a_retry_publishes_the_same_container() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.prepares = [Ok(Some("c1".to_owned())), Ok(Some("c1".to_owned()))].into();
    platform.posts = [Err(transient(0)), Ok(remote("m1"))].into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(
        platform.given,
        [
            ("prepare", None),
            ("post", Some("c1".into())),
            ("prepare", Some("c1".into())),
            ("post", Some("c1".into())),
        ]
    );
    assert_eq!(
        containers(&fx),
        [
            (Event::Attempt, None),
            (Event::Attempt, Some("c1".into())),
            (Event::Attempt, Some("c1".into())),
            (Event::Published, None),
        ],
        "the retry's attempt names the container it publishes, once"
    );
}

#[test]
fn the_next_run_hands_the_recorded_container_to_prepare_and_post() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    // Not published yet (the container is ready): the look-up says none.
    platform.lookups = [Ok(None)].into();
    platform.prepares = [Ok(Some("c1".to_owned()))].into();
    platform.posts = [Ok(remote("m1"))].into();
    let mut pending = attempt("m", chrono::Duration::minutes(10));
    pending.container = Some("c1".into());
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(
        platform.given,
        [("prepare", Some("c1".into())), ("post", Some("c1".into()))]
    );
}

#[test]
fn a_refused_preparation_posted_nothing_and_a_held_one_is_left_to_the_next_run() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.prepares = [Err(AdapterError::new(
        ErrorKind::Held,
        "Threads quota: 250 of 250 posts used in the last 24 h",
    ))]
    .into();
    let outcome = publish(&fx, &mut platform, "m", None, false);
    assert_eq!(outcome.kind, OutcomeKind::Failed, "{outcome:?}");
    assert!(outcome.error.unwrap().contains("250 of 250"));
    assert_eq!(platform.count("post"), 0, "nothing sent, not retried now");
    let last = fx.records().pop().unwrap();
    assert_eq!(last.event, Event::Failed);
    assert!(last.transient, "the next run tries again: {last:?}");
}
