//! The whole flow with real git and the real binary: `init` a workspace,
//! commit, branch, add and edit posts, `diff main`, merge, `publish` against a
//! local server, commit the ledger; a second clone (the next runner, taking
//! its turn after the first pushed) posts nothing twice. Runners publishing
//! one calendar at the same time are not supported (README, "Running it").

mod support;

use std::path::Path;
use std::process::Command;

use assert_cmd::Command as Bin;
use support::{Behaviour, mastodon};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn postcal(
    dir: &Path,
    env: &std::collections::HashMap<String, String>,
    args: &[&str],
) -> (i32, String) {
    let out = Bin::cargo_bin("postcal")
        .unwrap()
        .envs(env)
        .env_remove("POSTCAL_FREEZE")
        .args(["--color", "never", "--workspace"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn identity(dir: &Path) {
    git(dir, &["config", "user.email", "cm@example.com"]);
    git(dir, &["config", "user.name", "Community Manager"]);
}

#[test]
fn init_review_merge_publish_and_a_second_runner() {
    let fake = mastodon::start(Behaviour::Ok);
    let env = fake.env.clone();
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin.git");
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            origin.to_str().unwrap(),
        ],
    );
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    identity(&work);

    // init, pointed at the local server, committed on main.
    let (code, out) = postcal(
        &work,
        &env,
        &[
            "init",
            "--timezone",
            "Europe/Madrid",
            "--now",
            "2026-11-22T10:00:00Z",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let config = std::fs::read_to_string(work.join("postcal.yaml")).unwrap();
    let config = config
        .replace(
            "instance: https://mastodon.social",
            &format!("instance: {}", fake.base),
        )
        .replace("env:BRAND_MASTODON_TOKEN", "env:FAKE_MASTODON_TOKEN");
    std::fs::write(work.join("postcal.yaml"), config).unwrap();
    let (code, out) = postcal(&work, &env, &["validate", "--now", "2026-11-22T10:00:00Z"]);
    assert_eq!(code, 0, "{out}");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "Start the calendar"]);
    git(&work, &["push", "-q", "origin", "main"]);

    // A branch: approve a draft, reword it, add a post.
    git(&work, &["checkout", "-q", "-b", "december"]);
    let cal = std::fs::read_to_string(work.join("calendars/2026/11.yaml")).unwrap();
    let cal = cal.replacen(
        "status: draft          # drafts are never published; set `approved` when ready",
        "status: approved",
        1,
    );
    let cal = cal.replace(
        "how our team plans a month of posts.",
        "how our team plans a whole month of posts.",
    );
    std::fs::write(work.join("calendars/2026/11.yaml"), cal).unwrap();
    std::fs::write(
        work.join("calendars/2026/12.yaml"),
        "defaults:\n  channels: [brand-mastodon]\nposts:\n  - id: december-hello\n    at: 2026-12-01 09:00\n    status: approved\n    text: Hello, December!\n",
    )
    .unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "December plans"]);
    let (code, review) = postcal(&work, &env, &["diff", "main", "--format", "json"]);
    assert_eq!(code, 0, "{review}");
    let review: serde_json::Value = serde_json::from_str(&review).unwrap();
    let mut kinds: Vec<String> = review["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["post"].as_str().unwrap(),
                c["kind"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "behind-the-scenes:reworded",
            "behind-the-scenes:status",
            "december-hello:added"
        ]
    );
    let (_, markdown) = postcal(&work, &env, &["diff", "main", "--format", "markdown"]);
    assert!(
        markdown.contains("draft | approved") && markdown.contains("Hello, December!"),
        "{markdown}"
    );

    // Merge, publish as the scheduled job would, commit the ledger back.
    git(&work, &["checkout", "-q", "main"]);
    git(
        &work,
        &["merge", "-q", "--no-ff", "december", "-m", "Merge december"],
    );
    let now = "2026-11-25T12:45:00+01:00";
    let (code, out) = postcal(&work, &env, &["publish", "--now", now, "--format", "json"]);
    assert_eq!(code, 1, "hello-calendar (23 Nov) is missed by now: {out}");
    let report: serde_json::Value =
        serde_json::from_str(&out[..out.rfind('}').unwrap() + 1]).unwrap();
    let outcomes: Vec<String> = report["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}",
                d["post"].as_str().unwrap(),
                d["outcome"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        ["hello-calendar:missed", "behind-the-scenes:published"]
    );
    assert_eq!((fake.posts)().len(), 2, "the post and its thread part");
    git(&work, &["add", ".postcal/ledger.jsonl"]);
    git(&work, &["commit", "-q", "-m", "Ledger after a publish run"]);
    git(&work, &["push", "-q", "origin", "main"]);
    assert!(
        std::fs::read_to_string(work.join(".gitattributes"))
            .unwrap()
            .contains("merge=union")
    );

    // The next runner: a fresh clone after the ledger was pushed, the same
    // moment. Nothing goes out twice.
    let runner = tmp.path().join("runner");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            runner.to_str().unwrap(),
        ],
    );
    let (code, out) = postcal(&runner, &env, &["publish", "--now", now]);
    assert_eq!((code, out.as_str()), (0, ""), "nothing due, nothing said");
    assert_eq!((fake.posts)().len(), 2);
    let (code, out) = postcal(
        &runner,
        &env,
        &[
            "publish",
            "--now",
            "2026-12-01T09:05:00+01:00",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("december-hello") && out.contains("\"published\""),
        "{out}"
    );
    assert_eq!((fake.posts)().len(), 3);
}
