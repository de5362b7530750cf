//! `postcal rules`

use std::fmt::Write as _;

use clap::ValueEnum;

use super::{CliError, Env, Outcome};
use crate::validate::rules;

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// `text` for the terminal, `markdown` for a table in your docs.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Markdown,
}

fn options(meta: &rules::RuleMeta) -> String {
    meta.options
        .iter()
        .map(|(name, default)| format!("{name} (default {default})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rule table as Markdown, as the README shows it.
pub fn markdown() -> String {
    let mut out = String::from(
        "| rule | default | configurable | options | what it checks |\n|---|---|---|---|---|\n",
    );
    for r in rules::all() {
        let m = &r.meta;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            m.id,
            m.default_level.name(),
            if m.configurable { "yes" } else { "no" },
            options(m),
            m.summary.replace('|', "\\|")
        );
    }
    out
}

fn text() -> String {
    let mut out = String::new();
    for r in rules::all() {
        let m = &r.meta;
        let _ = writeln!(
            out,
            "{} ({}{})",
            m.id,
            m.default_level.name(),
            if m.configurable { ", configurable" } else { "" }
        );
        let _ = writeln!(out, "    {}", m.summary);
        if !m.options.is_empty() {
            let _ = writeln!(out, "    options: {}", options(m));
        }
        let indent = |s: &str| {
            s.lines()
                .map(|l| format!("        {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let _ = writeln!(
            out,
            "    bad:\n{}\n    good:\n{}\n",
            indent(m.bad),
            indent(m.good)
        );
    }
    out
}

pub fn run(args: RulesArgs, env: &Env) -> Result<Outcome, CliError> {
    env.printer.out(&match args.format {
        RulesFormat::Text => text(),
        RulesFormat::Markdown => markdown(),
    })?;
    Ok(Outcome::Success)
}
