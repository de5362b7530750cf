//! The CI files `init` writes, for where the workspace sits in its
//! repository: GitHub and GitLab read their files from the repository's top
//! only, so a workspace in a folder (`brand/`) gets workflows there that run
//! in the folder, named after it so several workspaces can share a repository.

use std::path::{Path, PathBuf};

use super::Secrets;
use super::templates::{
    CRON_COORDINATED, CRON_ONE_RUNNER, CRONTAB, GITHUB_COORDINATED, GITHUB_INSTALL,
    GITHUB_ONE_RUNNER, GITHUB_PAGES, GITHUB_PR, GITHUB_PUBLISH, GITHUB_PUSH, GITLAB_CI,
    GITLAB_COORDINATED, GITLAB_INCLUDE, GITLAB_ONE_RUNNER, GITLAB_PUSH,
};

/// What `init` writes CI files for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Choices {
    /// A GitHub Pages workflow for `postcal site`.
    pub pages: bool,
    /// Publish runs coordinate through the git remote (`--coordinate git`).
    pub coordinate: bool,
}

/// Where the workspace is in its repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    /// The repository's top: where the CI files go.
    pub top: PathBuf,
    /// The workspace folder from the top, with `/` (`""` at the top).
    pub folder: String,
}

impl Layout {
    /// `workspace` in the repository whose top is `top` (`None`: not in a
    /// repository yet, so the workspace will be its top).
    pub fn new(workspace: &Path, top: Option<&Path>) -> Layout {
        let folder = top
            .and_then(|top| workspace.strip_prefix(top).ok())
            .map(|rel| {
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let top = if folder.is_empty() {
            workspace.to_path_buf()
        } else {
            top.map_or_else(|| workspace.to_path_buf(), Path::to_path_buf)
        };
        Layout { top, folder }
    }

    /// `-brand` (`clients/Acme` → `-clients-acme`), or `""` at the top.
    fn slug(&self) -> String {
        if self.folder.is_empty() {
            return String::new();
        }
        let mut slug = String::from("-");
        for c in self.folder.chars() {
            let c = c.to_ascii_lowercase();
            let c = if c.is_ascii_alphanumeric() { c } else { '-' };
            if !(c == '-' && slug.ends_with('-')) {
                slug.push(c);
            }
        }
        slug.trim_end_matches('-').to_owned()
    }

    /// `brand/`, or `""` at the top.
    fn dir(&self) -> String {
        if self.folder.is_empty() {
            String::new()
        } else {
            format!("{}/", self.folder)
        }
    }

    /// A path from the top, as seen from the workspace (`../.github/…`).
    pub fn seen_from_workspace(&self, from_top: &str) -> String {
        let up = "../".repeat(self.folder.split('/').filter(|s| !s.is_empty()).count());
        format!("{up}{from_top}")
    }
}

/// One CI file: its path from the repository's top, and its text.
pub(super) struct CiFile {
    pub path: String,
    pub text: String,
}

/// Every CI file for `layout`, in the order `init` reports them. The crontab
/// is the workspace's own (its path is from the workspace).
pub(super) fn files(layout: &Layout, secrets: &Secrets, choices: Choices) -> (Vec<CiFile>, String) {
    let slug = layout.slug();
    let (note, runners, steps) = if choices.coordinate {
        GITHUB_COORDINATED
    } else {
        GITHUB_ONE_RUNNER
    };
    let publish = GITHUB_PUBLISH
        .replace("@@LEDGER_NOTE@@", note)
        .replace("@@RUNNERS@@", runners)
        .replace("@@PUBLISH_STEPS@@", steps);
    let publish = pushing(
        &publish,
        "Ledger after a publish run@@LABEL@@",
        "could not push the ledger after 3 tries; it is kept as an artifact of this run: commit it by hand before the next run, or posts may go out twice",
    );
    let renewal = pushing(
        super::renewal::GITHUB,
        "Token store after a renewal@@LABEL@@",
        "could not push the renewed token store; the old tokens work until they run out: run this workflow again",
    );
    let results = pushing(
        super::results::GITHUB,
        "Metrics after a pull@@LABEL@@",
        "could not push the metrics; the next pull reads the numbers again",
    );
    let file = |path: String, text: String| CiFile { path, text };
    let mut out = vec![
        file(
            format!(".github/workflows/postcal{slug}-pr.yml"),
            github(GITHUB_PR, layout),
        ),
        file(
            format!(".github/workflows/postcal{slug}-publish.yml"),
            github(&publish, layout).replace("@@SECRETS_ENV@@", &secrets.github_env("          ")),
        ),
    ];
    out.push(file(
        format!(".github/workflows/postcal{slug}-auth-refresh.yml"),
        github(&renewal, layout),
    ));
    out.push(file(
        format!(".github/workflows/postcal{slug}-metrics.yml"),
        github(&results, layout).replace("@@SECRETS_ENV@@", &secrets.github_env("          ")),
    ));
    if choices.pages {
        out.push(file(
            format!(".github/workflows/postcal{slug}-site.yml"),
            github(GITHUB_PAGES, layout),
        ));
    }
    let gitlab = gitlab(layout, secrets, choices.coordinate);
    if layout.folder.is_empty() {
        out.push(file(".gitlab-ci.yml".to_owned(), gitlab));
    } else {
        out.push(file(
            format!(".gitlab/postcal/{}.yml", slug.trim_start_matches('-')),
            gitlab,
        ));
        out.push(file(".gitlab-ci.yml".to_owned(), GITLAB_INCLUDE.to_owned()));
    }
    (out, crontab(layout, secrets, choices.coordinate))
}

/// `template` with its commit-and-push (`@@GITHUB_PUSH@@`), if it has one.
fn pushing(template: &str, commit: &str, unpushed: &str) -> String {
    template.replace(
        "@@GITHUB_PUSH@@",
        &GITHUB_PUSH
            .replace("@@COMMIT@@", commit)
            .replace("@@UNPUSHED@@", unpushed),
    )
}

/// What differs between a workspace at the top and one in a folder.
fn common(template: &str, layout: &Layout) -> String {
    let folder = &layout.folder;
    let (label, scope) = if folder.is_empty() {
        (String::new(), String::new())
    } else {
        (format!(" {folder}"), format!(" in {folder}/"))
    };
    template
        .replace("@@LABEL@@", &label)
        .replace("@@SCOPE@@", &scope)
        .replace("@@SLUG@@", &layout.slug())
        .replace("@@DIR@@", &layout.dir())
}

fn github(template: &str, layout: &Layout) -> String {
    let folder = &layout.folder;
    let (pr_scope, paths, defaults) = if folder.is_empty() {
        (String::new(), String::new(), String::new())
    } else {
        (
            format!(" that changes {folder}/"),
            format!("\n    paths:\n      - \"{folder}/**\""),
            format!("\ndefaults:\n  run:\n    working-directory: {folder}\n"),
        )
    };
    common(template, layout)
        .replace("@@PR_SCOPE@@", &pr_scope)
        .replace("@@PATHS@@", &paths)
        .replace("@@DEFAULTS@@", &defaults)
        .replace("@@INSTALL@@", GITHUB_INSTALL)
}

fn gitlab(layout: &Layout, secrets: &Secrets, coordinate: bool) -> String {
    let folder = &layout.folder;
    let (mr_scope, cd, changes) = if folder.is_empty() {
        (String::new(), String::new(), String::new())
    } else {
        (
            format!(" that change {folder}/"),
            format!("\n    - cd \"$CI_PROJECT_DIR/{folder}\" || exit 1"),
            format!("\n      changes:\n        - {folder}/**/*"),
        )
    };
    let (runners, script) = if coordinate {
        GITLAB_COORDINATED
    } else {
        GITLAB_ONE_RUNNER
    };
    let push = |commit: &str, unpushed: &str| {
        GITLAB_PUSH
            .replace("@@COMMIT@@", commit)
            .replace("@@UNPUSHED@@", unpushed)
    };
    let script = script.replace(
        "@@PUSH@@",
        &push(
            "Ledger after a publish run@@LABEL@@",
            "could not push the ledger after 3 tries: commit it by hand before the next run, or posts may go out twice",
        ),
    );
    let renewal = super::renewal::GITLAB.replace(
        "@@PUSH@@",
        &push(
            "Token store after a renewal@@LABEL@@",
            "could not push the renewed token store; the old tokens work until they run out: run this schedule again",
        ),
    );
    let metrics = super::results::GITLAB.replace(
        "@@PUSH@@",
        &push(
            "Metrics after a pull@@LABEL@@",
            "could not push the metrics; the next pull reads the numbers again",
        ),
    );
    let template = GITLAB_CI
        .replace("@@RUNNERS@@", runners)
        .replace("@@PUBLISH_SCRIPT@@", &script)
        + "\n"
        + &renewal
        + "\n"
        + &metrics;
    common(&template, layout)
        .replace("@@JOB@@", &format!("postcal{}", layout.slug()))
        .replace("@@MR_SCOPE@@", &mr_scope)
        .replace("@@CD@@", &cd)
        .replace("@@CHANGES@@", &changes)
        .replace("@@SECRETS@@", &secrets.list())
}

fn crontab(layout: &Layout, secrets: &Secrets, coordinate: bool) -> String {
    let example = secrets.active.first().map_or("YOUR_TOKEN", String::as_str);
    let dir = if layout.folder.is_empty() {
        String::new()
    } else {
        format!("/{}", layout.folder)
    };
    let (runners, every, line) = if coordinate {
        CRON_COORDINATED
    } else {
        CRON_ONE_RUNNER
    };
    (CRONTAB.to_owned() + super::results::CRON)
        .replace("@@RUNNERS@@", runners)
        .replace("@@EVERY@@", every)
        .replace("@@CRON_LINE@@", line)
        .replace("@@SECRET@@", example)
        .replace("@@DIR@@", &dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let top = Layout::new(Path::new("/r"), Some(Path::new("/r")));
        assert_eq!((top.folder.as_str(), top.slug()), ("", String::new()));
        assert_eq!(top.seen_from_workspace(".gitlab-ci.yml"), ".gitlab-ci.yml");
        let none = Layout::new(Path::new("/w"), None);
        assert_eq!(
            (none.top.as_path(), none.folder.as_str()),
            (Path::new("/w"), "")
        );
        let nested = Layout::new(Path::new("/r/clients/Acme Co"), Some(Path::new("/r")));
        assert_eq!(nested.folder, "clients/Acme Co");
        assert_eq!(nested.slug(), "-clients-acme-co");
        assert_eq!(
            nested.seen_from_workspace(".github/workflows/x.yml"),
            "../../.github/workflows/x.yml"
        );
    }
}
