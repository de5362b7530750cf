//! `postcal todo`

use chrono::Duration;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use super::{CliError, Env, Outcome};
use crate::planning::todo::{self, Item};
use crate::publish::ledger;

#[derive(Debug, clap::Args)]
pub struct TodoArgs {
    /// Only what belongs to this person (`owner:` of the post; repeatable).
    #[arg(long, value_name = "NAME")]
    pub owner: Vec<String>,
    /// How far ahead to look, in days.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub days: u32,
    #[arg(long, value_enum, default_value_t = TodoFormat::Table)]
    pub format: TodoFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TodoFormat {
    Table,
    Json,
    /// A list to paste into chat (a daily digest).
    Markdown,
}

pub fn run(args: TodoArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut ws = env.load()?;
    let state = super::read_ledger(&ws.root)?;
    crate::queue::place(&mut ws, None, &state.known(), env.now);
    let published = ledger::published(&ws.root);
    let findings = crate::validate::validate(&ws, env.now, &published);
    let items: Vec<Item> = todo::todo(
        &ws,
        &state,
        &findings,
        env.now,
        Duration::days(i64::from(args.days)),
    )
    .into_iter()
    .filter(|i| args.owner.is_empty() || i.owner.as_ref().is_some_and(|o| args.owner.contains(o)))
    .collect();
    let zone = ws.config.timezone;
    let when = |i: &Item| {
        i.due
            .with_timezone(&zone)
            .format("%a %d %b %H:%M")
            .to_string()
    };
    let subject = |i: &Item| match (&i.post, &i.channel) {
        (Some(p), Some(c)) => format!("{p}@{c}"),
        (Some(p), None) => p.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => String::new(),
    };
    let text = match args.format {
        TodoFormat::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                todo: Vec<JsonItem<'a>>,
            }
            #[derive(Serialize)]
            struct JsonItem<'a> {
                due: String,
                kind: &'a str,
                post: Option<&'a str>,
                channel: Option<&'a str>,
                owner: Option<&'a str>,
                what: &'a str,
                action: &'a str,
            }
            let doc = Doc {
                todo: items
                    .iter()
                    .map(|i| JsonItem {
                        due: i.due.with_timezone(&zone).to_rfc3339(),
                        kind: i.kind.name(),
                        post: i.post.as_deref(),
                        channel: i.channel.as_deref(),
                        owner: i.owner.as_deref(),
                        what: &i.what,
                        action: &i.action,
                    })
                    .collect(),
            };
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        TodoFormat::Markdown if items.is_empty() => "Nothing needs anyone. ✅\n".to_owned(),
        TodoFormat::Markdown => {
            let mut s = String::from("**postcal: what needs someone**\n\n");
            for i in &items {
                let owner = i
                    .owner
                    .as_deref()
                    .map_or(String::new(), |o| format!(" ({o})"));
                s.push_str(&format!(
                    "- **{}** · {} · `{}`{owner}: {} → {}\n",
                    when(i),
                    i.kind.name(),
                    subject(i),
                    i.what,
                    i.action
                ));
            }
            s
        }
        TodoFormat::Table if items.is_empty() => "nothing needs anyone\n".to_owned(),
        TodoFormat::Table => {
            let mut t = Table::new();
            t.load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Disabled)
                .set_header(["due", "kind", "what", "owner", "to do"]);
            for i in &items {
                t.add_row([
                    when(i),
                    i.kind.name().to_owned(),
                    i.what.clone(),
                    i.owner.clone().unwrap_or_default(),
                    i.action.clone(),
                ]);
            }
            format!("{t}\n")
        }
    };
    env.printer.out(&text)?;
    Ok(Outcome::Success)
}
