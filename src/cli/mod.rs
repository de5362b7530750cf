//! The command line: argument parsing, dispatch, and the one place that turns
//! outcomes and errors into output and exit codes.

mod auth;
mod completions;
mod diff;
mod doctor;
mod export;
mod import;
mod init;
mod metrics;
mod preview;
mod printer;
mod progress;
mod publish;
mod queue;
mod rules;
mod schema;
mod site;
mod status;
mod todo;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

pub use printer::Printer;

use crate::calendar::{self, LoadError, Workspace};
use crate::output::diagnostics;

/// Keep a team's social-media calendar as code: plan posts in YAML, review
/// them in pull requests, validate in CI, publish from cron.
#[derive(Debug, Parser)]
#[command(
    name = "postcal",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// The workspace folder (holding postcal.yaml); default: found by walking up from here.
    #[arg(long, global = true, env = "POSTCAL_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Pretend it is this moment (RFC 3339, e.g. 2026-12-01T08:00:00+01:00).
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// When to use colour (NO_COLOR is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print only what matters: errors and requested data.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more: repeated skips, timings and what each run read; -vv also each HTTP request.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up a workspace: postcal.yaml, an example calendar, CI workflows, a crontab line.
    Init(init::InitArgs),
    /// Check postcal.yaml and every calendar file.
    Validate(validate::ValidateArgs),
    /// Show upcoming deliveries exactly as they will be posted.
    Preview(preview::PreviewArgs),
    /// What a change does to the channels, post by post, between two git revisions.
    Diff(diff::DiffArgs),
    /// Publish every due delivery, once; --dry-run shows the plan.
    Publish(publish::PublishArgs),
    /// What the ledger knows: published, failed, missed, unknown, upcoming.
    Status(status::StatusArgs),
    /// Write the calendar for other tools: `ics` for calendar apps, `csv` for spreadsheets.
    Export(export::ExportArgs),
    /// Turn a bulk CSV into a calendar file of drafts, for review.
    Import(import::ImportArgs),
    /// Write the calendar as a static site (month, week and post pages) for clients and reviewers.
    Site(site::SiteArgs),
    /// Read the engagement of published posts from the platforms (`metrics pull`).
    Metrics(metrics::MetricsArgs),
    /// What worked: engagement by channel, campaign or tag, the best posts, and when the audience answers.
    Report(metrics::ReportArgs),
    /// What each queue holds, when each item goes out next, and when it runs dry.
    Queue(queue::QueueArgs),
    /// What needs a person soonest: drafts and reviews due, failures, unknown outcomes, expiring credentials.
    Todo(todo::TodoArgs),
    /// Check every channel's credentials (and, unless --offline, that the platform accepts them).
    Doctor(doctor::DoctorArgs),
    /// Tokens that renew themselves (Threads, Instagram): sign in, renew, list.
    Auth(auth::AuthArgs),
    /// Print the JSON Schema for postcal.yaml or calendar files.
    Schema(schema::SchemaArgs),
    /// List the rules `validate` checks.
    Rules(rules::RulesArgs),
    /// Print shell completions.
    Completions(completions::CompletionsArgs),
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; write RFC 3339 with an offset, e.g. 2026-12-01T08:00:00+01:00"))
}

/// How a command ended, when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong.
    Success,
    /// Validation errors, or a failed delivery: exit 1.
    Failure,
}

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Usage or configuration: nothing was attempted (exit 2).
    #[error("{message}")]
    Usage {
        message: String,
        help: Option<String>,
    },
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Another publish holds the workspace lock (exit 75: cron tries again).
    #[error("another postcal publish is running in this workspace")]
    Busy { path: PathBuf },
    /// The problem was already shown in the requested format; exit with this code.
    #[error("already reported")]
    Reported(u8),
    /// Writing output failed (other than a closed pipe).
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

/// The environment a command runs in: the clock and the terminal, decided once.
pub struct Env {
    pub now: DateTime<Utc>,
    pub printer: Printer,
    pub workspace: Option<PathBuf>,
    pub cwd: PathBuf,
}

impl crate::secrets::EnvSource for Env {
    fn var(&self, name: &str) -> Option<String> {
        #[allow(clippy::disallowed_methods)] // the CLI is where the environment is read
        std::env::var(name).ok()
    }
}

impl Env {
    /// The workspace folder: `--workspace`, else found walking up from here.
    pub fn root(&self) -> Result<PathBuf, CliError> {
        match &self.workspace {
            Some(dir) => Ok(dir.clone()),
            None => Ok(
                calendar::find_root(&self.cwd).ok_or_else(|| LoadError::NotFound {
                    start: self.cwd.clone(),
                    walked_up: true,
                })?,
            ),
        }
    }

    /// Find and load the whole workspace.
    pub fn load(&self) -> Result<Workspace, CliError> {
        Ok(calendar::load(&self.root()?, self.now)?)
    }

    /// Find the workspace and read it through its index (without it when
    /// `POSTCAL_NO_INDEX` is set).
    pub fn catalog(&self, mode: crate::index::Mode) -> Result<crate::index::Catalog, CliError> {
        use crate::secrets::EnvSource as _;
        let mode = if self.var("POSTCAL_NO_INDEX").is_some_and(|v| !v.is_empty()) {
            crate::index::Mode::Off
        } else {
            mode
        };
        let catalog = crate::index::Catalog::open(&self.root()?, mode, self.now, build_id())?;
        let s = catalog.stats;
        self.printer.debug(&format!(
            "read {} calendar files: {} from the index, {} parsed{}",
            s.files,
            s.reused,
            s.parsed,
            if s.cross_reused {
                "; checks across files from the index"
            } else {
                ""
            }
        ));
        Ok(catalog)
    }

    /// Keep the index for the next run; a failure is only mentioned.
    pub fn save(&self, catalog: &mut crate::index::Catalog) {
        if let Err(e) = catalog.save() {
            self.printer
                .debug(&format!("the index could not be written: {e}"));
        }
    }
}

/// Parse the process arguments, run, and exit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The one place that reads the real clock and the environment.
    #[allow(clippy::disallowed_methods)]
    let now = cli.global.now.unwrap_or_else(Utc::now);
    #[allow(clippy::disallowed_methods)]
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let printer = Printer::new(
        cli.global.color,
        no_color,
        cli.global.quiet,
        cli.global.verbose,
    );
    let env = Env {
        now,
        printer,
        workspace: cli.global.workspace.clone(),
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    match run(cli.command, &env) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(CliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, &env.printer);
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Dispatch one subcommand.
pub fn run(command: Command, env: &Env) -> Result<Outcome, CliError> {
    match command {
        Command::Init(args) => init::run(args, env),
        Command::Validate(args) => validate::run(args, env),
        Command::Preview(args) => preview::run(args, env),
        Command::Diff(args) => diff::run(args, env),
        Command::Publish(args) => publish::run(args, env),
        Command::Status(args) => status::run(args, env),
        Command::Todo(args) => todo::run(args, env),
        Command::Site(args) => site::run(args, env),
        Command::Metrics(args) => metrics::run_metrics(args, env),
        Command::Report(args) => metrics::run_report(args, env),
        Command::Queue(args) => queue::run(args, env),
        Command::Export(args) => export::run(args, env),
        Command::Import(args) => import::run(args, env),
        Command::Doctor(args) => doctor::run(args, env),
        Command::Auth(args) => auth::run(args, env),
        Command::Schema(args) => schema::run(args, env),
        Command::Rules(args) => rules::run(args, env),
        Command::Completions(args) => completions::run(args, env),
    }
}

fn exit_code(e: &CliError) -> u8 {
    match e {
        CliError::Usage { .. } | CliError::Load(_) => 2,
        CliError::Io(_) => 1,
        CliError::Reported(code) => *code,
        CliError::Busy { .. } => 75,
    }
}

fn report(e: &CliError, printer: &Printer) {
    match e {
        CliError::Load(LoadError::Unusable { sources, findings }) => {
            printer.err(&diagnostics::human(findings, sources, printer.color_err()));
            printer.error_line("postcal.yaml cannot be used; nothing was checked", None);
        }
        CliError::Load(err) => printer.error_line(&err.to_string(), err.help()),
        CliError::Usage { message, help } => printer.error_line(message, help.as_deref()),
        CliError::Io(_) => printer.error_line(&e.to_string(), None),
        CliError::Reported(_) => {}
        CliError::Busy { path } => printer.error_line(
            &e.to_string(),
            Some(&format!(
                "it holds {}; cron will simply try again, or pass --wait 30s",
                path.display()
            )),
        ),
    }
}

/// Channels postcal.yaml names but could not set up (a pasted secret, a
/// bad field): each with its first error, where it is. They are left out of
/// every command's channels, so the commands that list channels say so.
pub fn broken_channels(
    config: &calendar::Config,
    findings: &[crate::diagnostic::Finding],
    sources: &crate::diagnostic::Sources,
) -> Vec<(String, String)> {
    use crate::diagnostic::{Severity, Subject};
    let mut out: Vec<(String, String)> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let Subject::Channel(name) = &f.subject else {
            continue;
        };
        if config.channels.contains_key(name) || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let at = f.file.map_or_else(
            || "postcal.yaml".to_owned(),
            |id| format!("{}:{}:{}", sources.path(id), f.loc.line, f.loc.column),
        );
        out.push((name.clone(), format!("{at}: {}", f.message)));
    }
    out
}

/// A warning on stderr for each channel left out (see `broken_channels`).
pub fn warn_broken_channels(env: &Env, broken: &[(String, String)]) {
    for (name, why) in broken {
        env.printer.note(&format!(
            "warning: channel `{name}` is left out: {why}; fix postcal.yaml (`postcal validate` says how)"
        ));
    }
}

/// `--owner` and `--tag`, as preview, status and export take them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PeopleFilter {
    /// Only posts owned by this person (`owner:`; repeatable).
    #[arg(long, value_name = "NAME")]
    pub owner: Vec<String>,
    /// Only posts with this tag (`tags:`; repeatable: any of them).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
}

impl PeopleFilter {
    /// Whether either flag was given.
    pub fn is_set(&self) -> bool {
        !self.owner.is_empty() || !self.tag.is_empty()
    }

    /// Whether `post` is owned by one of the owners and carries one of the
    /// tags (an empty list lets every post through).
    pub fn matches(&self, post: &crate::calendar::Post) -> bool {
        let extra = post.extra.as_deref();
        let owner = extra.and_then(|e| e.owner.as_deref());
        let own_tags = extra.map_or(&[][..], |e| e.tags.as_slice());
        (self.owner.is_empty() || owner.is_some_and(|o| self.owner.iter().any(|w| w == o)))
            && (self.tag.is_empty() || own_tags.iter().any(|t| self.tag.contains(t)))
    }
}

/// The ledger of the workspace at `root`; a ledger that cannot be read is a
/// usage error.
/// `--channel` names that postcal.yaml has, or a usage error naming the
/// first that it has not.
pub fn known_channels(ws: &Workspace, names: &[String]) -> Result<(), CliError> {
    match names.iter().find(|n| !ws.config.channels.contains_key(*n)) {
        None => Ok(()),
        Some(name) => Err(CliError::Usage {
            message: format!("unknown channel `{name}`"),
            help: Some(format!(
                "channels are: {}",
                ws.config
                    .channels
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }),
    }
}

pub fn read_ledger(
    root: &std::path::Path,
) -> Result<crate::publish::ledger::LedgerState, CliError> {
    crate::publish::ledger::read(root).map_err(|e| CliError::Usage {
        message: e.to_string(),
        help: None,
    })
}

/// Give the queued posts of `ws` their slots, from the ledger at `root`
/// (`taken`: the dated deliveries, when `ws` holds only some files).
pub fn place_queues(
    ws: &mut Workspace,
    taken: Option<&[(String, DateTime<Utc>)]>,
    now: DateTime<Utc>,
) -> Result<Vec<crate::queue::Report>, CliError> {
    if ws.config.queues.is_empty() {
        return Ok(Vec::new());
    }
    let state = read_ledger(&ws.root)?;
    Ok(crate::queue::place(ws, taken, &state.known(), now))
}

/// Which build of postcal this is, for the index: the executable's size and
/// modification time (a new build, or an upgrade, rebuilds the index once).
fn build_id() -> u64 {
    let meta = std::env::current_exe().and_then(std::fs::metadata).ok();
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(meta) = meta {
        h.update(&meta.len().to_le_bytes());
        if let Ok(modified) = meta.modified()
            && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
        {
            h.update(&since.as_nanos().to_le_bytes());
        }
    }
    h.digest()
}
