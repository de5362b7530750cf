//! The soak's verdict, counted on what the fakes made: each delivery's
//! fate or the promise it broke, its story for a failure, and the summary.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Duration as Wait;

use crate::calendar::{CHANNELS, Class, Kill, SETTLE_TICKS, START, Step, TICK_MINUTES};
use crate::support::Fake;
use crate::{Knobs, Soak};

/// A broken promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breach {
    /// A part is on its platform more than once.
    Duplicate,
    /// Approved, due, not on the platform (in full), and status does not
    /// report it unknown, failed or missed.
    SilentLoss,
    /// Status reports unknown or failed without a reason.
    NoReason,
    /// On the platform, but status says it failed, was missed, or nothing.
    Misreported,
    /// A draft, review, cancelled or blacked-out delivery went out.
    MustNotPost,
}

/// What `status` and the platforms say of one due delivery: its fate, or
/// the promise it breaks.
pub fn judge_due(
    made: &[usize],
    state: &str,
    error: &str,
) -> Result<&'static str, (Breach, String)> {
    let all = made.iter().all(|&n| n >= 1);
    let any = made.iter().any(|&n| n >= 1);
    let missing: Vec<usize> = (0..made.len()).filter(|&k| made[k] == 0).collect();
    match state {
        "published" if all => Ok("published"),
        "published" => Err((
            Breach::SilentLoss,
            format!("status says published, but part(s) {missing:?} are not on the platform"),
        )),
        "unknown" | "failed" if error.is_empty() => Err((
            Breach::NoReason,
            format!("status says {state} without saying why"),
        )),
        "unknown" => Ok("unknown"),
        "failed" if all => Err((
            Breach::Misreported,
            "status says failed, but every part is on the platform".to_owned(),
        )),
        "failed" => Ok("failed"),
        // A thread cut short by its window: the parts before the cut are
        // out, the rest is missed, and status says where it stopped.
        "missed"
            if thread_cut_at(made).is_some_and(|k| {
                error.contains(&format!("stopped after part {} of {}", k - 1, made.len()))
            }) =>
        {
            Ok("missed")
        }
        "missed" if any => Err((
            Breach::Misreported,
            "status says missed, but it is on the platform".to_owned(),
        )),
        "missed" => Ok("missed"),
        _ if all => Err((
            Breach::Misreported,
            format!("on the platform, but status says `{state}`"),
        )),
        _ => Err((
            Breach::SilentLoss,
            format!("part(s) {missing:?} not on the platform, and status says `{state}`"),
        )),
    }
}

/// Where a thread stops when its first `k` parts (at least one, not all)
/// are on the platform and none after them.
fn thread_cut_at(made: &[usize]) -> Option<usize> {
    let k = made.iter().take_while(|&&n| n >= 1).count();
    (k >= 1 && k < made.len() && made[k..].iter().all(|&n| n == 0)).then_some(k)
}

pub type StatusMap = HashMap<(String, String), (String, String)>;

pub struct Verdict {
    pub fates: BTreeMap<&'static str, usize>,
    pub breaches: Vec<(usize, Breach, String)>,
}

pub fn judge(soak: &Soak, status: &StatusMap) -> Verdict {
    let mut verdict = Verdict {
        fates: BTreeMap::new(),
        breaches: Vec::new(),
    };
    for (i, d) in soak.deliveries.iter().enumerate() {
        let p = &soak.posts[d.post];
        let fake = &soak.fakes[d.channel];
        let made: Vec<usize> = (0..p.texts.len())
            .map(|k| fake.created_for(soak.text(d, k)))
            .collect();
        let key = (p.id.clone(), CHANNELS[d.channel].0.to_owned());
        let (state, error) = status.get(&key).cloned().unwrap_or_default();
        if let Some(k) = made.iter().position(|&n| n > 1) {
            let what = format!("part {k} is on the platform {} times", made[k]);
            verdict.breaches.push((i, Breach::Duplicate, what));
        }
        let fate = match d.class {
            Class::Due => judge_due(&made, &state, &error),
            _ if made.iter().any(|&n| n > 0) => Err((
                Breach::MustNotPost,
                format!("{:?}, yet on the platform", d.class),
            )),
            Class::Blackout => Ok("blackout"),
            Class::NotApproved => Ok("not approved"),
            Class::Cancelled => Ok("cancelled"),
        };
        match fate {
            Ok(fate) => *verdict.fates.entry(fate).or_default() += 1,
            Err((breach, what)) => verdict.breaches.push((i, breach, what)),
        }
    }
    verdict
}

impl Soak {
    /// Create requests per delivery and part so far.
    pub fn requests(&self) -> Vec<Vec<usize>> {
        self.deliveries
            .iter()
            .map(|d| {
                (0..d.plans.len())
                    .map(|k| self.fakes[d.channel].create_requests_for(self.text(d, k)))
                    .collect()
            })
            .collect()
    }

    /// The faults the platforms actually answered with, by kind: a plan's
    /// steps are used one per request, in order.
    pub fn faults_used(&self, requests: &[Vec<usize>]) -> BTreeMap<String, usize> {
        let mut used = BTreeMap::new();
        for (d, requests) in self.deliveries.iter().zip(requests) {
            for (steps, &n) in d.plans.iter().zip(requests) {
                for step in &steps[..n.min(steps.len())] {
                    if let Step::Fault(f) = step {
                        *used.entry(f.label()).or_default() += 1;
                    }
                }
            }
        }
        used
    }

    pub fn kills(&self) -> BTreeMap<Kill, usize> {
        let mut kills = BTreeMap::new();
        for a in self
            .armed
            .iter()
            .filter(|a| matches!(a.done, Some((_, true))))
        {
            *kills.entry(a.kill).or_default() += 1;
        }
        kills
    }

    pub fn ledger_lines(&self, post: &str, channel: &str) -> Vec<String> {
        let ledger =
            std::fs::read_to_string(self.root.join(".postcal/ledger.jsonl")).unwrap_or_default();
        ledger
            .lines()
            .filter(|l| {
                let r: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
                r["post"] == post && r["channel"] == channel
            })
            .map(str::to_owned)
            .collect()
    }

    /// Everything known of one delivery, for a failure message.
    pub fn story(&self, i: usize, status: &StatusMap) -> String {
        let d = &self.deliveries[i];
        let p = &self.posts[d.post];
        let (channel, platform, _) = CHANNELS[d.channel];
        let fake = &self.fakes[d.channel];
        let mut out = format!(
            "{}@{channel} ({platform}), {}, at {}, catch-up {} min, {} part(s)\n",
            p.id,
            p.status.name(),
            p.at.to_rfc3339(),
            p.window().num_minutes(),
            p.texts.len()
        );
        for (k, steps) in d.plans.iter().enumerate() {
            let text = self.text(d, k);
            let _ = writeln!(
                out,
                "  part {k} {text:?}: planned {steps:?}; {} create request(s), {} made",
                fake.create_requests_for(text),
                fake.created_for(text)
            );
        }
        for a in self.armed.iter().filter(|a| a.delivery == i) {
            let _ = writeln!(
                out,
                "  kill on part {} ({:?}): {:?}",
                a.part, a.kill, a.done
            );
        }
        let key = (p.id.clone(), channel.to_owned());
        let _ = writeln!(out, "  status: {:?}", status.get(&key));
        out.push_str("  ledger:\n");
        for line in self.ledger_lines(&p.id, channel) {
            let _ = writeln!(out, "    {line}");
        }
        out.push_str("  runs that spoke of it:\n");
        let needle = format!("{}@{channel}", p.id);
        for (now, output) in &self.log {
            for line in output.lines().filter(|l| l.contains(&needle)) {
                let _ = writeln!(out, "    {}  {line}", now.format("%d %H:%M"));
            }
        }
        out
    }
}

pub fn counted<K: std::fmt::Display>(map: &BTreeMap<K, usize>) -> String {
    let total: usize = map.values().sum();
    let parts: Vec<String> = map.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    format!("{total} ({})", parts.join(", "))
}

pub struct Run<'a> {
    pub knobs: &'a Knobs,
    pub soak: &'a Soak,
    pub verdict: &'a Verdict,
    pub faults: BTreeMap<String, usize>,
    pub wall: Wait,
}

impl Run<'_> {
    pub fn summary(&self) -> String {
        let (soak, v) = (self.soak, self.verdict);
        let classes = |c: Class| soak.deliveries.iter().filter(|d| d.class == c).count();
        let fate = |f: &str| v.fates.get(f).copied().unwrap_or(0);
        let breach = |b: Breach| v.breaches.iter().filter(|(_, x, _)| *x == b).count();
        let kills: BTreeMap<&str, usize> = soak
            .kills()
            .into_iter()
            .map(|(k, n)| (k.label(), n))
            .collect();
        let requests: usize = soak.fakes.iter().map(Fake::create_requests).sum();
        let mut s = format!(
            "postcal soak: SOAK_SEED={} SOAK_DAYS={}, from {START}, a tick every {TICK_MINUTES} min, then {SETTLE_TICKS} quiet ticks\n",
            self.knobs.seed, self.knobs.days
        );
        let mut row = |k: &str, v: String| {
            let _ = writeln!(s, "  {k:<16} {v}");
        };
        row(
            "ticks",
            format!("{} (exit codes: {:?})", soak.ticks, soak.exits),
        );
        row(
            "posts",
            format!("{} over {} channels", soak.posts.len(), CHANNELS.len()),
        );
        row(
            "deliveries",
            format!(
                "{} ({} due, {} in the blackout, {} not approved, {} cancelled)",
                soak.deliveries.len(),
                classes(Class::Due),
                classes(Class::Blackout),
                classes(Class::NotApproved),
                classes(Class::Cancelled)
            ),
        );
        row("create requests", requests.to_string());
        row("faults injected", counted(&self.faults));
        row("kills (SIGKILL)", counted(&kills));
        for f in ["published", "unknown", "failed", "missed"] {
            row(f, fate(f).to_string());
        }
        row("duplicates", breach(Breach::Duplicate).to_string());
        row("silent losses", breach(Breach::SilentLoss).to_string());
        row("misreported", breach(Breach::Misreported).to_string());
        row("no reason given", breach(Breach::NoReason).to_string());
        row(
            "posted wrongly",
            format!(
                "{} (drafts, review, cancelled, blackout)",
                breach(Breach::MustNotPost)
            ),
        );
        row("wall time", format!("{:.0?}", self.wall));
        s
    }
}

#[test]
fn a_thread_cut_short_and_said_so_is_missed_not_misreported() {
    let cut = "the thread stopped after part 1 of 3: its time passed beyond catch-up, so part 2 was not posted";
    assert_eq!(judge_due(&[1, 1, 0], "missed", cut), Ok("missed"));
    // Said of the wrong part, or parts after the cut on the platform: not so.
    assert!(judge_due(&[1, 0, 0], "missed", cut).is_err());
    assert!(judge_due(&[1, 0, 1], "missed", cut).is_err());
    assert!(judge_due(&[1, 1, 0], "missed", "its time passed beyond catch-up").is_err());
}
