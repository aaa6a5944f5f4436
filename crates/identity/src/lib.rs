//! # crm-identity
//!
//! The identity context: who may use the CRM and how they prove it.
//!
//! It owns staff users ([`StaffUser`], roles `admin` and `agent`), the login
//! credentials of staff users and customers, refresh-token sessions with
//! rotation and reuse detection, login throttling, and the authorization
//! policy over its own resources ([`IdentityPolicy`]).
//!
//! Everything it needs from the outside world is a port ([`ports`]): the
//! stores, the password hasher, the token issuer and the clock. The
//! [`IdentityService`] holds the business rules; adapters (`crm-auth`,
//! `crm-store-sqlite`) implement the ports. With the `mocks` feature the
//! crate exports `mockall` mocks of every port for other crates' tests.

pub mod account;
pub mod error;
pub mod password;
pub mod policy;
pub mod ports;
pub mod service;
pub mod session;
pub mod throttle;
pub mod user;

pub use account::{CustomerProfile, CustomerSignup, NewCustomerAccount, Profile};
pub use error::IdentityError;
pub use password::{Password, PasswordError, PasswordHash};
pub use policy::{IdentityPolicy, IdentityResource};
pub use service::{IdentityPorts, IdentityService, SessionSettings, SignedIn};
pub use session::{
    AccessToken, InvalidRefreshToken, RefreshSession, RefreshToken, SessionHolder, TokenHash,
    TokenPair, VerifiedAccess,
};
pub use throttle::{
    InMemoryLoginThrottle, LoginThrottle, Reservation, ThrottleKey, ThrottlePolicy,
};
pub use user::{
    AdminGuard, NewStaffUser, StaffRole, StaffUser, StaffUserPatch, UserQuery, UserSort,
    UserSortField, UserStatus,
};
