//! `postcal validate`

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::calendar::LoadError;
use crate::diagnostic::{Finding, Severity, Sources, Tally, make_strict};
use crate::output::diagnostics;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Output format: human text with snippets, JSON, GitHub Actions
    /// annotations, or SARIF 2.1.0 for code-scanning dashboards.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Report only findings in posts added or changed since this git
    /// revision (and in files that changed): a pull request's own problems.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Human,
    Json,
    Github,
    Sarif,
}

pub fn run(args: ValidateArgs, env: &Env) -> Result<Outcome, CliError> {
    let started = std::time::Instant::now();
    let loaded = match env.catalog(crate::index::Mode::Use) {
        Ok(catalog) => catalog,
        Err(CliError::Load(LoadError::Unusable { sources, findings })) => {
            emit(&args, env, &findings, &sources, None)?;
            return Err(CliError::Reported(2));
        }
        Err(e) => return Err(e),
    };
    let mut catalog = loaded;
    let published = crate::publish::ledger::published(&catalog.root);
    let read = started.elapsed();
    let mut findings = catalog.findings(env.now, &published);
    env.save(&mut catalog);
    if let Some(rev) = &args.changed_since {
        let ws = env.load()?;
        findings = changed_since(&ws, rev, findings, env.now)?;
    }
    env.printer.debug(&format!(
        "{} files and {} posts from {} read in {read:.1?}; checked in {:.1?}",
        catalog.sources.len(),
        catalog.post_count(),
        catalog.root.display(),
        started.elapsed() - read
    ));
    if env.printer.verbose() {
        let config = catalog.config.clone();
        for cost in crate::validate::cost::x_monthly(&config, catalog.summaries()) {
            env.printer
                .debug(&format!("estimated X cost: {}", cost.describe()));
        }
    }
    if args.strict {
        make_strict(&mut findings);
    }
    let files = catalog.sources.len();
    emit(
        &args,
        env,
        &findings,
        &catalog.sources,
        Some((files, catalog.post_count())),
    )?;
    Ok(if Tally::of(&findings).errors > 0 {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

fn emit(
    args: &ValidateArgs,
    env: &Env,
    findings: &[Finding],
    sources: &Sources,
    counts: Option<(usize, usize)>,
) -> Result<(), CliError> {
    let p = &env.printer;
    // People read a problem of a series once (JSON keeps each occurrence).
    let tally = match args.format {
        ValidateFormat::Json => Tally::of(findings),
        ValidateFormat::Human | ValidateFormat::Github | ValidateFormat::Sarif => {
            Tally::of(&crate::output::occurrences::merge(findings))
        }
    };
    match args.format {
        ValidateFormat::Json => p.out(&diagnostics::json(findings, sources))?,
        ValidateFormat::Sarif => {
            p.out(&crate::output::sarif::sarif(
                findings,
                sources,
                &repo_prefix(env),
            ))?;
            if let Some((files, posts)) = counts {
                p.note(&diagnostics::summary(tally, files, posts));
            }
        }
        ValidateFormat::Github => {
            p.out(&diagnostics::github(findings, sources, &repo_prefix(env)))?;
            if let Some((files, posts)) = counts {
                p.note(&diagnostics::summary(tally, files, posts));
            }
        }
        ValidateFormat::Human => {
            let shown: Vec<_> = if p.quiet {
                findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .cloned()
                    .collect()
            } else {
                findings.to_vec()
            };
            p.out(&diagnostics::human(&shown, sources, p.color_out()))?;
            if let Some((files, posts)) = counts
                && (!p.quiet || tally.errors > 0)
            {
                p.out(&format!("{}\n", diagnostics::summary(tally, files, posts)))?;
            }
        }
    }
    Ok(())
}

/// The workspace folder from the repository's top (`""` or `brand/`):
/// GitHub reads annotation and code-scanning paths from there; ours are
/// from the workspace, which may be a folder of it.
fn repo_prefix(env: &Env) -> String {
    env.root()
        .ok()
        .and_then(|root| crate::diff::git::GitCli::open(&root).ok())
        .map(|git| crate::diff::git::Repo::prefix(&git).to_owned())
        .unwrap_or_default()
}

/// The findings a change since `rev` is responsible for.
fn changed_since(
    ws: &crate::calendar::Workspace,
    rev: &str,
    findings: Vec<Finding>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Finding>, CliError> {
    use crate::diff::git::{AtCommit, GitCli, Repo};
    let usage = |e: crate::diff::git::GitError| CliError::Usage {
        message: e.message,
        help: Some(e.help),
    };
    let repo = GitCli::open(&ws.root).map_err(usage)?;
    let files = AtCommit {
        repo: &repo,
        commit: repo.resolve(rev).map_err(usage)?,
    };
    let before = match crate::calendar::load_from(&ws.root, &files, now) {
        Ok(before) => Some(before),
        Err(LoadError::NotFound { .. }) => None,
        Err(LoadError::Unusable { .. }) => {
            return Err(CliError::Usage {
                message: format!(
                    "postcal.yaml at {rev} cannot be used, so changes since it cannot be told apart"
                ),
                help: Some("run without --changed-since".to_owned()),
            });
        }
    };
    Ok(crate::diff::only_changed(
        ws,
        before.as_ref(),
        &files,
        findings,
    ))
}
