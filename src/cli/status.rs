//! `postcal status`

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use super::{CliError, Env, Outcome};
use crate::publish::status;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// How far ahead to list upcoming deliveries, in days.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub days: u32,
    #[command(flatten)]
    pub people: super::PeopleFilter,
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
    owner: Option<&'a str>,
    approved_by: Option<&'a str>,
    tags: &'a [String],
    url: Option<&'a str>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonStatus<'a> {
    deliveries: Vec<JsonLine<'a>>,
}

pub fn run(args: StatusArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut ws = env.load()?;
    super::warn_broken_channels(
        env,
        &super::broken_channels(&ws.config, &ws.findings, &ws.sources),
    );
    let state = super::read_ledger(&ws.root)?;
    crate::queue::place(&mut ws, None, &state.known(), env.now);
    let lines = status::status(
        &ws,
        &state,
        env.now,
        chrono::Duration::days(i64::from(args.days)),
    );
    // Who each post belongs to (a post no longer in the calendar has nobody).
    let posts: std::collections::HashMap<&str, &crate::calendar::Post> =
        ws.posts.iter().map(|p| (p.id.value.as_str(), p)).collect();
    let extra = |post: &str| posts.get(post).and_then(|p| p.extra.as_deref());
    let filtering = args.people.is_set();
    let lines: Vec<_> = lines
        .into_iter()
        .filter(|l| {
            !filtering
                || posts
                    .get(l.post.as_str())
                    .is_some_and(|p| args.people.matches(p))
        })
        .collect();
    let owner = |post: &str| extra(post).and_then(|e| e.owner.as_deref());
    let approved_by = |post: &str| extra(post).and_then(|e| e.approved_by.as_deref());
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
                        owner: owner(&l.post),
                        approved_by: approved_by(&l.post),
                        tags: extra(&l.post).map_or(&[], |e| e.tags.as_slice()),
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
                // Who owns each, when any post listed names someone.
                let people = lines.iter().any(|l| owner(&l.post).is_some());
                let mut header = vec!["state", "when", "delivery"];
                header.extend(people.then_some("owner"));
                header.push("url or error");
                let mut t = Table::new();
                t.load_style(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Disabled)
                    .set_header(header);
                for l in &lines {
                    let mut row = vec![
                        l.state.name().to_owned(),
                        l.at.with_timezone(&zone)
                            .format("%a %d %b %H:%M")
                            .to_string(),
                        format!("{}@{}", l.post, l.channel),
                    ];
                    if people {
                        row.push(owner(&l.post).unwrap_or("").to_owned());
                    }
                    row.push(
                        l.url
                            .clone()
                            .or_else(|| l.error.clone())
                            .unwrap_or_default(),
                    );
                    t.add_row(row);
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
