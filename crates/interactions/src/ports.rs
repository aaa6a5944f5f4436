//! The ports of the interactions context.
//!
//! Each method's documentation states its error contract; the contract
//! suites in `crm-testkit` check every adapter against it.

// `mockall::automock` names a mock's fields after the methods: those of
// `StaffDirectory` all start with `staff`.
#![cfg_attr(any(test, feature = "mocks"), allow(clippy::struct_field_names))]

use std::fmt::Debug;

use async_trait::async_trait;
use crm_kernel::{
    BackendError, CompanyId, CustomerId, InteractionId, Page, PageRequest, Timestamp, UserId,
    Version, Visibility,
};

use crate::calendar::{FeedToken, FeedTokenHash};
use crate::history::{HistoryEntry, HistoryFilter};
use crate::interaction::Interaction;
use crate::query::InteractionQuery;

/// Errors of the interactions store ports, as their contracts name them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The interaction does not exist.
    #[error("not found")]
    NotFound,
    /// The stored version is not the expected one.
    #[error("version conflict")]
    VersionConflict,
    /// The customer does not exist (or was erased).
    #[error("unknown customer")]
    UnknownCustomer,
    /// The backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// What the interactions context knows of a customer: enough to decide who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerRef {
    /// The customer.
    pub id: CustomerId,
    /// Its company.
    pub company_id: Option<CompanyId>,
    /// Its responsible agent.
    pub owner_id: Option<UserId>,
}

/// Interactions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InteractionRepository: Send + Sync + Debug {
    /// Stores new interactions (one, or a weekly series) and updates their
    /// customer's `last_interaction`, atomically.
    ///
    /// `last_interaction` is the start of the customer's latest completed
    /// interaction, or, when none is completed, of its latest interaction
    /// that is not cancelled (`null` when there is none).
    /// MUST return [`StoreError::UnknownCustomer`] for an unknown or erased
    /// customer, and then store nothing.
    async fn insert(&self, interactions: &[Interaction]) -> Result<(), StoreError>;

    /// The interaction, if any.
    async fn get(&self, id: InteractionId) -> Result<Option<Interaction>, StoreError>;

    /// Replaces the interaction stored at version `expected` and updates the
    /// customer's `last_interaction` (as for `insert`), atomically.
    ///
    /// MUST return [`StoreError::NotFound`] or [`StoreError::VersionConflict`]
    /// and then change nothing.
    async fn update(&self, interaction: &Interaction, expected: Version) -> Result<(), StoreError>;

    /// One page of interactions matching `query`, of customers visible under
    /// `visibility`, without staff-only kinds unless `include_staff_only`,
    /// ordered by start (then id) in the query's direction. The service
    /// resolves `query.mine` into `organizer_id` first: a store ignores it.
    async fn list(
        &self,
        query: &InteractionQuery,
        visibility: &Visibility,
        include_staff_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Interaction>, StoreError>;

    /// The organizer's scheduled meetings and calls that overlap
    /// `[start, end)` (an interaction without end occupies its start instant).
    ///
    /// No interaction lasts longer than [`crate::MAX_LENGTH`], so only those
    /// starting after `start - MAX_LENGTH` can overlap: a store should bound
    /// its search by that, so that its cost does not grow with the
    /// organizer's past.
    async fn overlapping(
        &self,
        organizer: UserId,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError>;

    /// The interactions a staff user organises or attends (as a staff
    /// attendee) starting in `[from, to)`, any status, oldest first.
    async fn calendar(
        &self,
        user: UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError>;
}

/// A customer's merged history, read across the contexts' records.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HistoryQuery: Send + Sync + Debug {
    /// One page of the customer's history merged from the sources `filter`
    /// names, ordered by time (then source and id) in its direction; without
    /// staff-only interactions unless `include_staff_only`.
    async fn history(
        &self,
        customer: CustomerId,
        filter: &HistoryFilter,
        include_staff_only: bool,
        page: &PageRequest,
    ) -> Result<Page<HistoryEntry>, StoreError>;
}

/// What the interactions context needs to know about customers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerDirectory: Send + Sync + Debug {
    /// The customer's company and owner, if it exists and is not erased.
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError>;
}

/// How to reach a staff user (for calendar invitations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffContact {
    /// The user.
    pub id: UserId,
    /// Full name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// What the interactions context needs to know about staff users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaffDirectory: Send + Sync + Debug {
    /// Whether a staff user with this id exists.
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError>;

    /// Name and email of every staff user among `ids` that exists (whatever
    /// its role and status), each once and in any order; ids that name
    /// nobody are left out, and no ids find nobody.
    ///
    /// One call answers for every id (a calendar feed asks once for all the
    /// people of all its interactions): an adapter MUST NOT look the users
    /// up one by one.
    async fn staff_contacts(&self, ids: &[UserId]) -> Result<Vec<StaffContact>, StoreError>;
}

/// Secret calendar feed URLs of staff users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CalendarFeeds: Send + Sync + Debug {
    /// Makes `token_hash` the user's only feed token (the old one stops working).
    async fn set_feed_token(&self, user: UserId, token_hash: &str) -> Result<(), StoreError>;

    /// The staff user whose feed token has this hash, if any.
    async fn feed_owner(&self, token_hash: &str) -> Result<Option<UserId>, StoreError>;
}

/// Making and hashing the secret tokens of calendar feed URLs.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait FeedTokens: Send + Sync + Debug {
    /// A new token nobody can guess (at least 128 random bits from a
    /// CSPRNG, URL-safe, at most [`FeedToken::MAX_LEN`] bytes) and its hash.
    fn generate(&self) -> (FeedToken, FeedTokenHash);

    /// The hash `token` is stored under: one-way, and the same for the same
    /// token for as long as feeds live (or existing feed URLs stop working).
    fn hash(&self, token: &FeedToken) -> FeedTokenHash;
}
