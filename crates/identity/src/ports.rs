//! The ports of the identity context: what it needs from the outside world.
//!
//! Each method's documentation states its error contract; every adapter must
//! honour it, and the contract suites in `crm-testkit` check that they do.

// `mockall::automock` expands `Option<&T>` arguments into `&Option<&T>` matchers.
#![cfg_attr(any(test, feature = "mocks"), allow(clippy::ref_option_ref))]

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use crm_kernel::{
    BackendError, CustomerId, EmailAddress, Page, PageRequest, Principal, PrincipalId,
    SessionFamilyId, SessionId, Timestamp, UserId,
};

use crate::account::{CustomerProfile, NewCustomerAccount};
pub use crate::error::StoreError;
use crate::password::{Password, PasswordHash};
use crate::session::{
    AccessToken, RefreshSession, RefreshToken, SessionHolder, TokenHash, VerifiedAccess,
};
pub use crate::throttle::LoginThrottle;
use crate::user::{AdminGuard, StaffUser, UserQuery};

/// A sign-in credential: who signs in with an email and which hash proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The principal the credential belongs to.
    pub principal: PrincipalId,
    /// The sign-in email.
    pub email: EmailAddress,
    /// The password hash.
    pub password_hash: PasswordHash,
}

/// Staff users and their credentials.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync + Debug {
    /// Stores a new user and its credential together.
    ///
    /// MUST return [`StoreError::DuplicateEmail`] when the email's case-insensitive
    /// key is used by any staff user, customer credential or (not erased)
    /// customer record, and then store nothing.
    async fn insert(
        &self,
        user: &StaffUser,
        password_hash: &PasswordHash,
    ) -> Result<(), StoreError>;

    /// The user with this id, if any.
    async fn get(&self, id: UserId) -> Result<Option<StaffUser>, StoreError>;

    /// One page of users matching `query`, in its sort order.
    async fn list(
        &self,
        query: &UserQuery,
        page: &PageRequest,
    ) -> Result<Page<StaffUser>, StoreError>;

    /// Replaces the stored user with `user` (same id), and its password hash
    /// when one is given; the credential's email follows the user's.
    ///
    /// MUST return [`StoreError::NotFound`] for an unknown id,
    /// [`StoreError::DuplicateEmail`] as for `insert`, and
    /// [`StoreError::LastActiveAdmin`] when `guard` asks for another active
    /// admin and none other than this user exists; in every error case it
    /// changes nothing.
    async fn update<'a>(
        &self,
        user: &StaffUser,
        password_hash: Option<&'a PasswordHash>,
        guard: AdminGuard,
    ) -> Result<(), StoreError>;

    /// Deletes the user, its credential and its sessions.
    ///
    /// MUST return [`StoreError::NotFound`] for an unknown id and
    /// [`StoreError::LastActiveAdmin`] as for `update`.
    async fn delete(&self, id: UserId, guard: AdminGuard) -> Result<(), StoreError>;

    /// How many users are active admins.
    async fn count_active_admins(&self) -> Result<u64, StoreError>;
}

/// Sign-in credentials of staff users and customers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CredentialStore: Send + Sync + Debug {
    /// The credential whose email matches `email` case-insensitively, if any.
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<Credential>, StoreError>;

    /// Whether the principal still has a credential (deleted accounts do not).
    async fn exists(&self, principal: PrincipalId) -> Result<bool, StoreError>;
}

/// Customer accounts: the customer's record and its credential.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerAccounts: Send + Sync + Debug {
    /// Creates the customer and its credential atomically.
    ///
    /// MUST return [`StoreError::DuplicateEmail`] when the email is in use by
    /// any credential, [`StoreError::UnknownCompany`] when `company_id` names
    /// no company, and then create nothing.
    async fn register(
        &self,
        account: &NewCustomerAccount,
        password_hash: &PasswordHash,
    ) -> Result<(), StoreError>;

    /// The customer's profile, if the customer exists.
    async fn profile(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError>;
}

/// Refresh-token sessions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync + Debug {
    /// Stores a new session.
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError>;

    /// The session whose token has this hash, if any (whatever its state).
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshSession>, StoreError>;

    /// Atomically marks session `old` rotated at `at` and stores `new`.
    ///
    /// MUST return `Ok(false)` and store nothing when `old` is already rotated
    /// or revoked, so that of two concurrent refreshes with one token exactly
    /// one succeeds.
    async fn rotate(
        &self,
        old: SessionId,
        new: &RefreshSession,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Revokes every session of the family that is not revoked yet.
    async fn revoke_family(&self, family: SessionFamilyId, at: Timestamp)
    -> Result<(), StoreError>;

    /// Revokes every session of the principal that is not revoked yet.
    async fn revoke_principal(
        &self,
        principal: PrincipalId,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The holder of sign-in `family`: `principal`'s account as stored now,
    /// when the family is live. It runs on every authenticated request.
    ///
    /// MUST return `None` unless the family has a session of `principal`
    /// that is not revoked, and the account exists (a staff user; a
    /// customer with a sign-in credential). A staff user is returned
    /// whatever its status. MUST read the account and the family together
    /// in one round trip to the backend (one query): this check is the
    /// whole cost of authenticating a request.
    async fn session_holder(
        &self,
        principal: PrincipalId,
        family: SessionFamilyId,
    ) -> Result<Option<SessionHolder>, StoreError>;
}

/// Password hashing.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync + Debug {
    /// Hashes a password with a fresh salt (PHC string). MUST return
    /// [`HasherError::Busy`] rather than queue without bound when hashing is
    /// saturated: every hash costs memory.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HasherError>;

    /// Whether `password` matches `hash`, in constant time. With `hash` = `None`
    /// it MUST spend the same time as a real verification and return `false`,
    /// so an unknown email cannot be told from a wrong password by timing.
    /// Like [`PasswordHasher::hash`], it MUST return [`HasherError::Busy`]
    /// when saturated.
    async fn verify<'a>(
        &self,
        password: &Password,
        hash: Option<&'a PasswordHash>,
    ) -> Result<bool, HasherError>;
}

/// Why a [`PasswordHasher`] did not answer.
#[derive(Debug, thiserror::Error)]
pub enum HasherError {
    /// Every hashing slot is busy and the queue is full.
    #[error("password hashing is saturated; retry in {} s", retry_after.as_secs())]
    Busy {
        /// How long until a retry is likely to be served.
        retry_after: Duration,
    },
    /// The hasher failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token we issued (bad signature, bad form, wrong algorithm).
    #[error("invalid token")]
    Invalid,
    /// Past its expiry.
    #[error("expired token")]
    Expired,
}

/// Access and refresh tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync + Debug {
    /// A signed access token for `principal` in sign-in `session` (the
    /// family of its refresh session), valid from `now` for `ttl`.
    fn issue_access(
        &self,
        principal: &Principal,
        session: SessionFamilyId,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<AccessToken, BackendError>;

    /// Checks signature and expiry (against `now`) and returns what the
    /// token says. MUST refuse as [`TokenError::Invalid`] a token that does
    /// not name its sign-in (issued before tokens did).
    fn verify_access(&self, token: &str, now: Timestamp) -> Result<VerifiedAccess, TokenError>;

    /// A new random refresh token (at least 256 bits of entropy).
    fn new_refresh_token(&self) -> RefreshToken;

    /// The one-way hash under which a refresh token is stored.
    fn hash_refresh_token(&self, token: &str) -> TokenHash;
}
