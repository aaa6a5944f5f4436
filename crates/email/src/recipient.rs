//! One recipient of a message: the unit that is sent, tracked and bounced.

use crm_kernel::{CustomerId, EmailAddress, EmailId, RecipientId, Timestamp};

use crate::content::Content;
use crate::delivery::{DeliveryError, SmtpReply};
use crate::error::EmailError;
use crate::message_id::MessageId;
use crate::outbox::{Lease, WorkerId};
use crate::status::RecipientStatus;

/// One recipient of a message, and where its delivery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Its id (also what its tokens name).
    pub id: RecipientId,
    /// The message.
    pub email_id: EmailId,
    /// Where it goes.
    pub address: EmailAddress,
    /// The customer it was matched or linked to, if any.
    pub customer_id: Option<CustomerId>,
    /// The `Message-ID` of its copy, the same for every attempt.
    pub message_id: MessageId,
    /// Its own rendering of a template; `None`: the message's content.
    pub content: Option<Content>,
    /// Where its delivery stands.
    pub status: RecipientStatus,
    /// Attempts started so far (counted when claimed).
    pub attempts: u32,
    /// When it is due (for the first time, or again after a failure).
    pub next_attempt_at: Timestamp,
    /// The worker that holds it while `sending`.
    pub lease: Option<Lease>,
    /// Why the last attempt failed (kept when it finally failed).
    pub last_error: Option<DeliveryError>,
    /// The server's reply when it accepted the message.
    pub accepted_reply: Option<SmtpReply>,
    /// When it was accepted (the "delivery" that tracking counts from).
    pub sent_at: Option<Timestamp>,
    /// When it failed for good.
    pub failed_at: Option<Timestamp>,
    /// When it bounced.
    pub bounced_at: Option<Timestamp>,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Recipient {
    /// A new recipient, queued and due at `due`.
    #[must_use]
    pub fn queued(
        email_id: EmailId,
        address: EmailAddress,
        customer_id: Option<CustomerId>,
        domain: &str,
        due: Timestamp,
        now: Timestamp,
    ) -> Self {
        let id = RecipientId::new();
        Self {
            id,
            email_id,
            address,
            customer_id,
            message_id: MessageId::for_recipient(id, domain),
            content: None,
            status: RecipientStatus::Queued,
            attempts: 0,
            next_attempt_at: due,
            lease: None,
            last_error: None,
            accepted_reply: None,
            sent_at: None,
            failed_at: None,
            bounced_at: None,
            updated_at: now,
        }
    }

    /// Whether a worker may claim it at `now`: queued and due, or sending
    /// under a lease that ran out (its worker died).
    #[must_use]
    pub fn is_claimable(&self, now: Timestamp) -> bool {
        match self.status {
            RecipientStatus::Queued => self.next_attempt_at <= now,
            RecipientStatus::Sending => self.lease.is_none_or(|lease| lease.until <= now),
            RecipientStatus::Sent | RecipientStatus::Failed | RecipientStatus::Bounced => false,
        }
    }

    /// The recipient as a claim leaves it: `sending` under `worker`'s lease
    /// until `until`, one more attempt counted. Stores perform this change
    /// atomically ([`crate::ports::Outbox::claim`]); this is its definition.
    pub fn claimed(
        &self,
        worker: WorkerId,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Self, EmailError> {
        if !self.is_claimable(now) {
            return Err(self.refused(RecipientStatus::Sending));
        }
        Ok(Self {
            status: RecipientStatus::Sending,
            attempts: self.attempts.saturating_add(1),
            lease: Some(Lease { worker, until }),
            updated_at: now,
            ..self.clone()
        })
    }

    /// Accepted by the server: `sent`.
    pub fn accepted(&self, reply: Option<SmtpReply>, at: Timestamp) -> Result<Self, EmailError> {
        let mut next = self.moved(RecipientStatus::Sent, at)?;
        next.accepted_reply = reply;
        next.sent_at = Some(at);
        next.last_error = None;
        Ok(next)
    }

    /// Not accepted this time: `queued` again, due at `retry_at`.
    pub fn retried(
        &self,
        error: DeliveryError,
        retry_at: Timestamp,
        at: Timestamp,
    ) -> Result<Self, EmailError> {
        let mut next = self.moved(RecipientStatus::Queued, at)?;
        next.last_error = Some(error);
        next.next_attempt_at = retry_at;
        Ok(next)
    }

    /// Refused for good, or out of retries: `failed`, with the reason kept.
    pub fn failed(&self, error: DeliveryError, at: Timestamp) -> Result<Self, EmailError> {
        let mut next = self.moved(RecipientStatus::Failed, at)?;
        next.last_error = Some(error);
        next.failed_at = Some(at);
        Ok(next)
    }

    /// Given back unsent (the worker is stopping): `queued`, due at once,
    /// and the attempt that was counted at the claim is taken back.
    pub fn released(&self, at: Timestamp) -> Result<Self, EmailError> {
        let mut next = self.moved(RecipientStatus::Queued, at)?;
        next.attempts = self.attempts.saturating_sub(1);
        next.next_attempt_at = at;
        Ok(next)
    }

    /// Returned by the recipient's server after it was sent: `bounced`.
    pub fn bounced(&self, at: Timestamp) -> Result<Self, EmailError> {
        let mut next = self.moved(RecipientStatus::Bounced, at)?;
        next.bounced_at = Some(at);
        Ok(next)
    }

    fn moved(&self, to: RecipientStatus, at: Timestamp) -> Result<Self, EmailError> {
        if !self.status.can_become(to) {
            return Err(self.refused(to));
        }
        Ok(Self {
            status: to,
            lease: None,
            updated_at: at,
            ..self.clone()
        })
    }

    fn refused(&self, to: RecipientStatus) -> EmailError {
        EmailError::InvalidTransition {
            from: self.status,
            to,
        }
    }
}
