//! Hooks library code shares with the notebook runtime: the interrupt flag and the
//! progress sink.
//!
//! `nbtools::runtime` sets the interrupt flag from its `SIGINT` handler and installs a
//! progress sink that draws a bar in the notebook. Library code that loops over many
//! items or waits on the network calls [`check_interrupt`] and reports through
//! [`Progress`]; outside a kernel the flag is never set and progress goes nowhere.
//!
//! These are the only process-wide values in the library crates, and neither changes
//! a result: an interrupted call returns an error, and progress is display only.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static INTERRUPT_REQUESTED: AtomicBool = AtomicBool::new(false);

/// The user asked to stop (a notebook interrupt) while a long call was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted: the call was stopped by a kernel interrupt")]
pub struct Interrupted;

/// Records an interrupt request. Async-signal-safe: one atomic store.
pub fn request_interrupt() {
    INTERRUPT_REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets a pending interrupt request.
pub fn clear_interrupt() {
    INTERRUPT_REQUESTED.store(false, Ordering::SeqCst);
}

/// Whether an interrupt is pending, without consuming it.
#[inline]
pub fn interrupt_requested() -> bool {
    INTERRUPT_REQUESTED.load(Ordering::Relaxed)
}

/// Consumes a pending interrupt: `Err(Interrupted)` once per request. Cheap (one
/// atomic load) when none is pending.
#[inline]
pub fn check_interrupt() -> Result<(), Interrupted> {
    if interrupt_requested() && INTERRUPT_REQUESTED.swap(false, Ordering::SeqCst) {
        return Err(Interrupted);
    }
    Ok(())
}

/// Receives progress of long calls (installed once per process by the notebook
/// runtime).
pub trait ProgressSink: Send + Sync {
    /// A task named `label` with `total` steps started; returns its id.
    fn start(&self, label: &str, total: u64) -> u64;
    /// Task `id` has finished `done` of its steps; `note` says what it is doing.
    fn update(&self, id: u64, done: u64, total: u64, note: &str);
    /// Task `id` ended (completed, failed or interrupted).
    fn finish(&self, id: u64, done: u64, total: u64);
}

static SINK: OnceLock<Arc<dyn ProgressSink>> = OnceLock::new();

/// Installs the process's progress sink; a second call is ignored (returns false).
pub fn set_progress_sink(sink: Arc<dyn ProgressSink>) -> bool {
    SINK.set(sink).is_ok()
}

/// Progress of one long call, reported to the installed sink (if any). Dropping it
/// ends the task.
pub struct Progress {
    sink: Option<(Arc<dyn ProgressSink>, u64)>,
    total: u64,
    done: u64,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("total", &self.total)
            .field("done", &self.done)
            .finish()
    }
}

impl Progress {
    /// Starts a task of `total` steps. Tasks of one step or none are not shown.
    pub fn start(label: &str, total: u64) -> Progress {
        let sink = SINK
            .get()
            .filter(|_| total > 1)
            .map(|sink| (Arc::clone(sink), sink.start(label, total)));
        Progress {
            sink,
            total,
            done: 0,
        }
    }

    /// Marks `steps` more steps done.
    pub fn advance(&mut self, steps: u64, note: &str) {
        self.done = (self.done + steps).min(self.total);
        if let Some((sink, id)) = &self.sink {
            sink.update(*id, self.done, self.total, note);
        }
    }

    /// Steps done so far.
    pub fn done(&self) -> u64 {
        self.done
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((sink, id)) = &self.sink {
            sink.finish(*id, self.done, self.total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_is_consumed_once() {
        clear_interrupt();
        assert_eq!(check_interrupt(), Ok(()));
        request_interrupt();
        assert!(interrupt_requested());
        assert_eq!(check_interrupt(), Err(Interrupted));
        assert_eq!(check_interrupt(), Ok(()));
    }

    #[test]
    fn progress_without_a_sink_counts_and_clamps() {
        let mut progress = Progress::start("lookups", 3);
        progress.advance(2, "a");
        progress.advance(5, "b");
        assert_eq!(progress.done(), 3);
    }
}
