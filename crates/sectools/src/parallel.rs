//! Work split over the machine's cores: scoped threads, results in order.
//!
//! Transforms split only inputs large enough for a thread to pay off, and join the
//! parts so that the result does not depend on the number of threads.

/// How many parts of at least `min_part` bytes `bytes` splits into, at most one per
/// core (the process's CPU affinity counts).
pub(crate) fn threads_for(bytes: usize, min_part: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores.min(bytes / min_part.max(1)).max(1)
}

/// Runs each job on its own thread (the first on the calling one) and returns their
/// results in order. A panic in a job is resumed here.
pub(crate) fn on_threads<T: Send>(jobs: impl Iterator<Item = impl FnOnce() -> T + Send>) -> Vec<T> {
    let mut jobs: Vec<_> = jobs.collect();
    if jobs.len() <= 1 {
        return jobs.pop().map(|job| vec![job()]).unwrap_or_default();
    }
    std::thread::scope(|scope| {
        let first = jobs.remove(0);
        let others: Vec<_> = jobs.into_iter().map(|job| scope.spawn(job)).collect();
        let mut results = vec![first()];
        results.extend(others.into_iter().map(|handle| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_order_of_the_jobs() {
        let results = on_threads((0..5).map(|i| move || i * 10));
        assert_eq!(results, [0, 10, 20, 30, 40]);
        assert_eq!(
            on_threads(std::iter::empty::<fn() -> u8>()),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn small_inputs_stay_on_one_thread() {
        assert_eq!(threads_for(10, 1 << 20), 1);
        assert_eq!(threads_for(0, 0), 1);
        assert!(threads_for(1 << 40, 1 << 20) >= 1);
    }
}
