//! Work split over the machine's cores: scoped threads, results in order.
//!
//! Transforms split only inputs large enough for a thread to pay off, and join the
//! parts so that the result does not depend on the number of threads.

/// How many parts of at least `min_part` (bytes, rows, …) `size` splits into, at
/// most one per core (the process's CPU affinity counts).
pub(crate) fn threads_for(size: usize, min_part: usize) -> usize {
    let parts = size / min_part.max(1);
    // Asking for the cores reads cgroup files (a dozen system calls): not for inputs
    // too small to split, which callers such as `jsonl::text` see once per line.
    if parts <= 1 {
        return 1;
    }
    cores().min(parts)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
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
        results.extend(others.into_iter().map(joined));
        results
    })
}

/// What a scoped thread returned; its panic, resumed on this thread.
pub(crate) fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `make(0..n)` collected in a vector with room for `capacity` items, made in parts
/// of at least `min_part` items on the cores.
pub(crate) fn collect_indexed<T: Send>(
    n: usize,
    capacity: usize,
    min_part: usize,
    make: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let mut out = Vec::with_capacity(capacity.max(n));
    // Every slot up to `n` is written: a dense buffer.
    crate::hugepages::advise(&mut out);
    let parts = threads_for(n, min_part);
    if parts == 1 {
        out.extend((0..n).map(&make));
        return out;
    }
    let chunk = n.div_ceil(parts);
    let slots = &mut out.spare_capacity_mut()[..n];
    let make = &make;
    on_threads(slots.chunks_mut(chunk).enumerate().map(|(k, slots)| {
        move || {
            for (j, slot) in slots.iter_mut().enumerate() {
                slot.write(make(k * chunk + j));
            }
        }
    }));
    // SAFETY: the chunks cover the first `n` slots and each job wrote every slot of
    // its chunk; had one panicked, `on_threads` would have resumed the panic before
    // this line (leaking, not dropping, what was written).
    unsafe { out.set_len(n) };
    out
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
    fn collected_items_are_in_index_order_with_the_room_asked_for() {
        for (n, min_part) in [(0, 1), (1, 1), (7, 1), (1000, 10), (1000, 1 << 20)] {
            let items = collect_indexed(n, n + 5, min_part, |i| i.to_string());
            let expected: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            assert_eq!(items, expected);
            assert!(items.capacity() >= n + 5);
        }
    }

    #[test]
    fn small_inputs_stay_on_one_thread() {
        assert_eq!(threads_for(10, 1 << 20), 1);
        assert_eq!(threads_for(0, 0), 1);
        // Large inputs get one part per core, and no more.
        assert_eq!(threads_for(1 << 40, 1 << 20), cores());
        assert_eq!(threads_for(3 << 20, 1 << 20), cores().min(3));
    }
}
