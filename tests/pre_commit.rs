//! The `.pre-commit-hooks.yaml` of this repository, run by the real
//! `pre-commit` (from PyPI; `.ci/run` installs it) in a temporary
//! repository that uses it: a commit that breaks the calendar is refused
//! with the finding, a fixed one goes in, and a commit that touches no
//! calendar file does not run the check. Without pre-commit the test says
//! so and passes, unless `POSTCAL_REQUIRE_LINTERS=1`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn ready() -> bool {
    let found = Command::new("pre-commit")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        #[allow(clippy::disallowed_methods)] // a test's own switch
        let required = std::env::var("POSTCAL_REQUIRE_LINTERS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "pre-commit is missing and POSTCAL_REQUIRE_LINTERS=1"
        );
        #[allow(clippy::print_stderr)] // why the test did nothing
        {
            eprintln!("skipped: pre-commit is not installed (pip install pre-commit)");
        }
    }
    found
}

/// `program args` in `dir`, with git and pre-commit kept inside `home`
/// and this build's `postcal` first on the PATH.
fn run(dir: &Path, home: &Path, program: &str, args: &[&str]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_postcal")).parent().unwrap();
    #[allow(clippy::disallowed_methods)] // the PATH the test extends
    let path = std::env::var("PATH").unwrap_or_default();
    Command::new(program)
        .current_dir(dir)
        .args(args)
        .env("PATH", format!("{}:{path}", bin.display()))
        .env("PRE_COMMIT_HOME", home.join("pre-commit"))
        .env("PRE_COMMIT_COLOR", "never")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env_remove("POSTCAL_WORKSPACE")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n";

fn calendar(channel: &str) -> String {
    format!(
        "posts:\n  - id: launch\n    at: 2030-12-03 09:00\n    channels: [{channel}]\n    text: Winter Blend\n"
    )
}

#[test]
fn a_commit_that_breaks_the_calendar_is_refused_and_a_fixed_one_goes_in() {
    if !ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    // The hook repository: this repository's hooks file, committed.
    let hooks = home.join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    ok(run(&hooks, home, "git", &["init", "-q"]));
    ok(run(&hooks, home, "git", &["add", "."]));
    ok(run(&hooks, home, "git", &["commit", "-qm", "hooks"]));
    let rev = ok(run(&hooks, home, "git", &["rev-parse", "HEAD"]));
    ok(run(
        &hooks,
        home,
        "pre-commit",
        &["validate-manifest", ".pre-commit-hooks.yaml"],
    ));

    // A team's calendar repository that uses it.
    let team = home.join("team");
    std::fs::create_dir_all(team.join("calendars")).unwrap();
    std::fs::write(team.join("postcal.yaml"), CONFIG).unwrap();
    std::fs::write(team.join("calendars/c.yaml"), calendar("m")).unwrap();
    std::fs::write(team.join("README.md"), "notes\n").unwrap();
    std::fs::write(
        team.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: postcal-validate-system\n",
            hooks.display(),
            rev.trim()
        ),
    )
    .unwrap();
    ok(run(&team, home, "git", &["init", "-q"]));
    ok(run(&team, home, "pre-commit", &["install"]));
    ok(run(&team, home, "git", &["add", "."]));
    let first = ok(run(&team, home, "git", &["commit", "-qm", "a good plan"]));
    assert!(
        first.contains("postcal validate") && first.contains("Passed"),
        "{first}"
    );

    // A typo in a channel name: the commit is refused, and says why.
    std::fs::write(team.join("calendars/c.yaml"), calendar("mastodn")).unwrap();
    ok(run(&team, home, "git", &["add", "."]));
    let refused = run(&team, home, "git", &["commit", "-qm", "a typo"]);
    assert!(!refused.status.success(), "{}", text(&refused));
    let said = text(&refused);
    assert!(said.contains("Failed"), "{said}");
    assert!(said.contains("unknown channel `mastodn`"), "{said}");
    assert!(said.contains("calendars/c.yaml:4:16"), "{said}");

    // Fixed, it goes in; a commit of other files does not run the check.
    std::fs::write(team.join("calendars/c.yaml"), calendar("m")).unwrap();
    std::fs::write(team.join("README.md"), "more notes\n").unwrap();
    ok(run(&team, home, "git", &["add", "."]));
    ok(run(&team, home, "git", &["commit", "-qm", "fixed"]));
    std::fs::write(team.join("README.md"), "even more\n").unwrap();
    ok(run(&team, home, "git", &["add", "."]));
    let other = ok(run(&team, home, "git", &["commit", "-qm", "notes"]));
    assert!(other.contains("(no files to check)Skipped"), "{other}");
}
