//! [`ProgressBar`]: progress of a long query or lookup (msticpy's
//! `nbwidgets.Progress`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{composite_bundle, control_html};
use crate::widgets::{Container, Label, Progress};
use crate::{MimeBundle, Render, display_with_id};

/// A progress bar with a count, for loops over many items. Cheap to update: the front
/// end hears of a change only when the whole percentage moves. Clones share the bar,
/// so threads can each `inc()` it.
///
/// ```
/// use nbtools::widgets::progress;
///
/// let hosts = ["web01", "web02", "db01"];
/// let bar = progress(hosts.len() as u64, "Looking up hosts"); // shown at once
/// for _host in hosts {
///     // ... the lookup ...
///     bar.inc();
/// }
/// bar.finish();
/// assert_eq!(bar.value(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct ProgressBar {
    bar: Progress,
    count: Label,
    root: Container,
    total: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
    /// The percentage the front end shows, to skip updates that change nothing.
    shown: Arc<AtomicU64>,
    /// Where [`progress`] showed the bar: `finish` replaces that output, so a saved
    /// notebook (which keeps outputs, not widget messages) shows the final count.
    shown_at: Arc<std::sync::OnceLock<crate::DisplayHandle>>,
}

/// A [`ProgressBar`] for `total` steps labelled `label`, displayed at once below the
/// running cell.
pub fn progress(total: u64, label: &str) -> ProgressBar {
    let bar = ProgressBar::new(total, label);
    let _ = bar.shown_at.set(display_with_id(&bar));
    bar
}

impl ProgressBar {
    /// A bar for `total` steps, not yet displayed (show it as a cell's value or with
    /// [`display`]).
    pub fn new(total: u64, label: &str) -> ProgressBar {
        let bar = Progress::new(0.0, 100.0).with_description(label);
        bar.set_bar_style("info");
        let count = Label::new("");
        let root = Container::hbox(&[bar.widget(), count.widget()]);
        let me = ProgressBar {
            bar,
            count,
            root,
            total: Arc::new(AtomicU64::new(total)),
            done: Arc::new(AtomicU64::new(0)),
            shown: Arc::new(AtomicU64::new(u64::MAX)),
            shown_at: Arc::default(),
        };
        me.show(false);
        me
    }

    fn percent(&self) -> u64 {
        let total = self.total();
        if total == 0 {
            return 100;
        }
        (self.value().min(total) * 100) / total
    }

    fn show(&self, force: bool) {
        let percent = self.percent();
        if self.shown.swap(percent, Ordering::SeqCst) == percent && !force {
            return;
        }
        self.bar.set_value(percent as f64);
        self.count
            .set_value(&format!("{}/{} ({percent}%)", self.value(), self.total()));
    }

    /// One more step done.
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// `steps` more done.
    pub fn inc_by(&self, steps: u64) {
        self.done.fetch_add(steps, Ordering::SeqCst);
        self.show(false);
    }

    /// `done` steps done in all.
    pub fn set(&self, done: u64) {
        self.done.store(done, Ordering::SeqCst);
        self.show(false);
    }

    /// Changes the number of steps (when it becomes known late).
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::SeqCst);
        self.show(true);
    }

    /// Marks the work done: the bar full and green.
    pub fn finish(&self) {
        self.done
            .fetch_max(self.total.load(Ordering::SeqCst), Ordering::SeqCst);
        self.show(true);
        self.bar.set_bar_style("success");
        if let Some(handle) = self.shown_at.get() {
            handle.update(self);
        }
    }

    /// Steps done.
    pub fn value(&self) -> u64 {
        self.done.load(Ordering::SeqCst)
    }

    /// Steps in all.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }
}

impl Render for ProgressBar {
    fn mime_bundle(&self) -> MimeBundle {
        let text = format!("{}/{} ({}%)", self.value(), self.total(), self.percent());
        let label = self
            .bar
            .widget()
            .get("description")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        composite_bundle(
            &self.root,
            &label,
            &control_html(&self.bar),
            &crate::escape_html(&text),
            format!("{label}: {text}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_percentages() {
        let bar = ProgressBar::new(200, "Lookups");
        bar.inc();
        assert_eq!(bar.bar.value(), 0.0, "0.5% shows as 0");
        bar.inc();
        assert_eq!(bar.bar.value(), 1.0);
        bar.set(150);
        assert_eq!(bar.count.value(), "150/200 (75%)");
        bar.finish();
        assert_eq!((bar.value(), bar.bar.value()), (200, 100.0));
        assert_eq!(bar.bar.widget().get("bar_style"), "success");
        assert_eq!(
            bar.mime_bundle().get("text/plain"),
            Some("Lookups: 200/200 (100%)")
        );
        let empty = ProgressBar::new(0, "Nothing");
        assert_eq!(empty.count.value(), "0/0 (100%)");
    }
}

/// Draws the progress of library calls (`sectools::Progress`: queries, lookups) as
/// [`ProgressBar`]s below the running cell; installed by `runtime::install`.
#[derive(Debug, Default)]
pub(crate) struct NotebookProgress {
    bars: std::sync::Mutex<Vec<(u64, ProgressBar)>>,
    next_id: AtomicU64,
}

impl NotebookProgress {
    fn with_bar(&self, id: u64, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bars) = self.bars.lock()
            && let Some((_, bar)) = bars.iter().find(|(bar_id, _)| *bar_id == id)
        {
            f(bar);
        }
    }
}

impl sectools::ProgressSink for NotebookProgress {
    fn start(&self, label: &str, total: u64) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let bar = progress(total, label);
        if let Ok(mut bars) = self.bars.lock() {
            bars.push((id, bar));
        }
        id
    }

    fn update(&self, id: u64, done: u64, total: u64, _note: &str) {
        self.with_bar(id, |bar| {
            bar.set_total(total);
            bar.set(done);
        });
    }

    fn finish(&self, id: u64, done: u64, _total: u64) {
        self.with_bar(id, |bar| {
            bar.set(done);
            bar.finish();
        });
        if let Ok(mut bars) = self.bars.lock() {
            bars.retain(|(bar_id, _)| *bar_id != id);
        }
    }
}
