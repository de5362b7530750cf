//! No secret in any output, ledger line or status line — for every adapter,
//! at `-vv`, against a server that echoes back everything it was sent (the
//! request line, headers and body) in its error answers, as some proxies and
//! platforms do. Credentials carry their secrets where each platform does:
//! in URL paths and queries (webhooks), in headers (tokens), in the path
//! (Telegram), in bodies (Bluesky's login), in signed headers (X's OAuth 1.0a).

mod support;

use std::time::Duration;

use assert_cmd::Command;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use postcal::platform::Platform;

/// A server that refuses everything, repeating the request in its answer.
fn echo_server() -> support::server::Server {
    let router = Router::new().fallback(|req: Request| async move {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        let mut echo = format!("Cannot {} {}\n", parts.method, parts.uri);
        for (k, v) in &parts.headers {
            echo.push_str(&format!("{k}: {}\n", v.to_str().unwrap_or("")));
        }
        echo.push_str(&String::from_utf8_lossy(&body));
        (StatusCode::NOT_FOUND, echo).into_response()
    });
    support::server::start(router).0
}

/// The channel YAML and environment for `platform` against `base`, and the
/// secrets (each significant part) that must never show.
fn channel(platform: Platform, base: &str) -> (String, Vec<(String, String)>, Vec<&'static str>) {
    let env = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    match platform {
        Platform::Mastodon => (
            format!("instance: {base}\n    token: env:S_TOKEN"),
            env(&[("S_TOKEN", "mastodonTOKENa1b2c3d4e5".into())]),
            vec!["mastodonTOKENa1b2c3d4e5"],
        ),
        Platform::Bluesky => (
            format!("handle: lumen.test\n    app_password: env:S_PASS\n    service: {base}"),
            env(&[("S_PASS", "Abcd-3fgh-1jkl-mn0p".into())]),
            vec!["Abcd-3fgh-1jkl-mn0p"],
        ),
        Platform::Discord => (
            "webhook: env:S_HOOK".into(),
            env(&[(
                "S_HOOK",
                format!("{base}/api/webhooks/123/DISCORDtokSECRET9?thread_id=QUERYsecret55"),
            )]),
            vec!["DISCORDtokSECRET9", "QUERYsecret55"],
        ),
        Platform::Slack => (
            "webhook: env:S_HOOK".into(),
            env(&[(
                "S_HOOK",
                format!("{base}/services/T0ABC/B0DEF/SLACKsecretXYZ123?token=SLACKqueryXYZ789"),
            )]),
            vec!["SLACKsecretXYZ123", "SLACKqueryXYZ789"],
        ),
        Platform::Telegram => (
            format!("token: env:S_TOKEN\n    chat_id: \"@lumen\"\n    api_base: {base}"),
            env(&[("S_TOKEN", "7012345678:AAHtelegramSECRETpart_abcdef".into())]),
            vec!["AAHtelegramSECRETpart_abcdef"],
        ),
        Platform::Facebook => (
            format!("page_id: 104857600123\n    page_token: env:S_TOKEN\n    api_base: {base}"),
            env(&[("S_TOKEN", "EAAGfacebookPAGEtokenSECRET77".into())]),
            vec!["EAAGfacebookPAGEtokenSECRET77"],
        ),
        Platform::Threads => (
            format!("user_id: 17841400000000001\n    token: env:S_TOKEN\n    api_base: {base}"),
            env(&[("S_TOKEN", "THAAthreadsTOKENsecret42".into())]),
            vec!["THAAthreadsTOKENsecret42"],
        ),
        Platform::X => (
            format!(
                "api_key: env:S_KEY\n    api_secret: env:S_SECRET\n    access_token: env:S_TOKEN\n    access_secret: env:S_TOKEN_SECRET\n    api_base: {base}"
            ),
            env(&[
                ("S_KEY", "XconsumerKEYa1b2c3".into()),
                ("S_SECRET", "XconsumerSECRETd4e5f6".into()),
                ("S_TOKEN", "1600000000000000001-XaccessTOKENg7h8".into()),
                ("S_TOKEN_SECRET", "XaccessSECRETi9j0".into()),
            ]),
            vec![
                "XconsumerKEYa1b2c3",
                "XconsumerSECRETd4e5f6",
                "XaccessTOKENg7h8",
                "XaccessSECRETi9j0",
            ],
        ),
        Platform::Webhook => (
            "url: env:S_URL\n    secret: env:S_SIGN".into(),
            env(&[
                (
                    "S_URL",
                    format!("{base}/hook/WEBHOOKpathSECRET1?token=WEBHOOKquery%2BSECRET2"),
                ),
                ("S_SIGN", "signingSECRETvalue42".into()),
            ]),
            vec![
                "WEBHOOKpathSECRET1",
                "WEBHOOKquery",
                "SECRET2",
                "signingSECRETvalue42",
            ],
        ),
        // The token in a header; the app's secret and the token again in
        // doctor's introspection form.
        Platform::Linkedin => (
            format!(
                "author: urn:li:person:Ab3dE5\n    token: env:S_TOKEN\n    api_base: {base}\n    client_id: 86abc\n    client_secret: env:S_CLIENT"
            ),
            env(&[
                ("S_TOKEN", "AQVlinkedinTOKENsecret42".into()),
                ("S_CLIENT", "WPL_AP1.clientSECRETvalue".into()),
            ]),
            vec!["AQVlinkedinTOKENsecret42", "clientSECRETvalue"],
        ),
        Platform::Instagram => (
            format!("user_id: \"17841405822304914\"\n    token: env:S_TOKEN\n    api_base: {base}"),
            env(&[("S_TOKEN", "IGAAinstagramTOKENsecret37".into())]),
            vec!["IGAAinstagramTOKENsecret37"],
        ),
    }
}

fn run(root: &std::path::Path, env: &[(String, String)], args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("postcal")
        .unwrap()
        .env_remove("POSTCAL_FREEZE")
        .env_remove("POSTCAL_WORKSPACE")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args([
            "--color",
            "never",
            "-vv",
            "--now",
            "2026-12-01T10:00:00+01:00",
            "--workspace",
        ])
        .arg(root)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn no_secret_shows_anywhere_for_any_adapter() {
    for platform in Platform::ALL {
        let server = echo_server();
        let (yaml, env, secrets) = channel(platform, &server.base);
        let dir = tempfile::tempdir().unwrap();
        // Instagram takes no text-only posts and no threads: one image.
        let instagram = platform == Platform::Instagram;
        let (media_base, post_tail) = if instagram {
            std::fs::write(dir.path().join("a.jpg"), support::png::jpeg(1080, 1080)).unwrap();
            (
                format!("media_base_url: {}/\n", server.base),
                "    media:\n      - file: a.jpg\n        alt: A cup\n",
            )
        } else {
            (String::new(), "    thread: [Two]\n")
        };
        std::fs::write(
            dir.path().join("postcal.yaml"),
            format!(
                "timezone: Europe/Madrid\n{media_base}channels:\n  ch:\n    platform: {platform}\n    {yaml}\n"
            ),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("calendars")).unwrap();
        std::fs::write(
            dir.path().join("calendars/c.yaml"),
            format!("posts:\n  - id: p\n    at: 2026-12-01 09:50\n    status: approved\n    channels: [ch]\n    text: Hello https://lumen.example/a\n{post_tail}"),
        )
        .unwrap();
        let (publish_code, publish) = run(dir.path(), &env, &["publish"]);
        let (_, json) = run(
            dir.path(),
            &env,
            &["publish", "--format", "json", "--retry", "p@ch"],
        );
        let (_, status) = run(dir.path(), &env, &["status"]);
        let (_, status_json) = run(dir.path(), &env, &["status", "--format", "json"]);
        let (_, doctor) = run(dir.path(), &env, &["doctor"]);
        let ledger =
            std::fs::read_to_string(dir.path().join(".postcal/ledger.jsonl")).unwrap_or_default();
        assert_eq!(
            publish_code, 1,
            "{platform}: the echo refuses it\n{publish}"
        );
        assert!(
            publish.contains("http:"),
            "{platform}: -vv shows the requests\n{publish}"
        );
        assert!(!ledger.is_empty(), "{platform}: the failure is recorded");
        for (what, text) in [
            ("publish -vv", &publish),
            ("publish --format json", &json),
            ("status", &status),
            ("status --format json", &status_json),
            ("doctor -vv", &doctor),
            ("the ledger", &ledger),
        ] {
            for secret in &secrets {
                assert!(
                    !text.contains(secret),
                    "{platform}: `{secret}` in {what}:\n{text}"
                );
            }
        }
    }
}
