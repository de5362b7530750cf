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
        // Building an adapter makes no request, but checks each
        // credential's shape (a webhook that is not a webhook URL, say).
        let built = missing.is_empty().then(|| {
            adapters::build(
                &ws.root,
                channel,
                env,
                Timeouts::default(),
                env.printer.trace(),
                env.now,
            )
        });
        let credentials = match &built {
            _ if !missing.is_empty() => missing.join("; "),
            Some(Err(e)) => e.message.clone(),
            _ => "present".to_owned(),
        };
        let check = if !missing.is_empty() || matches!(built, Some(Err(_))) {
            "not checked".to_owned()
        } else if args.offline {
            "skipped (--offline)".to_owned()
        } else {
            match built
                .unwrap_or_else(|| Err(adapters::AdapterError::permanent("not built")))
                .and_then(|mut a| a.check())
            {
                Ok(who) => format!("ok: {who}"),
                Err(e) => {
                    problems += 1;
                    format!("FAILED: {}", e.message)
                }
            }
        };
        if credentials != "present" {
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
