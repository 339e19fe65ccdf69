//! Advisory file locks (flock) between huntrs processes: session slots, the one
//! spare per build, and dylib builds that cargo does not know about.

use std::os::fd::AsRawFd;
use std::path::Path;

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct FileLock(std::fs::File);

/// How to take a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Exclusive, failing at once when someone else holds it.
    TryExclusive,
    /// Exclusive, waiting for it.
    Exclusive,
    /// Shared, waiting for any exclusive holder to let go.
    Shared,
}

impl FileLock {
    /// Takes the lock on `path`, creating the file for the exclusive modes. `None` when
    /// the file cannot be opened or (`TryExclusive`) the lock is held elsewhere.
    pub fn take(path: &Path, mode: Mode) -> Option<FileLock> {
        let file = std::fs::OpenOptions::new()
            .create(mode != Mode::Shared)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()?;
        let operation = match mode {
            Mode::TryExclusive => libc::LOCK_EX | libc::LOCK_NB,
            Mode::Exclusive => libc::LOCK_EX,
            Mode::Shared => libc::LOCK_SH,
        };
        // SAFETY: flock on a descriptor this value owns.
        let locked = unsafe { libc::flock(file.as_raw_fd(), operation) } == 0;
        locked.then_some(FileLock(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // SAFETY: flock on a descriptor this value owns.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_until_dropped() {
        let path = std::env::temp_dir().join(format!("huntrs-lock-{}", std::process::id()));
        let first = FileLock::take(&path, Mode::TryExclusive).expect("free lock");
        assert!(
            FileLock::take(&path, Mode::TryExclusive).is_none(),
            "held by `first`"
        );
        drop(first);
        assert!(FileLock::take(&path, Mode::TryExclusive).is_some());
        assert!(FileLock::take(&path.with_extension("missing"), Mode::Shared).is_none());
        std::fs::remove_file(&path).ok();
    }
}
