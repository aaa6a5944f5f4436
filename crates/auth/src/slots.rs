//! [`HashingSlots`]: how many password hashes run at once, how many may wait,
//! and the memory they reuse.
//!
//! One argon2id hash at OWASP's parameters fills 19 MiB. Left unbounded, a
//! flood of sign-ups runs as many at once as the blocking pool has threads
//! (hundreds), and the allocator keeps the freed memory afterwards: an
//! attacker without an account can grow the process by gigabytes. Here a
//! fixed number of slots run at once, each with its own memory, allocated
//! once and reused for every hash; a bounded number of callers may wait for a
//! slot, and the rest are told to come back later.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use argon2::Block;
use crm_identity::ports::HasherError;
use crm_kernel::BackendError;
use tokio::sync::Semaphore;

/// How much hashing may happen at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Hashes computed at the same time (each holds its memory, 19 MiB at
    /// OWASP's parameters).
    pub concurrent: usize,
    /// Callers that may wait for a slot; beyond that they get
    /// [`HasherError::Busy`].
    pub queue: usize,
}

impl HashingLimits {
    /// One slot per core (hashing is CPU-bound, so more would not finish
    /// sooner), and a queue of 32 callers per slot: about a second of waiting
    /// at ~35 ms a hash.
    #[must_use]
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            concurrent: cores,
            queue: cores * 32,
        }
    }
}

impl Default for HashingLimits {
    fn default() -> Self {
        Self::for_this_machine()
    }
}

/// What a caller over the queue limit is told to wait before retrying.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Bounded, memory-reusing hashing on tokio's blocking pool.
pub(crate) struct HashingSlots {
    limits: HashingLimits,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    /// Memory of idle slots; at most `limits.concurrent` buffers exist.
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Blocks each buffer holds: enough for this hasher's parameters.
    blocks: usize,
}

impl fmt::Debug for HashingSlots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashingSlots")
            .field("limits", &self.limits)
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Counts a caller as waiting until it is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashingSlots {
    /// Slots whose buffers hold `blocks` argon2 blocks of 1 KiB.
    pub(crate) fn new(limits: HashingLimits, blocks: usize) -> Self {
        let concurrent = limits.concurrent.max(1);
        Self {
            limits: HashingLimits {
                concurrent,
                queue: limits.queue,
            },
            slots: Arc::new(Semaphore::new(concurrent)),
            waiting: AtomicUsize::new(0),
            buffers: Arc::new(Mutex::new(Vec::with_capacity(concurrent))),
            blocks,
        }
    }

    /// Callers waiting for a slot now.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Runs `work` on the blocking pool with a slot's memory, once a slot is
    /// free; [`HasherError::Busy`] at once when the queue is full.
    ///
    /// The slot and its memory belong to the blocking task: if the caller
    /// goes away, the hash still finishes before the slot is reused, so no
    /// more than `concurrent` hashes ever run.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, HasherError> {
        let permit = {
            let before = self.waiting.fetch_add(1, Ordering::AcqRel);
            let _waiting = Waiting(&self.waiting);
            if before >= self.limits.queue + self.limits.concurrent
                || (before >= self.limits.queue && self.slots.available_permits() == 0)
            {
                // Debug, not warn: a flood would otherwise flood the logs too;
                // the 503s show on `/metrics`.
                tracing::debug!("password hashing saturated; refusing a caller");
                return Err(HasherError::Busy {
                    retry_after: RETRY_AFTER,
                });
            }
            Arc::clone(&self.slots)
                .acquire_owned()
                .await
                .map_err(|e| HasherError::Backend(BackendError::new(e)))?
        };
        let buffers = Arc::clone(&self.buffers);
        let blocks = self.blocks;
        let runtime = tokio::runtime::Handle::try_current().map_err(BackendError::new)?;
        runtime
            .spawn_blocking(move || {
                let mut buffer = buffers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop()
                    .unwrap_or_else(|| vec![Block::new(); blocks]);
                let result = work(&mut buffer);
                buffers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(buffer);
                drop(permit);
                result
            })
            .await
            .map_err(BackendError::new)?
            .map_err(HasherError::Backend)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_more_than_the_slots_at_once_and_memory_is_reused() {
        let slots = Arc::new(HashingSlots::new(
            HashingLimits {
                concurrent: 2,
                queue: 100,
            },
            8,
        ));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let buffers_seen = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let slots = Arc::clone(&slots);
                let running = Arc::clone(&running);
                let peak = Arc::clone(&peak);
                let seen = Arc::clone(&buffers_seen);
                tokio::spawn(async move {
                    slots
                        .run(move |buffer| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            seen.lock().unwrap().insert(buffer.as_ptr() as usize);
                            std::thread::sleep(Duration::from_millis(10));
                            running.fetch_sub(1, Ordering::SeqCst);
                            Ok(buffer.len())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 8);
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert!(
            buffers_seen.lock().unwrap().len() <= 2,
            "each slot allocates its memory once"
        );
        assert_eq!(slots.waiting(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_over_the_queue_limit_are_told_to_retry() {
        let slots = Arc::new(HashingSlots::new(
            HashingLimits {
                concurrent: 1,
                queue: 2,
            },
            1,
        ));
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        // One runs and blocks on the gate; two wait in the queue.
        let mut held = Vec::new();
        for _ in 0..3 {
            let slots = Arc::clone(&slots);
            let gate = Arc::clone(&gate);
            held.push(tokio::spawn(async move {
                slots
                    .run(move |_| {
                        let _ = gate.lock().unwrap().recv();
                        Ok(())
                    })
                    .await
            }));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(slots.waiting(), 2);

        let refused = slots.run(|_| Ok(())).await;
        match refused {
            Err(HasherError::Busy { retry_after }) => assert_eq!(retry_after, RETRY_AFTER),
            other => panic!("expected Busy, got {other:?}"),
        }

        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for task in held {
            task.await.unwrap().unwrap();
        }
        assert_eq!(slots.waiting(), 0);
        slots.run(|_| Ok(())).await.unwrap();
    }
}
