//! The business rules of [`IdentityService`], with every port mocked: no
//! database, no hashing, no signing; the clock stands still at [`now`].
//!
//! Mocks are strict: a port method a test did not expect panics when called,
//! so each test only states the calls that matter to its rule.

#![allow(
    clippy::unwrap_used,
    reason = "fixtures are valid by construction; a test that unwraps a bad one should fail"
)]

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, FixedClock, Page, PageRequest, PersonName, Principal,
    PrincipalId, Role, SessionFamilyId, SessionId, Timestamp, UserId,
};

use super::{IdentityPorts, IdentityService, LoginAttempt, SessionSettings};
use crate::account::{CustomerSignup, NewCustomerAccount};
use crate::error::{IdentityError, StoreError};
use crate::password::{Password, PasswordHash};
use crate::ports::{
    Credential, HasherError, MockCredentialStore, MockCustomerAccounts, MockPasswordHasher,
    MockSessionStore, MockTokenIssuer, MockUserRepository, TokenError,
};
use crate::session::{
    AccessToken, RefreshSession, RefreshToken, SessionHolder, TokenHash, VerifiedAccess,
};
use crate::throttle::{MockLoginThrottle, Reservation, ThrottleKey};
use crate::user::{
    AdminGuard, NewStaffUser, StaffRole, StaffUser, StaffUserPatch, UserQuery, UserStatus,
};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// Milliseconds since the epoch at which the test clock stands.
const NOW_MS: i64 = 1_780_000_000_000;
/// The password every attempt and every new account uses.
const PASSWORD: &str = "correct horse battery staple";
/// The email of sign-in attempts, with upper case in both parts.
const LOGIN_EMAIL: &str = "Ann.Lee@Example.ORG";
/// The case-insensitive key of [`LOGIN_EMAIL`].
const LOGIN_EMAIL_KEY: &str = "ann.lee@example.org";
/// The client address of sign-in attempts.
const CLIENT_IP: &str = "203.0.113.7";
/// The refresh token a client presents.
const PRESENTED_REFRESH: &str = "presented-refresh-token";
/// The refresh token the mocked issuer hands out.
const NEW_REFRESH: &str = "new-refresh-token";

const ACCESS_TTL: Duration = Duration::from_mins(10);
const REFRESH_TTL: Duration = Duration::from_hours(7 * 24);

fn now() -> Timestamp {
    Timestamp::from_millis(NOW_MS).unwrap()
}

/// `now` shifted by `offset_ms` (negative: in the past).
fn at_offset(offset_ms: i64) -> Timestamp {
    Timestamp::from_millis(NOW_MS + offset_ms).unwrap()
}

fn settings() -> SessionSettings {
    SessionSettings {
        access_ttl: ACCESS_TTL,
        refresh_ttl: REFRESH_TTL,
    }
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

fn person(text: &str) -> PersonName {
    PersonName::parse(text).unwrap()
}

fn password() -> Password {
    Password::new_secret(PASSWORD).unwrap()
}

fn phc(text: &str) -> PasswordHash {
    PasswordHash::from_phc(text.to_owned())
}

fn client_ip() -> IpAddr {
    CLIENT_IP.parse().unwrap()
}

/// What the mocked issuer stores a refresh token under.
fn hash_of(token: &str) -> TokenHash {
    TokenHash::new(format!("hash({token})"))
}

fn staff_user(role: StaffRole, status: UserStatus) -> StaffUser {
    StaffUser {
        id: UserId::new(),
        name: person("Ada Lovelace"),
        email: email("ada@example.org"),
        phone: None,
        role,
        status,
        notes: None,
        company_ids: vec![CompanyId::new(), CompanyId::new()],
        created_at: at_offset(-86_400_000),
        updated_at: at_offset(-86_400_000),
    }
}

fn principal_of(user: &StaffUser) -> Principal {
    Principal {
        id: PrincipalId::User(user.id),
        role: Role::from(user.role),
        company_ids: user.company_ids.clone(),
    }
}

fn admin_caller() -> Principal {
    principal_of(&staff_user(StaffRole::Admin, UserStatus::Active))
}

fn agent_caller() -> Principal {
    principal_of(&staff_user(StaffRole::Agent, UserStatus::Active))
}

fn customer_caller() -> Principal {
    Principal {
        id: PrincipalId::Customer(CustomerId::new()),
        role: Role::Customer,
        company_ids: Vec::new(),
    }
}

fn credential_of(principal: PrincipalId) -> Credential {
    Credential {
        principal,
        email: email(LOGIN_EMAIL),
        password_hash: phc("$argon2id$stored"),
    }
}

fn login_attempt() -> LoginAttempt {
    LoginAttempt {
        email: email(LOGIN_EMAIL),
        password: Password::for_login(PASSWORD).unwrap(),
        client_ip: Some(client_ip()),
    }
}

fn throttle_keys() -> Vec<ThrottleKey> {
    vec![
        ThrottleKey::Email(LOGIN_EMAIL_KEY.to_owned()),
        ThrottleKey::Ip(client_ip()),
    ]
}

/// A live session of `principal` whose token is [`PRESENTED_REFRESH`].
fn live_session(principal: PrincipalId) -> RefreshSession {
    RefreshSession {
        id: SessionId::new(),
        family_id: SessionFamilyId::new(),
        principal,
        token_hash: hash_of(PRESENTED_REFRESH),
        created_at: at_offset(-3_600_000),
        expires_at: at_offset(3_600_000),
        rotated_at: None,
        revoked_at: None,
    }
}

fn new_staff_user(role: StaffRole, status: UserStatus) -> NewStaffUser {
    let company = CompanyId::new();
    NewStaffUser {
        name: person("Grace Hopper"),
        email: email("grace@example.org"),
        phone: None,
        role,
        status,
        notes: None,
        company_ids: vec![company, company],
        password: password(),
    }
}

/// Keeps what a mock was called with, for assertions after the call.
#[derive(Debug)]
struct Recorded<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Recorded<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Clone> Recorded<T> {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Vec::new())))
    }

    fn push(&self, value: T) {
        self.0.lock().unwrap().push(value);
    }

    /// The one recorded value (fails unless exactly one was recorded).
    fn single(&self) -> T {
        let values = self.0.lock().unwrap();
        assert_eq!(values.len(), 1, "expected exactly one recorded call");
        values[0].clone()
    }
}

/// Fails unless `$result` is an `Err` matching `$pattern`.
macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err($pattern) => {}
            other => panic!("expected Err({}), got {other:?}", stringify!($pattern)),
        }
    };
    ($result:expr, $pattern:pat, $case:expr) => {
        match $result {
            Err($pattern) => {}
            other => panic!(
                "{}: expected Err({}), got {other:?}",
                $case,
                stringify!($pattern)
            ),
        }
    };
}

// ---------------------------------------------------------------------------
// The service under test
// ---------------------------------------------------------------------------

/// The text of the access token the fake issuer signs for `principal` in
/// sign-in `session`.
fn access_token_for(principal: PrincipalId, session: SessionFamilyId) -> String {
    format!("access-for-{principal}-in-{session}")
}

/// The ports of one test. Every mock is strict, except the token issuer,
/// which behaves like a deterministic fake: refresh tokens are
/// [`NEW_REFRESH`], their hashes [`hash_of`] them, and access tokens
/// ([`access_token_for`]) are issued only at [`now`] for [`ACCESS_TTL`]
/// (any other call panics).
struct Mocks {
    users: MockUserRepository,
    credentials: MockCredentialStore,
    customers: MockCustomerAccounts,
    sessions: MockSessionStore,
    hasher: MockPasswordHasher,
    tokens: MockTokenIssuer,
    throttle: MockLoginThrottle,
}

impl Mocks {
    fn new() -> Self {
        let mut tokens = MockTokenIssuer::new();
        tokens
            .expect_new_refresh_token()
            .returning(|| RefreshToken::new(NEW_REFRESH.to_owned()));
        tokens.expect_hash_refresh_token().returning(hash_of);
        tokens
            .expect_issue_access()
            .withf(|_, _, at, ttl| *at == now() && *ttl == ACCESS_TTL)
            .returning(|principal, session, _, ttl| {
                Ok(AccessToken {
                    token: access_token_for(principal.id, session),
                    expires_in: ttl,
                })
            });
        Self {
            users: MockUserRepository::new(),
            credentials: MockCredentialStore::new(),
            customers: MockCustomerAccounts::new(),
            sessions: MockSessionStore::new(),
            hasher: MockPasswordHasher::new(),
            tokens,
            throttle: MockLoginThrottle::new(),
        }
    }

    /// A sign-in with [`login_attempt`] that passes the throttle, finds
    /// `credential` for the email, and whose password the hasher finds
    /// `matching` (verifying against the stored hash, or against none).
    fn sign_in(credential: Option<Credential>, matching: bool) -> Self {
        let mut mocks = Self::new();
        mocks
            .throttle
            .expect_reserve()
            .withf(|keys, at| keys == throttle_keys().as_slice() && *at == now())
            .times(1)
            .returning(|keys, at| {
                Ok(Reservation {
                    keys: keys.to_vec(),
                    at,
                })
            });
        let stored_hash = credential.as_ref().map(|c| c.password_hash.clone());
        mocks
            .credentials
            .expect_find_by_email()
            .withf(|given| given.key() == LOGIN_EMAIL_KEY)
            .times(1)
            .returning(move |_| Ok(credential.clone()));
        mocks
            .hasher
            .expect_verify()
            .withf(move |given, hash| given.expose() == PASSWORD && hash.cloned() == stored_hash)
            .times(1)
            .returning(move |_, _| Ok(matching));
        mocks
    }

    /// `users.get(user.id)` finds `user`, once.
    fn user_found(&mut self, user: &StaffUser) -> &mut Self {
        let found = user.clone();
        self.users
            .expect_get()
            .withf({
                let id = user.id;
                move |given| *given == id
            })
            .times(1)
            .returning(move |_| Ok(Some(found.clone())));
        self
    }

    /// `sessions.find_by_hash(hash_of(PRESENTED_REFRESH))` finds `session`, once.
    fn presented_session(&mut self, session: Option<RefreshSession>) -> &mut Self {
        self.sessions
            .expect_find_by_hash()
            .withf(|hash| *hash == hash_of(PRESENTED_REFRESH))
            .times(1)
            .returning(move |_| Ok(session.clone()));
        self
    }

    /// No session is stored, rotated or revoked.
    fn no_session_change(&mut self) -> &mut Self {
        self.sessions.expect_insert().never();
        self.sessions.expect_rotate().never();
        self.sessions.expect_revoke_family().never();
        self.sessions.expect_revoke_principal().never();
        self
    }

    /// `sessions.revoke_family(family, now)`, exactly once.
    fn family_revoked(&mut self, family: SessionFamilyId) -> &mut Self {
        self.sessions
            .expect_revoke_family()
            .withf(move |given, at| *given == family && *at == now())
            .times(1)
            .returning(|_, _| Ok(()));
        self
    }

    /// No staff user is written.
    fn no_user_write(&mut self) -> &mut Self {
        self.users.expect_insert().never();
        self.users.expect_update().never();
        self.users.expect_delete().never();
        self
    }

    fn service(self) -> IdentityService {
        let ports = IdentityPorts {
            users: Arc::new(self.users),
            credentials: Arc::new(self.credentials),
            customers: Arc::new(self.customers),
            sessions: Arc::new(self.sessions),
            hasher: Arc::new(self.hasher),
            tokens: Arc::new(self.tokens),
            throttle: Arc::new(self.throttle),
            clock: Arc::new(FixedClock::at(now())),
        };
        IdentityService::new(ports, settings())
    }
}

// ---------------------------------------------------------------------------
// Sign-up
// ---------------------------------------------------------------------------

fn signup() -> CustomerSignup {
    CustomerSignup {
        first_name: person("Ann"),
        last_name: person("Lee"),
        email: email(LOGIN_EMAIL),
        phone: None,
        company_id: None,
        password: password(),
        client_ip: None,
    }
}

#[tokio::test]
async fn sign_up_from_an_address_counts_against_its_sign_up_limit_before_hashing() {
    let mut mocks = Mocks::new();
    let mut order = mockall::Sequence::new();
    mocks
        .throttle
        .expect_reserve()
        .withf(|keys, at| keys == [ThrottleKey::Signup(client_ip())] && *at == now())
        .times(1)
        .in_sequence(&mut order)
        .returning(|keys, at| {
            Ok(Reservation {
                keys: keys.to_vec(),
                at,
            })
        });
    mocks
        .hasher
        .expect_hash()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(phc("$argon2id$new")));
    mocks
        .customers
        .expect_register()
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .sessions
        .expect_insert()
        .times(1)
        .returning(|_| Ok(()));
    // A sign-up is counted for good: it is not a failure that success takes back.
    mocks.throttle.expect_release().never();

    let result = mocks
        .service()
        .sign_up(CustomerSignup {
            client_ip: Some(client_ip()),
            ..signup()
        })
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn sign_up_over_the_address_limit_is_refused_before_any_hashing() {
    let mut mocks = Mocks::new();
    mocks
        .throttle
        .expect_reserve()
        .times(1)
        .returning(|_, _| Err(Duration::from_mins(2)));
    mocks.hasher.expect_hash().never();
    mocks.customers.expect_register().never();
    mocks.no_session_change();

    let result = mocks
        .service()
        .sign_up(CustomerSignup {
            client_ip: Some(client_ip()),
            ..signup()
        })
        .await;

    match result {
        Err(IdentityError::SignupsThrottled { retry_after }) => {
            assert_eq!(retry_after, Duration::from_mins(2));
        }
        other => panic!("expected SignupsThrottled, got {other:?}"),
    }
}

#[tokio::test]
async fn sign_up_while_hashing_is_saturated_is_busy_and_registers_nothing() {
    let mut mocks = Mocks::new();
    mocks.hasher.expect_hash().times(1).returning(|_| {
        Err(HasherError::Busy {
            retry_after: Duration::from_secs(1),
        })
    });
    mocks.customers.expect_register().never();
    mocks.no_session_change();

    let result = mocks.service().sign_up(signup()).await;

    match result {
        Err(IdentityError::Busy { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(1));
        }
        other => panic!("expected Busy, got {other:?}"),
    }
}

#[tokio::test]
async fn sign_up_registers_the_customer_with_the_hash_and_signs_it_in() {
    let mut mocks = Mocks::new();
    mocks
        .hasher
        .expect_hash()
        .withf(|given| given.expose() == PASSWORD)
        .times(1)
        .returning(|_| Ok(phc("$argon2id$new")));
    let registered = Recorded::<NewCustomerAccount>::new();
    let sink = registered.clone();
    mocks
        .customers
        .expect_register()
        .withf(|_, hash| *hash == phc("$argon2id$new"))
        .times(1)
        .returning(move |account, _| {
            sink.push(account.clone());
            Ok(())
        });
    let inserted = Recorded::<RefreshSession>::new();
    let sink = inserted.clone();
    mocks
        .sessions
        .expect_insert()
        .times(1)
        .returning(move |session| {
            sink.push(session.clone());
            Ok(())
        });

    let signed_in = mocks.service().sign_up(signup()).await.unwrap();

    let account = registered.single();
    assert_eq!(account.first_name, person("Ann"));
    assert_eq!(account.last_name, person("Lee"));
    assert_eq!(account.email, email(LOGIN_EMAIL));
    assert_eq!(account.created_at, now());
    assert_eq!(
        signed_in.principal,
        Principal {
            id: PrincipalId::Customer(account.id),
            role: Role::Customer,
            company_ids: Vec::new(),
        }
    );
    let session = inserted.single();
    assert_eq!(session.principal, signed_in.principal.id);
    assert_eq!(session.token_hash, hash_of(NEW_REFRESH));
    assert_eq!(session.created_at, now());
    assert_eq!(session.expires_at, now().plus(REFRESH_TTL));
    assert_eq!((session.rotated_at, session.revoked_at), (None, None));
    assert_eq!(
        signed_in.tokens.refresh,
        RefreshToken::new(NEW_REFRESH.to_owned())
    );
    assert_eq!(
        signed_in.tokens.access.token,
        access_token_for(signed_in.principal.id, session.family_id),
        "the access token names the new sign-in"
    );
    assert_eq!(signed_in.tokens.access.expires_in, ACCESS_TTL);
}

#[tokio::test]
async fn sign_up_with_a_taken_email_fails_and_starts_no_session() {
    let mut mocks = Mocks::new();
    mocks
        .hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(phc("$argon2id$new")));
    mocks
        .customers
        .expect_register()
        .times(1)
        .returning(|_, _| Err(StoreError::DuplicateEmail));
    mocks.no_session_change();

    let result = mocks.service().sign_up(signup()).await;

    assert_err!(result, IdentityError::DuplicateEmail);
}

// ---------------------------------------------------------------------------
// Sign-in
// ---------------------------------------------------------------------------

#[tokio::test]
async fn login_with_an_unknown_email_verifies_against_no_hash_and_counts_a_failure() {
    // `sign_in(None, ..)` expects `verify(password, None)`: the same work as a real check.
    let mut mocks = Mocks::sign_in(None, false);
    // The attempt was counted by `reserve`; a failure keeps it counted.
    mocks.throttle.expect_release().never();
    mocks.throttle.expect_clear().never();
    mocks.users.expect_get().never();
    mocks.no_session_change();

    let result = mocks.service().login(login_attempt()).await;

    assert_err!(result, IdentityError::InvalidCredentials);
}

#[tokio::test]
async fn login_with_a_wrong_password_fails_alike_and_counts_a_failure() {
    let user = staff_user(StaffRole::Admin, UserStatus::Active);
    let mut mocks = Mocks::sign_in(Some(credential_of(PrincipalId::User(user.id))), false);
    // The attempt was counted by `reserve`; a failure keeps it counted.
    mocks.throttle.expect_release().never();
    mocks.throttle.expect_clear().never();
    mocks.users.expect_get().never();
    mocks.no_session_change();

    let result = mocks.service().login(login_attempt()).await;

    assert_err!(result, IdentityError::InvalidCredentials);
}

#[tokio::test]
async fn login_of_staff_clears_the_email_and_signs_in_with_the_stored_role_and_companies() {
    for (stored_role, expected_role) in [
        (StaffRole::Admin, Role::Admin),
        (StaffRole::Agent, Role::Agent),
    ] {
        let user = staff_user(stored_role, UserStatus::Active);
        let mut mocks = Mocks::sign_in(Some(credential_of(PrincipalId::User(user.id))), true);
        mocks.user_found(&user);
        mocks
            .throttle
            .expect_clear()
            .withf(|key| *key == ThrottleKey::Email(LOGIN_EMAIL_KEY.to_owned()))
            .times(1)
            .return_const(());
        mocks
            .throttle
            .expect_release()
            .withf(|reservation| reservation.keys == throttle_keys() && reservation.at == now())
            .times(1)
            .return_const(());
        let user_id = user.id;
        mocks
            .sessions
            .expect_insert()
            .withf(move |session| {
                session.principal == PrincipalId::User(user_id)
                    && session.token_hash == hash_of(NEW_REFRESH)
                    && session.expires_at == now().plus(REFRESH_TTL)
            })
            .times(1)
            .returning(|_| Ok(()));

        let signed_in = mocks.service().login(login_attempt()).await.unwrap();

        assert_eq!(
            signed_in.principal,
            Principal {
                id: PrincipalId::User(user.id),
                role: expected_role,
                company_ids: user.company_ids.clone(),
            },
            "{stored_role:?}"
        );
        assert_eq!(
            signed_in.tokens.refresh,
            RefreshToken::new(NEW_REFRESH.to_owned())
        );
    }
}

#[tokio::test]
async fn login_of_a_customer_signs_in_with_the_customer_role() {
    let customer = CustomerId::new();
    let mut mocks = Mocks::sign_in(Some(credential_of(PrincipalId::Customer(customer))), true);
    mocks.throttle.expect_clear().times(1).return_const(());
    mocks.throttle.expect_release().times(1).return_const(());
    mocks.users.expect_get().never();
    mocks
        .sessions
        .expect_insert()
        .withf(move |session| session.principal == PrincipalId::Customer(customer))
        .times(1)
        .returning(|_| Ok(()));

    let signed_in = mocks.service().login(login_attempt()).await.unwrap();

    assert_eq!(
        signed_in.principal,
        Principal {
            id: PrincipalId::Customer(customer),
            role: Role::Customer,
            company_ids: Vec::new(),
        }
    );
}

#[tokio::test]
async fn login_without_a_client_address_is_throttled_by_email_only() {
    let mut mocks = Mocks::new();
    mocks
        .throttle
        .expect_reserve()
        .withf(|keys, _| keys == [ThrottleKey::Email(LOGIN_EMAIL_KEY.to_owned())])
        .times(1)
        .returning(|keys, at| {
            Ok(Reservation {
                keys: keys.to_vec(),
                at,
            })
        });
    mocks
        .credentials
        .expect_find_by_email()
        .times(1)
        .returning(|_| Ok(None));
    mocks
        .hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    mocks.throttle.expect_release().never();
    let attempt = LoginAttempt {
        client_ip: None,
        ..login_attempt()
    };

    let result = mocks.service().login(attempt).await;

    assert_err!(result, IdentityError::InvalidCredentials);
}

#[tokio::test]
async fn login_of_a_disabled_user_with_the_right_password_is_refused_without_a_session() {
    let user = staff_user(StaffRole::Agent, UserStatus::Disabled);
    let mut mocks = Mocks::sign_in(Some(credential_of(PrincipalId::User(user.id))), true);
    mocks.user_found(&user);
    mocks.throttle.expect_clear().return_const(());
    mocks.throttle.expect_release().times(1).return_const(());
    mocks.no_session_change();

    let result = mocks.service().login(login_attempt()).await;

    assert_err!(result, IdentityError::AccountDisabled);
}

#[tokio::test]
async fn login_while_throttled_is_refused_before_any_credential_is_read() {
    let mut mocks = Mocks::new();
    mocks
        .throttle
        .expect_reserve()
        .times(1)
        .returning(|_, _| Err(Duration::from_secs(42)));
    mocks.credentials.expect_find_by_email().never();
    mocks.hasher.expect_verify().never();
    mocks.throttle.expect_release().never();
    mocks.no_session_change();

    let result = mocks.service().login(login_attempt()).await;

    match result {
        Err(IdentityError::Throttled { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(42));
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Refresh
// ---------------------------------------------------------------------------

fn presented() -> RefreshToken {
    RefreshToken::new(PRESENTED_REFRESH.to_owned())
}

#[tokio::test]
async fn refresh_with_an_unknown_token_is_unauthenticated() {
    let mut mocks = Mocks::new();
    mocks.presented_session(None).no_session_change();

    let result = mocks.service().refresh(&presented()).await;

    assert_err!(result, IdentityError::Unauthenticated(_));
}

#[tokio::test]
async fn refresh_with_a_revoked_token_is_unauthenticated() {
    let session = RefreshSession {
        revoked_at: Some(at_offset(-60_000)),
        ..live_session(PrincipalId::User(UserId::new()))
    };
    let mut mocks = Mocks::new();
    mocks.presented_session(Some(session)).no_session_change();

    let result = mocks.service().refresh(&presented()).await;

    assert_err!(result, IdentityError::Unauthenticated(_));
}

#[tokio::test]
async fn refresh_with_an_expired_token_is_unauthenticated() {
    for (case, expires_at) in [("expires now", now()), ("expired 1 ms ago", at_offset(-1))] {
        let session = RefreshSession {
            expires_at,
            ..live_session(PrincipalId::User(UserId::new()))
        };
        let mut mocks = Mocks::new();
        mocks.presented_session(Some(session)).no_session_change();
        mocks.users.expect_get().never();

        let result = mocks.service().refresh(&presented()).await;

        assert_err!(result, IdentityError::Unauthenticated(_), case);
    }
}

#[tokio::test]
async fn refresh_with_an_already_rotated_token_revokes_its_family() {
    let session = RefreshSession {
        rotated_at: Some(at_offset(-60_000)),
        ..live_session(PrincipalId::User(UserId::new()))
    };
    let mut mocks = Mocks::new();
    mocks
        .presented_session(Some(session.clone()))
        .family_revoked(session.family_id);
    mocks.sessions.expect_rotate().never();
    mocks.users.expect_get().never();

    let result = mocks.service().refresh(&presented()).await;

    assert_err!(result, IdentityError::RefreshTokenReused);
}

#[tokio::test]
async fn refresh_for_a_disabled_or_deleted_account_fails_and_revokes_the_family() {
    let disabled = staff_user(StaffRole::Admin, UserStatus::Disabled);
    let deleted = UserId::new();
    let gone_customer = CustomerId::new();
    for (case, principal) in [
        ("disabled user", PrincipalId::User(disabled.id)),
        ("deleted user", PrincipalId::User(deleted)),
        ("deleted customer", PrincipalId::Customer(gone_customer)),
    ] {
        let session = live_session(principal);
        let mut mocks = Mocks::new();
        mocks
            .presented_session(Some(session.clone()))
            .family_revoked(session.family_id);
        mocks.sessions.expect_rotate().never();
        let disabled = disabled.clone();
        mocks
            .users
            .expect_get()
            .returning(move |id| Ok((id == disabled.id).then(|| disabled.clone())));
        mocks
            .credentials
            .expect_exists()
            .withf(move |given| *given == PrincipalId::Customer(gone_customer))
            .returning(|_| Ok(false));

        let result = mocks.service().refresh(&presented()).await;

        assert_err!(result, IdentityError::Unauthenticated(_), case);
    }
}

#[tokio::test]
async fn refresh_rotates_into_a_new_session_of_the_same_family_with_the_current_role() {
    // The session records no role: the one in the store now is what counts.
    let user = staff_user(StaffRole::Agent, UserStatus::Active);
    let session = live_session(PrincipalId::User(user.id));
    let mut mocks = Mocks::new();
    mocks
        .presented_session(Some(session.clone()))
        .user_found(&user);
    let rotated = Recorded::<RefreshSession>::new();
    let sink = rotated.clone();
    let old_id = session.id;
    mocks
        .sessions
        .expect_rotate()
        .withf(move |old, _, at| *old == old_id && *at == now())
        .times(1)
        .returning(move |_, next, _| {
            sink.push(next.clone());
            Ok(true)
        });
    mocks.sessions.expect_revoke_family().never();

    let signed_in = mocks.service().refresh(&presented()).await.unwrap();

    assert_eq!(signed_in.principal, principal_of(&user));
    assert_eq!(signed_in.principal.role, Role::Agent);
    assert_eq!(
        signed_in.tokens.refresh,
        RefreshToken::new(NEW_REFRESH.to_owned())
    );
    let next = rotated.single();
    assert_ne!(next.id, session.id);
    assert_eq!(next.family_id, session.family_id);
    assert_eq!(
        signed_in.tokens.access.token,
        access_token_for(session.principal, session.family_id),
        "the new access token stays in the same sign-in"
    );
    assert_eq!(next.principal, session.principal);
    assert_eq!(next.token_hash, hash_of(NEW_REFRESH));
    assert_eq!(next.created_at, now());
    assert_eq!(next.expires_at, now().plus(REFRESH_TTL));
    assert_eq!((next.rotated_at, next.revoked_at), (None, None));
}

#[tokio::test]
async fn refresh_that_loses_the_rotation_race_is_reuse_and_revokes_the_family() {
    let customer = CustomerId::new();
    let session = live_session(PrincipalId::Customer(customer));
    let mut mocks = Mocks::new();
    mocks
        .presented_session(Some(session.clone()))
        .family_revoked(session.family_id);
    mocks
        .credentials
        .expect_exists()
        .times(1)
        .returning(|_| Ok(true));
    mocks
        .sessions
        .expect_rotate()
        .times(1)
        .returning(|_, _, _| Ok(false));

    let result = mocks.service().refresh(&presented()).await;

    assert_err!(result, IdentityError::RefreshTokenReused);
}

// ---------------------------------------------------------------------------
// Sign-out
// ---------------------------------------------------------------------------

#[tokio::test]
async fn logout_revokes_the_family_of_the_callers_own_session() {
    let caller = agent_caller();
    let session = live_session(caller.id);
    let mut mocks = Mocks::new();
    mocks
        .presented_session(Some(session.clone()))
        .family_revoked(session.family_id);

    mocks.service().logout(&caller, &presented()).await.unwrap();
}

#[tokio::test]
async fn logout_ignores_unknown_tokens_and_tokens_of_others() {
    let caller = customer_caller();
    for (case, found) in [
        ("unknown token", None),
        (
            "another customer's",
            Some(live_session(customer_caller().id)),
        ),
        ("a staff user's", Some(live_session(admin_caller().id))),
    ] {
        let mut mocks = Mocks::new();
        mocks.presented_session(found).no_session_change();

        let result = mocks.service().logout(&caller, &presented()).await;

        assert!(result.is_ok(), "{case}: {result:?}");
    }
}

// ---------------------------------------------------------------------------
// Authentication of requests
// ---------------------------------------------------------------------------

/// The token issuer verifies "access-token" at `now` as a token of
/// `principal` in sign-in `session`, issued with `role`.
fn access_verified(
    mocks: &mut Mocks,
    principal: PrincipalId,
    session: SessionFamilyId,
    role: Role,
) {
    mocks
        .tokens
        .expect_verify_access()
        .withf(|token, at| token == "access-token" && *at == now())
        .times(1)
        .returning(move |_, _| {
            Ok(VerifiedAccess {
                principal,
                session,
                role,
                expires_at: at_offset(60_000),
            })
        });
}

/// `sessions.session_holder(principal, session)` answers `holder`, once:
/// the only store call of an authentication.
fn holder_found(
    mocks: &mut Mocks,
    principal: PrincipalId,
    session: SessionFamilyId,
    holder: Option<SessionHolder>,
) {
    mocks
        .sessions
        .expect_session_holder()
        .withf(move |given, family| *given == principal && *family == session)
        .times(1)
        .returning(move |_, _| Ok(holder.clone()));
}

#[tokio::test]
async fn authenticate_refuses_invalid_and_expired_tokens() {
    for error in [TokenError::Invalid, TokenError::Expired] {
        let mut mocks = Mocks::new();
        mocks
            .tokens
            .expect_verify_access()
            .times(1)
            .returning(move |_, _| Err(error));
        mocks.users.expect_get().never();
        mocks.credentials.expect_exists().never();
        mocks.sessions.expect_session_holder().never();

        let result = mocks.service().authenticate("access-token").await;

        assert_err!(
            result,
            IdentityError::Unauthenticated(_),
            format!("{error:?}")
        );
    }
}

#[tokio::test]
async fn authenticate_gives_the_current_role_and_companies_from_the_store() {
    // The token was issued to an admin who has been demoted to agent since.
    let user = staff_user(StaffRole::Agent, UserStatus::Active);
    let session = SessionFamilyId::new();
    let mut mocks = Mocks::new();
    access_verified(&mut mocks, PrincipalId::User(user.id), session, Role::Admin);
    holder_found(
        &mut mocks,
        PrincipalId::User(user.id),
        session,
        Some(SessionHolder::Staff(user.clone())),
    );

    let principal = mocks.service().authenticate("access-token").await.unwrap();

    assert_eq!(
        principal,
        Principal {
            id: PrincipalId::User(user.id),
            role: Role::Agent,
            company_ids: user.company_ids.clone(),
        }
    );
}

#[tokio::test]
async fn authenticate_refuses_valid_tokens_of_disabled_users() {
    let user = staff_user(StaffRole::Admin, UserStatus::Disabled);
    let session = SessionFamilyId::new();
    let mut mocks = Mocks::new();
    access_verified(&mut mocks, PrincipalId::User(user.id), session, Role::Admin);
    holder_found(
        &mut mocks,
        PrincipalId::User(user.id),
        session,
        Some(SessionHolder::Staff(user.clone())),
    );

    let result = mocks.service().authenticate("access-token").await;

    assert_err!(result, IdentityError::Unauthenticated(_));
}

#[tokio::test]
async fn authenticate_refuses_valid_tokens_of_deleted_users() {
    let id = UserId::new();
    let session = SessionFamilyId::new();
    let mut mocks = Mocks::new();
    access_verified(&mut mocks, PrincipalId::User(id), session, Role::Agent);
    holder_found(&mut mocks, PrincipalId::User(id), session, None);

    let result = mocks.service().authenticate("access-token").await;

    assert_err!(result, IdentityError::Unauthenticated(_));
}

#[tokio::test]
async fn authenticate_accepts_customers_only_while_their_credential_exists() {
    for exists in [true, false] {
        let customer = CustomerId::new();
        let session = SessionFamilyId::new();
        let mut mocks = Mocks::new();
        access_verified(
            &mut mocks,
            PrincipalId::Customer(customer),
            session,
            Role::Customer,
        );
        holder_found(
            &mut mocks,
            PrincipalId::Customer(customer),
            session,
            exists.then_some(SessionHolder::Customer(customer)),
        );
        mocks.users.expect_get().never();

        let result = mocks.service().authenticate("access-token").await;

        if exists {
            assert_eq!(
                result.unwrap(),
                Principal {
                    id: PrincipalId::Customer(customer),
                    role: Role::Customer,
                    company_ids: Vec::new(),
                }
            );
        } else {
            assert_err!(result, IdentityError::Unauthenticated(_));
        }
    }
}

#[tokio::test]
async fn authenticate_refuses_tokens_of_an_ended_sign_in_of_an_active_account() {
    // Logged out, reuse detected, or the password changed: the store finds
    // no live session of the token's family, and the account is fine.
    for principal in [
        PrincipalId::User(UserId::new()),
        PrincipalId::Customer(CustomerId::new()),
    ] {
        let session = SessionFamilyId::new();
        let mut mocks = Mocks::new();
        access_verified(&mut mocks, principal, session, Role::Agent);
        holder_found(&mut mocks, principal, session, None);
        mocks.users.expect_get().never();
        mocks.credentials.expect_exists().never();

        let result = mocks.service().authenticate("access-token").await;

        assert_err!(result, IdentityError::Unauthenticated(_), principal);
    }
}

#[tokio::test]
async fn authenticate_refuses_a_holder_that_is_not_the_tokens_principal() {
    let session = SessionFamilyId::new();
    let customer = CustomerId::new();
    let mut mocks = Mocks::new();
    access_verified(
        &mut mocks,
        PrincipalId::Customer(customer),
        session,
        Role::Customer,
    );
    holder_found(
        &mut mocks,
        PrincipalId::Customer(customer),
        session,
        Some(SessionHolder::Customer(CustomerId::new())),
    );

    let result = mocks.service().authenticate("access-token").await;

    assert_err!(result, IdentityError::Unauthenticated(_));
}

// ---------------------------------------------------------------------------
// Administration of staff users
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_admins_create_list_update_or_delete_staff_users() {
    for (case, caller) in [("agent", agent_caller()), ("customer", customer_caller())] {
        let mut mocks = Mocks::new();
        mocks.no_user_write();
        mocks.users.expect_get().never();
        mocks.users.expect_list().never();
        mocks.hasher.expect_hash().never();
        mocks.no_session_change();
        let service = mocks.service();
        // Even the caller's own record, when it has one.
        let target = caller.user_id().unwrap_or_default();
        let patch = StaffUserPatch {
            name: Some(person("New Name")),
            ..StaffUserPatch::default()
        };

        let created = service
            .create_user(
                &caller,
                new_staff_user(StaffRole::Agent, UserStatus::Active),
            )
            .await;
        let listed = service
            .list_users(&caller, &UserQuery::default(), &PageRequest::default())
            .await;
        let updated = service.update_user(&caller, target, patch).await;
        let deleted = service.delete_user(&caller, target).await;

        assert_err!(created, IdentityError::Forbidden, case);
        assert_err!(listed, IdentityError::Forbidden, case);
        assert_err!(updated, IdentityError::Forbidden, case);
        assert_err!(deleted, IdentityError::Forbidden, case);
    }
}

#[tokio::test]
async fn non_admins_may_not_read_another_staff_user() {
    for (case, caller) in [("agent", agent_caller()), ("customer", customer_caller())] {
        let mut mocks = Mocks::new();
        mocks.users.expect_get().never();

        let result = mocks.service().get_user(&caller, UserId::new()).await;

        assert_err!(result, IdentityError::Forbidden, case);
    }
}

#[tokio::test]
async fn an_agent_may_read_its_own_record() {
    let user = staff_user(StaffRole::Agent, UserStatus::Active);
    let mut mocks = Mocks::new();
    mocks.user_found(&user);

    let found = mocks
        .service()
        .get_user(&principal_of(&user), user.id)
        .await
        .unwrap();

    assert_eq!(found, user);
}

#[tokio::test]
async fn unknown_user_ids_are_not_found() {
    let id = UserId::new();
    let mut mocks = Mocks::new();
    mocks
        .users
        .expect_get()
        .withf(move |given| *given == id)
        .times(3)
        .returning(|_| Ok(None));
    mocks.no_user_write();
    mocks.hasher.expect_hash().never();
    mocks.no_session_change();
    let service = mocks.service();
    let admin = admin_caller();
    let patch = StaffUserPatch {
        status: Some(UserStatus::Disabled),
        ..StaffUserPatch::default()
    };

    assert_err!(service.get_user(&admin, id).await, IdentityError::NotFound);
    assert_err!(
        service.update_user(&admin, id, patch).await,
        IdentityError::NotFound
    );
    assert_err!(
        service.delete_user(&admin, id).await,
        IdentityError::NotFound
    );
}

#[tokio::test]
async fn an_admin_creates_a_staff_user_with_its_hash_and_distinct_companies() {
    let new = new_staff_user(StaffRole::Agent, UserStatus::Active);
    let company = new.company_ids[0];
    let mut mocks = Mocks::new();
    mocks
        .hasher
        .expect_hash()
        .withf(|given| given.expose() == PASSWORD)
        .times(1)
        .returning(|_| Ok(phc("$argon2id$new")));
    mocks
        .users
        .expect_insert()
        .withf(move |user, hash| {
            user.company_ids == [company]
                && user.created_at == now()
                && user.updated_at == now()
                && *hash == phc("$argon2id$new")
        })
        .times(1)
        .returning(|_, _| Ok(()));

    let created = mocks
        .service()
        .create_user(&admin_caller(), new)
        .await
        .unwrap();

    assert_eq!(created.role, StaffRole::Agent);
    assert_eq!(created.email, email("grace@example.org"));
    assert_eq!(created.company_ids, vec![company]);
}

#[tokio::test]
async fn an_admin_lists_staff_users_with_the_query_and_page_given() {
    let user = staff_user(StaffRole::Agent, UserStatus::Active);
    let query = UserQuery {
        role: Some(StaffRole::Agent),
        ..UserQuery::default()
    };
    let page = Page {
        items: vec![user],
        next: None,
    };
    let mut mocks = Mocks::new();
    let (expected_query, answer) = (query.clone(), page.clone());
    mocks
        .users
        .expect_list()
        .withf(move |given, request| *given == expected_query && *request == PageRequest::default())
        .times(1)
        .returning(move |_, _| Ok(answer.clone()));

    let listed = mocks
        .service()
        .list_users(&admin_caller(), &query, &PageRequest::default())
        .await
        .unwrap();

    assert_eq!(listed, page);
}

fn patch_status(status: UserStatus) -> StaffUserPatch {
    StaffUserPatch {
        status: Some(status),
        ..StaffUserPatch::default()
    }
}

fn patch_role(role: StaffRole) -> StaffUserPatch {
    StaffUserPatch {
        role: Some(role),
        ..StaffUserPatch::default()
    }
}

fn patch_name() -> StaffUserPatch {
    StaffUserPatch {
        name: Some(person("Renamed Person")),
        ..StaffUserPatch::default()
    }
}

#[tokio::test]
async fn updates_that_remove_an_active_admin_ask_the_store_to_keep_another() {
    use AdminGuard::{KeepAnotherActiveAdmin as Keep, None as Free};
    use StaffRole::{Admin, Agent};
    use UserStatus::{Active, Disabled};
    #[rustfmt::skip]
    let cases = [
        // what,                       role,  status,   patch,                  guard
        ("disable an active admin",    Admin, Active,   patch_status(Disabled), Keep),
        ("demote an active admin",     Admin, Active,   patch_role(Agent),      Keep),
        ("rename an active admin",     Admin, Active,   patch_name(),           Free),
        ("re-assert an admin's role",  Admin, Active,   patch_role(Admin),      Free),
        ("disable an agent",           Agent, Active,   patch_status(Disabled), Free),
        ("promote an agent",           Agent, Active,   patch_role(Admin),      Free),
        ("demote a disabled admin",    Admin, Disabled, patch_role(Agent),      Free),
        ("enable a disabled admin",    Admin, Disabled, patch_status(Active),   Free),
    ];
    for (case, role, status, patch, guard) in cases {
        let user = staff_user(role, status);
        let mut mocks = Mocks::new();
        mocks.user_found(&user);
        let id = user.id;
        mocks
            .users
            .expect_update()
            .withf(move |next, hash, given| next.id == id && hash.is_none() && *given == guard)
            .times(1)
            .returning(|_, _, _| Ok(()));
        mocks
            .sessions
            .expect_revoke_principal()
            .returning(|_, _| Ok(()));

        let result = mocks
            .service()
            .update_user(&admin_caller(), id, patch)
            .await;

        assert!(result.is_ok(), "{case}: {result:?}");
    }
}

#[tokio::test]
async fn an_update_refused_for_the_last_active_admin_fails_and_revokes_nothing() {
    let user = staff_user(StaffRole::Admin, UserStatus::Active);
    let mut mocks = Mocks::new();
    mocks.user_found(&user);
    mocks
        .users
        .expect_update()
        .times(1)
        .returning(|_, _, _| Err(StoreError::LastActiveAdmin));
    mocks.no_session_change();

    let result = mocks
        .service()
        .update_user(&admin_caller(), user.id, patch_status(UserStatus::Disabled))
        .await;

    assert_err!(result, IdentityError::LastActiveAdmin);
}

#[tokio::test]
async fn disabling_a_user_or_changing_its_password_ends_its_sessions() {
    use StaffRole::{Admin, Agent};
    use UserStatus::{Active, Disabled};
    let new_password = StaffUserPatch {
        password: Some(password()),
        ..StaffUserPatch::default()
    };
    #[rustfmt::skip]
    let cases = [
        // what,                     role,  status,   patch,                  revokes
        ("disable an agent",         Agent, Active,   patch_status(Disabled), true),
        ("disable an admin",         Admin, Active,   patch_status(Disabled), true),
        ("change a password",        Agent, Active,   new_password,           true),
        ("rename",                   Agent, Active,   patch_name(),           false),
        ("demote",                   Admin, Active,   patch_role(Agent),      false),
        ("disable a disabled user",  Agent, Disabled, patch_status(Disabled), false),
        ("enable a disabled user",   Agent, Disabled, patch_status(Active),   false),
    ];
    for (case, role, status, patch, revokes) in cases {
        let user = staff_user(role, status);
        let id = user.id;
        let mut mocks = Mocks::new();
        mocks.user_found(&user);
        mocks
            .hasher
            .expect_hash()
            .returning(|_| Ok(phc("$argon2id$changed")));
        mocks
            .users
            .expect_update()
            .times(1)
            .returning(|_, _, _| Ok(()));
        mocks
            .sessions
            .expect_revoke_principal()
            .withf(move |principal, at| *principal == PrincipalId::User(id) && *at == now())
            .times(usize::from(revokes))
            .returning(|_, _| Ok(()));

        let result = mocks
            .service()
            .update_user(&admin_caller(), id, patch)
            .await;

        assert!(result.is_ok(), "{case}: {result:?}");
    }
}

#[tokio::test]
async fn a_password_change_stores_the_new_hash_and_returns_the_patched_user() {
    let user = staff_user(StaffRole::Agent, UserStatus::Active);
    let id = user.id;
    let mut mocks = Mocks::new();
    mocks.user_found(&user);
    mocks
        .hasher
        .expect_hash()
        .withf(|given| given.expose() == PASSWORD)
        .times(1)
        .returning(|_| Ok(phc("$argon2id$changed")));
    mocks
        .users
        .expect_update()
        .withf(|next, hash, guard| {
            next.name == person("Renamed Person")
                && next.updated_at == now()
                && *hash == Some(&phc("$argon2id$changed"))
                && *guard == AdminGuard::None
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    mocks
        .sessions
        .expect_revoke_principal()
        .times(1)
        .returning(|_, _| Ok(()));
    let patch = StaffUserPatch {
        name: Some(person("Renamed Person")),
        password: Some(password()),
        ..StaffUserPatch::default()
    };

    let updated = mocks
        .service()
        .update_user(&admin_caller(), id, patch)
        .await
        .unwrap();

    assert_eq!(
        updated,
        StaffUser {
            name: person("Renamed Person"),
            updated_at: now(),
            ..user
        }
    );
}

#[tokio::test]
async fn deleting_an_active_admin_asks_the_store_to_keep_another() {
    use AdminGuard::{KeepAnotherActiveAdmin as Keep, None as Free};
    #[rustfmt::skip]
    let cases = [
        // what,             role,             status,               guard
        ("active admin",     StaffRole::Admin, UserStatus::Active,   Keep),
        ("disabled admin",   StaffRole::Admin, UserStatus::Disabled, Free),
        ("active agent",     StaffRole::Agent, UserStatus::Active,   Free),
    ];
    for (case, role, status, guard) in cases {
        let user = staff_user(role, status);
        let id = user.id;
        let mut mocks = Mocks::new();
        mocks.user_found(&user);
        mocks
            .users
            .expect_delete()
            .withf(move |given, given_guard| *given == id && *given_guard == guard)
            .times(1)
            .returning(|_, _| Ok(()));

        let result = mocks.service().delete_user(&admin_caller(), id).await;

        assert!(result.is_ok(), "{case}: {result:?}");
    }
}

#[tokio::test]
async fn deleting_the_last_active_admin_fails() {
    let user = staff_user(StaffRole::Admin, UserStatus::Active);
    let mut mocks = Mocks::new();
    mocks.user_found(&user);
    mocks
        .users
        .expect_delete()
        .times(1)
        .returning(|_, _| Err(StoreError::LastActiveAdmin));

    let result = mocks.service().delete_user(&admin_caller(), user.id).await;

    assert_err!(result, IdentityError::LastActiveAdmin);
}

#[tokio::test]
async fn bootstrap_creates_an_active_admin_only_when_there_is_none() {
    let mut mocks = Mocks::new();
    mocks
        .users
        .expect_count_active_admins()
        .times(1)
        .returning(|| Ok(0));
    mocks
        .hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(phc("$argon2id$new")));
    mocks
        .users
        .expect_insert()
        .withf(|user, _| user.role == StaffRole::Admin && user.status == UserStatus::Active)
        .times(1)
        .returning(|_, _| Ok(()));

    // Asked for a disabled agent: the bootstrap user is an active admin all the same.
    let created = mocks
        .service()
        .bootstrap_admin(new_staff_user(StaffRole::Agent, UserStatus::Disabled))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(created.role, StaffRole::Admin);
    assert_eq!(created.status, UserStatus::Active);
}

#[tokio::test]
async fn bootstrap_does_nothing_once_an_active_admin_exists() {
    let mut mocks = Mocks::new();
    mocks
        .users
        .expect_count_active_admins()
        .times(1)
        .returning(|| Ok(1));
    mocks.hasher.expect_hash().never();
    mocks.no_user_write();

    let created = mocks
        .service()
        .bootstrap_admin(new_staff_user(StaffRole::Admin, UserStatus::Active))
        .await
        .unwrap();

    assert_eq!(created, None);
}
