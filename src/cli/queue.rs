//! `postcal queue [NAME]`

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use super::{CliError, Env, Outcome};
use crate::queue::{Place, Report};

#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    /// Only this queue (default: every queue in postcal.yaml).
    pub name: Option<String>,
    #[arg(long, value_enum, default_value_t = QueueFormat::Table)]
    pub format: QueueFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueueFormat {
    Table,
    Json,
}

/// A queue that runs dry this soon is worth a warning.
const DRY_WARNING_DAYS: i64 = 14;

pub fn run(args: QueueArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut ws = env.load()?;
    // Statuses as written, before placement replaces the items.
    let statuses: std::collections::HashMap<String, &'static str> = ws
        .posts
        .iter()
        .filter(|p| p.queue.is_some())
        .map(|p| (p.id.value.clone(), p.status.name()))
        .collect();
    let names: Vec<String> = ws.config.queues.iter().map(|q| q.name.clone()).collect();
    // A queue postcal.yaml gets wrong is an error here, not an empty list.
    let broken = &ws.config.unusable_queues;
    let wrong = match &args.name {
        Some(name) => broken.iter().find(|b| *b == name),
        None => broken.first(),
    };
    if let Some(name) = wrong {
        return Err(CliError::Usage {
            message: format!("queue `{name}` cannot be used: postcal.yaml has errors in it"),
            help: Some("`postcal validate` says what is wrong and how to fix it".to_owned()),
        });
    }
    if let Some(name) = &args.name
        && !names.contains(name)
    {
        return Err(CliError::Usage {
            message: format!("unknown queue `{name}`"),
            help: Some(if names.is_empty() {
                "declare queues under `queues:` in postcal.yaml".to_owned()
            } else {
                format!("queues are: {}", names.join(", "))
            }),
        });
    }
    let reports: Vec<Report> = super::place_queues(&mut ws, None, env.now)?
        .into_iter()
        .filter(|r| args.name.as_ref().is_none_or(|n| *n == r.queue))
        .collect();
    let zone = ws.config.timezone;
    let when = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&zone)
            .format("%a %d %b %Y %H:%M")
            .to_string()
    };
    let status_of = |id: &str| statuses.get(id).copied();
    let mut dry_soon = Vec::new();
    for r in &reports {
        if let Some(dry) = r.dry_from
            && dry < env.now + chrono::Duration::days(DRY_WARNING_DAYS)
        {
            dry_soon.push((r.queue.clone(), dry));
        }
    }
    match args.format {
        QueueFormat::Json => {
            #[derive(Serialize)]
            struct JsonItem<'a> {
                item: &'a str,
                next: Option<String>,
                next_id: Option<&'a str>,
                state: &'a str,
                before: Vec<(&'a str, String)>,
            }
            #[derive(Serialize)]
            struct JsonQueue<'a> {
                queue: &'a str,
                items: Vec<JsonItem<'a>>,
                dry_from: Option<String>,
            }
            let doc: Vec<JsonQueue> = reports
                .iter()
                .map(|r| JsonQueue {
                    queue: &r.queue,
                    dry_from: r.dry_from.map(|t| t.with_timezone(&zone).to_rfc3339()),
                    items: r
                        .items
                        .iter()
                        .map(|i| JsonItem {
                            item: &i.id,
                            next: match &i.place {
                                Place::Next { at, .. } => {
                                    Some(at.with_timezone(&zone).to_rfc3339())
                                }
                                _ => None,
                            },
                            next_id: match &i.place {
                                Place::Next { id, .. } => Some(id),
                                _ => None,
                            },
                            state: state_name(&i.place),
                            before: i
                                .before
                                .iter()
                                .map(|(id, at)| (id.as_str(), at.with_timezone(&zone).to_rfc3339()))
                                .collect(),
                        })
                        .collect(),
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&serde_json::json!({ "queues": doc }))
                .unwrap_or_default();
            s.push('\n');
            env.printer.out(&s)?;
        }
        QueueFormat::Table => {
            if reports.is_empty() {
                env.printer
                    .out("no queues: declare them under `queues:` in postcal.yaml\n")?;
            }
            for r in &reports {
                let queue = ws.config.queues.iter().find(|q| q.name == r.queue);
                let slots: Vec<String> = queue
                    .map(|q| {
                        q.slots
                            .iter()
                            .map(|(d, t)| format!("{d} {}", t.format("%H:%M")))
                            .collect()
                    })
                    .unwrap_or_default();
                let recycle = queue.and_then(|q| q.recycle).map_or(String::new(), |d| {
                    if d.num_seconds() % 86_400 == 0 {
                        format!(", each again {} days after it went out", d.num_days())
                    } else {
                        format!(", each again {} hours after it went out", d.num_hours())
                    }
                });
                env.printer.out(&format!(
                    "queue {} → {} · slots {}{recycle}\n",
                    r.queue,
                    queue.map(|q| q.channels.join(", ")).unwrap_or_default(),
                    slots.join(", ")
                ))?;
                let mut t = Table::new();
                t.load_style(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Disabled)
                    .set_header(["#", "item", "status", "next", "went out"]);
                for (n, i) in r.items.iter().enumerate() {
                    let next = match &i.place {
                        Place::Next { at, .. } => when(*at),
                        other => state_name(other).to_owned(),
                    };
                    let before: Vec<String> = i.before.iter().map(|(_, at)| when(*at)).collect();
                    t.add_row([
                        (n + 1).to_string(),
                        i.id.clone(),
                        status_of(&i.id).unwrap_or("").to_owned(),
                        next,
                        before.join(", "),
                    ]);
                }
                env.printer.out(&format!("{t}\n"))?;
                let line = match r.dry_from {
                    Some(dry) => {
                        let weeks = (dry - env.now).num_days().max(0) / 7;
                        format!(
                            "lasts {weeks} week{}: its first empty slot is {}\n\n",
                            if weeks == 1 { "" } else { "s" },
                            when(dry)
                        )
                    }
                    None => "every slot up to the horizon is filled\n\n".to_owned(),
                };
                env.printer.out(&line)?;
            }
        }
    }
    for (queue, dry) in &dry_soon {
        env.printer.note(&format!(
            "warning: queue `{queue}` runs dry within {DRY_WARNING_DAYS} days: from {} no item fills its slots; add posts with `queue: {queue}`",
            when(*dry)
        ));
    }
    Ok(Outcome::Success)
}

fn state_name(place: &Place) -> &'static str {
    match place {
        Place::Next { .. } => "placed",
        Place::Waiting(_) => "waiting for approval",
        Place::Done => "done",
        Place::NoSlot => "no free slot",
    }
}
