//! `postcal init`: a ready workspace in a folder — postcal.yaml, the JSON
//! Schemas, an example calendar, git attributes for the ledger, CI workflows
//! (GitHub Actions, GitLab CI) and a crontab line.
//!
//! Nothing here reads the clock or the environment: the timezone and today's
//! date are passed in. Existing files are never overwritten without `force`;
//! `.gitignore` and `.gitattributes` only ever get the lines postcal needs
//! appended, since they belong to the whole repository.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;

use crate::calendar::CONFIG_FILE;
use crate::schema::{FILE_NAMES, schema_json};

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Options {
    /// The workspace timezone written into postcal.yaml.
    pub timezone: Tz,
    /// Today, in that timezone: the example posts fall after it.
    pub today: NaiveDate,
    /// Overwrite files that exist.
    pub force: bool,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// It did not exist and was written.
    Created,
    /// It existed with other content and was overwritten (`force`).
    Replaced,
    /// It existed; these lines postcal needs were appended to it.
    Appended(Vec<String>),
    /// It already holds what `init` writes.
    Unchanged,
    /// It exists with other content and was left alone (no `force`).
    Kept,
    /// Not written: the example posts name the example channel, and the
    /// existing postcal.yaml was kept.
    Omitted,
}

/// One file `init` considered, by its path relative to the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: String,
    pub action: Action,
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffolded {
    /// Every file, in the order written.
    pub files: Vec<FileReport>,
    /// Environment variables the channels' credentials come from (what the
    /// publish jobs pass from CI secrets).
    pub secret_vars: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("cannot create the folder {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Write a workspace into `dir` (created when missing).
pub fn scaffold(dir: &Path, opts: &Options) -> Result<Scaffolded, ScaffoldError> {
    std::fs::create_dir_all(dir).map_err(|source| ScaffoldError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    let config = config_yaml(opts.timezone);
    let config_action = write_whole(dir, CONFIG_FILE, &config, opts.force)?;
    let ours = config_action != Action::Kept;
    let config = if ours {
        config
    } else {
        read(&dir.join(CONFIG_FILE))?
    };
    let secrets = Secrets::of_config(&config);
    files.push(report(CONFIG_FILE, config_action));
    for (kind, name) in FILE_NAMES {
        let path = format!("schema/{name}");
        let action = write_whole(dir, &path, &schema_json(kind), opts.force)?;
        files.push(report(&path, action));
    }
    let (calendar_path, calendar) = example_calendar(opts.today, opts.timezone);
    let action = if ours || dir.join(&calendar_path).exists() {
        write_whole(dir, &calendar_path, &calendar, opts.force)?
    } else {
        Action::Omitted
    };
    files.push(report(&calendar_path, action));
    for (path, lines) in [(".gitattributes", GITATTRIBUTES), (".gitignore", GITIGNORE)] {
        files.push(report(path, write_lines(dir, path, lines)?));
    }
    for (path, text) in [
        (".github/workflows/postcal-pr.yml", GITHUB_PR.to_owned()),
        (
            ".github/workflows/postcal-publish.yml",
            github_publish(&secrets),
        ),
        (".gitlab-ci.yml", gitlab_ci(&secrets)),
        ("postcal.crontab", crontab(&secrets)),
    ] {
        files.push(report(path, write_whole(dir, path, &text, opts.force)?));
    }
    Ok(Scaffolded {
        files,
        secret_vars: secrets.active,
    })
}

fn report(path: &str, action: Action) -> FileReport {
    FileReport {
        path: path.to_owned(),
        action,
    }
}

fn read(path: &Path) -> Result<String, ScaffoldError> {
    std::fs::read_to_string(path).map_err(|source| ScaffoldError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let err = |source| ScaffoldError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(err)
}

/// Write a file init owns whole: created, or left alone unless `force`.
fn write_whole(dir: &Path, rel: &str, text: &str, force: bool) -> Result<Action, ScaffoldError> {
    let path = dir.join(rel);
    if !path.exists() {
        write(&path, text)?;
        return Ok(Action::Created);
    }
    let same = std::fs::read(&path).is_ok_and(|old| old == text.as_bytes());
    if same {
        Ok(Action::Unchanged)
    } else if force {
        write(&path, text)?;
        Ok(Action::Replaced)
    } else {
        Ok(Action::Kept)
    }
}

/// Write a file the repository shares (`.gitignore`): append the lines it lacks.
fn write_lines(dir: &Path, rel: &str, lines: &[&str]) -> Result<Action, ScaffoldError> {
    let path = dir.join(rel);
    let whole = |lines: &[&str]| {
        let mut s = format!("{LINES_HEADER}\n");
        for line in lines {
            s.push_str(line);
            s.push('\n');
        }
        s
    };
    if !path.exists() {
        write(&path, &whole(lines))?;
        return Ok(Action::Created);
    }
    let old = read(&path)?;
    let missing: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !old.lines().any(|l| l.trim() == *line))
        .collect();
    if missing.is_empty() {
        return Ok(Action::Unchanged);
    }
    let mut text = old;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&whole(&missing));
    write(&path, &text)?;
    Ok(Action::Appended(
        missing.into_iter().map(str::to_owned).collect(),
    ))
}

/// The environment variables credentials come from: in use, and shown
/// commented out (the example's Bluesky channel).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Secrets {
    active: Vec<String>,
    commented: Vec<String>,
}

impl Secrets {
    /// The `env:NAME` credentials of a postcal.yaml, and those in its
    /// commented-out lines (a channel kept for later). A file that does not
    /// parse has none (`validate` will say why).
    fn of_config(text: &str) -> Secrets {
        let value: serde_json::Value = serde_saphyr::from_str(text).unwrap_or_default();
        let mut active: Vec<String> = Vec::new();
        let channels = value.get("channels").and_then(|c| c.as_object());
        for channel in channels.into_iter().flat_map(|c| c.values()) {
            for field in ["token", "app_password", "webhook", "secret", "url"] {
                let name = channel.get(field).and_then(|v| v.as_str());
                if let Some(name) = name.and_then(|v| v.strip_prefix("env:")) {
                    push_new(&mut active, name);
                }
            }
        }
        let mut commented = Vec::new();
        let comments = text.lines().filter(|l| l.trim_start().starts_with('#'));
        for rest in comments.flat_map(|l| l.split("env:").skip(1)) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !active.contains(&name) {
                push_new(&mut commented, &name);
            }
        }
        Secrets { active, commented }
    }

    /// `NAME: ${{ secrets.NAME }}` lines for a GitHub step's `env:`.
    fn github_env(&self, indent: &str) -> String {
        let line = |name: &String, hash: &str| {
            format!("{indent}{hash}{name}: ${{{{ secrets.{name} }}}}\n")
        };
        let active = self.active.iter().map(|n| line(n, ""));
        let commented = self.commented.iter().map(|n| line(n, "# "));
        active.chain(commented).collect()
    }

    fn list(&self) -> String {
        if self.active.is_empty() {
            "none named in postcal.yaml yet".to_owned()
        } else {
            self.active.join(", ")
        }
    }
}

fn push_new(names: &mut Vec<String>, name: &str) {
    if !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
}

/// The example calendar: its path and text. The posts fall on the days after
/// `today` in its month (the next month's first days when today is the last).
fn example_calendar(today: NaiveDate, zone: Tz) -> (String, String) {
    let start = today + Days::new(1);
    let last = last_day_of_month(start);
    let at = |offset: u64, hour: u32, minute: u32| {
        let day = (start + Days::new(offset)).min(last);
        existing_time(day, hour, minute, zone)
    };
    let text = EXAMPLE_CALENDAR
        .replace("@@MONTH@@", &start.format("%B %Y").to_string())
        .replace("@@AT1@@", &at(0, 9, 0))
        .replace("@@AT2@@", &at(2, 12, 30))
        .replace("@@AT3@@", &at(5, 18, 0));
    let path = format!("calendars/{}.yaml", start.format("%Y/%m"));
    (path, text)
}

fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    let next_first = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    next_first.and_then(|d| d.pred_opt()).unwrap_or(day)
}

/// `day hour:minute` as a wall time, moved on by an hour while it falls in a
/// DST gap or fold of `zone` (so the example never trips the time rules).
fn existing_time(day: NaiveDate, hour: u32, minute: u32, zone: Tz) -> String {
    let mut wall = NaiveDateTime::new(
        day,
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default(),
    );
    for _ in 0..4 {
        if crate::schedule::resolve_wall(wall, zone).is_ok() {
            break;
        }
        wall += Duration::hours(1);
    }
    wall.format("%Y-%m-%d %H:%M").to_string()
}

fn config_yaml(zone: Tz) -> String {
    CONFIG.replace("@@TIMEZONE@@", zone.name())
}

fn github_publish(secrets: &Secrets) -> String {
    GITHUB_PUBLISH.replace("@@SECRETS_ENV@@", &secrets.github_env("          "))
}

fn gitlab_ci(secrets: &Secrets) -> String {
    GITLAB_CI.replace("@@SECRETS@@", &secrets.list())
}

fn crontab(secrets: &Secrets) -> String {
    let example = secrets.active.first().map_or("YOUR_TOKEN", String::as_str);
    CRONTAB.replace("@@SECRET@@", example)
}

const LINES_HEADER: &str = "# postcal";
const GITATTRIBUTES: &[&str] = &[".postcal/ledger.jsonl merge=union"];
const GITIGNORE: &[&str] = &[".postcal/lock", ".postcal/cache/"];

const CONFIG: &str = r#"# yaml-language-server: $schema=schema/postcal.schema.json
#
# Workspace settings, written by `postcal init`. Check them with
# `postcal validate`; `postcal rules` lists every rule.
timezone: @@TIMEZONE@@   # IANA name: calendar times are wall times in this zone
calendars: calendars     # folder scanned recursively for *.yaml / *.yml

channels:                # where posts go: a name you choose -> an account
  brand-mastodon:
    platform: mastodon
    instance: https://mastodon.social     # your server
    token: env:BRAND_MASTODON_TOKEN      # secrets: env:NAME or file:PATH, never the value
  # brand-bsky:
  #   platform: bluesky
  #   handle: brand.bsky.social
  #   app_password: env:BRAND_BSKY_APP_PASSWORD   # an app password, not the account's

publish:
  catch_up: 2h             # how late a due post may still go out (scheduled CI starts late)
  require_approval: true   # only `status: approved` posts are published
  freeze: false            # crisis switch: true stops all publishing

links:
  utm:                     # added to every http(s) link when a post is rendered
    utm_source: "{platform}"
    utm_medium: social
    utm_campaign: "{campaign}"

rules:                     # off | warn | error, or a map with `level` and options
  max-hashtags: { level: warn, max: 3 }
  banned-phrases: { level: error, phrases: ["guaranteed results"] }
  min-gap: { level: warn, minutes: 60 }      # between two posts on one channel
  max-per-day: { level: warn, max: 4 }       # per channel, in the workspace timezone
  alt-text: error                            # every image needs alt text
  duplicate-text: { level: warn, days: 30 }  # same text on one channel within 30 days
"#;

const EXAMPLE_CALENDAR: &str = r#"# yaml-language-server: $schema=../../schema/calendar.schema.json
#
# Example posts for @@MONTH@@, written by `postcal init`. Every *.yaml file
# under calendars/ is read: one per month, one per campaign, as you like.
# Careful: once the publish job runs with credentials, `approved` posts go out
# when their time comes. Edit or delete these first.
campaign: getting-started
defaults:
  channels: [brand-mastodon]
posts:
  - id: hello-calendar
    at: @@AT1@@
    status: approved
    text: |
      Hello! Our posts are now planned together in a shared calendar and reviewed before they go out. More soon: https://example.com
  - id: behind-the-scenes
    at: @@AT2@@
    status: draft          # drafts are never published; set `approved` when ready
    owner: you
    text: |
      Behind the scenes: how our team plans a month of posts. #planning
    thread:
      - Every post is a few lines of YAML, reviewed in a pull request.
  - id: weekend-question
    at: @@AT3@@
    status: draft
    text: What should we write about next? Tell us in the replies!
"#;

const GITHUB_PR: &str = r#"# Written by `postcal init`. On every pull request: check the calendar
# (findings show as annotations on the changed lines) and post what will change
# on each channel as one comment, updated on every push.
#
# POSTCAL_INSTALL is a placeholder: there is no public release to download
# yet. Set it to the command that installs your copy, e.g.
#   cargo install --locked --git https://git.example.com/you/postcal
# The binary is cached under that command; change the command to refresh it.
name: Calendar (postcal)

on:
  pull_request:

permissions:
  contents: read
  pull-requests: write

concurrency:
  group: postcal-pr-${{ github.event.pull_request.number }}
  cancel-in-progress: true

env:
  POSTCAL_INSTALL: cargo install --locked postcal

jobs:
  calendar:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # the diff reads the base branch's history
      - name: Cache postcal
        id: cache
        uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/postcal
          key: postcal-${{ runner.os }}-${{ env.POSTCAL_INSTALL }}
      - name: Install postcal
        if: steps.cache.outputs.cache-hit != 'true'
        run: eval "$POSTCAL_INSTALL"
      - name: Validate
        run: postcal validate --format github
      - name: Diff against the base branch
        id: diff
        if: ${{ !cancelled() }}
        run: postcal diff "origin/$GITHUB_BASE_REF" --format markdown > "$RUNNER_TEMP/postcal-diff.md"
      - name: Comment the diff on the pull request
        if: ${{ !cancelled() && steps.diff.outcome == 'success' }}
        # Pull requests from forks get a read-only token: no comment, no failure.
        continue-on-error: ${{ github.event.pull_request.head.repo.fork }}
        uses: actions/github-script@v7
        with:
          script: |
            const fs = require('fs');
            const marker = '<!-- postcal-diff -->';
            let diff = fs.readFileSync(`${process.env.RUNNER_TEMP}/postcal-diff.md`, 'utf8').trim();
            if (!diff) diff = 'No changes to the calendar.';
            const limit = 60000; // GitHub refuses comments over 65536 characters
            if (diff.length > limit) {
              diff = diff.slice(0, limit) + '\n\n*(cut short: run `postcal diff` locally for the rest)*';
            }
            const body = `${marker}\n${diff}\n`;
            const { owner, repo } = context.repo;
            const issue_number = context.issue.number;
            const comments = await github.paginate(github.rest.issues.listComments, {
              owner, repo, issue_number, per_page: 100,
            });
            const previous = comments.find(
              (c) => c.user.type === 'Bot' && (c.body || '').startsWith(marker),
            );
            if (previous) {
              await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
            } else {
              await github.rest.issues.createComment({ owner, repo, issue_number, body });
            }
"#;

const GITHUB_PUBLISH: &str = r#"# Written by `postcal init`. Every 15 minutes: publish the due posts, then
# commit the ledger (.postcal/ledger.jsonl, the record of what went out) back,
# so the next run knows. GitHub starts scheduled runs late when it is busy;
# `publish.catch_up` in postcal.yaml absorbs that.
#
# Secrets: add every `env:` name from postcal.yaml as a repository secret
# (Settings > Secrets and variables > Actions) and list it under the publish
# step's `env:` below. Crisis switch without a commit: set the repository
# variable POSTCAL_FREEZE to 1. Branch protection must let this job push.
#
# POSTCAL_INSTALL is a placeholder: there is no public release to download
# yet. Set it to the command that installs your copy, e.g.
#   cargo install --locked --git https://git.example.com/you/postcal
# The binary is cached under that command; change the command to refresh it.
name: Publish (postcal)

on:
  schedule:
    - cron: "*/15 * * * *"
  workflow_dispatch:

concurrency:
  group: postcal-publish
  cancel-in-progress: false

permissions:
  contents: write

env:
  POSTCAL_INSTALL: cargo install --locked postcal

jobs:
  publish:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - name: Cache postcal
        id: cache
        uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/postcal
          key: postcal-${{ runner.os }}-${{ env.POSTCAL_INSTALL }}
      - name: Install postcal
        if: steps.cache.outputs.cache-hit != 'true'
        run: eval "$POSTCAL_INSTALL"
      - name: Publish due posts
        id: publish
        # A failed run records too: commit the ledger first, fail the job after.
        continue-on-error: true
        run: postcal publish
        env:
          POSTCAL_FREEZE: ${{ vars.POSTCAL_FREEZE }}
@@SECRETS_ENV@@      - name: Commit the ledger
        id: ledger
        if: ${{ !cancelled() }}
        run: |
          [ -f .postcal/ledger.jsonl ] || exit 0
          git add .postcal/ledger.jsonl
          git diff --cached --quiet && exit 0
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git commit -q -m "Ledger after a publish run"
          for try in 1 2 3; do
            if git pull -q --rebase origin "$GITHUB_REF_NAME" && git push -q origin "HEAD:$GITHUB_REF_NAME"; then
              exit 0
            fi
            git rebase --abort 2>/dev/null || true
            sleep $((try * 10))
          done
          echo "::error::could not push the ledger after 3 tries; it is kept as an artifact of this run: commit it by hand before the next run, or posts may go out twice"
          exit 1
      - name: Keep the unpushed ledger
        if: ${{ failure() && steps.ledger.outcome == 'failure' }}
        uses: actions/upload-artifact@v4
        with:
          name: postcal-ledger-${{ github.run_id }}
          path: .postcal/ledger.jsonl
      - name: Fail when publishing failed
        if: ${{ steps.publish.outcome == 'failure' }}
        run: |
          echo "::error::postcal publish failed; its output is in the step above"
          exit 1
"#;

const GITLAB_CI: &str = r#"# Written by `postcal init`. GitLab CI for the calendar:
# - merge requests: validate the calendar and print the diff against the
#   target branch in the job log;
# - schedules (Build > Pipeline schedules, e.g. "*/15 * * * *") and manual
#   runs: publish the due posts and commit the ledger back. GitLab starts
#   scheduled pipelines late when it is busy; `publish.catch_up` absorbs that.
#
# Settings > CI/CD > Variables: add each credential as a masked variable
# (@@SECRETS@@), and POSTCAL_PUSH_TOKEN, a masked project access token with
# write_repository (the job token cannot push). Crisis switch without a
# commit: a variable POSTCAL_FREEZE=1.
#
# POSTCAL_INSTALL is a placeholder: there is no public release to download
# yet. Set it to the command that installs your copy, e.g.
#   cargo install --locked --git https://git.example.com/you/postcal
# The binary is cached; clear the runner caches to refresh it.

variables:
  POSTCAL_INSTALL: cargo install --locked postcal
  CARGO_INSTALL_ROOT: $CI_PROJECT_DIR/.cargo-install

default:
  image: rust:1
  cache:
    key: postcal-bin
    paths:
      - .cargo-install/
  before_script:
    - export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
    - command -v postcal >/dev/null || eval "$POSTCAL_INSTALL"

postcal-validate:
  stage: test
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  variables:
    GIT_DEPTH: 0   # the diff reads the target branch's history
  script:
    - |
      rc=0
      postcal validate || rc=$?
      target="$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
      git fetch -q origin "+refs/heads/$target:refs/remotes/origin/$target"
      postcal diff "origin/$target" || rc=1
      exit $rc

postcal-publish:
  stage: deploy
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"
  resource_group: postcal-publish   # one run at a time
  script:
    - |
      rc=0
      postcal publish || rc=$?
      if [ -f .postcal/ledger.jsonl ]; then
        git add .postcal/ledger.jsonl
        if ! git diff --cached --quiet; then
          git config user.name "postcal"
          git config user.email "postcal@$CI_SERVER_HOST"
          git commit -q -m "Ledger after a publish run"
          push_url="$CI_SERVER_PROTOCOL://oauth2:$POSTCAL_PUSH_TOKEN@$CI_SERVER_HOST:$CI_SERVER_PORT/$CI_PROJECT_PATH.git"
          pushed=no
          for try in 1 2 3; do
            if git fetch -q origin "$CI_COMMIT_BRANCH" && git rebase -q FETCH_HEAD \
                && git push -q "$push_url" "HEAD:$CI_COMMIT_BRANCH"; then
              pushed=yes
              break
            fi
            git rebase --abort 2>/dev/null || true
            sleep $((try * 10))
          done
          if [ "$pushed" = no ]; then
            echo "could not push the ledger after 3 tries: commit it by hand before the next run, or posts may go out twice"
            rc=1
          fi
        fi
      fi
      exit $rc
"#;

const CRONTAB: &str = r#"# Written by `postcal init`: publish from cron on a plain server.
#
# 1. Clone this repository on the server (the path below is an example), with
#    push access, and install postcal (see POSTCAL_INSTALL in the workflows).
#    Cron's PATH is short: add a PATH= line above the job if the binary is in
#    ~/.cargo/bin, e.g. PATH=/home/you/.cargo/bin:/usr/local/bin:/usr/bin:/bin
# 2. Keep secrets out of this file: put `export @@SECRET@@=...` in a file only
#    the cron user can read and start the job with `. /path/to/that/file &&`,
#    or use `file:PATH` credentials in postcal.yaml.
# 3. Install: (crontab -l; cat postcal.crontab) | crontab -
#
# Every 5 minutes: pull, publish, commit and push the ledger (a push that
# fails is retried by the next run). A quiet run prints nothing, so cron
# mails only when something happened; exit 75 means the previous run is
# still busy (the next one simply tries again).
*/5 * * * * cd /srv/brand-calendar && { git pull -q --rebase --autostash; postcal publish; rc=$?; git add .postcal/ledger.jsonl 2>/dev/null; git diff --cached --quiet || git commit -qm "Ledger after a publish run"; git push -q; exit $rc; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn example_posts_fall_after_today_in_its_month() {
        let (path, text) = example_calendar(date("2026-11-22"), chrono_tz::Europe::Madrid);
        assert_eq!(path, "calendars/2026/11.yaml");
        for at in ["2026-11-23 09:00", "2026-11-25 12:30", "2026-11-28 18:00"] {
            assert!(text.contains(&format!("at: {at}")), "{at} in {text}");
        }
        let (_, text) = example_calendar(date("2026-11-28"), chrono_tz::UTC);
        assert!(text.contains("at: 2026-11-30 12:30") && text.contains("at: 2026-11-30 18:00"));
    }

    #[test]
    fn on_the_last_day_the_example_is_next_month() {
        let (path, text) = example_calendar(date("2026-12-31"), chrono_tz::UTC);
        assert_eq!(path, "calendars/2027/01.yaml");
        assert!(text.contains("at: 2027-01-01 09:00") && text.contains("January 2027"));
    }

    #[test]
    fn example_times_avoid_dst_gaps() {
        // No zone has a gap at the example's hours today; ask for one inside
        // Madrid's spring-forward gap instead.
        let t = existing_time(date("2026-03-29"), 2, 30, chrono_tz::Europe::Madrid);
        assert_eq!(t, "2026-03-29 03:30");
    }

    #[test]
    fn secrets_of_an_existing_config() {
        let text = "timezone: UTC\nchannels:\n  a: { platform: mastodon, token: env:A_TOKEN }\n  \
                    b: { platform: slack, webhook: file:/run/hook }\n  c: { platform: webhook, url: env:C_URL, secret: env:A_TOKEN }\n";
        assert_eq!(Secrets::of_config(text).active, ["A_TOKEN", "C_URL"]);
        assert!(Secrets::of_config(": not yaml [").active.is_empty());
        let example = Secrets::of_config(&config_yaml(chrono_tz::UTC));
        assert_eq!(example.active, ["BRAND_MASTODON_TOKEN"]);
        assert_eq!(example.commented, ["BRAND_BSKY_APP_PASSWORD"]);
    }

    #[test]
    fn github_env_lines() {
        let env = Secrets::of_config(&config_yaml(chrono_tz::UTC)).github_env("  ");
        assert_eq!(
            env,
            "  BRAND_MASTODON_TOKEN: ${{ secrets.BRAND_MASTODON_TOKEN }}\n  \
             # BRAND_BSKY_APP_PASSWORD: ${{ secrets.BRAND_BSKY_APP_PASSWORD }}\n"
        );
    }

    #[test]
    fn shared_files_get_only_missing_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target\n.postcal/lock").unwrap();
        let action = write_lines(dir.path(), ".gitignore", GITIGNORE).unwrap();
        assert_eq!(action, Action::Appended(vec![".postcal/cache/".to_owned()]));
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert_eq!(
            text,
            "target\n.postcal/lock\n\n# postcal\n.postcal/cache/\n"
        );
        let again = write_lines(dir.path(), ".gitignore", GITIGNORE).unwrap();
        assert_eq!(again, Action::Unchanged);
    }
}
