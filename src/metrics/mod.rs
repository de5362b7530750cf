//! Results (SPEC §8): what the platforms report of the published posts'
//! engagement, kept as snapshots in `.postcal/metrics.jsonl` (one line per
//! delivery per pull, committed, `merge=union`), and the report made from
//! the latest snapshot of each delivery (`report.rs`). Metrics never run
//! inside `publish` and never hold it up.

pub mod html;
pub mod report;
pub mod slots;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::adapters::{AdapterError, ErrorKind, Metrics};
use crate::calendar::Workspace;
use crate::publish::ledger::LedgerState;
use crate::secrets::EnvSource;

pub const METRICS_PATH: &str = ".postcal/metrics.jsonl";

/// The longest `Retry-After` a pull waits out (once per channel).
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// One delivery's engagement as a pull saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub ts: DateTime<Utc>,
    pub post: String,
    pub channel: String,
    #[serde(default)]
    pub part: u32,
    pub remote_id: String,
    #[serde(default)]
    pub metrics: Metrics,
    /// The post is no longer on the platform: not asked about again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// The latest snapshot of each delivery `(post, channel)` taken by
/// `until` (a report `--now` earlier sees what was known then). Lines that
/// do not read (a torn write, a bad merge) are passed over and counted.
pub fn latest(root: &Path, until: DateTime<Utc>) -> (HashMap<(String, String), Snapshot>, usize) {
    let text = std::fs::read_to_string(root.join(METRICS_PATH)).unwrap_or_default();
    let mut out: HashMap<(String, String), Snapshot> = HashMap::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Snapshot>(line) {
            Ok(s) if s.ts > until => {}
            Ok(s) => {
                let key = (s.post.clone(), s.channel.clone());
                if out.get(&key).is_none_or(|old| old.ts <= s.ts) {
                    out.insert(key, s);
                }
            }
            Err(_) => bad += 1,
        }
    }
    (out, bad)
}

/// What a pull did, per channel.
#[derive(Debug, Default)]
pub struct Pulled {
    /// Snapshots written.
    pub written: usize,
    /// Of those, posts found gone.
    pub gone: usize,
    /// Channels whose platform reports no metrics: (channel, platform).
    pub not_offered: Vec<(String, &'static str)>,
    /// Channels that could not be read, why, and whether trying again
    /// later may work (a 429, a server error) or something must be fixed.
    pub failed: Vec<(String, String, bool)>,
    /// Published deliveries asked about.
    pub asked: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct MetricsError {
    pub path: std::path::PathBuf,
    pub source: std::io::Error,
}

/// Ask each channel's platform about its deliveries published since
/// `now - since` (and not known to be gone), and append a snapshot of each.
pub fn pull(
    ws: &Workspace,
    state: &LedgerState,
    now: DateTime<Utc>,
    since: Duration,
    channels: &[String],
    env: &dyn EnvSource,
    timeouts: crate::adapters::http::Timeouts,
) -> Result<Pulled, MetricsError> {
    let (known, _) = latest(&ws.root, now);
    let mut pulled = Pulled::default();
    let mut lines = String::new();
    let mut published: Vec<(&str, &str, &str)> = state
        .parts
        .iter()
        .filter(|((_, _, part), _)| *part == 0)
        .filter_map(|((post, channel, _), s)| {
            let r = s.published.as_ref()?;
            (r.ts >= now - since).then_some((
                post.as_str(),
                channel.as_str(),
                r.remote_id.as_deref()?,
            ))
        })
        .filter(|(post, channel, _)| {
            !known
                .get(&((*post).to_owned(), (*channel).to_owned()))
                .is_some_and(|s| s.gone)
        })
        .collect();
    published.sort();
    for channel in ws.config.channels.values() {
        if !channels.is_empty() && !channels.contains(&channel.name) {
            continue;
        }
        let mine: Vec<&(&str, &str, &str)> = published
            .iter()
            .filter(|(_, c, _)| *c == channel.name)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut adapter = match crate::adapters::for_channel(&ws.root, channel, env, timeouts, now)
        {
            Ok(a) => a,
            Err(e) => {
                let transient = e.is_transient();
                pulled
                    .failed
                    .push((channel.name.clone(), e.message, transient));
                continue;
            }
        };
        let ids: Vec<&str> = mine.iter().map(|(_, _, id)| *id).collect();
        pulled.asked += ids.len();
        let mut answer = adapter.metrics(&ids);
        // A short wait the platform asks for is waited out, once; a long
        // one is left to the next pull (metrics are never urgent).
        if let Err(AdapterError {
            kind: ErrorKind::Transient {
                retry_after: Some(wait),
            },
            ..
        }) = &answer
            && *wait <= MAX_WAIT
        {
            std::thread::sleep(*wait);
            answer = adapter.metrics(&ids);
        }
        match answer {
            Ok(answers) => {
                for ((post, _, id), answer) in mine.iter().zip(answers) {
                    let snapshot = Snapshot {
                        ts: now,
                        post: (*post).to_owned(),
                        channel: channel.name.clone(),
                        part: 0,
                        remote_id: (*id).to_owned(),
                        gone: answer.is_none(),
                        metrics: answer.unwrap_or_default(),
                    };
                    pulled.gone += usize::from(snapshot.gone);
                    pulled.written += 1;
                    if let Ok(line) = serde_json::to_string(&snapshot) {
                        lines.push_str(&line);
                        lines.push('\n');
                    }
                }
            }
            Err(e) if matches!(e.kind, ErrorKind::Unsupported) => {
                pulled
                    .not_offered
                    .push((channel.name.clone(), channel.platform().name()));
            }
            Err(e) => {
                let transient = e.is_transient();
                pulled
                    .failed
                    .push((channel.name.clone(), e.message, transient));
            }
        }
    }
    if !lines.is_empty() {
        append(&ws.root, &lines)?;
    }
    Ok(pulled)
}

/// Append whole lines and make them durable.
fn append(root: &Path, lines: &str) -> Result<(), MetricsError> {
    let path = root.join(METRICS_PATH);
    let failed = |source| MetricsError {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(failed)?;
    file.write_all(lines.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_what_was_known_at_the_time_asked() {
        let dir = tempfile::tempdir().unwrap();
        let line = |ts: &str, likes: u64| {
            format!(
                "{{\"ts\":\"{ts}\",\"post\":\"p\",\"channel\":\"m\",\"remote_id\":\"1\",\"metrics\":{{\"likes\":{likes}}}}}\n"
            )
        };
        std::fs::create_dir_all(dir.path().join(".postcal")).unwrap();
        std::fs::write(
            dir.path().join(METRICS_PATH),
            line("2026-11-19T06:00:00Z", 6) + &line("2026-11-21T06:00:00Z", 12) + "{torn",
        )
        .unwrap();
        let key = ("p".to_owned(), "m".to_owned());
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let (then, bad) = latest(dir.path(), at("2026-11-19T08:00:00Z"));
        assert_eq!((then[&key].metrics.likes, bad), (Some(6), 1));
        let (now, _) = latest(dir.path(), at("2026-11-30T08:00:00Z"));
        assert_eq!(now[&key].metrics.likes, Some(12));
        assert!(latest(dir.path(), at("2026-11-18T00:00:00Z")).0.is_empty());
    }
}
