//! `postcal status`

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use super::{CliError, Env, Outcome};
use crate::publish::{ledger, status};

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// How far ahead to list upcoming deliveries, in days.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub days: u32,
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    post: &'a str,
    channel: &'a str,
    state: &'a str,
    at: String,
    url: Option<&'a str>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonStatus<'a> {
    deliveries: Vec<JsonLine<'a>>,
}

pub fn run(args: StatusArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    super::warn_broken_channels(
        env,
        &super::broken_channels(&ws.config, &ws.findings, &ws.sources),
    );
    let state = ledger::read(&ws.root).map_err(|e| CliError::Usage {
        message: e.to_string(),
        help: None,
    })?;
    let lines = status::status(
        &ws,
        &state,
        env.now,
        chrono::Duration::days(i64::from(args.days)),
    );
    let zone = ws.config.timezone;
    match args.format {
        StatusFormat::Json => {
            let doc = JsonStatus {
                deliveries: lines
                    .iter()
                    .map(|l| JsonLine {
                        post: &l.post,
                        channel: &l.channel,
                        state: l.state.name(),
                        at: l.at.with_timezone(&zone).to_rfc3339(),
                        url: l.url.as_deref(),
                        error: l.error.as_deref(),
                    })
                    .collect(),
            };
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            env.printer.out(&s)?;
        }
        StatusFormat::Table => {
            if lines.is_empty() {
                env.printer
                    .out("nothing published, failed, missed or upcoming\n")?;
            } else {
                let mut t = Table::new();
                t.load_style(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Disabled)
                    .set_header(["state", "when", "delivery", "url or error"]);
                for l in &lines {
                    t.add_row([
                        l.state.name().to_owned(),
                        l.at.with_timezone(&zone)
                            .format("%a %d %b %H:%M")
                            .to_string(),
                        format!("{}@{}", l.post, l.channel),
                        l.url
                            .clone()
                            .or_else(|| l.error.clone())
                            .unwrap_or_default(),
                    ]);
                }
                env.printer.out(&format!("{t}\n"))?;
            }
        }
    }
    let attention = lines
        .iter()
        .any(|l| matches!(l.state, status::State::Unknown | status::State::Failed));
    Ok(if attention {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
