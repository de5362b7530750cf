//! `postcal init`

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::{CliError, Env, Outcome};
use crate::calendar::CONFIG_FILE;
use crate::scaffold::{self, Action, FileReport, Options, Scaffolded};
use crate::secrets::EnvSource;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to set up as a workspace (created when missing; default:
    /// --workspace if given, else the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The workspace timezone, an IANA name such as Europe/Madrid (default: the system's, else UTC).
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
    /// Overwrite files that exist (.gitignore and .gitattributes only ever get lines appended).
    #[arg(long)]
    pub force: bool,
    /// Also write a GitHub Pages workflow that publishes the calendar as a
    /// static site (`postcal site`) for clients and reviewers.
    #[arg(long)]
    pub pages: bool,
    /// Write publish workflows and a crontab that coordinate through the
    /// git remote (`publish --coordinate git`), so several runners may
    /// publish this calendar.
    #[arg(long)]
    pub coordinate: bool,
}

pub fn run(args: InitArgs, env: &Env) -> Result<Outcome, CliError> {
    let (zone, zone_note) = match &args.timezone {
        Some(name) => {
            let zone = parse_zone(name)?;
            (zone, format!("timezone {zone}, from --timezone"))
        }
        None => match system_zone(env) {
            Some((zone, from)) => (zone, format!("timezone {zone}, from {from}")),
            None => (
                Tz::UTC,
                "timezone UTC: the system's is unknown; --timezone sets it".to_owned(),
            ),
        },
    };
    // With no DIR, `--workspace` (or POSTCAL_WORKSPACE) names the folder.
    let shown = args
        .dir
        .clone()
        .or_else(|| env.workspace.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = absolute(&env.cwd.join(&shown));
    let repository = repository_top(&dir);
    let options = Options {
        timezone: zone,
        today: env.now.with_timezone(&zone).date_naive(),
        force: args.force,
        repository: repository.clone(),
        pages: args.pages,
        coordinate: args.coordinate,
    };
    let done = scaffold::scaffold(&dir, &options).map_err(|e| {
        let cause = std::error::Error::source(&e).map_or(String::new(), |c| format!(": {c}"));
        CliError::Usage {
            message: format!("{e}{cause}"),
            help: None,
        }
    })?;
    let kept_config = done
        .files
        .iter()
        .any(|f| f.path == CONFIG_FILE && f.action == Action::Kept);
    let zone_note = if kept_config {
        "postcal.yaml kept with its own timezone".to_owned()
    } else {
        zone_note
    };
    let p = &env.printer;
    for file in &done.files {
        p.note(&file_line(file));
    }
    p.note(&summary(
        &shown,
        &zone_note,
        &done,
        repository.is_some(),
        args.coordinate,
    ));
    Ok(Outcome::Success)
}

fn parse_zone(name: &str) -> Result<Tz, CliError> {
    crate::schedule::parse_zone(name).map_err(|suggestions| {
        let help = if suggestions.is_empty() {
            "use an IANA name such as `Europe/Madrid` or `America/New_York`".to_owned()
        } else {
            let names: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
            format!("did you mean {}?", names.join(" or "))
        };
        CliError::Usage {
            message: format!("unknown timezone `{name}`"),
            help: Some(help),
        }
    })
}

/// The system's zone: `TZ`, else /etc/timezone, else the /etc/localtime link.
fn system_zone(env: &Env) -> Option<(Tz, &'static str)> {
    let etc_timezone = std::fs::read_to_string("/etc/timezone").ok();
    let localtime = std::fs::read_link("/etc/localtime").ok();
    zone_from(
        env.var("TZ").as_deref(),
        etc_timezone.as_deref(),
        localtime.as_deref(),
    )
}

fn zone_from(
    tz: Option<&str>,
    etc_timezone: Option<&str>,
    localtime: Option<&Path>,
) -> Option<(Tz, &'static str)> {
    // `TZ=:Europe/Madrid` and `TZ=/usr/share/zoneinfo/Europe/Madrid` name a zone file.
    let from_tz = tz
        .map(|t| t.trim_start_matches(':'))
        .and_then(|t| zone_in_path(Path::new(t)).or_else(|| crate::schedule::parse_zone(t).ok()));
    let from_etc = etc_timezone
        .and_then(|text| text.lines().next())
        .and_then(|line| crate::schedule::parse_zone(line.trim()).ok());
    from_tz
        .map(|z| (z, "TZ"))
        .or(from_etc.map(|z| (z, "/etc/timezone")))
        .or(localtime
            .and_then(zone_in_path)
            .map(|z| (z, "/etc/localtime")))
}

/// `/usr/share/zoneinfo/Europe/Madrid` (or `…/zoneinfo/posix/Europe/Madrid`) → Europe/Madrid.
fn zone_in_path(path: &Path) -> Option<Tz> {
    let text = path.to_str()?;
    let (_, name) = text.split_once("zoneinfo/")?;
    let name = name
        .strip_prefix("posix/")
        .or_else(|| name.strip_prefix("right/"))
        .unwrap_or(name);
    crate::schedule::parse_zone(name).ok()
}

/// `path` with its existing part resolved (symlinks, `..`), so that it can
/// be compared with the repository's top.
fn absolute(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut existing = path;
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// The top of the git repository `dir` is in (or will be in, once created):
/// the nearest folder at or above it with a `.git` (a folder, or the file of
/// a worktree or submodule).
fn repository_top(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn file_line(file: &FileReport) -> String {
    let (verb, note) = match &file.action {
        Action::Created => ("created", String::new()),
        Action::Replaced => ("replaced", " (--force)".to_owned()),
        Action::Appended(lines) => ("appended", format!(" (added {})", lines.join(", "))),
        Action::Unchanged => ("unchanged", " (already as init writes it)".to_owned()),
        Action::Kept => (
            "kept",
            " (it exists and differs; --force overwrites it)".to_owned(),
        ),
        Action::Omitted => (
            "skipped",
            " (the example posts need the example postcal.yaml, and yours was kept)".to_owned(),
        ),
    };
    format!("{verb:<9} {}{note}", file.path)
}

fn summary(dir: &Path, zone_note: &str, done: &Scaffolded, git: bool, coordinate: bool) -> String {
    let count = |want: fn(&Action) -> bool| done.files.iter().filter(|f| want(&f.action)).count();
    let written = count(|a| matches!(a, Action::Created | Action::Replaced | Action::Appended(_)));
    let counts = [
        (written, "written"),
        (count(|a| matches!(a, Action::Unchanged)), "unchanged"),
        (count(|a| matches!(a, Action::Kept)), "kept"),
        (count(|a| matches!(a, Action::Omitted)), "skipped"),
    ];
    let counts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    let mut s = format!(
        "\n{} in {} ({zone_note}): {}.\n",
        if written == 0 {
            "Nothing written"
        } else {
            "Workspace ready"
        },
        dir.display(),
        counts.join(", "),
    );
    if done.files.iter().any(|f| f.action == Action::Kept) {
        s.push_str("Kept files stay as they are; pass --force to overwrite them.\n");
    }
    s.push_str("\nNext steps:\n");
    if dir != Path::new(".") {
        s.push_str(&format!("  cd {}\n", dir.display()));
    }
    for var in &done.secret_vars {
        s.push_str(&format!(
            "  export {var}=…    # the channel's credential; in CI, a secret of that name\n"
        ));
    }
    let example = done.files.iter().any(|f| {
        f.path.starts_with("calendars/")
            && matches!(
                f.action,
                Action::Created | Action::Replaced | Action::Unchanged
            )
    });
    s.push_str("  postcal validate\n  postcal preview        # ");
    s.push_str(if example {
        "the example posts, as they will be posted\n"
    } else {
        "the coming week's posts, as they will be posted\n"
    });
    if !git {
        s.push_str("  git init\n");
    }
    // CI files at the repository's top, outside the workspace folder.
    let outside: Vec<&str> = done
        .files
        .iter()
        .filter(|f| f.path.starts_with("../"))
        .map(|f| f.path.as_str())
        .collect();
    let paths = if outside.is_empty() {
        String::new()
    } else {
        format!(" . {}", outside.join(" "))
    };
    s.push_str(&format!(
        "  git add -A{paths} && git commit -m \"Start the postcal calendar\"\n"
    ));
    // Once per clone: two branches' token renewals merge (README, "Tokens
    // that renew themselves").
    s.push_str(
        "  git config merge.postcal-tokens.driver \"postcal auth merge %O %A %B\"   # once per clone, for renewed tokens\n",
    );
    let include_kept = done
        .files
        .iter()
        .any(|f| f.path.ends_with("../.gitlab-ci.yml") && f.action == Action::Kept);
    if include_kept {
        s.push_str(
            "GitLab runs this workspace's jobs once the repository's .gitlab-ci.yml has \
             `include: [{ local: .gitlab/postcal/*.yml }]`.\n",
        );
    }
    s.push_str(
        "Before the CI jobs run, set the variable POSTCAL_INSTALL (GitHub: a repository \
         variable; GitLab: a CI/CD variable) to the command that installs postcal: until then \
         they fail saying so. The files' comments say which secrets to add. ",
    );
    s.push_str(if coordinate {
        "Every publish coordinates through the git remote (postcal.yaml says \
         `coordination: git`), so the scheduled CI job and cron hosts may all publish; only the \
         default branch publishes."
    } else {
        "One calendar needs one runner at a time: publish from the scheduled CI job or from one \
         cron host, not both, unless they coordinate (`init --coordinate`; README, \"Many runners\")."
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_from_each_source() {
        let madrid = Some((chrono_tz::Europe::Madrid, "TZ"));
        assert_eq!(zone_from(Some("Europe/Madrid"), None, None), madrid);
        assert_eq!(zone_from(Some(":Europe/Madrid"), None, None), madrid);
        assert_eq!(
            zone_from(Some("/usr/share/zoneinfo/Europe/Madrid"), None, None),
            madrid
        );
        assert_eq!(
            zone_from(Some("CET-1CEST"), Some("Asia/Tokyo\n"), None),
            Some((chrono_tz::Asia::Tokyo, "/etc/timezone"))
        );
        let link = Path::new("/usr/share/zoneinfo/posix/America/New_York");
        assert_eq!(
            zone_from(None, Some("garbage"), Some(link)),
            Some((chrono_tz::America::New_York, "/etc/localtime"))
        );
        assert_eq!(zone_from(None, None, Some(Path::new("/etc/foo"))), None);
    }
}
