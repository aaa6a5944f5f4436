//! Running one in-process operation with the load generator's concurrency.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::client::{Figures, Plan, goes_on};

/// What an operation answers when it has used up its records (its
/// connections stop; the figures cover the time it ran).
pub const EXHAUSTED: &str = "exhausted";

/// An operation: its `n`th call.
pub type Op =
    Arc<dyn Fn(u64) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// Runs `op` with `plan`'s concurrency and times.
pub async fn measure(op: Op, plan: Plan) -> Figures {
    let started = Instant::now();
    let from = started + plan.warmup;
    let until = from + plan.measure;
    let counter = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..plan.connections {
        let op = Arc::clone(&op);
        let counter = Arc::clone(&counter);
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::new();
            let (mut errors, mut first) = (0u64, None);
            let mut ended = until;
            while goes_on(until, !micros.is_empty() || errors > 0) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                let result = op(n).await;
                // In the window; or, past it, this task's first answer.
                let first_answer = micros.is_empty() && errors == 0;
                let measured = sent >= from && (Instant::now() <= until || first_answer);
                if measured {
                    ended = ended.max(Instant::now());
                }
                match result {
                    Ok(()) if measured => {
                        micros.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                    }
                    Ok(()) => {}
                    Err(e) if e == EXHAUSTED => break,
                    Err(e) => {
                        if measured {
                            errors += 1;
                            first.get_or_insert(e);
                        }
                    }
                }
            }
            (micros, errors, first, Instant::now().min(ended))
        }));
    }
    let (mut all, mut errors, mut first_error) = (Vec::new(), 0, None);
    let mut ended = from;
    for task in tasks {
        if let Ok((micros, e, first, end)) = task.await {
            ended = ended.max(end);
            all.extend(micros);
            errors += e;
            if first_error.is_none() {
                first_error = first;
            }
        }
    }
    let ran = ended.saturating_duration_since(from);
    let elapsed = if ran.is_zero() { plan.measure } else { ran };
    Figures::from_latencies(all, elapsed, errors, first_error)
}
