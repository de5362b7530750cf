use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::*;

fn from_env(env: &HashMap<String, String>, root: &Path) -> Result<Key, StoreError> {
    Key::from_vars(
        env.get(KEY_VAR).cloned(),
        env.get(KEY_FILE_VAR).cloned(),
        root,
    )
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()
}

fn entry(value: &str, day: u32) -> Entry {
    let mut e = Entry::new(&SecretString::from(value.to_owned()), at(day));
    e.platform = Some("threads".into());
    e.expires_at = Some(at(day) + chrono::Duration::days(60));
    e
}

#[test]
fn a_store_round_trips_and_never_shows_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let (key, line) = Key::generate();
    let mut store = Store::empty(key.clone());
    store.put("brand", entry("TH-secret-1", 1));
    save(&store, dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join(STORE_PATH)).unwrap();
    assert!(
        text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{text}"
    );
    assert!(!text.contains("TH-secret-1"));
    // Another process, with the key from the environment.
    let env: HashMap<String, String> =
        [(KEY_VAR.to_owned(), line.expose_secret().to_owned())].into();
    let again = load(dir.path(), &from_env(&env, dir.path()).unwrap()).unwrap();
    let got = again.get("brand").unwrap();
    assert_eq!(got.value().expose_secret(), "TH-secret-1");
    assert_eq!(got.expires_at, Some(at(1) + chrono::Duration::days(60)));
    assert!(!format!("{got:?}").contains("TH-secret-1"));
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join(".postcal"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["tokens.age"]);
}

#[test]
fn a_wrong_key_a_torn_file_and_a_missing_key_are_errors_not_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = Key::generate();
    let mut store = Store::empty(key.clone());
    store.put("brand", entry("v", 1));
    save(&store, dir.path()).unwrap();
    let (other, _) = Key::generate();
    let e = load_or_empty(dir.path(), &other).unwrap_err();
    assert!(matches!(e, StoreError::Decrypt { .. }), "{e}");
    assert!(e.to_string().contains(KEY_VAR), "{e}");
    // Torn: the first half of the file.
    let path = dir.path().join(STORE_PATH);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let e = load(dir.path(), &key).unwrap_err();
    assert!(matches!(e, StoreError::Decrypt { .. }), "{e}");
    // One flipped character in the body.
    let mut flipped = bytes.clone();
    let i = flipped.len() - 40;
    flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
    std::fs::write(&path, &flipped).unwrap();
    assert!(load(dir.path(), &key).is_err());
    let env: HashMap<String, String> = HashMap::new();
    assert!(matches!(from_env(&env, dir.path()), Err(StoreError::NoKey)));
    let env: HashMap<String, String> =
        [(KEY_VAR.to_owned(), "AGE-SECRET-KEY-1NOPE".to_owned())].into();
    assert!(matches!(
        from_env(&env, dir.path()),
        Err(StoreError::BadKey { .. })
    ));
}

#[test]
fn a_key_file_may_hold_age_keygens_comments() {
    let dir = tempfile::tempdir().unwrap();
    let (key, line) = Key::generate();
    std::fs::write(
        dir.path().join("key.txt"),
        format!(
            "# created: 2026-11-01\n# public key: {}\n{}\n",
            key.recipient(),
            line.expose_secret()
        ),
    )
    .unwrap();
    let env: HashMap<String, String> = [(KEY_FILE_VAR.to_owned(), "key.txt".to_owned())].into();
    assert_eq!(
        from_env(&env, dir.path()).unwrap().recipient(),
        key.recipient()
    );
}

#[test]
fn a_merge_keeps_the_newer_renewal_and_a_removal() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = Key::generate();
    let file = |name: &str, entries: &[(&str, Entry)]| {
        let mut s = Store::empty(key.clone());
        for (n, e) in entries {
            s.put(n, e.clone());
        }
        let path = dir.path().join(name);
        file::write(&s, &path).unwrap();
        path
    };
    let base = file(
        "base",
        &[
            ("a", entry("a0", 1)),
            ("b", entry("b0", 1)),
            ("c", entry("c0", 1)),
        ],
    );
    // Ours renewed a late, theirs renewed a later and b; theirs removed c.
    let ours = file(
        "ours",
        &[
            ("a", entry("a1", 5)),
            ("b", entry("b0", 1)),
            ("c", entry("c0", 1)),
        ],
    );
    let theirs = file(
        "theirs",
        &[
            ("a", entry("a2", 9)),
            ("b", entry("b2", 9)),
            ("d", entry("d2", 9)),
        ],
    );
    merge(&base, &ours, &theirs, &key).unwrap();
    let merged = file::read(&ours, &key).unwrap();
    let values: Vec<(String, String)> = merged
        .tokens
        .iter()
        .map(|(n, e)| (n.clone(), e.value().expose_secret().to_owned()))
        .collect();
    assert_eq!(
        values,
        [
            ("a".into(), "a2".into()),
            ("b".into(), "b2".into()),
            ("d".into(), "d2".into())
        ]
    );
    // A side that does not decrypt stops the merge (git reports a conflict).
    std::fs::write(&theirs, "<<<<<<< garbage").unwrap();
    assert!(merge(&base, &ours, &theirs, &key).is_err());
}

#[test]
fn a_merge_of_bare_file_names_writes_in_the_current_folder() {
    // Git runs the driver in the repository's top with names like
    // `.merge_file_a1b2`; the test gives a file name with no folder.
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = Key::generate();
    let mut s = Store::empty(key.clone());
    s.put("a", entry("a0", 1));
    let bare = Path::new(".postcal-merge-test-ours");
    let absolute = std::env::current_dir().unwrap().join(bare);
    file::write(&s, &absolute).unwrap();
    let (base, theirs) = (dir.path().join("base"), dir.path().join("theirs"));
    file::write(&s, &base).unwrap();
    s.put("a", entry("a1", 5));
    file::write(&s, &theirs).unwrap();
    let merged = merge(&base, bare, &theirs, &key);
    let read = file::read(&absolute, &key);
    let _ = std::fs::remove_file(&absolute);
    merged.unwrap();
    assert_eq!(
        read.unwrap().get("a").unwrap().value().expose_secret(),
        "a1"
    );
}
