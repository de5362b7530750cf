//! `postcal auth` against Meta's sign-in and token endpoints (a local
//! server as strict as Meta's, `support::meta_oauth`): the browser flow end
//! to end (the sign-in address, the redirect to the one-shot listener, its
//! `state` checked, the code and the short-lived token exchanged), a pasted
//! redirect address, and renewal: not before the last week, not under a
//! day old, never after expiry, and a renewed token written back.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use support::meta_oauth;

const NOW: &str = "2026-12-01T09:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

fn at_days(days: i64) -> String {
    (now() + chrono::Duration::days(days)).to_rfc3339()
}

struct Ws {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    key: String,
}

fn workspace(api_base: &str) -> Ws {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(
        root.join("postcal.yaml"),
        format!(
            "timezone: Europe/Madrid\nchannels:\n  brand:\n    platform: threads\n    user_id: \"{}\"\n    token: store:brand-threads\n    api_base: {api_base}\n",
            meta_oauth::USER_ID
        ),
    )
    .unwrap();
    std::fs::create_dir(root.join("calendars")).unwrap();
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .args(["auth", "key"])
        .output()
        .unwrap();
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    Ws {
        _dir: dir,
        root,
        key,
    }
}

fn postcal(ws: &Ws, now: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .env("POSTCAL_STORE_KEY", &ws.key)
        .env("APP_SECRET", meta_oauth::APP_SECRET)
        .args(["--color", "never", "--now", now, "--workspace"])
        .arg(&ws.root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status(ws: &Ws, now: &str) -> serde_json::Value {
    let (code, out, err) = postcal(ws, now, &["auth", "status", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn login_in_a_browser(ws: &Ws, meta: &meta_oauth::Server) {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("postcal"))
        .env("POSTCAL_STORE_KEY", &ws.key)
        .env("APP_SECRET", meta_oauth::APP_SECRET)
        .args(["--color", "never", "--now", NOW, "--workspace"])
        .arg(&ws.root)
        .args(["auth", "login", "brand", "--app-id", meta_oauth::APP_ID])
        .args([
            "--app-secret",
            "env:APP_SECRET",
            "--redirect-uri",
            &redirect,
        ])
        .args(["--wait", "30s", "--authorize-url"])
        .arg(format!("{}/oauth/authorize", meta.base))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The sign-in address is printed before the listener waits.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let link = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no address: {said}"
        );
        said.push_str(&line);
        if let Some(l) = line
            .trim()
            .strip_prefix(&format!("{}/oauth/authorize?", meta.base))
        {
            break format!("{}/oauth/authorize?{l}", meta.base);
        }
    };
    let asked = url::Url::parse(&link).unwrap();
    let param = |k: &str| {
        asked
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("redirect_uri").as_deref(), Some(redirect.as_str()));
    assert!(param("scope").unwrap().contains("threads_content_publish"));
    let state = param("state").unwrap();
    assert!(state.len() >= 32, "{state}");
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    // A redirect with another state (a forged one) is turned away, and
    // the login goes on waiting for its own.
    let forged = client
        .get(format!("{redirect}?code=AQforged&state=not-{state}"))
        .send()
        .unwrap();
    assert_eq!(forged.status(), 400);
    // The person allows the app: Meta redirects the browser to the listener.
    let page = client.get(&link).send().unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().unwrap().contains("close this tab"));
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(out.status.success(), "{said}{rest}");
    assert!(rest.contains("stored `brand-threads`"), "{rest}");
    assert!(
        rest.contains(&format!("signed in as account {}", meta_oauth::USER_ID)),
        "{rest}"
    );
    assert!(!rest.contains(meta_oauth::APP_SECRET));
}

#[test]
fn a_browser_login_stores_a_60_day_token_and_renewal_keeps_the_rules() {
    let meta = meta_oauth::start("th", now());
    let ws = workspace(&meta.base);
    login_in_a_browser(&ws, &meta);
    // Code → short-lived → long-lived: two tokens issued, the forged code
    // never exchanged.
    assert_eq!(meta.tokens.minted(), 2);
    let rows = status(&ws, NOW);
    let row = &rows[0];
    assert_eq!(row["name"], "brand-threads");
    assert_eq!(row["platform"], "threads");
    assert_eq!(row["account"], meta_oauth::USER_ID);
    assert_eq!(row["days_left"], 60);
    assert_eq!(row["channels"], serde_json::json!(["brand"]));
    let first = std::fs::read(ws.root.join(".postcal/tokens.age")).unwrap();

    // Two weeks in: not due, nothing asked.
    meta.tokens.set_now(now() + chrono::Duration::days(14));
    let (code, _, err) = postcal(&ws, &at_days(14), &["auth", "refresh"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not due, good until 2027-01-30"), "{err}");
    assert_eq!(meta.tokens.minted(), 2);
    assert_eq!(
        std::fs::read(ws.root.join(".postcal/tokens.age")).unwrap(),
        first
    );

    // Day 55: renewed, 60 days from then, and written back.
    meta.tokens.set_now(now() + chrono::Duration::days(55));
    let (code, _, err) = postcal(&ws, &at_days(55), &["auth", "refresh"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("renewed `brand-threads` (brand): good until 2027-03-26"),
        "{err}"
    );
    assert_eq!(meta.tokens.minted(), 3);
    assert_eq!(status(&ws, &at_days(55))[0]["days_left"], 60);

    // A token under a day old is not renewed, even with --force.
    let (code, _, err) = postcal(&ws, &at_days(55), &["auth", "refresh", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("not renewed yet, it is under a day old"),
        "{err}"
    );
    assert_eq!(meta.tokens.minted(), 3);

    // Past its end nothing renews it: a person must sign in again.
    meta.tokens.set_now(now() + chrono::Duration::days(120));
    let (code, _, err) = postcal(&ws, &at_days(120), &["auth", "refresh"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("postcal auth login brand --app-id"), "{err}");
    assert_eq!(meta.tokens.minted(), 3);
    let (code, out, _) = postcal(&ws, &at_days(120), &["doctor", "--offline"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("EXPIRED"), "{out}");
    // A dry run does not promise what the real run cannot send.
    std::fs::write(
        ws.root.join("calendars/c.yaml"),
        format!(
            "posts:\n  - id: late\n    at: {}\n    channels: [brand]\n    status: approved\n    text: Too late\n",
            at_days(120)
        ),
    )
    .unwrap();
    let (_, out, err) = postcal(&ws, &at_days(120), &["publish", "--dry-run"]);
    assert!(
        out.contains("but a real run cannot start brand: its stored token ran out on 2027-03-26"),
        "{out}{err}"
    );
}

#[test]
fn a_pasted_redirect_address_is_exchanged_and_a_reused_code_refused() {
    let meta = meta_oauth::start("th", now());
    let ws = workspace(&meta.base);
    // The person signed in elsewhere; the browser ended at the redirect.
    let redirect = "https://example.com/postcal/callback";
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .get(format!("{}/oauth/authorize", meta.base))
        .query(&[
            ("client_id", meta_oauth::APP_ID),
            ("redirect_uri", redirect),
            ("scope", "threads_basic"),
            ("response_type", "code"),
        ])
        .send()
        .unwrap();
    let address = answer.headers()["location"].to_str().unwrap().to_owned();
    let paste = |address: &str| {
        let mut child = Process::new(assert_cmd::cargo::cargo_bin("postcal"))
            .env("POSTCAL_STORE_KEY", &ws.key)
            .env("APP_SECRET", meta_oauth::APP_SECRET)
            .args(["--color", "never", "--now", NOW, "--workspace"])
            .arg(&ws.root)
            .args([
                "auth",
                "login",
                "brand",
                "--paste",
                "--app-id",
                meta_oauth::APP_ID,
            ])
            .args(["--app-secret", "env:APP_SECRET", "--redirect-uri", redirect])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{address}").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = paste(&address);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(status(&ws, NOW)[0]["days_left"], 60);
    // A code works once: the second paste fails and the store keeps the first token.
    let before = std::fs::read(ws.root.join(".postcal/tokens.age")).unwrap();
    let (code, err) = paste(&address);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has been used"), "{err}");
    // The sign-in address was shown before the paste was read.
    assert!(
        err.contains(&format!("{}/oauth/authorize?", "https://threads.net")),
        "{err}"
    );
    // An address carrying another sign-in's state is refused unexchanged.
    let minted = meta.tokens.minted();
    let (code, err) = paste(&format!("{redirect}?code=AQother&state=someone-elses"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("its state does not match"), "{err}");
    assert_eq!(meta.tokens.minted(), minted);
    assert_eq!(
        std::fs::read(ws.root.join(".postcal/tokens.age")).unwrap(),
        before
    );
}

#[test]
fn publish_renews_a_stored_token_in_its_last_week_and_posts_with_the_new_one() {
    let tokens = meta_oauth::Tokens::new("th", now());
    let (fake, account) =
        support::threads::start_with_tokens(support::Behaviour::Ok, Some(tokens.clone()));
    let ws = workspace(&fake.base);
    let old = tokens.issue_long(now());
    // A long-lived token obtained elsewhere, kept in the store as it is.
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("postcal"))
        .env("POSTCAL_STORE_KEY", &ws.key)
        .args(["--color", "never", "--now", NOW, "--workspace"])
        .arg(&ws.root)
        .args(["auth", "login", "brand", "--paste", "--token"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{old}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status(&ws, NOW)[0]["days_left"], 60);

    // Day 55: a post is due; the run renews the token first, then sends
    // with the new one.
    let day55 = now() + chrono::Duration::days(55);
    tokens.set_now(day55);
    account.set_clock(day55);
    std::fs::write(
        ws.root.join("calendars/c.yaml"),
        format!(
            "posts:\n  - id: hello\n    at: {}\n    channels: [brand]\n    status: approved\n    text: Renewed and posted\n",
            day55.to_rfc3339()
        ),
    )
    .unwrap();
    let (code, out, err) = postcal(&ws, &at_days(55), &["publish"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("renewed `brand-threads` (brand): good until 2027-03-26"),
        "{err}"
    );
    assert_eq!(tokens.minted(), 1);
    let posts = account.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "Renewed and posted");
    let sent = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/threads"))
        .unwrap();
    let used = sent
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    assert!(used.starts_with("Bearer THLL-"), "{used}");
    assert!(!used.contains(&old), "the renewed token was used");
    assert!(
        !out.contains(&old) && !err.contains(&old),
        "no token is printed"
    );
    // The store was written back: the next run has nothing to renew.
    assert_eq!(status(&ws, &at_days(55))[0]["days_left"], 60);
    let (code, _, err) = postcal(&ws, &at_days(56), &["publish"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tokens.minted(), 1);
}
