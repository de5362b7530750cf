//! An attempt a run left open (it died mid-request): settled before
//! anything is sent again.

use super::*;

#[test]
fn a_pending_attempt_that_landed_is_recorded_not_resent() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(Some(remote("5")))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(fx.events(), [Event::Published]);
}

#[test]
fn a_pending_attempt_not_found_is_sent_once_its_request_has_surely_ended() {
    // Still inside the request's lifetime: a "not found" is not the last word.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    let pending = attempt("m", chrono::Duration::seconds(30));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty(), "left open");
    // Later, not found: it did not land, so it is sent.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    platform.posts = [Ok(remote("6"))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
}

#[test]
fn a_pending_attempt_not_found_past_its_window_is_missed() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), true);
    assert_eq!(outcome.kind, OutcomeKind::Missed, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(fx.events(), [Event::Missed]);
}

#[test]
fn a_pending_attempt_that_cannot_be_checked_now_is_left_open() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Err(transient(0))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty());
}

#[test]
fn a_pending_attempt_nobody_can_look_up() {
    let minutes = chrono::Duration::minutes;
    // Nothing makes a resend safe: unknown, for a person to settle.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    let outcome = publish(
        &fx,
        &mut platform,
        "m",
        Some(attempt("m", minutes(5))),
        false,
    );
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(fx.events(), [Event::Unknown]);
    // A key the platform honours once the request has ended (Mastodon's):
    // resent then, not while the request may still be running.
    let honoured =
        |age: chrono::Duration, running: bool| !running && age < chrono::Duration::hours(1);
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = honoured;
    let pending = attempt("m", chrono::Duration::seconds(30));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty(), "left for a later run");
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = honoured;
    platform.posts = [Ok(remote("8"))].into();
    let outcome = publish(
        &fx,
        &mut platform,
        "m",
        Some(attempt("m", minutes(5))),
        false,
    );
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
    // Past its window, even a safe resend is not made: unknown.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.safe = honoured;
    let outcome = publish(
        &fx,
        &mut platform,
        "m",
        Some(attempt("m", minutes(5))),
        true,
    );
    assert_eq!(outcome.kind, OutcomeKind::Unknown, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    // `on_ambiguous: retry`: resent once the request has surely ended.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    let pending = attempt("r", chrono::Duration::seconds(30));
    let outcome = publish(&fx, &mut platform, "r", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.posts = [Ok(remote("9"))].into();
    let outcome = publish(
        &fx,
        &mut platform,
        "r",
        Some(attempt("r", minutes(5))),
        false,
    );
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
}

#[test]
fn a_thread_part_that_did_not_land_in_time_leaves_the_thread_as_it_is() {
    // Part 0 is out; part 1's attempt did not land and the window closed:
    // the delivery is not "missed" (it was posted), the thread stops.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    let mut root = Record::new(now(), "thread", "m", 0, Event::Published);
    root.remote_id = Some("1".to_owned());
    let mut pending = Record::new(
        now() - chrono::Duration::minutes(5),
        "thread",
        "m",
        1,
        Event::Attempt,
    );
    pending.key = Some("k1".to_owned());
    let send = Send {
        delivery: fx.delivery_of("thread", "m"),
        from: 1,
        pending: Some(pending),
        late: true,
        root: Some(root.clone()),
        parent: Some(root),
        keys: vec!["k0".into(), "k1".into(), "k2".into()],
        opened: None,
    };
    let outcome = ended(fx.engine().publish(&mut platform, &send));
    assert_eq!(outcome.kind, OutcomeKind::Skipped, "{outcome:?}");
    assert!(
        outcome
            .error
            .as_deref()
            .unwrap()
            .contains("stopped at part 1"),
        "{outcome:?}"
    );
    assert_eq!(platform.count("post"), 0);
    assert!(fx.events().is_empty(), "nothing recorded as missed");
}

#[test]
fn a_pending_attempt_found_past_its_window_is_published_and_nothing_else() {
    // The request landed; the run that settles it comes after the window.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(Some(remote("5")))].into();
    let pending = attempt("m", chrono::Duration::minutes(5));
    let outcome = publish(&fx, &mut platform, "m", Some(pending), true);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 0);
    assert_eq!(
        fx.events(),
        [Event::Published],
        "no part after the only one"
    );
}

#[test]
fn a_thread_whose_first_part_is_found_past_its_window_records_the_rest_missed() {
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(Some(remote("5")))].into();
    let mut pending = Record::new(
        now() - chrono::Duration::minutes(5),
        "thread",
        "m",
        0,
        Event::Attempt,
    );
    pending.key = Some("k0".to_owned());
    let send = Send {
        delivery: fx.delivery_of("thread", "m"),
        from: 0,
        pending: Some(pending),
        late: true,
        root: None,
        parent: None,
        keys: vec!["k0".into(), "k1".into(), "k2".into()],
        opened: None,
    };
    let outcome = ended(fx.engine().publish(&mut platform, &send));
    assert_eq!(outcome.kind, OutcomeKind::Missed, "{outcome:?}");
    assert_eq!(
        outcome.error.as_deref(),
        Some(
            "the thread stopped after part 0 of 3: its time passed beyond catch-up, so parts 1–2 were not posted"
        )
    );
    assert_eq!(platform.count("post"), 0, "nothing more goes out");
    let parts: Vec<(u32, Event)> = fx.records().iter().map(|r| (r.part, r.event)).collect();
    assert_eq!(parts, [(0, Event::Published), (1, Event::Missed)]);
}

#[test]
fn a_request_is_over_once_its_whole_lifetime_has_passed() {
    // IN_FLIGHT is how long a request may still run on the server; once
    // that much time has passed since the attempt, "not found" is final.
    let fx = Fixture::new();
    let mut platform = Scripted::new();
    platform.lookups = [Ok(None)].into();
    platform.posts = [Ok(remote("6"))].into();
    let pending = attempt("m", super::super::IN_FLIGHT);
    let outcome = publish(&fx, &mut platform, "m", Some(pending), false);
    assert_eq!(outcome.kind, OutcomeKind::Published, "{outcome:?}");
    assert_eq!(platform.count("post"), 1);
}
