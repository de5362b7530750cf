//! `postcal site --out DIR`

use super::{CliError, Env, Outcome};
use crate::site::{model, pages};

#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// The folder to write; replaced whole on each run (only a folder
    /// `postcal site` wrote, or an empty one).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// First day shown: a date (workspace zone) or RFC 3339 (default: the
    /// first day of this month).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Last day shown: a date (included) or RFC 3339 (excluded); default:
    /// the end of the month after next, three months in all.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// The site's title (default: the workspace folder's name and
    /// "content calendar").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Only these channels (repeatable).
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    #[command(flatten)]
    pub people: super::PeopleFilter,
}

pub fn run(args: SiteArgs, env: &Env) -> Result<Outcome, CliError> {
    let mut ws = env.load()?;
    let state = super::read_ledger(&ws.root)?;
    crate::queue::place(&mut ws, None, &state.known(), env.now);
    super::known_channels(&ws, &args.channel)?;
    let zone = ws.config.timezone;
    let (first, last) = model::default_window(env.now, zone);
    let from = match &args.from {
        Some(s) => super::preview::bound(s, zone, false)?,
        None => super::preview::bound(&first.to_string(), zone, false)?,
    };
    let to = match &args.to {
        Some(s) => super::preview::bound(s, zone, true)?,
        None => super::preview::bound(&last.to_string(), zone, true)?,
    };
    if to <= from {
        return Err(CliError::Usage {
            message: "`--to` is not after `--from`".to_owned(),
            help: Some("give a later `--to`".to_owned()),
        });
    }
    // A page per week and month: a window of centuries would be a million
    // files.
    if to - from > chrono::Duration::days(3 * 366) {
        return Err(CliError::Usage {
            message: "the site shows at most three years at a time".to_owned(),
            help: Some("narrow `--from`/`--to`".to_owned()),
        });
    }
    let deliveries: Vec<_> = crate::delivery::between(&ws, from, to)
        .into_iter()
        .filter(|d| args.channel.is_empty() || args.channel.contains(&d.channel.name))
        .filter(|d| args.people.matches(d.post))
        .collect();
    let mut site = model::build(&ws, &deliveries, (from, to), &state.links(), env.now);
    if let Some(title) = &args.title {
        site.title.clone_from(title);
    }
    // With metrics, the results of the window are a page of the site.
    let (latest, _) = crate::metrics::latest(&ws.root, env.now);
    if !latest.is_empty() {
        let by = crate::metrics::report::By::Channel;
        let (r, entries) = crate::metrics::report::build(&ws, &state, &latest, (from, to), by);
        site.results_page = crate::metrics::html::html(&r, &entries, zone, &site.title, None).ok();
    }
    let written = pages::write(&site, &args.out).map_err(|e| CliError::Usage {
        message: e.to_string(),
        help: Some(match e {
            pages::SiteError::NotOurs(_) => {
                "choose another `--out` (e.g. `site/`), or an empty or new folder".to_owned()
            }
            pages::SiteError::Foreign { .. } => {
                "move those files elsewhere (the site folder is postcal's), then run again"
                    .to_owned()
            }
            pages::SiteError::Link(_) => "give the folder the link points to".to_owned(),
            pages::SiteError::Template(_) => {
                "this is a bug in postcal: please report it".to_owned()
            }
            pages::SiteError::Write { .. } => "check the folder can be written".to_owned(),
        }),
    })?;
    let missing = site
        .posts
        .iter()
        .flat_map(|p| &p.deliveries)
        .flat_map(|d| &d.media)
        .filter(|m| m.missing)
        .count();
    if missing > 0 {
        env.printer.note(&format!(
            "note: {missing} media file(s) are not in the workspace; their pages say so (`postcal validate` names them)"
        ));
    }
    env.printer.note(&format!(
        "wrote {written} pages ({} deliveries of {} posts, {} media files) to {}; open {}",
        deliveries.len(),
        site.posts.len(),
        site.media.len(),
        args.out.display(),
        args.out.join("index.html").display()
    ));
    Ok(Outcome::Success)
}
