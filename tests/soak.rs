//! A bounded soak (a bench, not CI: `bench/soak.sh`): a simulated month of
//! cron ticks, `postcal publish --now T` every five minutes on the release
//! binary, against six strict fakes that misbehave at random (429 and 503
//! with a wait, 500/502/504, a hang or a dropped connection after creating
//! the post) while the run is killed with SIGKILL at random, mid-request or
//! just after an answer. Then quiet ticks let open attempts settle, and the
//! verdict is counted on what the fakes made, not on what postcal says:
//! every approved delivery is on its platform exactly once, or `status`
//! reports it `unknown`, `failed` or `missed`; nothing is posted twice;
//! drafts, cancelled posts and blacked-out deliveries never go out.
//!
//! `SOAK_DAYS` (default 31) and `SOAK_SEED` (default: a new one, printed)
//! set the run; `SOAK_KEEP=1` keeps the workspace (kept anyway on failure).

#[path = "soak/calendar.rs"]
mod calendar;
mod support;
#[path = "soak/verdict.rs"]
mod verdict;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration as Wait, Instant};

use calendar::{CHANNELS, Class, Delivery, Kill, Post, SETTLE_TICKS, START, Step, TICK_MINUTES};
use chrono::{DateTime, Duration, Utc};
use support::{Behaviour, Fake};
use verdict::{Run, StatusMap, judge};

/// A kill waiting for its request.
struct Armed {
    delivery: usize,
    part: usize,
    /// Requests for the part before the one to kill on.
    before: usize,
    kill: Kill,
    /// When it was fired, or found spent without firing.
    done: Option<(DateTime<Utc>, bool)>,
}

struct Knobs {
    days: i64,
    seed: u64,
    keep: bool,
}

// The bench's knobs come from the environment; the clock seeds a new run.
#[allow(clippy::disallowed_methods)]
fn knobs() -> Knobs {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let seed = var("SOAK_SEED").map_or_else(
        || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                % 1_000_000
        },
        |s| s.parse().expect("SOAK_SEED is a number"),
    );
    Knobs {
        days: var("SOAK_DAYS").map_or(31, |d| d.parse().expect("SOAK_DAYS is a number")),
        seed,
        keep: var("SOAK_KEEP").is_some(),
    }
}

struct Soak {
    root: PathBuf,
    fakes: Vec<Fake>,
    env: HashMap<String, String>,
    start: DateTime<Utc>,
    /// Each fake's clock when the month started.
    origins: Vec<DateTime<Utc>>,
    posts: Vec<Post>,
    deliveries: Vec<Delivery>,
    armed: Vec<Armed>,
    rng: fastrand::Rng,
    /// The output of each run that printed something, by its `--now`.
    log: Vec<(DateTime<Utc>, String)>,
    ticks: usize,
    exits: BTreeMap<String, usize>,
    /// Create requests per delivery and part when the faults stopped.
    faults_at_end: Vec<Vec<usize>>,
}

impl Soak {
    fn new(knobs: &Knobs) -> (Soak, tempfile::TempDir) {
        let mut rng = fastrand::Rng::with_seed(knobs.seed);
        let start: DateTime<Utc> = START.parse().unwrap();
        let fakes: Vec<Fake> = CHANNELS.iter().map(|(.., s)| s(Behaviour::Ok)).collect();
        let channels: Vec<(&str, &str, &Fake)> = CHANNELS
            .iter()
            .zip(&fakes)
            .map(|((c, p, _), f)| (*c, *p, f))
            .collect();
        let dir = support::workspace(&channels);
        let config = dir.path().join("postcal.yaml");
        let mut yaml = std::fs::read_to_string(&config).unwrap();
        yaml.push_str(&calendar::blackout_yaml(start, knobs.days / 2));
        std::fs::write(config, yaml).unwrap();
        let posts = calendar::generate(&mut rng, start, knobs.days);
        let month = calendar::calendar_yaml(&posts);
        std::fs::write(dir.path().join("calendars/month.yaml"), month).unwrap();
        let deliveries = calendar::deliveries(&mut rng, &posts, start, knobs.days / 2);
        let soak = Soak {
            root: dir.path().to_owned(),
            env: fakes.iter().flat_map(|f| f.env.clone()).collect(),
            origins: fakes.iter().map(|f| f.control.now()).collect(),
            fakes,
            start,
            posts,
            deliveries,
            armed: Vec::new(),
            rng,
            log: Vec::new(),
            ticks: 0,
            exits: BTreeMap::new(),
            faults_at_end: Vec::new(),
        };
        (soak, dir)
    }

    fn text(&self, d: &Delivery, part: usize) -> &str {
        self.posts[d.post].text(d.channel, part)
    }

    /// Hand each fake its plans, and arm the kills.
    fn inject(&mut self) {
        for (i, d) in self.deliveries.iter().enumerate() {
            for (part, steps) in d.plans.iter().enumerate() {
                let text = self.posts[d.post].text(d.channel, part).to_owned();
                self.fakes[d.channel]
                    .control
                    .plan(&text, steps.iter().map(|s| s.behaviour()));
                if let Some(&Step::Kill(kill)) = steps.last() {
                    self.armed.push(Armed {
                        delivery: i,
                        part,
                        before: steps.len() - 1,
                        kill,
                        done: None,
                    });
                }
            }
        }
    }

    /// The platforms live through the same minutes as the runs.
    fn sync_clocks(&self, now: DateTime<Utc>) {
        let elapsed = now - self.start;
        for (fake, origin) in self.fakes.iter().zip(&self.origins) {
            let behind = elapsed - (fake.control.now() - *origin);
            if let Ok(by) = behind.to_std() {
                fake.advance(by);
            }
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_postcal"));
        cmd.envs(&self.env)
            .env_remove("POSTCAL_FREEZE")
            .env_remove("POSTCAL_WORKSPACE")
            .args(["--color", "never", "--workspace"])
            .arg(&self.root)
            .args(args);
        cmd
    }

    /// One cron tick: `publish --now`, killed if an armed request shows up.
    fn tick(&mut self, now: DateTime<Utc>) {
        self.sync_clocks(now);
        self.ticks += 1;
        let out_path = self.root.join(".soak-tick.out");
        let out = std::fs::File::create(&out_path).unwrap();
        let mut child = self
            .command(&["publish", "--now", &now.to_rfc3339()])
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap();
        let armed: Vec<usize> = (0..self.armed.len())
            .filter(|&a| self.is_armed(a, now))
            .collect();
        let (status, killed) = if armed.is_empty() {
            (child.wait().unwrap(), false)
        } else {
            self.watch(&mut child, &armed, now)
        };
        let output = std::fs::read_to_string(&out_path).unwrap_or_default();
        let exit = match (status.code(), killed) {
            (_, true) => "killed".to_owned(),
            (Some(code @ (0 | 1 | 75)), _) => code.to_string(),
            (code, _) => panic!("publish --now {now} ended with {code:?}:\n{output}"),
        };
        *self.exits.entry(exit).or_default() += 1;
        if !output.is_empty() {
            self.log.push((now, output));
        }
    }

    fn is_armed(&self, a: usize, now: DateTime<Utc>) -> bool {
        let armed = &self.armed[a];
        let post = &self.posts[self.deliveries[armed.delivery].post];
        armed.done.is_none()
            && post.at <= now
            && now <= post.at + post.window() + Duration::hours(3)
    }

    /// Whether the request `a` waits for is where its kill wants it.
    fn ripe(&self, a: &Armed) -> bool {
        let d = &self.deliveries[a.delivery];
        let (fake, text) = (&self.fakes[d.channel], self.text(d, a.part));
        fake.create_requests_for(text) > a.before
            && (a.kill == Kill::BeforeCommit || fake.created_for(text) > 0)
    }

    /// Wait for the run, killing it when an armed request is ripe.
    fn watch(
        &mut self,
        child: &mut Child,
        armed: &[usize],
        now: DateTime<Utc>,
    ) -> (ExitStatus, bool) {
        let deadline = Instant::now() + Wait::from_secs(300);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                // A request that came and went without its kill: spent.
                for &a in armed {
                    let d = &self.deliveries[self.armed[a].delivery];
                    let text = self.text(d, self.armed[a].part);
                    if self.fakes[d.channel].create_requests_for(text) > self.armed[a].before {
                        self.armed[a].done = Some((now, false));
                    }
                }
                return (status, false);
            }
            if let Some(&a) = armed.iter().find(|&&a| self.ripe(&self.armed[a])) {
                if self.armed[a].kill == Kill::JustAfter {
                    std::thread::sleep(Wait::from_micros(self.rng.u64(0..3000)));
                }
                child.kill().unwrap();
                let status = child.wait().unwrap();
                self.armed[a].done = Some((now, true));
                return (status, true);
            }
            assert!(
                Instant::now() < deadline,
                "publish --now {now} ran for 5 minutes"
            );
            std::thread::sleep(Wait::from_micros(200));
        }
    }

    /// `status --format json` at `now`: (post, channel) → (state, error).
    fn status(&self, now: DateTime<Utc>) -> StatusMap {
        let out = self
            .command(&["status", "--format", "json", "--now", &now.to_rfc3339()])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "status --format json: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let field = |d: &serde_json::Value, k: &str| d[k].as_str().unwrap_or("").to_owned();
        json["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let key = (field(d, "post"), field(d, "channel"));
                (key, (field(d, "state"), field(d, "error")))
            })
            .collect()
    }

    /// The calendar postcal renders must be the one generated (else the
    /// fakes' counts would be looked up under the wrong texts).
    fn check_texts(&self) {
        let out = self
            .command(&[
                "preview", "--format", "json", "--from", START, "--days", "400",
            ])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rendered = json["deliveries"].as_array().unwrap();
        let expected = self
            .deliveries
            .iter()
            .filter(|d| d.class != Class::Cancelled);
        assert_eq!(
            rendered.len(),
            expected.clone().count(),
            "preview's deliveries"
        );
        for d in expected {
            let p = &self.posts[d.post];
            let r = rendered
                .iter()
                .find(|r| r["post"] == p.id.as_str() && r["channel"] == CHANNELS[d.channel].0)
                .unwrap_or_else(|| panic!("{}@{} is not in preview", p.id, CHANNELS[d.channel].0));
            let mut texts = vec![r["text"].as_str().unwrap().to_owned()];
            texts.extend(
                r["thread"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["text"].as_str().unwrap().to_owned()),
            );
            let generated: Vec<String> = (0..p.texts.len())
                .map(|i| self.text(d, i).to_owned())
                .collect();
            assert_eq!(
                texts, generated,
                "{}@{} renders differently",
                p.id, CHANNELS[d.channel].0
            );
        }
    }
}

/// Run the month's ticks, then the quiet ones.
#[allow(clippy::print_stderr)]
fn run_ticks(soak: &mut Soak, days: i64, t0: Instant) -> DateTime<Utc> {
    let per_day = 24 * 60 / TICK_MINUTES;
    let ticks = days * per_day;
    for k in 0..ticks {
        soak.tick(soak.start + Duration::minutes(k * TICK_MINUTES));
        if (k + 1) % per_day == 0 {
            let kills: usize = soak.kills().values().sum();
            eprintln!(
                "soak: day {}/{days}, {} ticks, {kills} kills, {:.0?}",
                (k + 1) / per_day,
                k + 1,
                t0.elapsed()
            );
        }
    }
    let end = soak.start + Duration::minutes(ticks * TICK_MINUTES);
    soak.faults_at_end = soak.requests();
    // No faults from here on: what is open settles.
    for fake in &soak.fakes {
        fake.control.clear_faults();
    }
    for a in &mut soak.armed {
        a.done.get_or_insert((end, false));
    }
    let mut now = end;
    for _ in 0..SETTLE_TICKS {
        soak.tick(now);
        now += Duration::minutes(TICK_MINUTES);
    }
    soak.sync_clocks(now);
    for fake in &soak.fakes {
        fake.settle(Wait::from_secs(30));
    }
    now
}

#[test]
#[ignore = "a bench of several minutes: bench/soak.sh runs it"]
#[allow(clippy::print_stdout)]
fn a_month_of_cron_ticks_with_faults_and_kills_never_posts_twice_nor_loses_a_post() {
    let knobs = knobs();
    let t0 = Instant::now();
    let (mut soak, dir) = Soak::new(&knobs);
    soak.check_texts();
    soak.inject();
    let end = run_ticks(&mut soak, knobs.days, t0);
    let status = soak.status(end);
    let verdict = judge(&soak, &status);
    let run = Run {
        knobs: &knobs,
        soak: &soak,
        verdict: &verdict,
        faults: soak.faults_used(&soak.faults_at_end),
        wall: t0.elapsed(),
    };
    println!("{}", run.summary());
    if verdict.breaches.is_empty() && !knobs.keep {
        return;
    }
    let kept = dir.keep();
    println!("workspace kept in {}", kept.display());
    let mut stories = String::new();
    for (i, breach, what) in &verdict.breaches {
        let _ = write!(stories, "\n{breach:?}: {what}\n{}", soak.story(*i, &status));
    }
    assert!(
        verdict.breaches.is_empty(),
        "{} broken promise(s):\n{stories}",
        verdict.breaches.len()
    );
}
