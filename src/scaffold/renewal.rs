//! What `init` writes to renew stored tokens weekly (Threads, Instagram:
//! `publish` renews only the tokens of channels it sends on, so a quiet
//! channel's would run out): a GitHub workflow and a GitLab job. (The
//! crontab's weekly line is in the crontab template.)

/// The weekly renewal of stored tokens (GitHub): `publish` renews only the
/// tokens of channels it sends on, so a quiet channel's would run out.
pub(super) const GITHUB: &str = r#"# Written by `postcal init`. Every Monday: renew the stored tokens@@SCOPE@@
# (Threads, Instagram: 60 days each) that run out within 7 days, and commit
# the token store (.postcal/tokens.age) back. `publish` renews them too, but
# only when it sends on their channels; this keeps a quiet channel's token
# alive. With no `store:` credential in postcal.yaml it does nothing.
#
# Secrets: POSTCAL_STORE_KEY, the line `postcal auth key` printed. It shares
# the publish workflow's concurrency group, so the two never run at once.
name: Renew tokens@@LABEL@@ (postcal)

on:
  schedule:
    - cron: "17 6 * * 1"
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
  refresh:
    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
@@INSTALL@@
      - name: Renew the tokens that run out within 7 days
        id: refresh
        continue-on-error: true
        run: postcal auth refresh
        env:
          POSTCAL_STORE_KEY: ${{ secrets.POSTCAL_STORE_KEY }}
      - name: Commit the token store
        if: ${{ !cancelled() }}
        run: |
          [ -f .postcal/tokens.age ] || exit 0
          git add .postcal/tokens.age
          git diff --cached --quiet && exit 0
@@GITHUB_PUSH@@      - name: Fail when a renewal failed
        if: ${{ steps.refresh.outcome == 'failure' }}
        run: |
          echo "::error::a token could not be renewed; the step above says which and why"
          exit 1
"#;

/// The GitLab job, run by a weekly schedule with `POSTCAL_TASK=auth-refresh`
/// (appended to the pipeline `templates::GITLAB_CI` writes).
pub(super) const GITLAB: &str = r#"@@JOB@@-auth-refresh:
  extends: .@@JOB@@
  stage: deploy
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $POSTCAL_TASK == "auth-refresh"
    - if: $CI_PIPELINE_SOURCE == "web" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $POSTCAL_TASK == "auth-refresh"
  resource_group: postcal@@SLUG@@-publish   # never beside a publish run
  script:
    - git fetch -q origin "$CI_COMMIT_BRANCH" && git checkout -q --detach FETCH_HEAD
    - |
      rc=0
      postcal auth refresh || rc=$?
      if [ -f .postcal/tokens.age ]; then
        git add .postcal/tokens.age
        if ! git diff --cached --quiet; then
@@PUSH@@        fi
      fi
      exit $rc
"#;
