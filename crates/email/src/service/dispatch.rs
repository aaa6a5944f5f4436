//! The dispatcher: what the server's background worker calls in a loop.

use std::sync::atomic::{AtomicBool, Ordering};

use crm_kernel::RecipientId;
use tracing::{info, warn};

use super::{EmailService, store_error};
use crate::delivery::DeliveryError;
use crate::error::EmailError;
use crate::outbox::{Claimed, DispatchReport, WorkerId};
use crate::outgoing::{Outgoing, Tracking};
use crate::ports::StoreError;
use crate::recipient::Recipient;

impl EmailService {
    /// Claims the recipients that are due (a batch, under a lease held by
    /// `worker`) and sends each: accepted → `sent`; refused for good →
    /// `failed` with the reply; a transient failure → `queued` again with
    /// backoff, or `failed` once the attempts are used up. An address that
    /// was suppressed after the message was queued is not sent to
    /// (`failed`). A recipient whose lease is nearly over, or every
    /// remaining one once `stop` is set, is given back unsent.
    ///
    /// The outcome is written only under the worker's lease. A crash between
    /// the server's acceptance and that write leaves the recipient
    /// `sending`; when its lease runs out it is claimed and sent again, with
    /// the same `Message-ID` (at least once, never lost).
    #[tracing::instrument(level = "debug", skip_all, fields(worker = %worker))]
    pub async fn dispatch_due(
        &self,
        worker: WorkerId,
        stop: &AtomicBool,
    ) -> Result<DispatchReport, EmailError> {
        let policy = self.settings.outbox;
        let now = self.ports.clock.now();
        let claimed = self
            .ports
            .outbox
            .claim(worker, now, now.plus(policy.lease), policy.batch)
            .await
            .map_err(store_error)?;
        let mut report = DispatchReport {
            claimed: u32::try_from(claimed.len()).unwrap_or(u32::MAX),
            ..DispatchReport::default()
        };
        let mut unsent: Vec<RecipientId> = Vec::new();
        for Claimed { email, recipient } in claimed {
            let now = self.ports.clock.now();
            let lease_left = recipient
                .lease
                .map(|l| l.until.since(now))
                .unwrap_or_default();
            if stop.load(Ordering::SeqCst) || lease_left < policy.margin {
                unsent.push(recipient.id);
                continue;
            }
            let next = if let Some(reason) = self.suppressed(&recipient).await? {
                recipient.failed(
                    DeliveryError {
                        reply: None,
                        detail: format!("not sent: the address is suppressed ({reason})"),
                    },
                    now,
                )?
            } else {
                let tracking = Tracking {
                    public_url: &self.settings.public_url,
                    key: &self.settings.key,
                };
                let (outgoing, untracked) = Outgoing::prepare(&email, &recipient, &tracking, now);
                if let Some(error) = untracked {
                    warn!(recipient_id = %recipient.id, %error, "sending without tracking");
                }
                let result = self.ports.mailer.send(&outgoing).await;
                let done = self.ports.clock.now();
                match result {
                    Ok(accepted) => recipient.accepted(accepted.reply, done)?,
                    Err(error) => {
                        warn!(recipient_id = %recipient.id, attempt = recipient.attempts, %error, "send failed");
                        self.settings
                            .retry
                            .after_failure(&recipient, &error, done)?
                    }
                }
            };
            match self.ports.outbox.complete(&next, worker).await {
                Ok(()) => count(&mut report, &next),
                Err(StoreError::LeaseLost) => {
                    warn!(recipient_id = %recipient.id, "lease lost before the outcome was written");
                    report.lost += 1;
                }
                Err(error) => return Err(store_error(error)),
            }
        }
        if !unsent.is_empty() {
            let released = self
                .ports
                .outbox
                .release(worker, Some(&unsent), self.ports.clock.now())
                .await
                .map_err(store_error)?;
            report.released = u32::try_from(released).unwrap_or(u32::MAX);
        }
        if report.claimed > 0 {
            info!(?report, "dispatched");
        }
        Ok(report)
    }

    /// Gives back every recipient `worker` still holds (at shutdown), so
    /// that another instance, or this one after a restart, sends them at once.
    #[tracing::instrument(level = "debug", skip_all, fields(worker = %worker))]
    pub async fn release_leases(&self, worker: WorkerId) -> Result<u64, EmailError> {
        let released = self
            .ports
            .outbox
            .release(worker, None, self.ports.clock.now())
            .await
            .map_err(store_error)?;
        info!(released, "leases released");
        Ok(released)
    }

    /// How many recipients are waiting or being sent (for `/metrics`).
    pub async fn outbox_depth(&self) -> Result<u64, EmailError> {
        self.ports.outbox.depth().await.map_err(store_error)
    }

    /// When the next recipient becomes due (or a lease runs out), if any.
    pub async fn next_due(&self) -> Result<Option<crm_kernel::Timestamp>, EmailError> {
        self.ports.outbox.next_due().await.map_err(store_error)
    }

    /// Why the recipient's address may not be written to now, if so.
    async fn suppressed(
        &self,
        recipient: &Recipient,
    ) -> Result<Option<crate::SuppressionReason>, EmailError> {
        let found = self
            .ports
            .suppressions
            .find(std::slice::from_ref(&recipient.address))
            .await
            .map_err(store_error)?;
        Ok(found.first().map(|s| s.reason))
    }
}

fn count(report: &mut DispatchReport, next: &Recipient) {
    use crate::status::RecipientStatus::{Bounced, Failed, Queued, Sending, Sent};
    match next.status {
        Sent => report.sent += 1,
        Failed => report.failed += 1,
        Queued => report.retried += 1,
        Sending | Bounced => {}
    }
}
