//! `doctor` asks for every file the next 7 days' posts on a platform that
//! fetches media by URL (Threads) will fetch, at `media_base_url`, and
//! says which is not served as the workspace has it: not deployed yet, an
//! older copy still on the CDN, the wrong type.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

type Files = Arc<Mutex<HashMap<String, (Vec<u8>, &'static str)>>>;

async fn serve(State(files): State<Files>, Path(path): Path<String>) -> Response {
    match files.lock().unwrap().get(&path) {
        Some((bytes, kind)) => ([(header::CONTENT_TYPE, *kind)], bytes.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn jpeg(size: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
    b.resize(size, 7);
    b
}

#[test]
fn doctor_finds_media_not_served_as_in_git() {
    let files: Files = Arc::default();
    let router = Router::new()
        .route("/site/{*path}", get(serve))
        .with_state(files.clone());
    let (server, _log) = support::server::start(router);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("postcal.yaml"),
        format!(
            "timezone: Europe/Madrid\nmedia_base_url: {}/site/\nchannels:\n  brand:\n    platform: threads\n    user_id: \"1789\"\n    token: env:T\n    api_base: http://127.0.0.1:9\n",
            server.base
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("media")).unwrap();
    std::fs::create_dir(root.join("calendars")).unwrap();
    for (name, size) in [
        ("a.jpg", 900),
        ("b.jpg", 1200),
        ("c.jpg", 800),
        ("later.jpg", 500),
    ] {
        std::fs::write(root.join("media").join(name), jpeg(size)).unwrap();
    }
    let post = |id: &str, day: u32, file: &str| {
        format!(
            "  - id: {id}\n    at: 2026-12-{day:02}T10:00:00+01:00\n    channels: [brand]\n    status: approved\n    text: Look\n    media:\n      - file: media/{file}\n        alt: A picture\n"
        )
    };
    std::fs::write(
        root.join("calendars/c.yaml"),
        format!(
            "posts:\n{}{}{}{}{}",
            post("one", 2, "a.jpg"),
            post("two", 3, "b.jpg"),
            post("three", 4, "c.jpg"),
            post("again", 5, "a.jpg"),
            // Beyond the 7 days: not asked for.
            post("far", 20, "later.jpg"),
        ),
    )
    .unwrap();
    {
        let mut f = files.lock().unwrap();
        f.insert("media/a.jpg".into(), (jpeg(900), "image/jpeg"));
        // An older copy, still on the CDN.
        f.insert("media/b.jpg".into(), (jpeg(1000), "image/jpeg"));
        // c.jpg: not deployed yet.
    }
    let doctor = || {
        let out = Command::cargo_bin("postcal")
            .unwrap()
            .env("T", "tok")
            .args([
                "--color",
                "never",
                "--now",
                "2026-12-01T09:00:00Z",
                "--workspace",
            ])
            .arg(root)
            .arg("doctor")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = doctor();
    assert!(!err.contains("media `media/a.jpg`"), "{err}");
    assert!(
        err.contains("media `media/b.jpg` for two@brand")
            && err.contains("serves 1000 bytes, the file has 1200"),
        "{err}"
    );
    assert!(
        err.contains("media `media/c.jpg` for three@brand") && err.contains("HTTP 404"),
        "{err}"
    );
    assert!(!err.contains("later.jpg"), "{err}");
    let asked = |path: &str| {
        _log.lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .count()
    };
    // Once each, however many posts attach it.
    assert_eq!(asked("/site/media/a.jpg"), 1);
    assert_eq!(asked("/site/media/later.jpg"), 0);

    // Deployed: b and c right, and a now served with the wrong type.
    {
        let mut f = files.lock().unwrap();
        f.insert(
            "media/a.jpg".into(),
            (jpeg(900), "application/octet-stream"),
        );
        f.insert("media/b.jpg".into(), (jpeg(1200), "image/jpeg"));
        f.insert("media/c.jpg".into(), (jpeg(800), "image/jpeg"));
    }
    let err = doctor();
    assert!(
        err.contains("media `media/a.jpg` for one@brand")
            && err.contains("served as `application/octet-stream`, the file is image/jpeg"),
        "{err}"
    );
    assert!(!err.contains("b.jpg") && !err.contains("c.jpg"), "{err}");
    files
        .lock()
        .unwrap()
        .insert("media/a.jpg".into(), (jpeg(900), "image/jpeg"));
    let err = doctor();
    assert!(
        err.contains(
            "the 3 file(s) the next 7 days' posts fetch by URL are served as in the workspace"
        ),
        "{err}"
    );
}
