//! The outbox rules: leases, what is due, and retries.

use std::fmt;
use std::time::Duration;

use crm_kernel::{RecipientId, Timestamp};
use uuid::Uuid;

use crate::delivery::{DeliveryError, SendError};
use crate::error::EmailError;
use crate::message::Email;
use crate::recipient::Recipient;

/// One dispatching worker (one per server process): the holder of leases.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkerId(Uuid);

impl WorkerId {
    /// A new, unique worker id.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Wraps a stored id.
    #[must_use]
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID inside.
    #[must_use]
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for WorkerId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Debug for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkerId({})", self.0.hyphenated())
    }
}

/// A worker's hold on a recipient while it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// Who holds it.
    pub worker: WorkerId,
    /// Until when; after that another worker may claim the recipient.
    pub until: Timestamp,
}

/// A claimed recipient and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The message.
    pub email: Email,
    /// The recipient, `sending` under the claiming worker's lease.
    pub recipient: Recipient,
}

/// How the dispatcher claims work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxPolicy {
    /// How long a claim holds a recipient (default 10 minutes: far longer
    /// than one SMTP transaction with lettre's timeouts, so a live worker
    /// never loses a lease it is using).
    pub lease: Duration,
    /// A claimed recipient whose lease has less than this left is given
    /// back unsent rather than risk a second worker sending it too
    /// (default 2 minutes).
    pub margin: Duration,
    /// Recipients claimed at once (default 10).
    pub batch: u32,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        Self {
            lease: Duration::from_mins(10),
            margin: Duration::from_mins(2),
            batch: 10,
        }
    }
}

/// Retries of transient failures: exponential backoff with jitter, up to a
/// number of attempts.
///
/// After the `n`th failed attempt the next one is due after
/// `d = min(first_delay · 2^(n−1), max_delay)`, jittered to
/// `d/2 + j·d/2` with `j` in `[0, 1)` ("equal jitter": never sooner than
/// half the backoff, spread so that recipients that failed together do not
/// retry together). `j` is derived from the recipient's id and the attempt
/// number, which keeps the domain free of a random source and still spreads
/// recipients, whose ids are random. With the defaults (10 attempts, 30 s,
/// 1 h) a recipient is given up about 2 to 4 hours after its first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a transiently failing recipient is failed (default 10).
    pub max_attempts: u32,
    /// Backoff after the first failure (default 30 s).
    pub first_delay: Duration,
    /// Longest backoff (default 1 hour).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_hours(1),
        }
    }
}

impl RetryPolicy {
    /// The wait after `attempt` (1-based) failed for `recipient`.
    #[must_use]
    pub fn delay(&self, recipient: RecipientId, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        let backoff = self
            .first_delay
            .saturating_mul(1_u32 << exponent)
            .min(self.max_delay);
        let half = backoff / 2;
        half + half.mul_f64(jitter(recipient, attempt))
    }

    /// What a failed attempt leaves: `failed` for a permanent refusal or
    /// when the attempts are used up, otherwise `queued` for a retry.
    pub fn after_failure(
        &self,
        recipient: &Recipient,
        error: &SendError,
        now: Timestamp,
    ) -> Result<Recipient, EmailError> {
        let mut reason = DeliveryError::from(error);
        match error {
            SendError::Permanent { .. } => recipient.failed(reason, now),
            SendError::Transient { .. } if recipient.attempts >= self.max_attempts => {
                reason.detail = format!(
                    "gave up after {} attempts; last: {}",
                    recipient.attempts, reason.detail
                );
                recipient.failed(reason, now)
            }
            SendError::Transient { .. } => {
                let retry_at = now.plus(self.delay(recipient.id, recipient.attempts));
                recipient.retried(reason, retry_at, now)
            }
        }
    }
}

/// A number in `[0, 1)` that looks random, from a recipient and an attempt
/// (SplitMix64 over the id's bits and the attempt).
fn jitter(recipient: RecipientId, attempt: u32) -> f64 {
    let bits = recipient.as_uuid().as_u128();
    #[allow(clippy::cast_possible_truncation, reason = "folding 128 bits into 64")]
    let mut x = (bits as u64)
        ^ ((bits >> 64) as u64)
        ^ u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    #[allow(
        clippy::cast_precision_loss,
        reason = "53 bits of randomness are plenty"
    )]
    let fraction = (x >> 11) as f64 / (1_u64 << 53) as f64;
    fraction
}

/// What one call of [`crate::EmailService::dispatch_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Recipients claimed.
    pub claimed: u32,
    /// Accepted by the server.
    pub sent: u32,
    /// Failed transiently, queued for a retry.
    pub retried: u32,
    /// Failed for good (refused, suppressed meanwhile, or out of retries).
    pub failed: u32,
    /// Given back unsent (stopping, or too little lease left).
    pub released: u32,
    /// Whose lease was lost to another worker before the outcome was written.
    pub lost: u32,
}

#[cfg(test)]
mod tests;
