//! Sign-up, sign-in, refresh, sign-out and authentication of requests.

use std::net::IpAddr;

use crm_kernel::{CustomerId, EmailAddress, Principal, PrincipalId, Role};
use tracing::{info, warn};

use super::{IdentityService, SignedIn, client_key, staff_principal};
use crate::account::{CustomerSignup, NewCustomerAccount, Profile};
use crate::error::IdentityError;
use crate::password::Password;
use crate::policy::IdentityResource;
use crate::ports::TokenError;
use crate::session::{RefreshToken, SessionHolder};
use crate::throttle::ThrottleKey;
use crate::user::UserStatus;
use crm_kernel::{Action, Policy};

/// A sign-in attempt.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    /// The email given.
    pub email: EmailAddress,
    /// The password given.
    pub password: Password,
    /// The client's address, when known (for throttling).
    pub client_ip: Option<IpAddr>,
}

impl IdentityService {
    /// A customer signs up: creates the customer account and its credential,
    /// then signs it in.
    ///
    /// Sign-ups are throttled per client address, before any password is
    /// hashed: each costs a hash, and a taken email answers
    /// [`IdentityError::DuplicateEmail`], which must not become a fast oracle.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_up(&self, signup: CustomerSignup) -> Result<SignedIn, IdentityError> {
        let now = self.now();
        if let Some(ip) = signup.client_ip {
            self.ports
                .throttle
                .reserve(&[ThrottleKey::Signup(ip)], now)
                .map_err(|retry_after| IdentityError::SignupsThrottled { retry_after })?;
        }
        let hash = self.ports.hasher.hash(&signup.password).await?;
        let account = NewCustomerAccount {
            id: CustomerId::new(),
            first_name: signup.first_name,
            last_name: signup.last_name,
            email: signup.email,
            phone: signup.phone,
            company_id: signup.company_id,
            created_at: now,
        };
        self.ports.customers.register(&account, &hash).await?;
        info!(customer_id = %account.id, "customer signed up");
        let principal = Principal {
            id: PrincipalId::Customer(account.id),
            role: Role::Customer,
            company_ids: Vec::new(),
        };
        self.start_session(principal).await
    }

    /// Signs a staff user or customer in with email and password.
    ///
    /// An unknown email and a wrong password fail alike, in the same time.
    /// Repeated failures for an email or from an address are throttled: each
    /// attempt is counted as a failure before the password is checked, and
    /// taken back when it succeeds, so attempts in flight together cannot
    /// pass the limit together.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login(&self, attempt: LoginAttempt) -> Result<SignedIn, IdentityError> {
        let now = self.now();
        let email_key = ThrottleKey::Email(attempt.email.key());
        let keys: Vec<ThrottleKey> = std::iter::once(email_key.clone())
            .chain(client_key(attempt.client_ip))
            .collect();
        let reservation = self
            .ports
            .throttle
            .reserve(&keys, now)
            .map_err(|retry_after| IdentityError::Throttled { retry_after })?;

        let checked = self.check_password(&attempt).await;
        let credential = match checked {
            Ok(Some(credential)) => credential,
            Ok(None) => {
                info!("sign-in failed");
                return Err(IdentityError::InvalidCredentials);
            }
            Err(error) => {
                // Not a wrong password: the attempt does not count.
                self.ports.throttle.release(&reservation);
                return Err(error);
            }
        };
        self.ports.throttle.release(&reservation);
        self.ports.throttle.clear(&email_key);

        let principal = match credential.principal {
            PrincipalId::User(id) => {
                let user = self
                    .ports
                    .users
                    .get(id)
                    .await?
                    .ok_or(IdentityError::InvalidCredentials)?;
                if user.status != UserStatus::Active {
                    return Err(IdentityError::AccountDisabled);
                }
                staff_principal(&user)
            }
            PrincipalId::Customer(id) => Principal {
                id: PrincipalId::Customer(id),
                role: Role::Customer,
                company_ids: Vec::new(),
            },
        };
        info!(principal = %principal.id, "signed in");
        self.start_session(principal).await
    }

    /// The credential of the attempt's email when the password matches it.
    async fn check_password(
        &self,
        attempt: &LoginAttempt,
    ) -> Result<Option<crate::ports::Credential>, IdentityError> {
        let credential = self.ports.credentials.find_by_email(&attempt.email).await?;
        let matches = self
            .ports
            .hasher
            .verify(
                &attempt.password,
                credential.as_ref().map(|c| &c.password_hash),
            )
            .await?;
        Ok(credential.filter(|_| matches))
    }

    async fn start_session(&self, principal: Principal) -> Result<SignedIn, IdentityError> {
        let (session, tokens) = self.new_session(&principal, None, self.now())?;
        self.ports.sessions.insert(&session).await?;
        Ok(SignedIn { principal, tokens })
    }

    /// Exchanges a refresh token for a new pair. The old token stops working;
    /// presenting it again revokes every session of its sign-in.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn refresh(&self, token: &RefreshToken) -> Result<SignedIn, IdentityError> {
        let now = self.now();
        let hash = self.ports.tokens.hash_refresh_token(token.expose());
        let session = self
            .ports
            .sessions
            .find_by_hash(&hash)
            .await?
            .ok_or(IdentityError::Unauthenticated("unknown refresh token"))?;
        if session.revoked_at.is_some() {
            return Err(IdentityError::Unauthenticated("refresh token revoked"));
        }
        if session.rotated_at.is_some() {
            warn!(principal = %session.principal, family = %session.family_id, "refresh token reuse; revoking family");
            self.ports
                .sessions
                .revoke_family(session.family_id, now)
                .await?;
            return Err(IdentityError::RefreshTokenReused);
        }
        if session.expires_at <= now {
            return Err(IdentityError::Unauthenticated("refresh token expired"));
        }
        let principal = match self.current_principal(session.principal).await {
            Ok(principal) => principal,
            Err(error @ IdentityError::Unauthenticated(_)) => {
                // The account was disabled or deleted: end this sign-in for good.
                self.ports
                    .sessions
                    .revoke_family(session.family_id, now)
                    .await?;
                return Err(error);
            }
            // A passing store failure must not sign anyone out.
            Err(error) => return Err(error),
        };
        let (next, tokens) = self.new_session(&principal, Some(session.family_id), now)?;
        if !self.ports.sessions.rotate(session.id, &next, now).await? {
            // Another request rotated this token first: one of the two is a copy.
            warn!(principal = %session.principal, "concurrent refresh token reuse; revoking family");
            self.ports
                .sessions
                .revoke_family(session.family_id, now)
                .await?;
            return Err(IdentityError::RefreshTokenReused);
        }
        Ok(SignedIn { principal, tokens })
    }

    /// Ends the sign-in the refresh token belongs to: it and every token
    /// rotated from the same sign-in stop working. Unknown tokens, and tokens
    /// of other principals, are ignored (sign-out is idempotent and reveals nothing).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn logout(
        &self,
        caller: &Principal,
        token: &RefreshToken,
    ) -> Result<(), IdentityError> {
        let hash = self.ports.tokens.hash_refresh_token(token.expose());
        if let Some(session) = self.ports.sessions.find_by_hash(&hash).await?
            && session.principal == caller.id
        {
            self.ports
                .sessions
                .revoke_family(session.family_id, self.now())
                .await?;
        }
        Ok(())
    }

    /// Turns an access token into the principal it speaks for, with the
    /// principal's current role and companies. Tokens of disabled or deleted
    /// accounts are refused, and so are tokens whose sign-in has ended
    /// (logout, refresh-token reuse, a password change, a disabled account):
    /// the account and the sign-in are read together, in one store round trip.
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, IdentityError> {
        let verified = self
            .ports
            .tokens
            .verify_access(access_token, self.now())
            .map_err(|error| {
                IdentityError::Unauthenticated(match error {
                    TokenError::Expired => "access token expired",
                    TokenError::Invalid => "invalid access token",
                })
            })?;
        let holder = self
            .ports
            .sessions
            .session_holder(verified.principal, verified.session)
            .await?
            .ok_or(IdentityError::Unauthenticated(
                "this sign-in has ended; sign in again",
            ))?;
        let holder_id = match &holder {
            SessionHolder::Staff(user) => PrincipalId::User(user.id),
            SessionHolder::Customer(id) => PrincipalId::Customer(*id),
        };
        if holder_id != verified.principal {
            // A store that broke its contract: fail closed.
            warn!(principal = %verified.principal, holder = %holder_id, "session holder is another principal");
            return Err(IdentityError::Unauthenticated("invalid access token"));
        }
        match holder {
            SessionHolder::Staff(user) if user.status != UserStatus::Active => {
                Err(IdentityError::Unauthenticated("account disabled"))
            }
            SessionHolder::Staff(user) => Ok(staff_principal(&user)),
            SessionHolder::Customer(id) => Ok(Principal {
                id: PrincipalId::Customer(id),
                role: Role::Customer,
                company_ids: Vec::new(),
            }),
        }
    }

    /// The principal `id` stands for now, with its current role and
    /// companies: for credentials that name an account instead of carrying
    /// a token (a signed chart link acts for its signer while the signer's
    /// account is active).
    ///
    /// Errors: [`IdentityError::Unauthenticated`] when the account is gone
    /// or disabled.
    pub async fn current_principal(&self, id: PrincipalId) -> Result<Principal, IdentityError> {
        match id {
            PrincipalId::User(user_id) => {
                let user = self
                    .ports
                    .users
                    .get(user_id)
                    .await?
                    .ok_or(IdentityError::Unauthenticated("account no longer exists"))?;
                if user.status != UserStatus::Active {
                    return Err(IdentityError::Unauthenticated("account disabled"));
                }
                Ok(staff_principal(&user))
            }
            PrincipalId::Customer(customer_id) => {
                if !self.ports.credentials.exists(id).await? {
                    return Err(IdentityError::Unauthenticated("account no longer exists"));
                }
                Ok(Principal {
                    id: PrincipalId::Customer(customer_id),
                    role: Role::Customer,
                    company_ids: Vec::new(),
                })
            }
        }
    }

    /// The caller's own profile.
    pub async fn me(&self, caller: &Principal) -> Result<Profile, IdentityError> {
        if !self
            .policy
            .can(caller, Action::Read, &IdentityResource::OwnAccount)
        {
            return Err(IdentityError::Forbidden);
        }
        match caller.id {
            PrincipalId::User(id) => self
                .ports
                .users
                .get(id)
                .await?
                .map(Profile::Staff)
                .ok_or(IdentityError::NotFound),
            PrincipalId::Customer(id) => self
                .ports
                .customers
                .profile(id)
                .await?
                .map(Profile::Customer)
                .ok_or(IdentityError::NotFound),
        }
    }
}
