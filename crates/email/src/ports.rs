//! The ports of the email context.
//!
//! Each method's documentation states its error contract; the contract
//! suites in `crm-testkit` check every adapter against it.

// `mockall::automock` expands `Option<&T>` arguments into `&Option<&T>` matchers.
#![cfg_attr(any(test, feature = "mocks"), allow(clippy::ref_option_ref))]

use std::fmt::Debug;

use async_trait::async_trait;
use crm_kernel::{
    BackendError, CompanyId, CustomerId, EmailAddress, EmailEventId, EmailId, EmailTemplateId,
    Page, PageRequest, RecipientId, Timestamp, UserId, Version,
};

use crate::consent::Suppression;
use crate::delivery::{Accepted, SendError};
use crate::event::EmailEvent;
use crate::inbound::InboundRecord;
use crate::message::{Email, IdempotencyKey};
use crate::message_id::MessageId;
use crate::outbox::{Claimed, WorkerId};
use crate::outgoing::Outgoing;
use crate::query::{EmailQuery, EmailScope};
use crate::recipient::Recipient;
use crate::status::RecipientStatus;
use crate::template::EmailTemplate;
use crate::tracking::Classification;

/// Errors of the email store ports, as their contracts name them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// The stored version or status is not the expected one.
    #[error("version conflict")]
    VersionConflict,
    /// A unique value (a template name) is taken.
    #[error("duplicate")]
    Duplicate,
    /// The idempotency key was stored with a different fingerprint.
    #[error("idempotency key reused with another request")]
    IdempotencyMismatch,
    /// The recipient is no longer `sending` under this worker's lease.
    #[error("lease lost")]
    LeaseLost,
    /// The backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// The result of storing a new message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// The message and its recipients were stored.
    Created,
    /// The idempotency key was used before with the same request: that
    /// request's message, nothing stored.
    Replayed(EmailId),
}

/// What the email context knows of a customer: who may see it, where to
/// write, and what templates may say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerContact {
    /// The customer.
    pub id: CustomerId,
    /// Its company.
    pub company_id: Option<CompanyId>,
    /// Its responsible agent.
    pub owner_id: Option<UserId>,
    /// Its address, if it has one.
    pub email: Option<EmailAddress>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Its company's name.
    pub company: Option<String>,
}

/// Messages and their recipients: the outbox's content.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EmailRepository: Send + Sync + Debug {
    /// Stores a message and its recipients, atomically and together with
    /// the request's other writes, unless the idempotency key (per
    /// principal) was used before: then it stores nothing and MUST return
    /// `Replayed` with the first message's id when the fingerprint matches,
    /// or [`StoreError::IdempotencyMismatch`] when it differs. Concurrent
    /// calls with one key MUST store one message.
    async fn insert<'a>(
        &self,
        email: &Email,
        recipients: &[Recipient],
        idempotency: Option<&'a IdempotencyKey>,
    ) -> Result<Inserted, StoreError>;

    /// The message, if any.
    async fn get(&self, id: EmailId) -> Result<Option<Email>, StoreError>;

    /// The recipients of these messages, in the order they were given.
    async fn recipients(&self, ids: &[EmailId]) -> Result<Vec<Recipient>, StoreError>;

    /// The recipient, if any.
    async fn recipient(&self, id: RecipientId) -> Result<Option<Recipient>, StoreError>;

    /// The recipient whose copy carried this `Message-ID`, if any.
    async fn recipient_by_message_id(
        &self,
        id: &MessageId,
    ) -> Result<Option<Recipient>, StoreError>;

    /// One page of the messages matching `query` within `scope`, newest first.
    async fn list(
        &self,
        query: &EmailQuery,
        scope: &EmailScope,
        page: &PageRequest,
    ) -> Result<Page<Email>, StoreError>;
}

/// The outbox: claims with leases, outcomes, releases.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync + Debug {
    /// Claims up to `limit` recipients that [`Recipient::is_claimable`] at
    /// `now` (queued and due, or sending under an expired lease), oldest
    /// due first, and leaves each as [`Recipient::claimed`] does (`sending`,
    /// leased to `worker` until `lease_until`, one more attempt), in one
    /// atomic step. Two concurrent claims, from this or another server
    /// instance, MUST NOT both return one recipient.
    async fn claim(
        &self,
        worker: WorkerId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError>;

    /// Writes the outcome of an attempt: replaces the recipient with
    /// `recipient` (its status, attempts, due time, error, reply, times;
    /// lease cleared) if it is still `sending` under `worker`'s lease.
    /// MUST return [`StoreError::LeaseLost`] otherwise, and then change nothing.
    async fn complete(&self, recipient: &Recipient, worker: WorkerId) -> Result<(), StoreError>;

    /// Gives back the recipients `worker` holds (only those in `only`, when
    /// given) as [`Recipient::released`] does (`queued`, due at `now`, the
    /// attempt counted at the claim taken back). Returns how many.
    async fn release<'a>(
        &self,
        worker: WorkerId,
        only: Option<&'a [RecipientId]>,
        now: Timestamp,
    ) -> Result<u64, StoreError>;

    /// How many recipients are `queued` or `sending` (the outbox depth).
    async fn depth(&self) -> Result<u64, StoreError>;

    /// When the next recipient becomes claimable: the earliest due time of
    /// the `queued` ones and lease end of the `sending` ones; `None` when
    /// the outbox is empty. (The worker sleeps until then.)
    async fn next_due(&self) -> Result<Option<Timestamp>, StoreError>;
}

/// Events: tracking hits, replies, bounces, opt-outs.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventLog: Send + Sync + Debug {
    /// Stores a tracking hit and applies `reclassify` to earlier hits,
    /// atomically, unless a hit with the same [`EmailEvent::dedup_key`]
    /// exists: then it MUST store and change nothing and return `false`
    /// (also under concurrent calls).
    async fn record_hit(
        &self,
        event: &EmailEvent,
        reclassify: &[(EmailEventId, Classification)],
    ) -> Result<bool, StoreError>;

    /// The recipient's hits at or after `since`, oldest first.
    async fn recent_hits(
        &self,
        recipient: RecipientId,
        since: Timestamp,
    ) -> Result<Vec<EmailEvent>, StoreError>;

    /// Every event of the message, oldest first.
    async fn events(&self, email: EmailId) -> Result<Vec<EmailEvent>, StoreError>;
}

/// Inbound messages: replies, reports, and unmatched mail.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InboundStore: Send + Sync + Debug {
    /// Stores an inbound message with its effects, atomically: the event,
    /// the recipient's new state (only if its stored status is still
    /// `expected`), the suppression (kept as it is when the address is
    /// already suppressed). When a message with the same `Message-ID` was
    /// stored before (a gateway's retry), it MUST store nothing and return
    /// `false`. MUST return [`StoreError::VersionConflict`] when the
    /// recipient's status is not `expected`, and then store nothing.
    async fn store<'a>(
        &self,
        record: &InboundRecord,
        event: Option<&'a EmailEvent>,
        recipient: Option<(&'a Recipient, RecipientStatus)>,
        suppression: Option<&'a Suppression>,
    ) -> Result<bool, StoreError>;

    /// The inbound messages matched to the message, oldest first.
    async fn of_email(&self, email: EmailId) -> Result<Vec<InboundRecord>, StoreError>;

    /// One page of the unmatched messages, newest first.
    async fn unmatched(&self, page: &PageRequest) -> Result<Page<InboundRecord>, StoreError>;
}

/// The suppression list.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SuppressionList: Send + Sync + Debug {
    /// Adds an entry and, only if it is new, `event`, atomically; an
    /// address already on the list (compared case-insensitively) keeps its
    /// first entry, and the call MUST return `false`.
    async fn add<'a>(
        &self,
        entry: &Suppression,
        event: Option<&'a EmailEvent>,
    ) -> Result<bool, StoreError>;

    /// The entries of these addresses (case-insensitive).
    async fn find(&self, addresses: &[EmailAddress]) -> Result<Vec<Suppression>, StoreError>;

    /// One page of the list, newest first.
    async fn list(&self, page: &PageRequest) -> Result<Page<Suppression>, StoreError>;

    /// Lifts the entry of the address; `false` when there was none.
    async fn remove(&self, address: &EmailAddress) -> Result<bool, StoreError>;
}

/// Templates.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TemplateRepository: Send + Sync + Debug {
    /// Stores a new template. MUST return [`StoreError::Duplicate`] when
    /// another template has the same name (case-insensitive).
    async fn insert(&self, template: &EmailTemplate) -> Result<(), StoreError>;

    /// The template, if any.
    async fn get(&self, id: EmailTemplateId) -> Result<Option<EmailTemplate>, StoreError>;

    /// One page of the templates, by name.
    async fn list(&self, page: &PageRequest) -> Result<Page<EmailTemplate>, StoreError>;

    /// Replaces the template stored at version `expected`. MUST return
    /// [`StoreError::NotFound`], [`StoreError::VersionConflict`] or
    /// [`StoreError::Duplicate`] and then change nothing.
    async fn update(&self, template: &EmailTemplate, expected: Version) -> Result<(), StoreError>;

    /// Deletes the template (messages written from it keep their content).
    /// MUST return [`StoreError::NotFound`] when there is none.
    async fn delete(&self, id: EmailTemplateId) -> Result<(), StoreError>;
}

/// What the email context needs to know about customers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerDirectory: Send + Sync + Debug {
    /// The customer, if it exists and is not erased.
    async fn by_id(&self, id: CustomerId) -> Result<Option<CustomerContact>, StoreError>;

    /// The customer who has this address (case-insensitive), if any.
    async fn by_email(&self, address: &EmailAddress)
    -> Result<Option<CustomerContact>, StoreError>;

    /// These customers, erased or not (for deciding who may see old
    /// messages); unknown ids are left out.
    async fn contacts(&self, ids: &[CustomerId]) -> Result<Vec<CustomerContact>, StoreError>;
}

/// What the email context needs to know about staff users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaffDirectory: Send + Sync + Debug {
    /// The display name of the staff user, if it exists.
    async fn name(&self, id: UserId) -> Result<Option<String>, StoreError>;
}

/// Sends one prepared copy to one recipient.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync + Debug {
    /// Hands `message` to the mail system. MUST return
    /// [`SendError::Permanent`] only when the server refused it for good
    /// ([`crate::SmtpReply::is_permanent`]), with the reply, and
    /// [`SendError::Transient`] for anything that may work later.
    async fn send(&self, message: &Outgoing) -> Result<Accepted, SendError>;
}
