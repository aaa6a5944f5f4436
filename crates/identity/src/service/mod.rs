//! The identity use cases.

mod auth;
mod users;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crm_kernel::{Clock, Principal, Role, SessionFamilyId, SessionId, Timestamp};

use crate::error::IdentityError;
use crate::policy::IdentityPolicy;
use crate::ports::{
    CredentialStore, CustomerAccounts, PasswordHasher, SessionStore, TokenIssuer, UserRepository,
};
use crate::session::{RefreshSession, TokenPair};
use crate::throttle::LoginThrottle;
use crate::user::StaffUser;

pub use auth::LoginAttempt;

/// Token lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// How long an access token is valid.
    pub access_ttl: Duration,
    /// How long a refresh token is valid (each rotation starts a new period).
    pub refresh_ttl: Duration,
}

impl Default for SessionSettings {
    /// 15 minutes and 30 days.
    fn default() -> Self {
        Self {
            access_ttl: Duration::from_mins(15),
            refresh_ttl: Duration::from_hours(30 * 24),
        }
    }
}

/// The adapters the identity service works through.
#[derive(Debug, Clone)]
pub struct IdentityPorts {
    /// Staff users.
    pub users: Arc<dyn UserRepository>,
    /// Credentials of everyone.
    pub credentials: Arc<dyn CredentialStore>,
    /// Customer accounts.
    pub customers: Arc<dyn CustomerAccounts>,
    /// Refresh sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Token signing.
    pub tokens: Arc<dyn TokenIssuer>,
    /// Failed sign-in counting.
    pub throttle: Arc<dyn LoginThrottle>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// A successful sign-in, sign-up or refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Who signed in.
    pub principal: Principal,
    /// Their new tokens.
    pub tokens: TokenPair,
}

/// The identity context's use cases: sign-up, sign-in, sessions, the
/// caller's profile, and the administration of staff users.
#[derive(Debug, Clone)]
pub struct IdentityService {
    ports: IdentityPorts,
    settings: SessionSettings,
    policy: IdentityPolicy,
}

impl IdentityService {
    /// A service over the given adapters.
    #[must_use]
    pub fn new(ports: IdentityPorts, settings: SessionSettings) -> Self {
        Self {
            ports,
            settings,
            policy: IdentityPolicy,
        }
    }

    /// The token lifetimes in force.
    #[must_use]
    pub fn settings(&self) -> SessionSettings {
        self.settings
    }

    fn now(&self) -> Timestamp {
        self.ports.clock.now()
    }

    /// Starts a session (new family, or a rotation within `family`) and issues
    /// its tokens. The session is not stored: callers insert or rotate it.
    fn new_session(
        &self,
        principal: &Principal,
        family: Option<SessionFamilyId>,
        now: Timestamp,
    ) -> Result<(RefreshSession, TokenPair), IdentityError> {
        let refresh = self.ports.tokens.new_refresh_token();
        let session = RefreshSession {
            id: SessionId::new(),
            family_id: family.unwrap_or_default(),
            principal: principal.id,
            token_hash: self.ports.tokens.hash_refresh_token(refresh.expose()),
            created_at: now,
            expires_at: now.plus(self.settings.refresh_ttl),
            rotated_at: None,
            revoked_at: None,
        };
        let access = self.ports.tokens.issue_access(
            principal,
            session.family_id,
            now,
            self.settings.access_ttl,
        )?;
        Ok((session, TokenPair { access, refresh }))
    }
}

/// The principal a staff user acts as.
fn staff_principal(user: &StaffUser) -> Principal {
    Principal {
        id: crm_kernel::PrincipalId::User(user.id),
        role: Role::from(user.role),
        company_ids: user.company_ids.clone(),
    }
}

/// Who tried to sign in from where, for throttling.
fn client_key(ip: Option<IpAddr>) -> Option<crate::throttle::ThrottleKey> {
    ip.map(crate::throttle::ThrottleKey::Ip)
}

#[cfg(test)]
mod tests;
