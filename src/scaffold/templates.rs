//! The files `postcal init` writes, as templates (`@@NAME@@` is filled in;
//! `ci.rs` says with what).

pub(super) const CONFIG: &str = r#"# yaml-language-server: $schema=schema/postcal.schema.json
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
  # brand-threads:
  #   platform: threads
  #   user_id: "17841400000000001"
  #   token: store:brand-threads   # 60 days: kept in .postcal/tokens.age and renewed (`postcal auth login brand-threads`)

# Threads and Instagram fetch media from a URL themselves: where this folder
# is served, e.g. a CDN, or the site `postcal init --pages` deploys (its
# files/ holds the media of the posts it shows). `postcal doctor` checks it.
# media_base_url: https://YOUR-ORG.github.io/YOUR-REPO/files/

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

pub(super) const EXAMPLE_CALENDAR: &str = r#"# yaml-language-server: $schema=../../schema/calendar.schema.json
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

pub(super) const GITHUB_PR: &str = r#"# Written by `postcal init`. On every pull request@@PR_SCOPE@@: check the
# calendar (findings show as annotations on the changed lines) and post what
# will change on each channel as one comment, updated on every push.
#
# Set the repository variable POSTCAL_INSTALL (Settings > Secrets and
# variables > Actions > Variables) to the command that installs postcal, e.g.
#   cargo install --locked --git https://git.example.com/you/postcal
# (there is no public release to download yet). Until it is set, the job
# fails saying so. The binary is cached under that command; change the
# command to refresh it.
name: Calendar@@LABEL@@ (postcal)

on:
  pull_request:@@PATHS@@

permissions:
  contents: read
  pull-requests: write

concurrency:
  group: postcal@@SLUG@@-pr-${{ github.event.pull_request.number }}
  cancel-in-progress: true

env:
  POSTCAL_INSTALL: ${{ vars.POSTCAL_INSTALL }}
@@DEFAULTS@@
jobs:
  calendar:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # the diff reads the base branch's history
@@INSTALL@@
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
            const marker = '<!-- postcal-diff@@SLUG@@ -->';
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

pub(super) const GITHUB_PUBLISH: &str = r#"# Written by `postcal init`. Every 15 minutes: publish the due posts@@SCOPE@@,
# @@LEDGER_NOTE@@ GitHub starts scheduled runs late
# when it is busy; `publish.catch_up` in postcal.yaml absorbs that.
#
@@RUNNERS@@#
# Secrets: add every `env:` name from postcal.yaml as a repository secret
# (Settings > Secrets and variables > Actions) and list it under the publish
# step's `env:` below. Crisis switch without a commit: set the repository
# variable POSTCAL_FREEZE to 1. Branch protection must let this job push.
#
# Set the repository variable POSTCAL_INSTALL (Settings > Secrets and
# variables > Actions > Variables) to the command that installs postcal, e.g.
#   cargo install --locked --git https://git.example.com/you/postcal
# (there is no public release to download yet). Until it is set, the job
# fails saying so. The binary is cached under that command; change the
# command to refresh it.
name: Publish@@LABEL@@ (postcal)

on:
  schedule:
    - cron: "*/15 * * * *"
  workflow_dispatch:

concurrency:
  group: postcal@@SLUG@@-publish
  cancel-in-progress: false

permissions:
  contents: write

env:
  POSTCAL_INSTALL: ${{ vars.POSTCAL_INSTALL }}
@@DEFAULTS@@
jobs:
  publish:
    # Only the default branch's calendar is the plan (a run started by hand
    # on another branch would publish that branch's).
    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
@@INSTALL@@
@@PUBLISH_STEPS@@"#;

/// The install step's script (GitHub), indented for a `run: |` block.
pub(super) const GITHUB_PAGES: &str = r#"# Written by `postcal init --pages`. On every push to the default branch,
# daily (so published links appear) and by hand: build the calendar@@SCOPE@@
# as a static site (`postcal site`: month and week views, a page per post)
# and publish it with GitHub Pages, for clients and reviewers without an
# account anywhere.
#
# Settings > Pages > Build and deployment > Source: GitHub Actions. A Pages
# site is public unless your plan offers private Pages, and it shows drafts
# and plans: enable it only if that is fine. A repository has one Pages
# site: with several workspaces, keep this workflow for one of them.
# POSTCAL_INSTALL as for the other postcal workflows.
name: Calendar site@@LABEL@@ (postcal)

on:
  push:@@PATHS@@
  schedule:
    - cron: "17 5 * * *"
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: postcal@@SLUG@@-pages
  cancel-in-progress: false

env:
  POSTCAL_INSTALL: ${{ vars.POSTCAL_INSTALL }}
@@DEFAULTS@@
jobs:
  site:
    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deploy.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
@@INSTALL@@
      - name: Build the site
        run: postcal site --out "$RUNNER_TEMP/site"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: ${{ runner.temp }}/site
      - name: Publish to GitHub Pages
        id: deploy
        uses: actions/deploy-pages@v4
"#;

/// The publish workflow's note on runners, and its steps: one runner, which
/// commits the ledger back itself...
pub(super) const GITHUB_ONE_RUNNER: (&str, &str, &str) = (
    "then commit the ledger (@@DIR@@.postcal/ledger.jsonl, the record of what\n# went out) back, so the next run knows.",
    r#"# One calendar needs one runner at a time. The concurrency group below keeps
# this workflow's runs apart, and each run first takes the ledger the run
# before it pushed; nothing keeps it apart from another runner of the same
# calendar (the crontab `init` wrote, a GitLab schedule on a mirror, a copy
# of this workflow): runners that publish at the same time post the same
# posts twice. Publish from this workflow or from one cron host, never both.
"#,
    r#"      - name: Take the ledger the run before pushed
        # A run that waited in the concurrency group was checked out at the
        # commit it was queued at, before the previous run's ledger: without
        # this it would post again what that run posted.
        run: git pull -q --ff-only origin "$GITHUB_REF_NAME"
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
          # Tokens `publish` renewed (Threads, Instagram) go back with it.
          if [ -f .postcal/tokens.age ]; then git add .postcal/tokens.age; fi
          git diff --cached --quiet && exit 0
@@GITHUB_PUSH@@      - name: Keep the unpushed ledger
        if: ${{ failure() && steps.ledger.outcome == 'failure' }}
        uses: actions/upload-artifact@v4
        with:
          name: postcal@@SLUG@@-ledger-${{ github.run_id }}
          path: @@DIR@@.postcal/ledger.jsonl
      - name: Fail when publishing failed
        if: ${{ steps.publish.outcome == 'failure' }}
        run: |
          echo "::error::postcal publish failed; its output is in the step above"
          exit 1
"#,
);

/// ... or runners that coordinate through the git remote (`init
/// --coordinate`): postcal pushes its claims and the outcomes itself.
pub(super) const GITHUB_COORDINATED: (&str, &str, &str) = (
    "coordinating with other runners of this calendar through\n# the git remote (`publish --coordinate git`).",
    r#"# Several runners may publish this calendar (this workflow, a cron host, a
# copy of it elsewhere) as long as each runs `publish --coordinate git`:
# each claims what it sends by pushing to this branch first, and pushes the
# outcomes after, so none posts what another claimed (README, "Many
# runners"). The concurrency group keeps this workflow's own runs apart.
"#,
    r#"      - name: Publish due posts (postcal pushes its claims and the ledger)
        run: postcal publish --coordinate git
        env:
          POSTCAL_FREEZE: ${{ vars.POSTCAL_FREEZE }}
@@SECRETS_ENV@@"#,
);

/// The crontab's note on runners, what a run does, and its line: one
/// runner, or runners coordinating through the git remote.
pub(super) const CRON_ONE_RUNNER: (&str, &str, &str) = (
    r#"# One calendar needs one runner at a time: install this line on one host
# only, and do not also run the scheduled CI job `init` wrote. Two runners
# publishing the same calendar at the same time post the same posts twice
# (each pulls the ledger before the other has pushed it). On this host,
# flock keeps runs apart: a run that finds the previous one still busy
# exits 75 and does nothing (the next one simply tries again).
"#,
    r#"# Every 5 minutes: pull, publish, commit and push the ledger (a push that
# fails is retried by the next run). A quiet run prints nothing, so cron
# mails only when something happened.
"#,
    r#"*/5 * * * * cd /srv/brand-calendar@@DIR@@ && flock -n -o -E 75 . sh -c 'git pull -q --rebase --autostash; postcal publish; rc=$?; git add .postcal/ledger.jsonl 2>/dev/null; git add .postcal/tokens.age 2>/dev/null; git diff --cached --quiet || git commit -qm "Ledger after a publish run"; git push -q; exit $rc'"#,
);

pub(super) const CRON_COORDINATED: (&str, &str, &str) = (
    r#"# Other runners may publish this calendar too (the CI workflow, other
# hosts) as long as each runs `publish --coordinate git`: claims go to the
# git remote before anything is sent (README, "Many runners"). On this host,
# flock keeps runs apart: a run that finds the previous one still busy
# exits 75 and does nothing (the next one simply tries again).
"#,
    r#"# Every 5 minutes: publish. postcal brings the checkout to the remote's
# branch first (refusing one with changes of its own) and pushes its claims
# and the ledger itself. A quiet run prints nothing, so cron mails only when
# something happened.
"#,
    r#"*/5 * * * * cd /srv/brand-calendar@@DIR@@ && flock -n -o -E 75 . postcal publish --coordinate git"#,
);

/// The GitLab publish job's note on runners and its script: one runner, or
/// runners coordinating through the git remote.
pub(super) const GITLAB_ONE_RUNNER: (&str, &str) = (
    r#"# One calendar needs one runner at a time. The resource_group keeps this
# job's runs apart, and each run first takes the ledger the run before it
# pushed; nothing keeps it apart from another runner of the same calendar
# (the crontab `init` wrote, a GitHub schedule on a mirror, a second
# schedule): runners that publish at the same time post the same posts
# twice. Publish from one pipeline schedule or from one cron host, never both.
"#,
    r#"    # A job that waited for the resource group was checked out at the commit
    # its pipeline started from, before the previous run's ledger: take the
    # branch as it is now, or it would post again what that run posted.
    - git fetch -q origin "$CI_COMMIT_BRANCH" && git checkout -q --detach FETCH_HEAD
    - |
      rc=0
      postcal publish || rc=$?
      if [ -f .postcal/ledger.jsonl ]; then
        git add .postcal/ledger.jsonl
        if [ -f .postcal/tokens.age ]; then git add .postcal/tokens.age; fi
        if ! git diff --cached --quiet; then
@@PUSH@@        fi
      fi
      exit $rc
"#,
);

/// A GitLab job's commit and push of what postcal wrote (the ledger, the
/// token store), retried three times; `@@COMMIT@@` is the commit's message
/// and `@@UNPUSHED@@` what the job says when it cannot push.
/// A GitHub job's commit, and its push retried on a race (in a `run: |`
/// script, after `git add`): `@@COMMIT@@` the message, `@@UNPUSHED@@` the
/// error when three tries failed.
pub(super) const GITHUB_PUSH: &str = r#"          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git commit -q -m "@@COMMIT@@"
          for try in 1 2 3; do
            if git pull -q --rebase origin "$GITHUB_REF_NAME" && git push -q origin "HEAD:$GITHUB_REF_NAME"; then
              exit 0
            fi
            git rebase --abort 2>/dev/null || true
            sleep $((try * 10))
          done
          echo "::error::@@UNPUSHED@@"
          exit 1
"#;

pub(super) const GITLAB_PUSH: &str = r#"          git config user.name "postcal"
          git config user.email "postcal@$CI_SERVER_HOST"
          git commit -q -m "@@COMMIT@@"
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
            echo "@@UNPUSHED@@"
            rc=1
          fi
"#;

pub(super) const GITLAB_COORDINATED: (&str, &str) = (
    r#"# Several runners may publish this calendar (this schedule, a cron host,
# a GitHub workflow on a mirror) as long as each runs `publish --coordinate
# git`: claims go to the git remote before anything is sent (README, "Many
# runners"). The resource_group keeps this job's own runs apart.
"#,
    r#"    # postcal pushes its claims and the ledger to the branch itself, with
    # the project token; it needs the branch checked out, not a detached head.
    - git remote set-url origin "$CI_SERVER_PROTOCOL://oauth2:$POSTCAL_PUSH_TOKEN@$CI_SERVER_HOST:$CI_SERVER_PORT/$CI_PROJECT_PATH.git"
    - git fetch -q origin "$CI_COMMIT_BRANCH" && git checkout -q -B "$CI_COMMIT_BRANCH" FETCH_HEAD
    - postcal publish --coordinate git
"#,
);

/// The steps that install postcal (cached under the install command).
pub(super) const GITHUB_INSTALL: &str = r#"      - name: Cache postcal
        id: cache
        uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/postcal
          key: postcal-${{ runner.os }}-${{ env.POSTCAL_INSTALL }}
      - name: Install postcal
        if: steps.cache.outputs.cache-hit != 'true'
        run: |
          if [ -z "$POSTCAL_INSTALL" ]; then
            echo "::error title=POSTCAL_INSTALL is not set::set the POSTCAL_INSTALL repository variable (Settings > Secrets and variables > Actions > Variables) to the command that installs postcal, e.g. cargo install --locked --git https://git.example.com/you/postcal"
            exit 1
          fi
          eval "$POSTCAL_INSTALL"
          if ! command -v postcal >/dev/null; then
            echo "::error title=POSTCAL_INSTALL did not install postcal::POSTCAL_INSTALL ran, but PATH has no postcal"
            exit 1
          fi"#;

pub(super) const GITLAB_CI: &str = r#"# Written by `postcal init`. GitLab CI for the calendar@@SCOPE@@:
# - merge requests@@MR_SCOPE@@: validate the calendar and print the diff
#   against the target branch in the job log;
# - schedules (Build > Pipeline schedules, e.g. "*/15 * * * *") and manual
#   runs: publish the due posts and commit the ledger back. GitLab starts
#   scheduled pipelines late when it is busy; `publish.catch_up` absorbs that.
# - a weekly schedule with the variable POSTCAL_TASK=auth-refresh (e.g.
#   "17 6 * * 1"): renew the stored tokens (Threads, Instagram) that run out
#   within 7 days and commit the token store back; needs POSTCAL_STORE_KEY.
# - a daily schedule with the variable POSTCAL_TASK=metrics (e.g.
#   "41 5 * * *"): read the platforms' numbers and commit
#   .postcal/metrics.jsonl; on Mondays the week's report (results.md) is the
#   job's artifact.
# - Build > Pipelines > Run pipeline on the default branch publishes; with
#   the variable POSTCAL_TASK=metrics or auth-refresh it runs that job instead.
#
@@RUNNERS@@#
# Settings > CI/CD > Variables: add each credential as a masked variable
# (@@SECRETS@@), and POSTCAL_PUSH_TOKEN, a masked project access token with
# write_repository (the job token cannot push). Crisis switch without a
# commit: a variable POSTCAL_FREEZE=1.
#
# Also POSTCAL_INSTALL: the command that installs postcal, e.g.
#   cargo install --locked --git https://git.example.com/you/postcal
# (there is no public release to download yet). Until it is set, the jobs
# fail saying so. The binary is cached; clear the runner caches to refresh it.

.@@JOB@@:
  image: rust:1
  variables:
    CARGO_INSTALL_ROOT: $CI_PROJECT_DIR/.cargo-install
  cache:
    key: postcal-bin
    paths:
      - .cargo-install/
  before_script:
    - export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
    - |
      if ! command -v postcal >/dev/null; then
        if [ -z "${POSTCAL_INSTALL:-}" ]; then
          echo "postcal: set the CI/CD variable POSTCAL_INSTALL (Settings > CI/CD > Variables) to the command that installs postcal, e.g. cargo install --locked --git https://git.example.com/you/postcal" >&2
          exit 1
        fi
        eval "$POSTCAL_INSTALL"
        command -v postcal >/dev/null || { echo "postcal: POSTCAL_INSTALL ran, but PATH has no postcal" >&2; exit 1; }
      fi@@CD@@

@@JOB@@-validate:
  extends: .@@JOB@@
  stage: test
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"@@CHANGES@@
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

@@JOB@@-publish:
  extends: .@@JOB@@
  stage: deploy
  rules:
    # Only the default branch's calendar is the plan.
    - if: $CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $POSTCAL_TASK != "auth-refresh" && $POSTCAL_TASK != "metrics"
    - if: $CI_PIPELINE_SOURCE == "web" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $POSTCAL_TASK != "auth-refresh" && $POSTCAL_TASK != "metrics"
  resource_group: postcal@@SLUG@@-publish   # one run at a time
  script:
@@PUBLISH_SCRIPT@@
"#;

/// The repository's `.gitlab-ci.yml` when the workspaces are folders of it:
/// each `init` writes its jobs under `.gitlab/postcal/`.
pub(super) const GITLAB_INCLUDE: &str = r#"# Written by `postcal init`: the pipelines of the postcal workspaces in this
# repository, one file each under .gitlab/postcal/ (`postcal init FOLDER`
# writes them).
include:
  - local: .gitlab/postcal/*.yml
"#;

pub(super) const CRONTAB: &str = r#"# Written by `postcal init`: publish from cron on a plain server.
#
@@RUNNERS@@#
# 1. Clone this repository on the server (the path below is an example), with
#    push access, and install postcal (the POSTCAL_INSTALL command of the
#    workflows). Cron's PATH is short: add a PATH= line above the job if the
#    binary is in ~/.cargo/bin, e.g. PATH=/home/you/.cargo/bin:/usr/local/bin:/usr/bin:/bin
# 2. Keep secrets out of this file: put `export @@SECRET@@=...` in a file only
#    the cron user can read and start the job with `. /path/to/that/file &&`,
#    or use `file:PATH` credentials in postcal.yaml.
# 3. Install: (crontab -l; cat postcal.crontab) | crontab -
#
@@EVERY@@@@CRON_LINE@@
#
# Every Monday: renew the stored tokens (Threads, Instagram) that run out
# within 7 days and push the token store; `publish` renews only the tokens
# of channels it sends on. Needs POSTCAL_STORE_KEY, like the secrets above.
17 6 * * 1 cd /srv/brand-calendar@@DIR@@ && flock -w 600 -o -E 75 . sh -c 'git pull -q --rebase --autostash; postcal auth refresh; rc=$?; git add .postcal/tokens.age 2>/dev/null; git diff --cached --quiet || git commit -qm "Token store after a renewal"; git push -q; exit $rc'
"#;
