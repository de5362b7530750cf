//! Many runners, one calendar: coordination through the git remote
//! (`--coordinate git`). The remote's atomic ref update is the
//! compare-and-swap: a run makes a commit of the remote branch's head with
//! its claims (the `attempt` records it is about to make, with its runner
//! id and how long the claim holds) added to the ledger, and pushes it
//! without force. A push that is not a fast-forward means another runner
//! moved the branch first: fetch, plan again, claim again. Nothing is sent
//! before its claim is on the remote; outcomes are pushed after the run.
//!
//! The commits are made with git's plumbing (a temporary index) on top of
//! the remote's head. The checkout itself is only ever fast-forwarded to
//! that head (`sync` before a run plans, `catch_up` after a push); one with
//! changes or commits of its own is refused, never overwritten. Between
//! the two, the local ledger file is the union of the remote's and its own.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};

use super::ledger::{Event, LEDGER_PATH, Record};
use super::plan::{Action, Decision};

/// How this run takes part (`--coordinate git`).
#[derive(Debug, Clone)]
pub struct Coordination {
    /// Who claims: unique per run (host, process, random).
    pub runner: String,
    /// How long a claim holds.
    pub claim_for: chrono::Duration,
}

/// The claims for what `decisions` will send: for each delivery to
/// publish, the `attempt` of its next part, with this runner and until
/// when the claim holds. (Retractions and records of missed posts send
/// nothing twice that matters, and are not claimed.)
pub fn claims(decisions: &[Decision<'_>], c: &Coordination, now: DateTime<Utc>) -> Vec<Record> {
    decisions
        .iter()
        .filter_map(|d| match &d.action {
            Action::Publish(send) => {
                let part = u32::try_from(send.from).unwrap_or(u32::MAX);
                let mut r =
                    Record::new(now, &d.post.id.value, &d.channel.name, part, Event::Attempt);
                r.key = send.keys.get(send.from).cloned();
                r.hash = Some(send.hash_of(send.from));
                r.runner = Some(c.runner.clone());
                r.until = Some(now + c.claim_for);
                Some(r)
            }
            _ => None,
        })
        .collect()
}

/// The ledger lines of `records`.
pub fn lines(records: &[Record]) -> String {
    records
        .iter()
        .filter_map(|r| serde_json::to_string(r).ok())
        .map(|l| l + "\n")
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum CoordinationError {
    #[error("--coordinate git: {0}")]
    Setup(String),
    #[error("--coordinate git: the remote `{remote}` cannot be reached: {why}")]
    Unreachable { remote: String, why: String },
    #[error("--coordinate git: the remote refused the push to `{branch}`: {why}")]
    Refused { branch: String, why: String },
    /// The checkout is not the remote's branch: publishing from it could
    /// send what the remote has cancelled.
    #[error(
        "--coordinate git: the checkout has changes or commits `origin/{branch}` does not ({what}); publishing from it could send what the remote cancelled"
    )]
    Stale { branch: String, what: String },
    /// Only the remote's default branch publishes.
    #[error(
        "--coordinate git: this checkout is on `{branch}`, but the remote's default branch is `{default}`; only that one publishes"
    )]
    NotDefault { branch: String, default: String },
    /// The calendar changed on the remote after this run read it.
    #[error("--coordinate git: the calendar changed on the remote while this run planned")]
    Moved,
    #[error(
        "--coordinate git: other runners moved the branch {0} times while this run claimed; nothing was sent"
    )]
    Busy(usize),
    #[error("--coordinate git: cannot write the ledger {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl CoordinationError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            CoordinationError::Setup(_) => {
                "run publish in a git checkout of the calendar's branch, with a remote named `origin`"
            }
            CoordinationError::Unreachable { .. } => {
                "check the network and the credentials git uses for the remote (`git fetch origin` must work); the next run tries again"
            }
            CoordinationError::Refused { .. } => {
                "allow this runner to push to the branch (a protected branch needs the runner's token or deploy key in its allow list, without required reviews or status checks for these commits)"
            }
            CoordinationError::Busy(_) => {
                "the next run tries again; many runners at the same minute race: start them at different offsets"
            }
            CoordinationError::Write { .. } => "check the folder can be written",
            CoordinationError::Stale { .. } => {
                "commit and push those changes, or drop them (`git stash`, or `git reset --hard origin/BRANCH`), then run again"
            }
            CoordinationError::NotDefault { .. } => {
                "publish from a checkout of the default branch (a feature branch's calendar is not the plan)"
            }
            CoordinationError::Moved => "the next run takes the new calendar",
        }
    }
}

/// How often a run claims again after losing a race before it gives up.
pub const MAX_RACES: usize = 8;

/// After the run: the outcomes to the remote, merged with whatever other
/// runners pushed meanwhile (and again when one pushes in between).
pub fn push_outcomes(git: &GitRemote, root: &Path) -> Result<String, CoordinationError> {
    for _ in 0..=MAX_RACES {
        let seen = git.fetch()?;
        let both = merge_into_local(root, &seen.ledger)?;
        if both == seen.ledger {
            git.catch_up(root, &seen.head, &both);
            return Ok(seen.head);
        }
        if let Pushed::Done(commit) = git.push(&seen.head, &both, "postcal: outcomes")? {
            git.catch_up(root, &commit, &both);
            return Ok(commit);
        }
        std::thread::sleep(std::time::Duration::from_millis(fastrand::u64(50..400)));
    }
    Err(CoordinationError::Busy(MAX_RACES + 1))
}

/// Before a coordinated run plans: the checkout made the remote's branch.
/// Outcomes an earlier run could not push are pushed, the checkout is
/// fast-forwarded, and then it must be at the remote's head with no change
/// of its own (the calendar it plans from is the remote's). Whether the
/// checkout moved (the workspace must then be read again).
pub fn sync(root: &Path) -> Result<bool, CoordinationError> {
    let git = GitRemote::open(root)?;
    git.check_default_branch()?;
    let before = git.git(&["rev-parse", "HEAD"]).unwrap_or_default();
    let remote = push_outcomes(&git, root)?;
    let head = git.git(&["rev-parse", "HEAD"]).unwrap_or_default();
    let status = git
        .git(&["status", "--porcelain", "--untracked-files=no"])
        .unwrap_or_default();
    let changes: Vec<&str> = status.lines().map(|l| l.get(3..).unwrap_or(l)).collect();
    if head != remote || !changes.is_empty() {
        let what = if changes.is_empty() {
            "commits of its own".to_owned()
        } else {
            changes
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(CoordinationError::Stale {
            branch: git.branch.clone(),
            what,
        });
    }
    // Other runners' ledger commits need no second reading; a calendar
    // change does.
    Ok(head != before && !git.same_calendar_between(&before, &head))
}

/// The remote branch as one fetch saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Its head commit.
    pub head: String,
    /// Its ledger's text (empty when it has none yet).
    pub ledger: String,
}

/// What a push came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    /// The branch now has the commit (its id).
    Done(String),
    /// Another runner moved the branch first: fetch and plan again.
    Raced,
}

/// A workspace in a git checkout, and where its branch lives.
#[derive(Debug, Clone)]
pub struct GitRemote {
    top: PathBuf,
    git_dir: PathBuf,
    /// The ledger's path from the repository's top.
    ledger: String,
    pub remote: String,
    pub branch: String,
}

impl GitRemote {
    /// The checkout `root` is in, its branch, and the remote `origin`.
    pub fn open(root: &Path) -> Result<GitRemote, CoordinationError> {
        let setup = CoordinationError::Setup;
        let top = git_in(root, &["rev-parse", "--show-toplevel"])
            .map_err(|e| setup(format!("{} is not in a git checkout ({e})", root.display())))?;
        let prefix = git_in(root, &["rev-parse", "--show-prefix"]).unwrap_or_default();
        let git_dir = git_in(root, &["rev-parse", "--absolute-git-dir"]).map_err(setup)?;
        let branch = git_in(root, &["symbolic-ref", "--quiet", "--short", "HEAD"])
            .map_err(|_| setup("the checkout is on no branch (a detached HEAD): check out the branch the calendar lives on".to_owned()))?;
        let remote = "origin".to_owned();
        git_in(root, &["remote", "get-url", &remote]).map_err(|_| {
            setup("the checkout has no remote `origin` to coordinate through".to_owned())
        })?;
        Ok(GitRemote {
            top: PathBuf::from(top),
            git_dir: PathBuf::from(git_dir),
            ledger: format!("{prefix}{LEDGER_PATH}"),
            remote,
            branch,
        })
    }

    fn git(&self, args: &[&str]) -> Result<String, String> {
        git_in(&self.top, args)
    }

    /// The checkout's branch must be the remote's default branch (when the
    /// remote says which).
    fn check_default_branch(&self) -> Result<(), CoordinationError> {
        let said = self
            .git(&["ls-remote", "--symref", &self.remote, "HEAD"])
            .map_err(|why| CoordinationError::Unreachable {
                remote: self.remote.clone(),
                why: redact(&why),
            })?;
        let default = said
            .lines()
            .find_map(|l| l.strip_prefix("ref: refs/heads/"))
            .and_then(|l| l.split('\t').next());
        match default {
            Some(d) if d != self.branch => Err(CoordinationError::NotDefault {
                branch: self.branch.clone(),
                default: d.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// Whether `head` has the checkout's calendar (only the ledger may
    /// differ).
    pub fn same_calendar(&self, head: &str) -> bool {
        self.same_calendar_between("HEAD", head)
    }

    fn same_calendar_between(&self, a: &str, b: &str) -> bool {
        let exclude = format!(":(top,exclude){}", self.ledger);
        self.git(&["diff", "--quiet", a, b, "--", ":(top)", &exclude])
            .is_ok()
    }

    /// Fetch the branch: its head and its ledger.
    pub fn fetch(&self) -> Result<Seen, CoordinationError> {
        let spec = format!("refs/heads/{}", self.branch);
        self.git(&["fetch", "--quiet", "--no-tags", &self.remote, &spec])
            .map_err(|why| {
                if why.contains("couldn't find remote ref") {
                    CoordinationError::Setup(format!(
                        "the remote has no branch `{}`: push it first",
                        self.branch
                    ))
                } else {
                    CoordinationError::Unreachable {
                        remote: self.remote.clone(),
                        why: redact(&why),
                    }
                }
            })?;
        let head = self
            .git(&["rev-parse", "--verify", "FETCH_HEAD^{commit}"])
            .map_err(CoordinationError::Setup)?;
        let ledger = self
            .git(&["cat-file", "blob", &format!("{head}:{}", self.ledger)])
            .map(|mut t| {
                if !t.is_empty() {
                    t.push('\n');
                }
                t
            })
            .unwrap_or_default();
        Ok(Seen { head, ledger })
    }

    /// Push a commit of `base` whose ledger is `ledger`, without force: it
    /// lands only if the branch is still at `base`.
    pub fn push(
        &self,
        base: &str,
        ledger: &str,
        message: &str,
    ) -> Result<Pushed, CoordinationError> {
        let setup = CoordinationError::Setup;
        let blob = self
            .git_input(&["hash-object", "-w", "--stdin"], ledger)
            .map_err(setup)?;
        let index = self.git_dir.join(format!(
            "postcal-index-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let with_index = |args: &[&str]| -> Result<String, String> {
            run(Command::new("git")
                .current_dir(&self.top)
                .env("GIT_INDEX_FILE", &index)
                .args(args))
        };
        let tree = with_index(&["read-tree", base])
            .and_then(|_| {
                with_index(&[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("100644,{blob},{}", self.ledger),
                ])
            })
            .and_then(|_| with_index(&["write-tree"]));
        let _ = std::fs::remove_file(&index);
        let tree = tree.map_err(setup)?;
        let commit = run(Command::new("git")
            .current_dir(&self.top)
            .args(identity(&self.top))
            .args(["commit-tree", &tree, "-p", base, "-m", message]))
        .map_err(setup)?;
        let target = format!("{commit}:refs/heads/{}", self.branch);
        let out = Command::new("git")
            .current_dir(&self.top)
            .args(["push", "--quiet", "--porcelain", &self.remote, &target])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| setup(format!("cannot run git: {e}")))?;
        if out.status.success() {
            return Ok(Pushed::Done(commit));
        }
        let said = redact(&format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        // Another push won: refused as not a fast-forward, or (both at
        // once) the remote found the branch moved when it took the ref's
        // lock. A hook or a protected branch is a refusal, not a race.
        let refused = ["hook declined", "protected branch", "Protected branch"]
            .iter()
            .any(|m| said.contains(m));
        let raced = [
            "non-fast-forward",
            "fetch first",
            "[rejected]",
            "stale info",
            "cannot lock ref",
            "failed to update ref",
        ]
        .iter()
        .any(|m| said.contains(m));
        if raced && !refused {
            return Ok(Pushed::Raced);
        }
        let why = said.trim().lines().last().unwrap_or("").to_owned();
        if said.contains("Could not read from remote")
            || said.contains("unable to access")
            || said.contains("does not appear to be a git repository")
        {
            return Err(CoordinationError::Unreachable {
                remote: self.remote.clone(),
                why,
            });
        }
        Err(CoordinationError::Refused {
            branch: self.branch.clone(),
            why: said.trim().replace('\n', " / "),
        })
    }

    /// Bring the checkout's branch to `head` (which has the ledger
    /// `ledger`, as the local file does) when that is a fast-forward, so a
    /// cron host's `git pull` keeps working and the checkout shows no
    /// change. Otherwise (commits of its own, a conflicting edit) the
    /// checkout is left as it is, its ledger file the union.
    fn catch_up(&self, root: &Path, head: &str, ledger: &str) {
        if self
            .git(&["merge-base", "--is-ancestor", "HEAD", head])
            .is_err()
        {
            return;
        }
        // Everything the local file has is in `head` by now: put the
        // checked-out version back so the merge does not refuse it.
        let path = root.join(LEDGER_PATH);
        let tracked = self
            .git(&["ls-files", "--error-unmatch", &self.ledger])
            .is_ok();
        let restored = if tracked {
            self.git(&["checkout", "--quiet", "HEAD", "--", &self.ledger])
                .map(|_| ())
        } else {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
                _ => Ok(()),
            }
        };
        let merged = restored.and_then(|_| self.git(&["merge", "--ff-only", "--quiet", head]));
        if merged.is_err() {
            let _ = replace(&path, ledger);
        }
    }

    fn git_input(&self, args: &[&str], input: &str) -> Result<String, String> {
        use std::io::Write as _;
        let mut child = Command::new("git")
            .current_dir(&self.top)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .map_err(|e| format!("cannot write to git: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }
}

/// A committer for the claim commits when git has none configured (a
/// fresh CI runner).
fn identity(top: &Path) -> Vec<String> {
    let configured = |key: &str| {
        Command::new("git")
            .current_dir(top)
            .args(["config", "--get", key])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if configured("user.email") {
        Vec::new()
    } else {
        [
            "-c",
            "user.name=postcal",
            "-c",
            "user.email=postcal@localhost",
        ]
        .map(str::to_owned)
        .to_vec()
    }
}

fn git_in(dir: &Path, args: &[&str]) -> Result<String, String> {
    run(Command::new("git").current_dir(dir).args(args))
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

/// `https://user:token@host/…` as `https://***@host/…`: git's messages may
/// carry the remote's address, credentials and all.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == '/')
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// The remote's ledger followed by the local lines it does not have, in
/// their order: what both know. (Each record is one line, so a line both
/// have is the same record.)
pub fn union(remote: &str, local: &str) -> String {
    let have: HashSet<&str> = remote.lines().collect();
    let mut out = remote.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for line in local.lines() {
        if !line.trim().is_empty() && !have.contains(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Make the local ledger what both know (replaced whole: a temporary file
/// made durable, then renamed over it). Returns the text.
pub fn merge_into_local(root: &Path, remote: &str) -> Result<String, CoordinationError> {
    let path = root.join(LEDGER_PATH);
    let local = std::fs::read_to_string(&path).unwrap_or_default();
    let both = union(remote, &local);
    if both != local {
        replace(&path, &both)?;
    }
    Ok(both)
}

fn replace(path: &Path, text: &str) -> Result<(), CoordinationError> {
    use std::io::Write as _;
    let failed = |source| CoordinationError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let tmp = path.with_extension("jsonl.postcal-tmp");
    let mut file = std::fs::File::create(&tmp).map_err(failed)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_remote_address_are_not_repeated() {
        assert_eq!(
            redact(
                "fatal: unable to access 'https://oauth2:glpat-123@gitlab.example/a/b.git/': 403"
            ),
            "fatal: unable to access 'https://***@gitlab.example/a/b.git/': 403"
        );
        assert_eq!(
            redact("see https://host/x and ssh://git@host"),
            "see https://host/x and ssh://***@host"
        );
    }

    #[test]
    fn the_union_keeps_the_remote_order_then_the_local_lines_it_lacks() {
        assert_eq!(union("a\nb\n", "a\nc\nb\nd\n"), "a\nb\nc\nd\n");
        assert_eq!(union("", "x\n\n"), "x\n");
        assert_eq!(union("a", "b"), "a\nb\n");
    }
}
