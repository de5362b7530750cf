//! Many runners, one calendar (`publish --coordinate git`): a bare remote
//! in a temporary folder and three clones of it, each running `publish`
//! at the same `--now` as real processes started at random offsets, some
//! killed with SIGKILL mid-run, round after round, against local Mastodon
//! and Slack servers that count what they create. Every delivery reaches
//! its platform at most once, and exactly once unless the ledger reports
//! it unknown or missed; the remote's ledger parses and tells the truth.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use support::{Behaviour, mastodon, slack};

const ROUNDS: usize = 8;
const POSTS_PER_ROUND: usize = 3;
const RUNNERS: usize = 3;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn start() -> DateTime<Utc> {
    "2026-12-03T08:00:00Z".parse().unwrap()
}

/// Round `r`'s `--now`: 15 minutes apart, past a 10-minute claim.
fn now_of(r: usize) -> DateTime<Utc> {
    start() + chrono::Duration::minutes(15 * r as i64)
}

fn text(r: usize, k: usize) -> String {
    format!("Round {r}, post {k}")
}

fn calendar() -> String {
    let mut out = String::from("posts:\n");
    for r in 0..ROUNDS {
        for k in 0..POSTS_PER_ROUND {
            let at = now_of(r) - chrono::Duration::minutes(1);
            out.push_str(&format!(
                "  - id: r{r}-p{k}\n    at: {}\n    status: approved\n    channels: [m, s]\n    text: \"{}\"\n",
                at.to_rfc3339(),
                text(r, k)
            ));
        }
    }
    out
}

/// The final state of each delivery in a ledger's text: the last event of
/// its first part.
fn last_events(ledger: &str) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for line in ledger.lines().filter(|l| !l.trim().is_empty()) {
        let r: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if r["part"].as_u64().unwrap_or(0) != 0 {
            continue;
        }
        let key = (
            r["post"].as_str().unwrap().to_owned(),
            r["channel"].as_str().unwrap().to_owned(),
        );
        out.insert(key, r["event"].as_str().unwrap().to_owned());
    }
    out
}

#[test]
fn runners_racing_through_one_remote_never_post_twice() {
    // Each request takes a while, so a kill lands mid-run as often as not.
    let slow = Behaviour::Slow(Duration::from_millis(80));
    let m = mastodon::start(slow);
    let s = slack::start(slow);
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("remote.git");
    std::fs::create_dir(&remote).unwrap();
    git(&remote, &["init", "-q", "--bare", "-b", "main"]);

    let seed = support::workspace(&[("m", "mastodon", &m), ("s", "slack", &s)]);
    std::fs::write(seed.path().join("calendars/plan.yaml"), calendar()).unwrap();
    std::fs::write(
        seed.path().join(".gitignore"),
        ".postcal/lock\n.postcal/cache/\n",
    )
    .unwrap();
    git(seed.path(), &["init", "-q", "-b", "main"]);
    git(seed.path(), &["add", "."]);
    git(seed.path(), &["commit", "-qm", "the plan"]);
    git(
        seed.path(),
        &["push", "-q", remote.to_str().unwrap(), "main"],
    );

    let clones: Vec<PathBuf> = (0..RUNNERS)
        .map(|i| {
            let dir = tmp.path().join(format!("runner{i}"));
            git(
                tmp.path(),
                &[
                    "clone",
                    "-q",
                    remote.to_str().unwrap(),
                    dir.to_str().unwrap(),
                ],
            );
            dir
        })
        .collect();
    let mut env: HashMap<String, String> = m.env.clone();
    env.extend(s.env.clone());

    let (mut kills, mut races) = (0, 0);
    for round in 0..=ROUNDS {
        // The last round: one runner, nobody killed, after every claim ran
        // out: it settles what the killed ones left.
        let runners = if round == ROUNDS { 1 } else { RUNNERS };
        let now = now_of(round).to_rfc3339();
        let mut children = Vec::new();
        for dir in clones.iter().take(runners) {
            std::thread::sleep(Duration::from_millis(fastrand::u64(0..150)));
            let child = Command::new(env!("CARGO_BIN_EXE_postcal"))
                .current_dir(dir)
                .env_remove("POSTCAL_WORKSPACE")
                .envs(&env)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .args(["--color", "never", "-v", "publish", "--coordinate", "git"])
                .args(["--now", &now])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            children.push(child);
        }
        if round < ROUNDS && fastrand::u8(0..3) == 0 {
            let victim = fastrand::usize(0..runners);
            std::thread::sleep(Duration::from_millis(fastrand::u64(20..600)));
            if children[victim].kill().is_ok() {
                kills += 1;
            }
        }
        for child in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("panicked"), "{err}");
            for line in err.lines() {
                if let Some(rest) = line.split("moved the branch ").nth(1) {
                    races += rest
                        .split(' ')
                        .next()
                        .unwrap()
                        .parse::<usize>()
                        .unwrap_or(0);
                }
            }
        }
        m.settle(Duration::from_secs(5));
    }

    // The remote's ledger, as a fresh clone reads it.
    let check = tmp.path().join("check");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            check.to_str().unwrap(),
        ],
    );
    let ledger = std::fs::read_to_string(check.join(".postcal/ledger.jsonl")).unwrap();
    let last = last_events(&ledger);
    let status = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .current_dir(&check)
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "status", "--format", "json"])
        .args(["--now", &now_of(ROUNDS).to_rfc3339()])
        .output()
        .unwrap();
    assert!(
        status.status.code() == Some(0) || status.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );

    let (mut once, mut unknown) = (0, 0);
    for r in 0..ROUNDS {
        for k in 0..POSTS_PER_ROUND {
            let body = text(r, k);
            // Slack first: it has no idempotency to hide a second request.
            for (channel, created) in [("s", s.created_for(&body)), ("m", m.created_for(&body))] {
                let event = last.get(&(format!("r{r}-p{k}"), channel.to_owned()));
                assert!(created <= 1, "{body} went to {channel} {created} times");
                match event.map(String::as_str) {
                    Some("published") => {
                        assert_eq!(created, 1, "the ledger says {body} is on {channel}");
                        once += 1;
                    }
                    Some("unknown") | Some("missed") => unknown += 1,
                    other => panic!("{body} on {channel}: {other:?}, created {created} times"),
                }
            }
        }
    }
    let deliveries = ROUNDS * POSTS_PER_ROUND * 2;
    #[allow(clippy::print_stderr)] // the figures the README quotes
    {
        eprintln!(
            "coordination: {ROUNDS} rounds × {RUNNERS} runners, {deliveries} deliveries: {once} published once, {unknown} unknown or missed, 0 twice; {kills} runners killed, {races} pushes rejected and claimed again"
        );
    }
    assert_eq!(once + unknown, deliveries);
}

/// A remote with the plan, and one clone of it.
fn one_runner(m: &support::Fake) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("remote.git");
    std::fs::create_dir(&remote).unwrap();
    git(&remote, &["init", "-q", "--bare", "-b", "main"]);
    let seed = support::workspace(&[("m", "mastodon", m)]);
    std::fs::write(
        seed.path().join("calendars/plan.yaml"),
        "posts:\n  - id: hello\n    at: 2026-12-03 09:00\n    status: approved\n    channels: [m]\n    text: Hello\n",
    )
    .unwrap();
    std::fs::write(
        seed.path().join(".gitignore"),
        ".postcal/lock\n.postcal/cache/\n",
    )
    .unwrap();
    git(seed.path(), &["init", "-q", "-b", "main"]);
    git(seed.path(), &["add", "."]);
    git(seed.path(), &["commit", "-qm", "the plan"]);
    git(
        seed.path(),
        &["push", "-q", remote.to_str().unwrap(), "main"],
    );
    let clone = tmp.path().join("runner");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    (tmp, remote, clone)
}

fn publish(dir: &Path, env: &HashMap<String, String>, now: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .current_dir(dir)
        .env_remove("POSTCAL_WORKSPACE")
        .envs(env)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "--color",
            "never",
            "publish",
            "--coordinate",
            "git",
            "--now",
            now,
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn nothing_is_sent_when_the_remote_cannot_be_reached_or_refuses_and_nothing_is_pushed_when_nothing_is_due()
 {
    let m = mastodon::start(Behaviour::Ok);
    let (_tmp, remote, clone) = one_runner(&m);
    let head = || git(&remote, &["rev-parse", "main"]);
    let before = head();

    // Nothing due yet: no fetch is needed, and no push is made.
    let (code, err) = publish(&clone, &m.env, "2026-12-03T07:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(head(), before);

    // A protected branch (a hook that declines): an error that says what
    // to allow, exit 1, nothing sent.
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/main.' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, err) = publish(&clone, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the remote refused the push to `main`") && err.contains("nothing was sent"),
        "{err}"
    );
    assert!(err.contains("Protected branch"), "{err}");
    assert!(
        err.contains("allow this runner to push to the branch"),
        "{err}"
    );
    assert_eq!(m.created(), 0);
    std::fs::remove_file(&hook).unwrap();

    // The remote gone: exit 1 with why, nothing sent.
    let gone = remote.with_extension("moved");
    std::fs::rename(&remote, &gone).unwrap();
    let (code, err) = publish(&clone, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the remote `origin` cannot be reached") && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(m.created(), 0);

    // Back: it goes out once, and its claim and outcome are on the remote.
    std::fs::rename(&gone, &remote).unwrap();
    let (code, err) = publish(&clone, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(m.created(), 1);
    let ledger = git(&remote, &["show", "main:.postcal/ledger.jsonl"]);
    let events: Vec<String> = ledger
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|r| {
            format!(
                "{}{}",
                r["event"].as_str().unwrap(),
                if r["runner"].is_string() {
                    " (claim)"
                } else {
                    ""
                }
            )
        })
        .collect();
    assert_eq!(events, ["attempt (claim)", "attempt", "published"]);
    assert_eq!(
        git(&remote, &["rev-list", "--count", "main"]),
        "3",
        "the plan, the claim, the outcome"
    );
    // The checkout is at the remote's head with nothing changed, so a cron
    // host's `git pull` goes on working.
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head());
    assert_eq!(git(&clone, &["status", "--porcelain"]), "");
    // Run again: nothing due, nothing pushed.
    let after = head();
    let (code, err) = publish(&clone, &m.env, "2026-12-03T08:10:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(head(), after);
}

#[test]
fn a_coordinated_run_plans_from_the_remotes_calendar_and_refuses_a_checkout_that_differs() {
    let m = mastodon::start(Behaviour::Ok);
    let (tmp, remote, behind) = one_runner(&m);
    let head = || git(&remote, &["rev-parse", "main"]);
    // A teammate cancels the post and pushes; this clone has not pulled.
    let teammate = tmp.path().join("teammate");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            teammate.to_str().unwrap(),
        ],
    );
    let plan = teammate.join("calendars/plan.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replace("status: approved", "status: cancelled")).unwrap();
    git(&teammate, &["commit", "-qam", "call it off"]);
    git(&teammate, &["push", "-q", "origin", "main"]);
    let (code, err) = publish(&behind, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(m.created(), 0, "the remote's calendar says cancelled");
    assert_eq!(
        git(&behind, &["rev-parse", "HEAD"]),
        head(),
        "brought up to date"
    );

    // A calendar edit of its own that is not on the remote: refused.
    let plan = behind.join("calendars/plan.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replace("status: cancelled", "status: approved")).unwrap();
    let (code, err) = publish(&behind, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "the checkout has changes or commits `origin/main` does not (calendars/plan.yaml)"
        ),
        "{err}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
    assert_eq!(m.created(), 0);
    git(&behind, &["checkout", "-q", "--", "calendars/plan.yaml"]);

    // A branch that is not the remote's default does not publish.
    git(&behind, &["checkout", "-q", "-b", "feature"]);
    git(&behind, &["push", "-q", "origin", "feature"]);
    let (code, err) = publish(&behind, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("this checkout is on `feature`, but the remote's default branch is `main`"),
        "{err}"
    );
    git(&behind, &["checkout", "-q", "main"]);

    // Outcomes a run could not push reach the remote with the next run,
    // due or not.
    git(&teammate, &["pull", "-q", "--ff-only"]);
    std::fs::write(
        teammate.join("calendars/plan.yaml"),
        std::fs::read_to_string(&plan)
            .unwrap()
            .replace("status: cancelled", "status: approved"),
    )
    .unwrap();
    git(&teammate, &["commit", "-qam", "on again"]);
    git(&teammate, &["push", "-q", "origin", "main"]);
    let hook = remote.join("hooks/pre-receive");
    use std::os::unix::fs::PermissionsExt as _;
    // Claims pass, the outcome push is refused.
    std::fs::write(&hook, "#!/bin/sh\nwhile read old new ref; do git show \"$new:.postcal/ledger.jsonl\" 2>/dev/null | grep -q '\"published\"' && { echo 'no outcomes today' >&2; exit 1; }; done\nexit 0\n").unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, err) = publish(&behind, &m.env, "2026-12-03T08:05:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the outcomes were published but not pushed"),
        "{err}"
    );
    assert_eq!(m.created(), 1);
    std::fs::remove_file(&hook).unwrap();
    let (code, err) = publish(&behind, &m.env, "2026-12-03T12:00:00Z");
    assert_eq!(code, 0, "{err}");
    let ledger = git(&remote, &["show", "main:.postcal/ledger.jsonl"]);
    assert!(ledger.contains("\"published\""), "{ledger}");
    assert_eq!(git(&behind, &["status", "--porcelain"]), "");
    assert_eq!(m.created(), 1);

    // A freeze pushed, then lifted: a frozen clone still takes the remote's
    // calendar, and publishes once the freeze is gone.
    git(&teammate, &["pull", "-q", "--ff-only"]);
    let config = teammate.join("postcal.yaml");
    let frozen = std::fs::read_to_string(&config)
        .unwrap()
        .replace("publish:\n", "publish:\n  freeze: true\n");
    std::fs::write(&config, &frozen).unwrap();
    let plan = teammate.join("calendars/plan.yaml");
    let more = std::fs::read_to_string(&plan).unwrap()
        + "  - id: later\n    at: 2026-12-03 13:00\n    status: approved\n    channels: [m]\n    text: Later\n";
    std::fs::write(&plan, more).unwrap();
    git(&teammate, &["commit", "-qam", "freeze"]);
    git(&teammate, &["push", "-q", "origin", "main"]);
    let (code, err) = publish(&behind, &m.env, "2026-12-03T12:05:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(m.created(), 1, "frozen");
    std::fs::write(&config, frozen.replace("  freeze: true\n", "")).unwrap();
    git(&teammate, &["commit", "-qam", "thaw"]);
    git(&teammate, &["push", "-q", "origin", "main"]);
    let (code, err) = publish(&behind, &m.env, "2026-12-03T12:06:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(m.created(), 2, "the lifted freeze reached the frozen clone");
}
