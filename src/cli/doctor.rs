//! `postcal doctor`

use comfy_table::{ContentArrangement, Table, presets};

use super::{CliError, Env, Outcome};
use crate::adapters::{self, Expiry, http::Timeouts};
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
    let mut warnings = Vec::new();
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
        let mut adapter = match built {
            Some(Ok(adapter)) => Some(adapter),
            _ => None,
        };
        let mut check = match adapter.as_mut() {
            None => "not checked".to_owned(),
            Some(_) if args.offline => "skipped (--offline)".to_owned(),
            Some(a) => match a.check() {
                Ok(who) => format!("ok: {who}"),
                Err(e) => {
                    problems += 1;
                    format!("FAILED: {}", e.message)
                }
            },
        };
        let stored = crate::auth::stored_expiry(&ws.root, channel, env);
        let lifetime = match adapter.as_mut() {
            _ if stored.is_some() => stored.map(Ok),
            Some(a) => Some(a.expiry(!args.offline)),
            None => adapters::recorded_expiry(channel).map(Ok),
        };
        if let Some(lifetime) = lifetime {
            let said = expiry(&channel.name, lifetime, env.now);
            check.push_str(&said.cell);
            if let Some(warning) = said.warning {
                warnings.push(warning);
            }
            problems += usize::from(said.problem);
        }
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
    // Channels postcal.yaml names but could not set up.
    for (name, why) in super::broken_channels(&ws.config, &ws.findings, &ws.sources) {
        if !args.channel.is_empty() && !args.channel.contains(&name) {
            continue;
        }
        problems += 1;
        t.add_row([
            name,
            "?".to_owned(),
            "not read: postcal.yaml has an error here".to_owned(),
            format!("FAILED: {why}"),
        ]);
    }
    env.printer.out(&format!("{t}\n"))?;
    if !args.offline {
        problems += media(&ws, env)?;
    }
    for warning in warnings {
        env.printer.note(&format!("warning: {warning}"));
    }
    Ok(if problems > 0 {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// The media that platforms fetch by URL (Threads, Instagram) for the
/// next 7 days' deliveries, asked for at `media_base_url`: each must be
/// served as the workspace has it. The number of problems.
fn media(ws: &crate::calendar::Workspace, env: &Env) -> Result<usize, CliError> {
    use crate::planning::media_urls;
    let needed = media_urls::needed(ws, env.now, 7);
    if needed.is_empty() {
        return Ok(0);
    }
    let http = media_urls::client(Timeouts::default()).map_err(|message| CliError::Usage {
        message,
        help: None,
    })?;
    let mut problems = 0;
    for n in &needed {
        if let Err(why) = media_urls::check(&http, n) {
            problems += 1;
            let first = n.deliveries.first().map_or("", String::as_str);
            env.printer.error_line(
                &format!("media `{}` for {first}: {} — {why}", n.file, n.url),
                Some("the platform fetches the file from this address when the post goes out: make it serve the file as it is in git"),
            );
        }
    }
    if problems == 0 {
        env.printer.note(&format!(
            "media: the {} file(s) the next 7 days' posts fetch by URL are served as in the workspace",
            needed.len()
        ));
    }
    Ok(problems)
}

/// Warn this long before a credential runs out (SPEC §5).
const WARN_AHEAD: chrono::Duration = chrono::Duration::days(14);

/// What doctor says about a credential's lifetime.
struct Said {
    /// Appended to the check cell.
    cell: String,
    warning: Option<String>,
    /// Expired, or could not be told although it should have been.
    problem: bool,
}

fn expiry(
    channel: &str,
    expiry: Result<Expiry, adapters::AdapterError>,
    now: chrono::DateTime<chrono::Utc>,
) -> Said {
    let said = |cell: String, warning: Option<String>, problem: bool| Said {
        cell,
        warning,
        problem,
    };
    match expiry {
        Ok(Expiry::Never) => said(String::new(), None, false),
        Ok(Expiry::Unknown(why)) => said(format!("; expiry unknown ({why})"), None, false),
        Ok(Expiry::At { at, source, renew }) => {
            let date = at.format("%Y-%m-%d %H:%M UTC");
            let days = (at - now).num_days();
            if at <= now {
                let cell = format!("; EXPIRED on {date} (from {source})");
                let warning =
                    format!("channel `{channel}`: its credential expired on {date}: {renew}");
                said(cell, Some(warning), true)
            } else if at - now <= WARN_AHEAD {
                let cell = format!("; expires {date}, in {days} days (from {source})");
                let warning = format!(
                    "channel `{channel}`: its credential expires in {days} days ({date}): {renew}"
                );
                said(cell, Some(warning), false)
            } else {
                said(
                    format!("; expires {date}, in {days} days (from {source})"),
                    None,
                    false,
                )
            }
        }
        Err(e) => said(format!("; expiry not checked: {}", e.message), None, true),
    }
}
