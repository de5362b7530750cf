//! `postcal diff [BASE [HEAD]]`

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::{self, LoadError, Workspace};
use crate::diff::git::{AtCommit, GitCli, GitError, Repo};
use crate::output::diff as render;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The revision to compare from (default HEAD).
    #[arg(value_name = "BASE")]
    pub base: Option<String>,
    /// The revision to compare to (default: the working tree, uncommitted and untracked files included).
    #[arg(value_name = "HEAD")]
    pub head: Option<String>,
    /// `markdown` is for a pull-request comment.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Exit 1 when there are changes.
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

fn git_error(e: GitError) -> CliError {
    CliError::Usage {
        message: e.message,
        help: Some(e.help),
    }
}

/// The workspace at `rev`; a revision without postcal.yaml is an empty calendar.
fn at_revision(
    root: &std::path::Path,
    repo: &dyn Repo,
    rev: &str,
    current: &Workspace,
) -> Result<Option<Workspace>, CliError> {
    let commit = repo.resolve(rev).map_err(git_error)?;
    match calendar::load_from(root, &AtCommit { repo, commit }) {
        Ok(ws) => Ok(Some(ws)),
        Err(LoadError::NotFound { .. }) => Ok(None),
        Err(LoadError::Unusable { findings, .. }) => Err(CliError::Usage {
            message: format!(
                "postcal.yaml at {rev} cannot be used: {}",
                findings.first().map_or("", |f| f.message.as_str())
            ),
            help: Some(format!(
                "compare from a revision whose configuration loads (the current one has {} channels)",
                current.config.channels.len()
            )),
        }),
    }
}

pub fn run(args: DiffArgs, env: &Env) -> Result<Outcome, CliError> {
    let current = env.load()?;
    let root = current.root.clone();
    let repo = GitCli::open(&root).map_err(git_error)?;
    let base_rev = args.base.as_deref().unwrap_or("HEAD");
    let after = match &args.head {
        Some(rev) => at_revision(&root, &repo, rev, &current)?,
        None => Some(current),
    };
    let Some(after) = after else {
        return Err(CliError::Usage {
            message: "the HEAD revision has no postcal.yaml".to_owned(),
            help: None,
        });
    };
    let before = at_revision(&root, &repo, base_rev, &after)?;
    let published = crate::publish::ledger::published(&root);
    let changes = match &before {
        Some(before) => crate::diff::compare(before, &after, &published),
        None => crate::diff::compare(&empty_like(&after), &after, &published),
    };
    let text = match args.format {
        DiffFormat::Human => render::human(&changes, env.printer.color_out()),
        DiffFormat::Markdown => render::markdown(&changes),
        DiffFormat::Json => render::json(&changes),
    };
    env.printer.out(&text)?;
    Ok(if args.exit_code && !changes.is_empty() {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// A calendar with the same configuration and no posts (a base revision from
/// before the workspace existed).
fn empty_like(ws: &Workspace) -> Workspace {
    Workspace {
        root: ws.root.clone(),
        sources: crate::diagnostic::Sources::default(),
        config: ws.config.clone(),
        posts: Vec::new(),
        findings: Vec::new(),
    }
}
