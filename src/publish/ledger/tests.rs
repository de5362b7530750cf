//! The ledger's own tests: reading, torn lines, what it knows.
use super::*;

fn ts() -> DateTime<Utc> {
    "2026-12-01T08:00:00Z".parse().unwrap()
}

#[test]
fn an_attempt_merged_in_after_the_outcome_opens_nothing() {
    // A killed runner's ledger reaching the remote after another
    // runner settled the part.
    let state = LedgerState::from_records([
        Record::new(ts(), "p", "m", 0, Event::Attempt),
        Record::new(ts(), "p", "m", 0, Event::Published),
        Record::new(ts(), "p", "m", 0, Event::Attempt),
    ]);
    let part = state.part("p", "m", 0).unwrap();
    assert!(part.published.is_some());
    assert!(part.pending().is_none());
    assert_eq!(part.last.as_ref().unwrap().event, Event::Published);
    // After a retraction, an attempt is a new one.
    let again = LedgerState::from_records([
        Record::new(ts(), "p", "m", 0, Event::Published),
        Record::new(ts(), "p", "m", 0, Event::Retracted),
        Record::new(ts(), "p", "m", 0, Event::Attempt),
    ]);
    assert!(again.part("p", "m", 0).unwrap().pending().is_some());
}

#[test]
fn what_it_knows_of_each_post_for_the_queues() {
    use crate::queue::Known;
    let at = |post: &str, part, event| Record::new(ts(), post, "m", part, event);
    let state = LedgerState::from_records([
        at("out#2026-12-01", 0, Event::Attempt),
        at("out#2026-12-01", 0, Event::Published),
        at("open#2026-12-03", 0, Event::Attempt),
        at("thread#2026-12-04", 0, Event::Published),
        at("thread#2026-12-04", 1, Event::Attempt),
        at("gone#2026-12-08", 0, Event::Missed),
        at("late#2026-12-10", 0, Event::Unapproved),
    ]);
    let known = state.known();
    let k = |id: &str| known.get(id).copied();
    let (went_out, pending, passed) = (
        Known {
            went_out: true,
            ..Known::default()
        },
        Known {
            pending: true,
            ..Known::default()
        },
        Known {
            passed: true,
            ..Known::default()
        },
    );
    assert_eq!(k("out#2026-12-01"), Some(went_out));
    assert_eq!(k("open#2026-12-03"), Some(pending));
    assert_eq!(
        k("thread#2026-12-04"),
        Some(Known {
            went_out: true,
            pending: true,
            passed: false
        })
    );
    assert_eq!(k("gone#2026-12-08"), Some(passed));
    assert_eq!(k("late#2026-12-10"), Some(passed));
    assert_eq!(known.len(), 5);
}

#[test]
fn records_serialize_without_absent_fields() {
    let mut r = Record::new(ts(), "launch", "m", 0, Event::Published);
    r.url = Some("https://m.example/@a/1".into());
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"ts":"2026-12-01T08:00:00Z","post":"launch","channel":"m","part":0,"event":"published","url":"https://m.example/@a/1"}"#
    );
}

#[test]
fn torn_last_line_is_skipped_and_closed_before_appending() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path()).unwrap();
    ledger
        .append(&Record::new(ts(), "a", "m", 0, Event::Attempt))
        .unwrap();
    drop(ledger);
    let path = dir.path().join(LEDGER_PATH);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(br#"{"ts":"2026-12-01T08:00:01Z","post":"a","chan"#)
        .unwrap();
    drop(f);
    let state = read(dir.path()).unwrap();
    assert_eq!(state.skipped_lines, vec![2]);
    assert!(state.part("a", "m", 0).unwrap().pending().is_some());

    let mut ledger = Ledger::open(dir.path()).unwrap();
    ledger
        .append(&Record::new(ts(), "a", "m", 0, Event::Published))
        .unwrap();
    let state = read(dir.path()).unwrap();
    assert!(state.skipped_lines.is_empty(), "the torn tail was cut off");
    assert!(state.part("a", "m", 0).unwrap().published.is_some());
}

#[test]
fn a_line_cut_inside_a_character_is_a_torn_write_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path()).unwrap();
    let mut r = Record::new(ts(), "a", "m", 0, Event::Failed);
    r.error = Some("café ☕".into());
    ledger.append(&r).unwrap();
    drop(ledger);
    let line = serde_json::to_string(&r).unwrap();
    let cut = line.find('☕').unwrap() + 1; // inside the three bytes of ☕
    let mut f = OpenOptions::new()
        .append(true)
        .open(dir.path().join(LEDGER_PATH))
        .unwrap();
    f.write_all(&line.as_bytes()[..cut]).unwrap();
    drop(f);
    let state = read(dir.path()).unwrap();
    assert_eq!(state.skipped_lines, vec![2]);
    assert_eq!(
        state
            .part("a", "m", 0)
            .unwrap()
            .last
            .as_ref()
            .unwrap()
            .event,
        Event::Failed
    );
}

#[test]
fn a_bad_line_in_the_middle_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = serde_json::to_string(&Record::new(ts(), "a", "m", 0, Event::Attempt)).unwrap();
    std::fs::create_dir_all(dir.path().join(".postcal")).unwrap();
    std::fs::write(
        dir.path().join(LEDGER_PATH),
        format!("{good}\n<<<<<<< HEAD\n{good}\n"),
    )
    .unwrap();
    match read(dir.path()) {
        Err(LedgerError::Corrupt { line, .. }) => assert_eq!(line, 2),
        other => panic!("{other:?}"),
    }
}

fn write(dir: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(dir.join(".postcal")).unwrap();
    std::fs::write(dir.join(LEDGER_PATH), bytes).unwrap();
}

fn line(r: &Record) -> String {
    serde_json::to_string(r).unwrap() + "\n"
}

#[test]
fn a_tail_of_zeros_after_a_power_cut_is_skipped() {
    // Some filesystems leave the file's new length filled with NULs.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = line(&Record::new(ts(), "a", "m", 0, Event::Attempt)).into_bytes();
    bytes.extend_from_slice(&[0; 40]);
    write(dir.path(), &bytes);
    let state = read(dir.path()).unwrap();
    assert_eq!(state.skipped_lines, vec![2]);
    assert!(state.part("a", "m", 0).unwrap().pending().is_some());
}

#[test]
fn only_a_record_cut_short_is_skipped_before_the_end() {
    // An older postcal closed a torn write with a newline: skipped.
    let dir = tempfile::tempdir().unwrap();
    let mut r = Record::new(ts(), "a", "m", 0, Event::Failed);
    r.error = Some("café ☕".into());
    let whole = line(&r);
    let cut = whole.find('☕').unwrap() + 1;
    let mut bytes = whole.as_bytes()[..cut].to_vec();
    bytes.push(b'\n');
    bytes.extend_from_slice(whole.as_bytes());
    write(dir.path(), &bytes);
    assert_eq!(read(dir.path()).unwrap().skipped_lines, vec![1]);
    // Bytes that are not text in the middle are no torn write.
    let mut bytes = b"\xff\xfe not a record\n".to_vec();
    bytes.extend_from_slice(whole.as_bytes());
    write(dir.path(), &bytes);
    match read(dir.path()) {
        Err(LedgerError::Corrupt { line, .. }) => assert_eq!(line, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ledger_that_cannot_be_read_is_an_error_not_an_empty_ledger() {
    // An empty ledger would publish everything again.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(LEDGER_PATH)).unwrap();
    assert!(matches!(read(dir.path()), Err(LedgerError::Read { .. })));
}

#[test]
fn a_parts_identity_is_its_first_attempts_key() {
    // Two attempts under different keys (a rescheduled Bluesky post,
    // merged from two runs): the part is still asked about under the
    // first, as SPEC §4 fixes it.
    let attempt = |key: &str| {
        let mut r = Record::new(ts(), "a", "b", 0, Event::Attempt);
        r.key = Some(key.into());
        r
    };
    let state = LedgerState::from_records([attempt("k1"), attempt("k2")]);
    let part = state.part("a", "b", 0).unwrap();
    assert_eq!(part.first_key.as_deref(), Some("k1"));
    assert_eq!(part.pending().unwrap().key.as_deref(), Some("k2"));
}

#[test]
fn published_means_the_first_part_went_out() {
    // What `validate` and `diff` count as posted.
    let state = LedgerState::from_records([
        Record::new(ts(), "a", "m", 0, Event::Published),
        Record::new(ts(), "b", "m", 0, Event::Attempt),
        Record::new(ts(), "c", "m", 1, Event::Published),
    ]);
    let expected: PublishedSet = [("a".to_owned(), "m".to_owned())].into_iter().collect();
    assert_eq!(state.published_set(), expected);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        line(&Record::new(ts(), "a", "m", 0, Event::Published)).as_bytes(),
    );
    assert_eq!(published(dir.path()), expected);
}

#[test]
fn retraction_clears_publication() {
    let state = LedgerState::from_records([
        Record::new(ts(), "a", "m", 0, Event::Attempt),
        Record::new(ts(), "a", "m", 0, Event::Published),
        Record::new(ts(), "a", "m", 0, Event::RetractAttempt),
    ]);
    let part = state.part("a", "m", 0).unwrap();
    assert!(part.published.is_some() && part.pending().is_some());
    let state = LedgerState::from_records([
        Record::new(ts(), "a", "m", 0, Event::Published),
        Record::new(ts(), "a", "m", 0, Event::Retracted),
    ]);
    assert!(state.part("a", "m", 0).unwrap().published.is_none());
    assert!(state.published_set().is_empty());
}
