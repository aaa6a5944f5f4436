//! The ports of the tickets context.
//!
//! Each method's documentation states its error contract; the contract
//! suites in `crm-testkit` check every adapter against it.

// `mockall::automock` expands `Option<&T>` arguments into `&Option<&T>` matchers.
#![cfg_attr(any(test, feature = "mocks"), allow(clippy::ref_option_ref))]

use std::fmt::Debug;

use async_trait::async_trait;
use crm_kernel::{
    BackendError, CompanyId, CustomerId, Page, PageRequest, TicketId, UserId, Version, Visibility,
};

use crate::comment::{Comment, FirstResponse};
use crate::query::TicketQuery;
use crate::ticket::{IdempotencyKey, Ticket, TicketEvent};

/// Errors of the tickets store ports, as their contracts name them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The ticket does not exist.
    #[error("not found")]
    NotFound,
    /// The stored version is not the expected one.
    #[error("version conflict")]
    VersionConflict,
    /// The idempotency key was stored with a different fingerprint.
    #[error("idempotency key reused with another request")]
    IdempotencyMismatch,
    /// The backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// What the tickets context knows of a customer: enough to decide who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerRef {
    /// The customer.
    pub id: CustomerId,
    /// Its company.
    pub company_id: Option<CompanyId>,
    /// Its responsible agent.
    pub owner_id: Option<UserId>,
}

/// The result of storing a raised ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// The ticket was stored.
    Created,
    /// The idempotency key was used before with the same request: that
    /// request's ticket, nothing stored.
    Replayed(TicketId),
}

/// Tickets, their events and comments.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TicketRepository: Send + Sync + Debug {
    /// Stores a raised ticket and its first event, atomically, unless the
    /// idempotency key (per principal) was used before: then it stores
    /// nothing and MUST return `Replayed` with the first ticket's id when the
    /// fingerprint matches, or [`StoreError::IdempotencyMismatch`] when it
    /// differs. Concurrent calls with one key MUST store one ticket.
    async fn insert<'a>(
        &self,
        ticket: &Ticket,
        event: &TicketEvent,
        idempotency: Option<&'a IdempotencyKey>,
    ) -> Result<Inserted, StoreError>;

    /// The ticket, if any.
    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;

    /// Replaces the ticket stored at version `expected` with `ticket` and
    /// appends `event` if given, atomically.
    ///
    /// MUST return [`StoreError::NotFound`] or [`StoreError::VersionConflict`]
    /// and then change nothing.
    async fn update<'a>(
        &self,
        ticket: &Ticket,
        expected: Version,
        event: Option<&'a TicketEvent>,
    ) -> Result<(), StoreError>;

    /// One page of the tickets matching `query` whose customer is visible
    /// under `visibility` (erased customers' tickets included, they stay
    /// attached to the tombstone).
    async fn list(
        &self,
        query: &TicketQuery,
        visibility: &Visibility,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, StoreError>;

    /// Every status change of the ticket, oldest first.
    async fn events(&self, id: TicketId) -> Result<Vec<TicketEvent>, StoreError>;

    /// Stores a comment; with `answer`, also records it as the ticket's
    /// first response as [`Ticket::with_first_response`] says (unless an
    /// answer as early or earlier is recorded: then the ticket is left as it
    /// is), atomically and without any version check.
    ///
    /// MUST return [`StoreError::NotFound`] for an unknown ticket and then
    /// store nothing. MUST NOT refuse a comment because the ticket changed:
    /// comments written concurrently are all stored, and the first response
    /// is the earliest answer's.
    async fn add_comment(
        &self,
        comment: &Comment,
        answer: Option<FirstResponse>,
    ) -> Result<(), StoreError>;

    /// One page of the ticket's comments, oldest first; staff-only notes
    /// only with `include_internal`.
    async fn comments(
        &self,
        id: TicketId,
        include_internal: bool,
        page: &PageRequest,
    ) -> Result<Page<Comment>, StoreError>;
}

/// What the tickets context needs to know about customers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerDirectory: Send + Sync + Debug {
    /// The customer's company and owner, if it exists and is not erased.
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError>;

    /// The customer's company and owner, erased or not (for the tickets of
    /// an erased customer, which stay readable by staff).
    async fn any_customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError>;
}

/// What the tickets context needs to know about staff users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AssigneeDirectory: Send + Sync + Debug {
    /// Whether an active staff user with this id exists.
    async fn can_be_assigned(&self, id: UserId) -> Result<bool, StoreError>;
}
