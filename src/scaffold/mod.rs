//! `postcal init`: a ready workspace in a folder — postcal.yaml, the JSON
//! Schemas, an example calendar, git attributes for the ledger, CI workflows
//! (GitHub Actions, GitLab CI) and a crontab line.
//!
//! Nothing here reads the clock or the environment: the timezone and today's
//! date are passed in. Existing files are never overwritten without `force`;
//! `.gitignore` and `.gitattributes` only ever get the lines postcal needs
//! appended, since they belong to the whole repository.

mod ci;
mod renewal;
mod results;
mod templates;

use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;

use crate::calendar::CONFIG_FILE;
use crate::schema::{FILE_NAMES, schema_json};
use templates::{CONFIG, EXAMPLE_CALENDAR};

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Options {
    /// The workspace timezone written into postcal.yaml.
    pub timezone: Tz,
    /// Today, in that timezone: the example posts fall after it.
    pub today: NaiveDate,
    /// Overwrite files that exist.
    pub force: bool,
    /// The top of the git repository the workspace is in, when it is in one:
    /// CI files go there (GitHub and GitLab look nowhere else), set up to run
    /// in the workspace's folder.
    pub repository: Option<PathBuf>,
    /// Also a GitHub Pages workflow that publishes `postcal site`.
    pub pages: bool,
    /// Publish runs coordinate through the git remote.
    pub coordinate: bool,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// It did not exist and was written.
    Created,
    /// It existed with other content and was overwritten (`force`).
    Replaced,
    /// It existed; these lines postcal needs were appended to it.
    Appended(Vec<String>),
    /// It already holds what `init` writes.
    Unchanged,
    /// It exists with other content and was left alone (no `force`).
    Kept,
    /// Not written: the example posts name the example channel, and the
    /// existing postcal.yaml was kept.
    Omitted,
}

/// One file `init` considered, by its path relative to the workspace
/// (`../.github/…` for a CI file at the top of the repository it is in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: String,
    pub action: Action,
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffolded {
    /// Every file, in the order written.
    pub files: Vec<FileReport>,
    /// Environment variables the channels' credentials come from (what the
    /// publish jobs pass from CI secrets).
    pub secret_vars: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("cannot create the folder {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the workflows would name the folder `{folder}`, which holds characters YAML or a shell would read differently: use letters, digits, `.`, `_` and `-`"
    )]
    FolderName { folder: String },
}

/// Write a workspace into `dir` (created when missing).
pub fn scaffold(dir: &Path, opts: &Options) -> Result<Scaffolded, ScaffoldError> {
    let layout = ci::Layout::new(dir, opts.repository.as_deref());
    let safe = |c: char| c.is_ascii_alphanumeric() || "._-/".contains(c);
    if !layout.folder.chars().all(safe) {
        return Err(ScaffoldError::FolderName {
            folder: layout.folder,
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| ScaffoldError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    let config = config_yaml(opts.timezone, &layout.folder, opts.coordinate);
    let config_action = write_whole(dir, CONFIG_FILE, &config, opts.force)?;
    let ours = config_action != Action::Kept;
    let config = if ours {
        config
    } else {
        read(&dir.join(CONFIG_FILE))?
    };
    let secrets = Secrets::of_config(&config);
    files.push(report(CONFIG_FILE, config_action));
    for (kind, name) in FILE_NAMES {
        let path = format!("schema/{name}");
        let action = write_whole(dir, &path, &schema_json(kind), opts.force)?;
        files.push(report(&path, action));
    }
    let (calendar_path, calendar) = example_calendar(opts.today, opts.timezone);
    let action = if ours || dir.join(&calendar_path).exists() {
        write_whole(dir, &calendar_path, &calendar, opts.force)?
    } else {
        Action::Omitted
    };
    files.push(report(&calendar_path, action));
    for (path, lines) in [(".gitattributes", GITATTRIBUTES), (".gitignore", GITIGNORE)] {
        files.push(report(path, write_lines(dir, path, lines)?));
    }
    let choices = ci::Choices {
        pages: opts.pages,
        coordinate: opts.coordinate,
    };
    let (ci_files, crontab) = ci::files(&layout, &secrets, choices);
    for file in ci_files {
        let action = write_whole(&layout.top, &file.path, &file.text, opts.force)?;
        files.push(report(&layout.seen_from_workspace(&file.path), action));
    }
    let path = "postcal.crontab";
    files.push(report(path, write_whole(dir, path, &crontab, opts.force)?));
    Ok(Scaffolded {
        files,
        secret_vars: secrets.active,
    })
}

fn report(path: &str, action: Action) -> FileReport {
    FileReport {
        path: path.to_owned(),
        action,
    }
}

fn read(path: &Path) -> Result<String, ScaffoldError> {
    std::fs::read_to_string(path).map_err(|source| ScaffoldError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let err = |source| ScaffoldError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(err)
}

/// Write a file init owns whole: created, or left alone unless `force`.
fn write_whole(dir: &Path, rel: &str, text: &str, force: bool) -> Result<Action, ScaffoldError> {
    let path = dir.join(rel);
    if !path.exists() {
        write(&path, text)?;
        return Ok(Action::Created);
    }
    let same = std::fs::read(&path).is_ok_and(|old| old == text.as_bytes());
    if same {
        Ok(Action::Unchanged)
    } else if force {
        write(&path, text)?;
        Ok(Action::Replaced)
    } else {
        Ok(Action::Kept)
    }
}

/// Write a file the repository shares (`.gitignore`): append the lines it lacks.
fn write_lines(dir: &Path, rel: &str, lines: &[&str]) -> Result<Action, ScaffoldError> {
    let path = dir.join(rel);
    let whole = |lines: &[&str]| {
        let mut s = format!("{LINES_HEADER}\n");
        for line in lines {
            s.push_str(line);
            s.push('\n');
        }
        s
    };
    if !path.exists() {
        write(&path, &whole(lines))?;
        return Ok(Action::Created);
    }
    let old = read(&path)?;
    let missing: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !old.lines().any(|l| l.trim() == *line))
        .collect();
    if missing.is_empty() {
        return Ok(Action::Unchanged);
    }
    let mut text = old;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&whole(&missing));
    write(&path, &text)?;
    Ok(Action::Appended(
        missing.into_iter().map(str::to_owned).collect(),
    ))
}

/// The environment variables credentials come from: in use, and shown
/// commented out (the example's Bluesky channel).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Secrets {
    active: Vec<String>,
    commented: Vec<String>,
}

impl Secrets {
    /// The `env:NAME` credentials of a postcal.yaml, and those in its
    /// commented-out lines (a channel kept for later). A file that does not
    /// parse has none (`validate` will say why).
    fn of_config(text: &str) -> Secrets {
        let value: serde_json::Value = serde_saphyr::from_str(text).unwrap_or_default();
        let mut active: Vec<String> = Vec::new();
        let channels = value.get("channels").and_then(|c| c.as_object());
        // Every field written `env:NAME`, whatever the platform calls it
        // (X's four keys, Facebook's `page_token`, LinkedIn's `client_secret`).
        for channel in channels.into_iter().flat_map(|c| c.values()) {
            let fields = channel.as_object().into_iter().flat_map(|f| f.values());
            for value in fields.filter_map(|v| v.as_str()) {
                if let Some(name) = value.trim().strip_prefix("env:") {
                    push_new(&mut active, name.trim());
                }
                if value.trim().starts_with("store:") {
                    push_new(&mut active, crate::tokens::KEY_VAR);
                }
            }
        }
        let mut commented = Vec::new();
        let comments = text.lines().filter(|l| l.trim_start().starts_with('#'));
        let stored = comments.clone().any(|l| l.contains(" store:"));
        for rest in comments.flat_map(|l| l.split("env:").skip(1)) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !active.contains(&name) {
                push_new(&mut commented, &name);
            }
        }
        // A commented `store:` credential needs the store's key once uncommented.
        if stored && !active.iter().any(|n| n == crate::tokens::KEY_VAR) {
            push_new(&mut commented, crate::tokens::KEY_VAR);
        }
        Secrets { active, commented }
    }

    /// `NAME: ${{ secrets.NAME }}` lines for a GitHub step's `env:`.
    fn github_env(&self, indent: &str) -> String {
        let line = |name: &String, hash: &str| {
            format!("{indent}{hash}{name}: ${{{{ secrets.{name} }}}}\n")
        };
        let active = self.active.iter().map(|n| line(n, ""));
        let commented = self.commented.iter().map(|n| line(n, "# "));
        active.chain(commented).collect()
    }

    fn list(&self) -> String {
        if self.active.is_empty() {
            "none named in postcal.yaml yet".to_owned()
        } else {
            self.active.join(", ")
        }
    }
}

fn push_new(names: &mut Vec<String>, name: &str) {
    if !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
}

/// The example calendar: its path and text. The posts fall on the days after
/// `today` in its month (the next month's first days when today is the last).
fn example_calendar(today: NaiveDate, zone: Tz) -> (String, String) {
    let start = today + Days::new(1);
    let last = last_day_of_month(start);
    let at = |offset: u64, hour: u32, minute: u32| {
        let day = (start + Days::new(offset)).min(last);
        existing_time(day, hour, minute, zone)
    };
    let text = EXAMPLE_CALENDAR
        .replace("@@MONTH@@", &start.format("%B %Y").to_string())
        .replace("@@AT1@@", &at(0, 9, 0))
        .replace("@@AT2@@", &at(2, 12, 30))
        .replace("@@AT3@@", &at(5, 18, 0));
    let path = format!("calendars/{}.yaml", start.format("%Y/%m"));
    (path, text)
}

fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    let next_first = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    next_first.and_then(|d| d.pred_opt()).unwrap_or(day)
}

/// `day hour:minute` as a wall time, moved on by an hour while it falls in a
/// DST gap or fold of `zone` (so the example never trips the time rules).
fn existing_time(day: NaiveDate, hour: u32, minute: u32, zone: Tz) -> String {
    let mut wall = NaiveDateTime::new(
        day,
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default(),
    );
    for _ in 0..4 {
        if crate::schedule::resolve_wall(wall, zone).is_ok() {
            break;
        }
        wall += Duration::hours(1);
    }
    wall.format("%Y-%m-%d %H:%M").to_string()
}

/// postcal.yaml for a workspace in `folder` (`""` at the repository's
/// top): its credentials' variables carry the folder's name
/// (`CLIENTS_SHOP_MASTODON_TOKEN`), so the brands of one repository never
/// share a secret by accident.
fn config_yaml(zone: Tz, folder: &str, coordinate: bool) -> String {
    let mut text = CONFIG.replace("@@TIMEZONE@@", zone.name());
    if coordinate {
        text = text.replace(
            "  freeze: false            # crisis switch: true stops all publishing\n",
            "  freeze: false            # crisis switch: true stops all publishing\n  coordination: git        # every publish coordinates through the git remote (README, \"Many runners\")\n",
        );
    }
    if folder.is_empty() {
        return text;
    }
    let mut prefix = String::new();
    for c in folder.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        };
        if !(c == '_' && (prefix.is_empty() || prefix.ends_with('_'))) {
            prefix.push(c);
        }
    }
    text.replace(
        "env:BRAND_",
        &format!("env:{}_", prefix.trim_end_matches('_')),
    )
}

const LINES_HEADER: &str = "# postcal";
const GITATTRIBUTES: &[&str] = &[
    ".postcal/ledger.jsonl merge=union",
    ".postcal/metrics.jsonl merge=union",
    // Two renewals merge to the newer (README: "Tokens that renew themselves").
    ".postcal/tokens.age merge=postcal-tokens",
];
const GITIGNORE: &[&str] = &[".postcal/lock", ".postcal/cache/"];

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_workspace_in_a_folder_names_its_own_secrets() {
        let zone: Tz = "Europe/Madrid".parse().unwrap();
        let top = config_yaml(zone, "", false);
        assert!(top.contains("env:BRAND_MASTODON_TOKEN"));
        let shop = config_yaml(zone, "clients/shop-2", false);
        assert!(shop.contains("env:CLIENTS_SHOP_2_MASTODON_TOKEN"), "{shop}");
        assert!(
            shop.contains("env:CLIENTS_SHOP_2_BSKY_APP_PASSWORD"),
            "{shop}"
        );
        assert!(!shop.contains("BRAND_"));
    }

    #[test]
    fn example_posts_fall_after_today_in_its_month() {
        let (path, text) = example_calendar(date("2026-11-22"), chrono_tz::Europe::Madrid);
        assert_eq!(path, "calendars/2026/11.yaml");
        for at in ["2026-11-23 09:00", "2026-11-25 12:30", "2026-11-28 18:00"] {
            assert!(text.contains(&format!("at: {at}")), "{at} in {text}");
        }
        let (_, text) = example_calendar(date("2026-11-28"), chrono_tz::UTC);
        assert!(text.contains("at: 2026-11-30 12:30") && text.contains("at: 2026-11-30 18:00"));
    }

    #[test]
    fn on_the_last_day_the_example_is_next_month() {
        let (path, text) = example_calendar(date("2026-12-31"), chrono_tz::UTC);
        assert_eq!(path, "calendars/2027/01.yaml");
        assert!(text.contains("at: 2027-01-01 09:00") && text.contains("January 2027"));
    }

    #[test]
    fn example_times_avoid_dst_gaps() {
        // No zone has a gap at the example's hours today; ask for one inside
        // Madrid's spring-forward gap instead.
        let t = existing_time(date("2026-03-29"), 2, 30, chrono_tz::Europe::Madrid);
        assert_eq!(t, "2026-03-29 03:30");
    }

    #[test]
    fn secrets_of_an_existing_config() {
        let text = "timezone: UTC\nchannels:\n  a: { platform: mastodon, token: env:A_TOKEN }\n  \
                    b: { platform: slack, webhook: file:/run/hook }\n  c: { platform: webhook, url: env:C_URL, secret: env:A_TOKEN }\n";
        assert_eq!(Secrets::of_config(text).active, ["A_TOKEN", "C_URL"]);
        assert!(Secrets::of_config(": not yaml [").active.is_empty());
        // Whatever a platform calls its credentials (by channel name, then field).
        let text = "timezone: UTC\nchannels:\n  x: { platform: x, api_key: env:X_KEY, api_secret: env:X_SECRET, \
                    access_token: env:X_TOKEN, access_secret: env:X_TOKEN_SECRET }\n  \
                    f: { platform: facebook, page_id: 1, page_token: env:FB_PAGE_TOKEN }\n  \
                    l: { platform: linkedin, author: 'urn:li:person:a', token: env:LI_TOKEN, client_id: abc, client_secret: env:LI_SECRET }\n";
        assert_eq!(
            Secrets::of_config(text).active,
            [
                "FB_PAGE_TOKEN",
                "LI_SECRET",
                "LI_TOKEN",
                "X_TOKEN_SECRET",
                "X_TOKEN",
                "X_KEY",
                "X_SECRET"
            ]
        );
        let example = Secrets::of_config(&config_yaml(chrono_tz::UTC, "", false));
        assert_eq!(example.active, ["BRAND_MASTODON_TOKEN"]);
        assert_eq!(
            example.commented,
            ["BRAND_BSKY_APP_PASSWORD", "POSTCAL_STORE_KEY"]
        );
    }

    #[test]
    fn github_env_lines() {
        let env = Secrets::of_config(&config_yaml(chrono_tz::UTC, "", false)).github_env("  ");
        assert_eq!(
            env,
            "  BRAND_MASTODON_TOKEN: ${{ secrets.BRAND_MASTODON_TOKEN }}\n  \
             # BRAND_BSKY_APP_PASSWORD: ${{ secrets.BRAND_BSKY_APP_PASSWORD }}\n  \
             # POSTCAL_STORE_KEY: ${{ secrets.POSTCAL_STORE_KEY }}\n"
        );
    }

    #[test]
    fn shared_files_get_only_missing_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target\n.postcal/lock").unwrap();
        let action = write_lines(dir.path(), ".gitignore", GITIGNORE).unwrap();
        assert_eq!(action, Action::Appended(vec![".postcal/cache/".to_owned()]));
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert_eq!(
            text,
            "target\n.postcal/lock\n\n# postcal\n.postcal/cache/\n"
        );
        let again = write_lines(dir.path(), ".gitignore", GITIGNORE).unwrap();
        assert_eq!(again, Action::Unchanged);
    }
}
