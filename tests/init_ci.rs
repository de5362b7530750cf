//! The CI files `postcal init` writes, checked by real linters (actionlint
//! for the GitHub workflows, GitLab's schema through check-jsonschema,
//! shellcheck for every script) and run for real where it matters: the
//! install step without POSTCAL_INSTALL, a publish run that waited behind
//! another, two cron runs that overlap on one host.
//!
//! A missing linter skips its test with a note, or fails it when
//! `POSTCAL_REQUIRE_LINTERS=1` (as `.ci/run` sets, after installing them).

// A missing linter is reported on stderr.
#![allow(clippy::print_stderr)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Behaviour, mastodon};

const NOW: &str = "2026-11-22T10:00:00Z";

fn postcal_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_postcal"))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = run(Command::new("git").arg("-C").arg(dir).args(args));
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn init(dir: &Path) {
    init_with(dir, &[]);
}

fn init_with(dir: &Path, flags: &[&str]) {
    let out = run(Command::new(postcal_bin())
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "init", "--timezone", "Europe/Madrid"])
        .args(["--now", NOW])
        .args(flags)
        .arg(dir));
    assert!(out.status.success(), "{}", text(&out));
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A linter's command when it is installed. When it is not: `None`, after
/// saying so, or a failure under `POSTCAL_REQUIRE_LINTERS=1`.
fn linter(name: &str, version: &str) -> Option<&'static str> {
    let found = Command::new(name)
        .arg(version)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(name.to_owned().leak());
    }
    #[allow(clippy::disallowed_methods)] // a test's own switch
    let required = std::env::var("POSTCAL_REQUIRE_LINTERS").is_ok_and(|v| v == "1");
    let why = format!(
        "{name} is not installed (.ci/run installs it), so the generated CI files are not linted"
    );
    assert!(!required, "{why}, and POSTCAL_REQUIRE_LINTERS=1");
    eprintln!("skipped: {why}");
    None
}

/// Two repositories as `init` leaves them: a workspace at the top, and two
/// workspaces in folders of one repository (the agency layout).
fn layouts() -> (tempfile::TempDir, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    // With the optional GitHub Pages workflow at the top and in a folder.
    let single = tmp.path().join("single");
    init_with(&single, &["--pages"]);
    let agency = tmp.path().join("agency");
    std::fs::create_dir(&agency).unwrap();
    git(&agency, &["init", "-q"]);
    init_with(&agency.join("brand"), &["--pages"]);
    // And one whose publish jobs coordinate through the git remote.
    init_with(&agency.join("clients/shop"), &["--coordinate"]);
    (tmp, vec![single, agency])
}

fn workflows(top: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(top.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn gitlab_files(top: &Path) -> Vec<PathBuf> {
    let mut files = vec![top.join(".gitlab-ci.yml")];
    if let Ok(dir) = std::fs::read_dir(top.join(".gitlab/postcal")) {
        files.extend(dir.map(|e| e.unwrap().path()));
    }
    files.sort();
    files
}

#[test]
fn actionlint_passes_every_generated_workflow() {
    let Some(actionlint) = linter("actionlint", "-version") else {
        return;
    };
    let (_tmp, tops) = layouts();
    for top in tops {
        let files = workflows(&top);
        assert!(files.len() >= 3, "{files:?}");
        assert!(
            files
                .iter()
                .any(|f| f.to_string_lossy().ends_with("-site.yml")),
            "{files:?}"
        );
        // actionlint runs shellcheck on `run:` scripts too when it is on PATH.
        let out = run(Command::new(actionlint)
            .arg("-no-color")
            .args(&files)
            .current_dir(&top));
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[test]
fn gitlab_schema_passes_every_generated_pipeline() {
    let Some(check) = linter("check-jsonschema", "--version") else {
        return;
    };
    let (_tmp, tops) = layouts();
    for top in tops {
        let files = gitlab_files(&top);
        let out = run(Command::new(check)
            .args(["--builtin-schema", "vendor.gitlab-ci"])
            .args(&files));
        assert!(out.status.success(), "{files:?}: {}", text(&out));
    }
}

/// A script, as each CI system's shell runs it: `(shell, label, text)`.
fn scripts(top: &Path) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for file in workflows(top) {
        let wf = yaml(&file);
        for (job, body) in wf["jobs"].as_object().unwrap() {
            for (i, step) in body["steps"].as_array().unwrap().iter().enumerate() {
                if let Some(script) = step["run"].as_str() {
                    let label = format!("{} {job} step {i}", file.display());
                    out.push(("bash", label, script.to_owned()));
                }
            }
        }
    }
    for file in gitlab_files(top) {
        let ci = yaml(&file);
        let Some(jobs) = ci.as_object() else { continue };
        for (name, job) in jobs
            .iter()
            .filter(|(n, j)| !n.starts_with('.') && j["script"].is_array())
        {
            let template = job["extends"].as_str().map(|t| &ci[t]);
            let before = template.map_or(&Value::Null, |t| &t["before_script"]);
            let lines: Vec<&str> = [before, &job["script"]]
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .map(|l| l.as_str().unwrap())
                .collect();
            out.push(("sh", format!("{} {name}", file.display()), lines.join("\n")));
        }
    }
    out
}

/// The crontab's job line without its five time fields, and the script it
/// hands to `sh -c`.
/// What a cron job of the init'd workspace runs with: the system's tools,
/// postcal at a fixed `--now`, the channel's token under init's name.
fn cron_env(dir: &Path, fake: &support::Fake) -> HashMap<String, String> {
    let bin = postcal_at(dir, "2026-11-23T09:05:00+01:00");
    let mut env: HashMap<String, String> = fake.env.clone();
    let token = env.values().next().unwrap().clone();
    env.insert("BRAND_MASTODON_TOKEN".to_owned(), token);
    env.insert("PATH".to_owned(), system_path(Some(&bin)));
    env.insert("HOME".to_owned(), dir.display().to_string());
    env
}

/// An empty bare repository `origin.git` in `dir`, branch `main`.
fn bare_origin(dir: &Path) -> PathBuf {
    let origin = dir.join("origin.git");
    git(
        dir,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            origin.to_str().unwrap(),
        ],
    );
    origin
}

fn cron_command(ws: &Path) -> String {
    let text = std::fs::read_to_string(ws.join("postcal.crontab")).unwrap();
    let line = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap();
    line.splitn(6, ' ').nth(5).unwrap().to_owned()
}

#[test]
fn shellcheck_passes_every_generated_script() {
    let Some(shellcheck) = linter("shellcheck", "--version") else {
        return;
    };
    let (tmp, tops) = layouts();
    let mut all = Vec::new();
    for top in &tops {
        all.extend(scripts(top));
    }
    for ws in [tops[0].clone(), tops[1].join("brand")] {
        let command = cron_command(&ws);
        let inner = command
            .split_once("sh -c '")
            .and_then(|(_, rest)| rest.strip_suffix('\''))
            .unwrap_or_else(|| panic!("no sh -c '…' in {command}"))
            .to_owned();
        // The line quotes its script for `sh -c` on purpose (SC2016); the
        // script itself is checked on its own.
        let line = format!("# shellcheck disable=SC2016\n{command}");
        all.push(("sh", format!("{} cron line", ws.display()), line));
        all.push(("sh", format!("{} cron script", ws.display()), inner));
    }
    assert!(all.len() >= 12, "{}", all.len());
    for (i, (shell, label, script)) in all.iter().enumerate() {
        let path = tmp.path().join(format!("script-{i}.sh"));
        std::fs::write(&path, format!("#!/usr/bin/env {shell}\n{script}\n")).unwrap();
        let out = run(Command::new(shellcheck).args(["-s", shell]).arg(&path));
        assert!(out.status.success(), "{label}:\n{script}\n{}", text(&out));
    }
}

/// A folder holding only a `postcal` that runs the real one at a fixed time.
fn postcal_at(dir: &Path, now: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join("postcal");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\" --now {now}\n",
            postcal_bin().display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// PATH with the system's tools (bash, git, flock) and `extra` first.
fn system_path(extra: Option<&Path>) -> String {
    let system = "/usr/local/bin:/usr/bin:/bin";
    extra.map_or(system.to_owned(), |p| format!("{}:{system}", p.display()))
}

/// Run a script as GitHub's runner does (`bash -eo pipefail`) in `dir`.
fn bash(dir: &Path, script: &str, env: &HashMap<String, String>) -> Output {
    run(Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env_clear()
        .envs(env))
}

/// Every install script: GitHub's "Install postcal" steps and GitLab's
/// `before_script`s, with a label.
fn install_scripts(top: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for file in workflows(top) {
        let wf = yaml(&file);
        for body in wf["jobs"].as_object().unwrap().values() {
            for step in body["steps"].as_array().unwrap() {
                if step["name"] == "Install postcal" {
                    let script = step["run"].as_str().unwrap().to_owned();
                    out.push((file.display().to_string(), script));
                }
            }
        }
    }
    for file in gitlab_files(top) {
        let ci = yaml(&file);
        for (name, job) in ci.as_object().into_iter().flatten() {
            if let Some(lines) = job["before_script"].as_array() {
                let lines: Vec<&str> = lines.iter().map(|l| l.as_str().unwrap()).collect();
                out.push((format!("{} {name}", file.display()), lines.join("\n")));
            }
        }
    }
    out
}

/// The placeholder used to read like a real command (`cargo install
/// --locked postcal`, a crate that does not exist): the install must fail,
/// saying what to set, until it is set, and check that it installed postcal.
#[test]
fn the_install_steps_fail_until_postcal_install_is_set() {
    let (tmp, tops) = layouts();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let installed = tmp.path().join("installed");
    let install = format!(
        "mkdir -p '{0}/bin' && printf '#!/bin/sh\\n' > '{0}/bin/postcal' && chmod +x '{0}/bin/postcal'",
        installed.display()
    );
    let mut count = 0;
    for top in &tops {
        for (label, script) in install_scripts(top) {
            count += 1;
            let env = |value: &str| -> HashMap<String, String> {
                [
                    ("PATH", system_path(Some(&installed.join("bin")))),
                    ("HOME", home.display().to_string()),
                    ("CARGO_INSTALL_ROOT", installed.display().to_string()),
                    ("CI_PROJECT_DIR", top.display().to_string()),
                    ("POSTCAL_INSTALL", value.to_owned()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect()
            };
            let _ = std::fs::remove_dir_all(&installed);
            let out = bash(top, &script, &env(""));
            assert_eq!(out.status.code(), Some(1), "{label}, unset: {}", text(&out));
            assert!(
                text(&out).contains("POSTCAL_INSTALL repository variable")
                    || text(&out).contains("CI/CD variable POSTCAL_INSTALL"),
                "{label}: {}",
                text(&out)
            );
            let out = bash(top, &script, &env("true"));
            assert_eq!(
                out.status.code(),
                Some(1),
                "{label}, no binary: {}",
                text(&out)
            );
            assert!(
                text(&out).contains("PATH has no postcal"),
                "{label}: {}",
                text(&out)
            );
            let out = bash(top, &script, &env(&install));
            assert!(out.status.success(), "{label}, installed: {}", text(&out));
        }
    }
    // Four workflows (pull requests, publish, token renewal, results) and
    // one GitLab template per workspace, and the Pages workflow of the two
    // with --pages: 3 × 5 + 2.
    assert_eq!(count, 17);
}

/// Values for `${{ secrets.X }}` and `${{ vars.X }}`.
struct Context {
    secrets: HashMap<String, String>,
    vars: HashMap<String, String>,
    env: HashMap<String, String>,
}

impl Context {
    fn expand(&self, value: &str) -> String {
        let mut out = value.to_owned();
        while let Some(start) = out.find("${{") {
            let end = start + out[start..].find("}}").unwrap() + 2;
            let expr = out[start + 3..end - 2].trim();
            let value = if expr == "github.token" {
                "github-token-for-this-run".to_owned()
            } else if let Some(name) = expr.strip_prefix("secrets.") {
                self.secrets.get(name).cloned().unwrap_or_default()
            } else if let Some(name) = expr.strip_prefix("vars.") {
                self.vars.get(name).cloned().unwrap_or_default()
            } else {
                panic!("expression `{expr}` in an env value")
            };
            out.replace_range(start..end, &value);
        }
        out
    }
}

/// What a job's run steps did: each step's name, whether it succeeded, and
/// what it printed when it did not.
#[derive(Debug)]
struct JobRun {
    steps: Vec<(String, bool, String)>,
}

/// Run a GitHub job's `run:` steps in a checkout, as the runner would: the
/// workflow's and step's `env:`, `defaults.run.working-directory`, `if:`
/// (the forms the templates use) and `continue-on-error`. `uses:` steps are
/// left out (the checkout is given; postcal is on PATH, the cache cold).
fn run_job(workflow: &Value, job: &str, checkout: &Path, cx: &Context) -> JobRun {
    let dir = workflow["defaults"]["run"]["working-directory"]
        .as_str()
        .map_or(checkout.to_path_buf(), |d| checkout.join(d));
    let mut base = cx.env.clone();
    for (k, v) in workflow["env"].as_object().into_iter().flatten() {
        base.insert(k.clone(), cx.expand(v.as_str().unwrap()));
    }
    let (mut failed, mut outcomes) = (false, HashMap::new());
    let mut steps = Vec::new();
    for step in workflow["jobs"][job]["steps"].as_array().unwrap() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        let name = step["name"].as_str().unwrap_or(script).to_owned();
        let wanted = match step["if"].as_str() {
            None => !failed,
            Some("steps.cache.outputs.cache-hit != 'true'") => !failed,
            Some("${{ !cancelled() }}") => true,
            Some(cond) if cond.starts_with("${{ failure()") => failed,
            Some(cond) if cond.ends_with(".outcome == 'failure' }}") => {
                let id = cond
                    .trim_start_matches("${{ steps.")
                    .trim_end_matches(".outcome == 'failure' }}");
                outcomes.get(id) == Some(&false)
            }
            Some(cond) => panic!("`if: {cond}` is not understood by this test"),
        };
        if !wanted {
            continue;
        }
        let mut env = base.clone();
        for (k, v) in step["env"].as_object().into_iter().flatten() {
            env.insert(k.clone(), cx.expand(v.as_str().unwrap()));
        }
        let out = bash(&dir, script, &env);
        let ok = out.status.success();
        if let Some(id) = step["id"].as_str() {
            outcomes.insert(id.to_owned(), ok);
        }
        if !ok && step["continue-on-error"] != true {
            failed = true;
        }
        let said = if ok { String::new() } else { text(&out) };
        steps.push((name, ok, said));
    }
    JobRun { steps }
}

/// The measured failure: a scheduled run that waited in the concurrency
/// group behind another was checked out at the commit it was queued at,
/// before that run pushed its ledger, and posted everything again. The
/// workspace is a folder of the repository, as in the agency layout.
/// A repository (with its bare origin) whose `brand/` workspace is what
/// `init` wrote, its Mastodon channel the fake's, and `count` approved
/// posts on 23 November from 09:01: committed and pushed.
fn brand_repo(tmp: &Path, fake: &support::Fake, count: usize) -> (PathBuf, PathBuf) {
    let origin = bare_origin(tmp);
    let work = tmp.join("work");
    git(
        tmp,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    let ws = work.join("brand");
    init(&ws);
    let config = std::fs::read_to_string(ws.join("postcal.yaml"))
        .unwrap()
        .replace("https://mastodon.social", &fake.base);
    std::fs::write(ws.join("postcal.yaml"), config).unwrap();
    let posts: String = (1..=count)
        .map(|i| format!("  - id: hello-{i}\n    at: 2026-11-23 09:0{i}\n    status: approved\n    text: Hello number {i}\n"))
        .collect();
    std::fs::write(
        ws.join("calendars/2026/11.yaml"),
        format!("defaults:\n  channels: [brand-mastodon]\nposts:\n{posts}"),
    )
    .unwrap();
    let as_t = ["-c", "user.name=T", "-c", "user.email=t@example.com"];
    git(&work, &[&as_t[..], &["add", "-A"]].concat());
    git(
        &work,
        &[&as_t[..], &["commit", "-q", "-m", "calendar"]].concat(),
    );
    git(&work, &["push", "-q", "origin", "main"]);
    (origin, work)
}

/// A runner's context for the `brand/` workspace: the fake's token as the
/// channel's secret, postcal at `now` first on PATH (then `extra_bin`).
fn runner(tmp: &Path, fake: &support::Fake, now: &str) -> Context {
    let home = tmp.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bin = postcal_at(tmp, now);
    let token = fake.env.values().next().unwrap().clone();
    Context {
        secrets: [("BRAND_MASTODON_TOKEN".to_owned(), token)].into(),
        vars: [("POSTCAL_INSTALL".to_owned(), "true".to_owned())].into(),
        env: [
            ("PATH", system_path(Some(&bin))),
            ("HOME", home.display().to_string()),
            ("GITHUB_REF_NAME", "main".to_owned()),
            ("RUNNER_TEMP", tmp.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    }
}

/// A clone of `origin` at `commit` in `tmp/name`, as a runner checks out.
fn checkout_at(tmp: &Path, origin: &Path, name: &str, commit: &str) -> PathBuf {
    let dir = tmp.join(name);
    git(
        tmp,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    git(&dir, &["reset", "-q", "--hard", commit]);
    dir
}

#[test]
fn a_publish_run_that_waited_takes_the_ledger_the_run_before_pushed() {
    let fake = mastodon::start(Behaviour::Ok);
    let tmp = tempfile::tempdir().unwrap();
    let (origin, work) = brand_repo(tmp.path(), &fake, 3);
    let queued_at = git(&work, &["rev-parse", "HEAD"]);
    let workflow = yaml(&work.join(".github/workflows/postcal-brand-publish.yml"));
    let cx = runner(tmp.path(), &fake, "2026-11-23T09:10:00+01:00");
    // Both runs were queued at the same commit; the second starts when the
    // first has finished (the concurrency group), from that commit.
    let checkout = |name: &str| checkout_at(tmp.path(), &origin, name, &queued_at);
    // Requests, not posts: the fake honours Mastodon's Idempotency-Key, as
    // Mastodon does for an hour only, and most platforms have none.
    let sent = || fake.requests_to("/api/v1/statuses").len();
    let first = run_job(&workflow, "publish", &checkout("run-1"), &cx);
    assert!(first.steps.iter().all(|(_, ok, _)| *ok), "{first:?}");
    assert_eq!(((fake.posts)().len(), sent()), (3, 3), "{first:?}");
    let second = run_job(&workflow, "publish", &checkout("run-2"), &cx);
    assert!(second.steps.iter().all(|(_, ok, _)| *ok), "{second:?}");
    assert_eq!(
        sent(),
        3,
        "the second run sent again what the first had posted: {second:?}"
    );
    let log = git(&origin, &["log", "--format=%s", "main"]);
    assert_eq!(
        log.lines().filter(|l| l.starts_with("Ledger")).count(),
        1,
        "{log}"
    );
}

/// The results workflow run by hand after a publish run: the platform's
/// numbers committed and pushed, and the week's report opened as an issue
/// (`gh` here records what it was asked).
#[test]
fn the_results_workflow_commits_the_metrics_and_opens_an_issue() {
    let (fake, instance) = mastodon::start_with(Behaviour::Ok);
    let tmp = tempfile::tempdir().unwrap();
    let (origin, work) = brand_repo(tmp.path(), &fake, 2);
    let publish = yaml(&work.join(".github/workflows/postcal-brand-publish.yml"));
    let head = git(&work, &["rev-parse", "HEAD"]);
    let cx = runner(tmp.path(), &fake, "2026-11-23T09:10:00+01:00");
    let run = run_job(
        &publish,
        "publish",
        &checkout_at(tmp.path(), &origin, "run-1", &head),
        &cx,
    );
    assert!(run.steps.iter().all(|(_, ok, _)| *ok), "{run:?}");
    let first = (fake.posts)()
        .into_iter()
        .find(|p| {
            p["content"]
                .as_str()
                .is_some_and(|c| c.contains("Hello number 1"))
        })
        .unwrap();
    instance.engage(first["id"].as_str().unwrap(), 7, 2, 1);

    let gh = tmp.path().join("gh-bin");
    std::fs::create_dir(&gh).unwrap();
    let asked = tmp.path().join("gh-asked");
    std::fs::write(
        gh.join("gh"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}'\nwhile [ $# -gt 0 ]; do [ \"$1\" = --body-file ] && cp \"$2\" '{0}.body'; shift; done\nprintf '%s' \"$GH_TOKEN\" > '{0}.token'\n",
            asked.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(gh.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut cx = runner(tmp.path(), &fake, "2026-11-24T08:00:00+01:00");
    let path = format!("{}:{}", cx.env["PATH"], gh.display());
    cx.env.insert("PATH".to_owned(), path);
    cx.env.insert(
        "GITHUB_EVENT_NAME".to_owned(),
        "workflow_dispatch".to_owned(),
    );
    let results = yaml(&work.join(".github/workflows/postcal-brand-metrics.yml"));
    let head = git(&origin, &["rev-parse", "main"]);
    let run = run_job(
        &results,
        "results",
        &checkout_at(tmp.path(), &origin, "run-2", &head),
        &cx,
    );
    assert!(run.steps.iter().all(|(_, ok, _)| *ok), "{run:?}");

    let log = git(&origin, &["log", "--format=%s", "main"]);
    assert!(log.starts_with("Metrics after a pull brand"), "{log}");
    let pushed = git(&origin, &["show", "main:brand/.postcal/metrics.jsonl"]);
    assert_eq!(pushed.lines().count(), 2, "{pushed}");
    assert!(pushed.contains(r#""likes":7"#), "{pushed}");
    let args = std::fs::read_to_string(&asked).unwrap();
    assert!(
        args.starts_with("issue\ncreate\n--title\nResults brand: the 7 days to "),
        "{args}"
    );
    let body = std::fs::read_to_string(asked.with_extension("body")).unwrap();
    assert!(body.starts_with("## Results"), "{body}");
    assert!(
        body.contains("Hello number 1"),
        "the best post is named: {body}"
    );
    assert_eq!(
        std::fs::read_to_string(asked.with_extension("token")).unwrap(),
        "github-token-for-this-run"
    );
}

/// One host, two cron runs at once (the first still publishing when the
/// next minute's starts): the second must do nothing at all, not pull,
/// stash or commit under the first.
#[test]
fn overlapping_cron_runs_on_one_host_take_turns() {
    let fake = mastodon::start(Behaviour::Slow(Duration::from_secs(3)));
    let tmp = tempfile::tempdir().unwrap();
    let origin = bare_origin(tmp.path());
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    git(&work, &["config", "user.name", "cron"]);
    git(&work, &["config", "user.email", "cron@example.com"]);
    init(&work);
    let config = std::fs::read_to_string(work.join("postcal.yaml"))
        .unwrap()
        .replace("https://mastodon.social", &fake.base);
    std::fs::write(work.join("postcal.yaml"), config).unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "calendar"]);
    git(&work, &["push", "-q", "-u", "origin", "main"]);

    let command = cron_command(&work).replacen(
        "cd /srv/brand-calendar",
        &format!("cd '{}'", work.display()),
        1,
    );
    let env = cron_env(tmp.path(), &fake);
    let cron = || {
        Command::new("sh")
            .args(["-c", &command])
            .env_clear()
            .envs(&env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = cron();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.requests_to("/statuses").is_empty() {
        assert!(
            Instant::now() < deadline,
            "the first run never reached the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = cron().wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(75), "{}", text(&second));
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!((fake.posts)().len(), 1);
    let log = git(&origin, &["log", "--format=%s", "main"]);
    assert_eq!(
        log.lines().filter(|l| l.starts_with("Ledger")).count(),
        1,
        "one run, one ledger commit: {log}"
    );
    assert_eq!(
        git(&work, &["rev-parse", "HEAD"]),
        git(&origin, &["rev-parse", "main"]),
        "the ledger reached the repository"
    );
    let ledger = git(&origin, &["show", "main:.postcal/ledger.jsonl"]);
    assert!(ledger.contains("\"published\""), "{ledger}");
    assert_eq!(
        git(&work, &["status", "--porcelain"]),
        "",
        "nothing left behind"
    );
}

#[test]
fn two_hosts_running_the_coordinated_crontab_post_once() {
    // Slow enough that the two runs overlap: two requests with one key
    // while the first is still creating make two statuses on Mastodon, so
    // only the claims keep the second host from posting.
    let fake = mastodon::start(Behaviour::Slow(Duration::from_secs(1)));
    let tmp = tempfile::tempdir().unwrap();
    let origin = bare_origin(tmp.path());
    let hosts: Vec<PathBuf> = (0..2)
        .map(|i| tmp.path().join(format!("host{i}")))
        .collect();
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            hosts[0].to_str().unwrap(),
        ],
    );
    init_with(&hosts[0], &["--coordinate"]);
    let config = std::fs::read_to_string(hosts[0].join("postcal.yaml"))
        .unwrap()
        .replace("https://mastodon.social", &fake.base);
    std::fs::write(hosts[0].join("postcal.yaml"), config).unwrap();
    git(&hosts[0], &["add", "-A"]);
    git(
        &hosts[0],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "calendar",
        ],
    );
    git(&hosts[0], &["push", "-q", "-u", "origin", "main"]);
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            hosts[1].to_str().unwrap(),
        ],
    );

    let mut env = cron_env(tmp.path(), &fake);
    env.insert("GIT_CONFIG_GLOBAL".to_owned(), "/dev/null".to_owned());
    let runs: Vec<_> = hosts
        .iter()
        .map(|host| {
            let command = cron_command(host).replacen(
                "cd /srv/brand-calendar",
                &format!("cd '{}'", host.display()),
                1,
            );
            assert!(
                command.contains("postcal publish --coordinate git"),
                "{command}"
            );
            Command::new("sh")
                .args(["-c", &command])
                .env_clear()
                .envs(&env)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    fake.settle(Duration::from_secs(5));
    assert_eq!((fake.posts)().len(), 1, "two hosts, one post");
    let ledger = git(&origin, &["show", "main:.postcal/ledger.jsonl"]);
    assert_eq!(ledger.matches("\"published\"").count(), 1, "{ledger}");
    for host in &hosts {
        assert_eq!(
            git(host, &["status", "--porcelain"]),
            "",
            "nothing left behind"
        );
    }
}
