//! The background worker of `serve`: claims what is due under a lease,
//! sends it, sleeps until the next recipient is due (or a new message is
//! queued), and at shutdown gives back every lease it holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crm_email::{DispatchReport, EmailService, WorkerId};
use crm_kernel::{Clock, SystemClock};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// The longest sleep between two looks at the outbox (other server
/// instances may queue mail this one is not told about).
const MAX_IDLE: Duration = Duration::from_secs(15);
/// The shortest pause after a round that found nothing to do.
const MIN_IDLE: Duration = Duration::from_millis(50);
/// The pause after the store failed.
const AFTER_ERROR: Duration = Duration::from_secs(2);
/// The least time between two counts of the outbox for the
/// `email_outbox_depth` gauge while full batches keep coming: a count reads
/// every waiting recipient, so counting after each batch of a backlog cost
/// O(queue) per batch.
const DEPTH_EVERY: Duration = Duration::from_secs(1);

/// Wakes the worker: a handler calls [`Wake::now`] after queueing mail.
#[derive(Debug, Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    /// Tells the worker to look at the outbox now.
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// The running worker.
#[derive(Debug)]
pub struct MailWorker {
    stop: Arc<AtomicBool>,
    wake: Wake,
    task: JoinHandle<()>,
}

/// Stops the worker (a clonable handle for the graceful stop).
#[derive(Debug, Clone)]
pub struct StopMail {
    stop: Arc<AtomicBool>,
    wake: Wake,
}

impl StopMail {
    /// Asks the worker to stop: the recipients it holds are given back.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.now();
    }
}

impl MailWorker {
    /// Starts the worker on the current runtime.
    pub fn spawn(service: EmailService, wake: Wake) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let worker = WorkerId::new();
        describe_metrics();
        let task = tokio::spawn(
            run(service, worker, Arc::clone(&stop), wake.clone())
                .instrument(tracing::info_span!("mail_worker", worker = %worker)),
        );
        Self { stop, wake, task }
    }

    /// A handle that stops it.
    #[must_use]
    pub fn stopper(&self) -> StopMail {
        StopMail {
            stop: Arc::clone(&self.stop),
            wake: self.wake.clone(),
        }
    }

    /// Stops it (if not asked already) and waits until it has released
    /// its leases.
    pub async fn stop_and_join(self) {
        self.stopper().stop();
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the mail worker failed");
        }
    }
}

async fn run(service: EmailService, worker: WorkerId, stop: Arc<AtomicBool>, wake: Wake) {
    tracing::info!("mail worker started");
    let batch = service.settings().outbox.batch;
    let mut depth_counted: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let idle = match service.dispatch_due(worker, &stop).await {
            Ok(report) => {
                record(&report);
                let full = report.claimed >= batch && report.released == 0;
                let now = Instant::now();
                if depth_due(depth_counted, now, full) {
                    update_depth(&service).await;
                    depth_counted = Some(now);
                }
                if full {
                    continue;
                }
                until_next_due(&service).await
            }
            Err(error) => {
                tracing::error!(%error, "dispatching mail failed");
                AFTER_ERROR
            }
        };
        if stop.load(Ordering::SeqCst) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(idle) => {}
            () = wake.0.notified() => {}
        }
    }
    match service.release_leases(worker).await {
        Ok(released) => tracing::info!(released, "mail worker stopped"),
        Err(error) => tracing::error!(%error, "cannot release the mail worker's leases"),
    }
}

/// How long to sleep: until the next recipient is due, within bounds.
async fn until_next_due(service: &EmailService) -> Duration {
    match service.next_due().await {
        Ok(Some(due)) => {
            let now = SystemClock.now();
            if due <= now {
                MIN_IDLE
            } else {
                due.since(now).clamp(MIN_IDLE, MAX_IDLE)
            }
        }
        Ok(None) => MAX_IDLE,
        Err(error) => {
            tracing::warn!(%error, "cannot read when mail is due next");
            AFTER_ERROR
        }
    }
}

fn describe_metrics() {
    metrics::describe_gauge!("email_outbox_depth", "Recipients queued or being sent");
    metrics::describe_counter!("email_sends_total", "Copies accepted by the mail server");
    metrics::describe_counter!("email_retries_total", "Failed attempts queued for a retry");
    metrics::describe_counter!("email_failures_total", "Recipients failed for good");
    metrics::describe_counter!("email_bounces_total", "Bounce reports received, by kind");
    for name in [
        "email_sends_total",
        "email_retries_total",
        "email_failures_total",
    ] {
        metrics::counter!(name).increment(0);
    }
    for kind in ["hard", "soft"] {
        metrics::counter!("email_bounces_total", "kind" => kind).increment(0);
    }
}

fn record(report: &DispatchReport) {
    metrics::counter!("email_sends_total").increment(u64::from(report.sent));
    metrics::counter!("email_retries_total").increment(u64::from(report.retried));
    metrics::counter!("email_failures_total").increment(u64::from(report.failed));
}

/// Whether to count the outbox after a round: always after a round that
/// claimed less than a full batch (so the gauge settles on the exact depth
/// once a backlog is drained), at most every [`DEPTH_EVERY`] while full
/// batches keep coming.
fn depth_due(last: Option<Instant>, now: Instant, full: bool) -> bool {
    !full || last.is_none_or(|at| now.duration_since(at) >= DEPTH_EVERY)
}

async fn update_depth(service: &EmailService) {
    match service.outbox_depth().await {
        #[allow(clippy::cast_precision_loss, reason = "a gauge of a count")]
        Ok(depth) => metrics::gauge!("email_outbox_depth").set(depth as f64),
        Err(error) => tracing::warn!(%error, "cannot read the outbox depth"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draining_backlog_is_counted_at_most_once_a_second() {
        let start = Instant::now();
        assert!(depth_due(None, start, true), "the first round is counted");
        let soon = start + Duration::from_millis(999);
        assert!(!depth_due(Some(start), soon, true));
        let later = start + DEPTH_EVERY;
        assert!(depth_due(Some(start), later, true));
    }

    #[test]
    fn a_round_short_of_a_batch_is_always_counted() {
        let start = Instant::now();
        assert!(depth_due(Some(start), start, false));
        assert!(depth_due(None, start, false));
    }
}
