//! `postcal doctor`

use comfy_table::{ContentArrangement, Table, presets};

use super::{CliError, Env, Outcome};
use crate::adapters::{self, http::Timeouts};
use crate::secrets;

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Check only that credentials are present; make no network call.
    #[arg(long)]
    pub offline: bool,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
}

pub fn run(args: DoctorArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["channel", "platform", "credentials", "check"]);
    let mut problems = 0;
    for channel in ws.config.channels.values() {
        if !args.channel.is_empty() && !args.channel.contains(&channel.name) {
            continue;
        }
        let missing: Vec<String> = channel
            .credentials()
            .into_iter()
            .filter_map(|(field, r)| {
                secrets::resolve(r, &ws.root, env)
                    .err()
                    .map(|e| format!("{field}: {e}"))
            })
            .collect();
        let credentials = if missing.is_empty() {
            "present".to_owned()
        } else {
            missing.join("; ")
        };
        let check = if !missing.is_empty() {
            "not checked".to_owned()
        } else if args.offline {
            "skipped (--offline)".to_owned()
        } else {
            match adapters::build(
                &ws.root,
                channel,
                env,
                Timeouts::default(),
                env.printer.trace(),
            )
            .and_then(|mut a| a.check())
            {
                Ok(who) => format!("ok: {who}"),
                Err(e) => {
                    problems += 1;
                    format!("FAILED: {}", e.message)
                }
            }
        };
        if !missing.is_empty() {
            problems += 1;
        }
        t.add_row([
            channel.name.clone(),
            channel.platform().name().to_owned(),
            credentials,
            check,
        ]);
    }
    env.printer.out(&format!("{t}\n"))?;
    Ok(if problems > 0 {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
