//! `postcal completions`

use clap::CommandFactory;

use super::{Cli, CliError, Env, Outcome};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: CompletionsArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "postcal", &mut buf);
    env.printer.out(&String::from_utf8_lossy(&buf))?;
    Ok(Outcome::Success)
}
