//! The token store end to end, through the binary: a key is made, a token
//! pasted into the store, a publish uses it, a second clone (with the key)
//! reads it, and a wrong key, a missing key or a torn store stop the run
//! with the key's name — never an empty store, never a value printed.

mod support;

use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use support::{Behaviour, mastodon};

fn postcal(root: &Path, key: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("postcal").unwrap();
    cmd.env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_STORE_KEY")
        .env_remove("POSTCAL_STORE_KEY_FILE")
        .args(["--color", "never", "--workspace"])
        .arg(root);
    if let Some(key) = key {
        cmd.env("POSTCAL_STORE_KEY", key);
    }
    cmd
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn new_key(root: &Path) -> String {
    let (code, out, err) = output(postcal(root, None).args(["auth", "key"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("POSTCAL_STORE_KEY"), "{err}");
    let line = out.trim().to_owned();
    assert!(line.starts_with("AGE-SECRET-KEY-1"), "{out}");
    line
}

/// `auth login CHANNEL --paste --token`, the token on standard input.
fn paste(root: &Path, key: &str, channel: &str, token: &str) -> (i32, String, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("postcal"))
        .env("POSTCAL_STORE_KEY", key)
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(["auth", "login", channel, "--paste", "--token"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_stored_token_publishes_from_a_second_clone_and_a_bad_store_stops_loudly() {
    let (fake, _instance) = mastodon::start_with(Behaviour::Ok);
    let dir = support::workspace(&[("brand", "mastodon", &fake)]);
    let root = dir.path().join("ws");
    // The workspace is a repository; the store goes in with the ledger.
    std::fs::rename(dir.path().join("postcal.yaml"), dir.path().join("p.yaml")).unwrap();
    std::fs::create_dir_all(root.join("calendars")).unwrap();
    let config = std::fs::read_to_string(dir.path().join("p.yaml"))
        .unwrap()
        .replace("env:FAKE_MASTODON_TOKEN", "store:brand-mastodon");
    std::fs::write(root.join("postcal.yaml"), config).unwrap();
    std::fs::write(
        root.join("calendars/c.yaml"),
        "posts:\n  - id: hello\n    at: 2026-12-03T09:00:00+01:00\n    channels: [brand]\n    status: approved\n    text: Hello from the store\n",
    )
    .unwrap();
    let key = new_key(&root);

    // No store yet: the publish says what to do, and sends nothing.
    let (code, out, err) =
        output(postcal(&root, Some(&key)).args(["publish", "--now", "2026-12-03T09:00:00+01:00"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("postcal auth login") && out.contains("no token store"),
        "{out}"
    );
    assert_eq!(fake.created(), 0);

    let (code, _, err) = paste(&root, &key, "brand", mastodon::TOKEN);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("stored `brand-mastodon`"), "{err}");
    let text = std::fs::read_to_string(root.join(".postcal/tokens.age")).unwrap();
    assert!(
        !text.contains(mastodon::TOKEN),
        "the store holds the token in the clear"
    );

    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "calendar and token store"]);
    let clone = dir.path().join("clone");
    git(
        dir.path(),
        &["clone", "-q", root.to_str().unwrap(), "clone"],
    );

    // Without the key, or with another, the clone refuses (and names the key).
    let (code, out, _) =
        output(postcal(&clone, None).args(["publish", "--now", "2026-12-03T09:00:00+01:00"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("POSTCAL_STORE_KEY is not set"), "{out}");
    let other = new_key(&root);
    let (code, _, err) = output(postcal(&clone, Some(&other)).args(["auth", "status"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("does not decrypt with the key in POSTCAL_STORE_KEY"),
        "{err}"
    );
    assert_eq!(fake.created(), 0);

    // With the key, the clone publishes with the stored token.
    let (code, out, err) =
        output(postcal(&clone, Some(&key)).args(["publish", "--now", "2026-12-03T09:00:00+01:00"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(fake.created_for("Hello from the store"), 1);
    let (code, out, err) = output(postcal(&clone, Some(&key)).args([
        "auth",
        "status",
        "--now",
        "2026-12-03T09:00:00+01:00",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("brand-mastodon") && out.contains("brand") && out.contains("never"),
        "{out}"
    );
    assert!(!out.contains(mastodon::TOKEN) && !err.contains(mastodon::TOKEN));

    // A torn store (a copy cut short) is an error, not an empty store.
    let path = clone.join(".postcal/tokens.age");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (code, _, err) = output(postcal(&clone, Some(&key)).args(["auth", "status"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("git checkout -- .postcal/tokens.age"), "{err}");
    let (code, _, err) = output(postcal(&clone, Some(&key)).args(["doctor", "--offline"]));
    assert_eq!(code, 1, "{err}");
}
