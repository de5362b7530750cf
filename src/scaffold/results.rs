//! What `init` writes to measure results (SPEC §8): every day
//! `metrics pull` and the metrics file committed; every Monday the week's
//! report in Markdown — a GitHub issue, a GitLab job's artifact, a file
//! beside the crontab's clone. Metrics never share a run with `publish`.

/// The daily pull and the Monday report (GitHub).
pub(super) const GITHUB: &str = r#"# Written by `postcal init`. Every day: read what the platforms report about
# the posts published in the last 30 days@@SCOPE@@ (`postcal metrics pull`)
# and commit .postcal/metrics.jsonl. Every Monday, and when run by hand:
# open an issue with the last 7 days' results (`postcal report`).
#
# Secrets: the channels' credentials, as for the publish workflow. It has
# its own concurrency group: it never holds publishing up.
name: Results@@LABEL@@ (postcal)

on:
  schedule:
    - cron: "41 5 * * *"
  workflow_dispatch:

concurrency:
  group: postcal@@SLUG@@-metrics
  cancel-in-progress: false

permissions:
  contents: write
  issues: write

env:
  POSTCAL_INSTALL: ${{ vars.POSTCAL_INSTALL }}
@@DEFAULTS@@
jobs:
  results:
    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
@@INSTALL@@
      - name: Read the platforms' numbers
        id: pull
        # A channel that cannot be read fails the job after the others'
        # numbers are committed.
        continue-on-error: true
        run: postcal metrics pull
        env:
@@SECRETS_ENV@@      - name: Commit the metrics
        if: ${{ !cancelled() }}
        run: |
          [ -f .postcal/metrics.jsonl ] || exit 0
          git add .postcal/metrics.jsonl
          git diff --cached --quiet && exit 0
@@GITHUB_PUSH@@      - name: Open an issue with the week's results
        if: ${{ !cancelled() }}
        run: |
          if [ "$GITHUB_EVENT_NAME" != workflow_dispatch ] && [ "$(date +%u)" != 1 ]; then
            exit 0
          fi
          postcal report --format markdown > "$RUNNER_TEMP/results.md"
          gh issue create --title "Results@@LABEL@@: the 7 days to $(date -u +%F)" --body-file "$RUNNER_TEMP/results.md"
        env:
          GH_TOKEN: ${{ github.token }}
      - name: Fail when a channel could not be read
        if: ${{ steps.pull.outcome == 'failure' }}
        run: |
          echo "::error::postcal metrics pull could not read a channel; the step above says which and why"
          exit 1
"#;

/// The GitLab job, run by a daily schedule with `POSTCAL_TASK=metrics`
/// (appended to the pipeline `templates::GITLAB_CI` writes). On Mondays it
/// keeps the week's report as an artifact.
pub(super) const GITLAB: &str = r#"@@JOB@@-metrics:
  extends: .@@JOB@@
  stage: deploy
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $POSTCAL_TASK == "metrics"
    - if: $CI_PIPELINE_SOURCE == "web" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $POSTCAL_TASK == "metrics"
  resource_group: postcal@@SLUG@@-metrics
  script:
    - git fetch -q origin "$CI_COMMIT_BRANCH" && git checkout -q --detach FETCH_HEAD
    - |
      rc=0
      postcal metrics pull || rc=$?
      if [ -f .postcal/metrics.jsonl ]; then
        git add .postcal/metrics.jsonl
        if ! git diff --cached --quiet; then
@@PUSH@@        fi
      fi
      if [ "$(date +%u)" = 1 ]; then
        postcal report --format markdown > "$CI_PROJECT_DIR/results.md" || rc=1
      fi
      exit $rc
  artifacts:
    when: always
    expire_in: 90 days
    paths:
      - results.md
"#;

/// The crontab's daily line: pull, commit and push the metrics file; on
/// Mondays, write the week's report beside it.
pub(super) const CRON: &str = r#"#
# Every day: read the platforms' numbers and push .postcal/metrics.jsonl;
# on Mondays also write the week's report to .postcal/cache/results.md (mail
# it, or post it where the team reads). Needs the channels' secrets, like the
# job above; takes its turn with it on the clone.
41 5 * * * cd /srv/brand-calendar@@DIR@@ && flock -w 600 -o -E 75 . sh -c 'git pull -q --rebase --autostash; postcal metrics pull; rc=$?; git add .postcal/metrics.jsonl 2>/dev/null; git diff --cached --quiet || git commit -qm "Metrics after a pull"; git push -q; [ "$(date +\%u)" = 1 ] && mkdir -p .postcal/cache && postcal report --format markdown > .postcal/cache/results.md; exit $rc'
"#;
