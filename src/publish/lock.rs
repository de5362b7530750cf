//! One `publish` at a time: an exclusive OS lock on `.postcal/lock`.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const LOCK_PATH: &str = ".postcal/lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another postcal publish is running in this workspace (it holds {})", path.display())]
    Busy { path: PathBuf },
    #[error("cannot open the lock file {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held for as long as it lives; the OS releases it when the process ends,
/// however it ends.
#[derive(Debug)]
pub struct WorkspaceLock {
    _file: File,
}

/// Take the lock, waiting up to `wait` for another run to finish.
pub fn acquire(root: &Path, wait: Duration) -> Result<WorkspaceLock, LockError> {
    let path = root.join(LOCK_PATH);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(WorkspaceLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100).min(deadline - Instant::now()));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(LockError::Busy { path }),
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(LockError::Io { path, source });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), Duration::ZERO).unwrap();
        assert!(matches!(
            acquire(dir.path(), Duration::from_millis(150)),
            Err(LockError::Busy { .. })
        ));
        drop(first);
        assert!(acquire(dir.path(), Duration::ZERO).is_ok());
    }
}
