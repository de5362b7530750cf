//! Reading a workspace at a git revision through the `git` command, behind a
//! small trait so the comparison does not care where files come from.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use crate::calendar::files::Files;
use crate::diagnostic::{Loc, TextError, decode};

/// Why a revision could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GitError {
    pub message: String,
    pub help: String,
}

/// What `diff` needs from version control.
pub trait Repo: Sync {
    /// The commit a revision names.
    fn resolve(&self, rev: &str) -> Result<String, GitError>;
    /// Files under `dir` (relative to the repository's top) at `commit`,
    /// relative to the top too, wherever in the repository the workspace is.
    fn list(&self, commit: &str, dir: &str) -> Result<Vec<String>, GitError>;
    /// A file's bytes at `commit`; `None` when it does not exist there.
    fn show(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError>;
    /// The workspace folder relative to the repository's top (`""` or `sub/dir/`).
    fn prefix(&self) -> &str;
    /// Paths (relative to the top) whose content differs between `base`
    /// and `head`, or the working tree when `head` is `None` (files git
    /// does not track included, ignored ones too: the working tree's
    /// calendar reads them).
    fn changed(&self, base: &str, head: Option<&str>) -> Result<Vec<String>, GitError>;
}

/// The `git` command, run in the workspace folder. File contents come
/// through one long-running `git cat-file --batch` (a process per file made
/// a big calendar's diff slow).
pub struct GitCli {
    dir: PathBuf,
    prefix: String,
    batch: Mutex<Option<Batch>>,
}

struct Batch {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Batch {
    fn start(dir: &Path) -> std::io::Result<Batch> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let input = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let output = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| std::io::Error::other("no stdout"))?,
        );
        Ok(Batch {
            child,
            input,
            output,
        })
    }

    /// `<object> missing` or `<oid> <type> <size>` then the bytes.
    fn read(&mut self, object: &str) -> std::io::Result<Option<Vec<u8>>> {
        writeln!(self.input, "{object}")?;
        self.input.flush()?;
        let mut header = String::new();
        self.output.read_line(&mut header)?;
        let fields: Vec<&str> = header.trim_end().split(' ').collect();
        if fields.last() == Some(&"missing") || fields.len() != 3 {
            return Ok(None);
        }
        let size: u64 = fields[2].parse().map_err(std::io::Error::other)?;
        if size > crate::diagnostic::MAX_FILE_BYTES {
            // Never allocate what a pull request says it holds: skip it.
            std::io::copy(&mut (&mut self.output).take(size + 1), &mut std::io::sink())?;
            return Err(std::io::Error::other(format!(
                "it is larger than {} MiB; split the calendar into smaller files",
                crate::diagnostic::MAX_FILE_BYTES / (1024 * 1024)
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
        (&mut self.output).take(size + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 != size + 1 {
            return Err(std::io::Error::other("git cat-file stopped early"));
        }
        bytes.pop();
        Ok((fields[1] == "blob").then_some(bytes))
    }
}

fn git_error(message: impl Into<String>, help: impl Into<String>) -> GitError {
    GitError {
        message: message.into(),
        help: help.into(),
    }
}

impl GitCli {
    /// Open the repository holding `dir`.
    pub fn open(dir: &Path) -> Result<GitCli, GitError> {
        let cli = GitCli {
            dir: dir.to_path_buf(),
            prefix: String::new(),
            batch: Mutex::new(None),
        };
        let prefix = cli
            .run(&["rev-parse", "--show-prefix"])
            .map_err(|_| git_error(format!("{} is not inside a git repository", dir.display()), "`postcal diff` compares git revisions: run it in a clone of the calendar's repository"))?;
        Ok(GitCli {
            prefix: String::from_utf8_lossy(&prefix).trim().to_owned(),
            ..cli
        })
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    fn is_shallow(&self) -> bool {
        self.run(&["rev-parse", "--is-shallow-repository"])
            .is_ok_and(|o| o.starts_with(b"true"))
    }
}

impl Repo for GitCli {
    fn resolve(&self, rev: &str) -> Result<String, GitError> {
        if rev.starts_with('-') {
            return Err(git_error(
                format!("`{rev}` is not a revision"),
                "name a branch, tag or commit",
            ));
        }
        match self.run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ]) {
            Ok(id) => Ok(String::from_utf8_lossy(&id).trim().to_owned()),
            Err(_) if self.is_shallow() => Err(git_error(
                format!("revision `{rev}` is not in this clone, which is shallow"),
                "fetch the history: in GitHub Actions give actions/checkout `fetch-depth: 0`; elsewhere run `git fetch --unshallow`",
            )),
            Err(_) => Err(git_error(
                format!("revision `{rev}` is not in this repository"),
                format!("check the name, or fetch it first (`git fetch origin {rev}`)"),
            )),
        }
    }

    fn list(&self, commit: &str, dir: &str) -> Result<Vec<String>, GitError> {
        let out = self
            // `--full-tree`: without it git reads `dir` relative to the
            // folder it runs in (the workspace), and answers likewise.
            .run(&[
                "ls-tree",
                "-r",
                "--full-tree",
                "--name-only",
                "-z",
                commit,
                "--",
                dir,
            ])
            .map_err(|e| {
                git_error(
                    format!("cannot list {dir} at {commit}: {e}"),
                    "check the revision",
                )
            })?;
        Ok(out
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }

    fn show(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let failed = |e: std::io::Error| {
            git_error(
                format!("cannot read {path} at {commit}: {e}"),
                "check that git works in this repository",
            )
        };
        let mut batch = self
            .batch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if batch.is_none() {
            *batch = Some(Batch::start(&self.dir).map_err(failed)?);
        }
        let reader = batch
            .as_mut()
            .ok_or_else(|| failed(std::io::Error::other("git cat-file did not start")))?;
        match reader.read(&format!("{commit}:{path}")) {
            Ok(bytes) => Ok(bytes),
            Err(e) => {
                // A broken stream is not reused.
                *batch = None;
                Err(failed(e))
            }
        }
    }

    fn prefix(&self) -> &str {
        &self.prefix
    }

    fn changed(&self, base: &str, head: Option<&str>) -> Result<Vec<String>, GitError> {
        let failed = |e: String| {
            git_error(
                format!("cannot list what changed since {base}: {e}"),
                "check that git works in this repository",
            )
        };
        let mut args = vec!["diff", "--name-only", "-z", "--no-renames", base];
        args.extend(head);
        args.push("--");
        let mut out = self.run(&args).map_err(failed)?;
        if head.is_none() {
            // Run in the workspace folder, this lists only what is under it.
            out.extend(
                self.run(&["ls-files", "--others", "-z", "--full-name"])
                    .map_err(failed)?,
            );
        }
        Ok(out
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }
}

/// A workspace's files as they are at one commit.
pub struct AtCommit<'a> {
    pub repo: &'a dyn Repo,
    pub commit: String,
}

fn read_error(e: &GitError) -> TextError {
    TextError {
        loc: Loc::UNKNOWN,
        message: e.message.clone(),
        help: e.help.clone(),
    }
}

impl Files for AtCommit<'_> {
    fn text(&self, rel: &str) -> Result<Option<String>, TextError> {
        let path = format!("{}{rel}", self.repo.prefix());
        match self
            .repo
            .show(&self.commit, &path)
            .map_err(|e| read_error(&e))?
        {
            Some(bytes) => decode(bytes).map(Some),
            None => Ok(None),
        }
    }

    fn calendar_files(&self, dir: &str) -> Option<Vec<String>> {
        let prefix = self.repo.prefix();
        let dir = dir.trim_end_matches('/');
        let mut files: Vec<String> = self
            .repo
            .list(&self.commit, &format!("{prefix}{dir}/"))
            .ok()?
            .into_iter()
            .filter_map(|p| p.strip_prefix(prefix).map(str::to_owned))
            .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
            .collect();
        files.sort();
        // A revision from before the calendars folder existed has no posts.
        Some(files)
    }

    fn keep_texts(&self) -> bool {
        true
    }
}
