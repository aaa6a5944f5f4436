//! The ports of the customers context.
//!
//! Each method's documentation states its error contract; the contract
//! suites in `crm-testkit` check every adapter against it.

// `mockall::automock` expands `Option<&T>` arguments into `&Option<&T>` matchers.
#![cfg_attr(any(test, feature = "mocks"), allow(clippy::ref_option_ref))]

use std::fmt::Debug;

use async_trait::async_trait;
use crm_kernel::{
    BackendError, CompanyId, CustomerId, EmailAddress, Page, PageRequest, Timestamp, UserId,
};

use crate::company::Company;
use crate::customer::Customer;
use crate::lifecycle::StatusChange;
use crate::policy::Visibility;
use crate::query::{CompanyQuery, CustomerQuery};
use crate::values::Version;

/// Errors of the customers store ports, as their contracts name them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The email's case-insensitive key is used by another customer (named)
    /// or by a staff user (`existing` is `None`).
    #[error("duplicate email")]
    DuplicateEmail {
        /// The customer that has it, if a customer does.
        existing: Option<CustomerId>,
    },
    /// The record does not exist (or was erased).
    #[error("not found")]
    NotFound,
    /// The stored version is not the expected one.
    #[error("version conflict")]
    VersionConflict,
    /// `company_id` names no company.
    #[error("unknown company")]
    UnknownCompany,
    /// `owner_id` names no staff user.
    #[error("unknown owner")]
    UnknownOwner,
    /// The company still has customers and `detach` was not asked for.
    #[error("company has customers")]
    CompanyHasCustomers,
    /// The backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// One write of an import batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportWrite {
    /// A new customer and its first status change.
    Create(Customer, StatusChange),
    /// A changed customer (its `version` already raised), the version it was
    /// read at, and its status change if the status changed.
    Update(Customer, Version, Option<StatusChange>),
}

/// A write of an import batch that failed: which one and why.
#[derive(Debug, thiserror::Error)]
#[error("write {index} failed: {error}")]
pub struct ImportWriteError {
    /// Index of the failing write in the batch.
    pub index: usize,
    /// Why.
    pub error: StoreError,
}

/// An open import transaction. Dropping it without [`commit`](Self::commit)
/// rolls every batch back.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ImportTransaction: Send + Debug {
    /// Writes a batch. On an error nothing of this batch is written (earlier
    /// batches stay pending in the transaction) and the transaction can go on.
    async fn write(&mut self, batch: &[ImportWrite]) -> Result<(), ImportWriteError>;

    /// Makes every batch written so far permanent.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Customers and their status history.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerRepository: Send + Sync + Debug {
    /// Stores a new customer with its first status change, atomically.
    ///
    /// MUST return [`StoreError::DuplicateEmail`] when the email is in use by
    /// a customer or staff user, [`StoreError::UnknownCompany`] /
    /// [`StoreError::UnknownOwner`] for dangling references, and then store nothing.
    async fn insert(&self, customer: &Customer, change: &StatusChange) -> Result<(), StoreError>;

    /// The customer, with `company` (the company's current name) and
    /// `has_account` filled in; `None` when unknown or erased.
    async fn get(&self, id: CustomerId) -> Result<Option<Customer>, StoreError>;

    /// The (not erased) customer with this email, compared case-insensitively.
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<Customer>, StoreError>;

    /// Replaces the customer stored at version `expected` with `customer`
    /// (whose version is the next one), records `change` if given, and keeps
    /// the sign-in credential's email equal to the customer's, atomically.
    ///
    /// MUST return [`StoreError::NotFound`] (unknown or erased),
    /// [`StoreError::VersionConflict`] (stored version differs),
    /// [`StoreError::DuplicateEmail`], [`StoreError::UnknownCompany`] or
    /// [`StoreError::UnknownOwner`], and then change nothing.
    async fn update<'a>(
        &self,
        customer: &Customer,
        expected: Version,
        change: Option<&'a StatusChange>,
    ) -> Result<(), StoreError>;

    /// Erases the customer's personal data: names become `Erased`, every
    /// other personal field is cleared, the sign-in credential and sessions
    /// are deleted; the id, status, company, dates and status history stay as
    /// an anonymised tombstone so that reports remain correct.
    ///
    /// MUST return [`StoreError::NotFound`] for an unknown or already erased id.
    async fn erase(&self, id: CustomerId, at: Timestamp) -> Result<(), StoreError>;

    /// One page of the customers matching `query` and visible under `visibility`.
    /// Erased customers are never listed.
    async fn list(
        &self,
        query: &CustomerQuery,
        visibility: &Visibility,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError>;

    /// Every status change of the customer, oldest first.
    async fn status_history(&self, id: CustomerId) -> Result<Vec<StatusChange>, StoreError>;

    /// Opens an import transaction (holding the store's write lock until it
    /// ends: keep it short).
    async fn begin_import(&self) -> Result<Box<dyn ImportTransaction>, StoreError>;
}

/// Companies.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CompanyRepository: Send + Sync + Debug {
    /// Stores a new company.
    async fn insert(&self, company: &Company) -> Result<(), StoreError>;

    /// The company, if it exists.
    async fn get(&self, id: CompanyId) -> Result<Option<Company>, StoreError>;

    /// Replaces the company stored at version `expected`. Its customers show
    /// the new name at once.
    ///
    /// MUST return [`StoreError::NotFound`] or [`StoreError::VersionConflict`],
    /// and then change nothing.
    async fn update(&self, company: &Company, expected: Version) -> Result<(), StoreError>;

    /// Deletes the company. With `detach`, its customers keep their data and
    /// lose the link (a change of each customer, raising its version);
    /// without, MUST return [`StoreError::CompanyHasCustomers`] if any
    /// (not erased) customer belongs to it. [`StoreError::NotFound`] for an unknown id.
    async fn delete(&self, id: CompanyId, detach: bool, at: Timestamp) -> Result<(), StoreError>;

    /// One page of companies matching `query`; with `only`, just those ids.
    async fn list<'a>(
        &self,
        query: &CompanyQuery,
        only: Option<&'a [CompanyId]>,
        page: &PageRequest,
    ) -> Result<Page<Company>, StoreError>;
}

/// What the customers context needs to know about staff users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaffDirectory: Send + Sync + Debug {
    /// Whether a staff user with this id exists.
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError>;
}
