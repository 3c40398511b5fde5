//! One lock per root for a whole run, so two copies of jitsi-tokens (or an apt hook and an
//! admin) never interleave their edits. It is an advisory `flock`: the kernel drops it when the
//! process dies, so a killed run never blocks the next one.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

/// Held for as long as the value lives.
pub struct RunLock {
    _lock: Flock<File>,
    pub path: PathBuf,
}

impl RunLock {
    /// Takes the lock at `path`, waiting for another run to finish if needed; `on_wait` is
    /// called once before waiting so the user knows why nothing happens.
    pub fn acquire(path: &Path, on_wait: impl FnOnce()) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(
                nix::fcntl::OFlag::O_NOFOLLOW.bits() | nix::fcntl::OFlag::O_CLOEXEC.bits(),
            )
            .open(path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((file, nix::errno::Errno::EWOULDBLOCK)) => {
                on_wait();
                Flock::lock(file, FlockArg::LockExclusive)
                    .map_err(|(_, e)| e)
                    .with_context(|| format!("cannot lock {}", path.display()))?
            }
            Err((_, e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        };
        Ok(RunLock {
            _lock: lock,
            path: path.to_path_buf(),
        })
    }
}
