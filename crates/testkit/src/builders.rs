//! Builders of valid domain objects.
//!
//! Each function returns a complete, valid value with unique emails, ids
//! and token hashes, so tests sharing a store do not collide. Change what a
//! test cares about with struct update syntax:
//!
//! ```
//! use crm_identity::StaffRole;
//! use crm_testkit::builders::{person_name, staff_user};
//! let boss = crm_identity::StaffUser { name: person_name("Ada Boss"), role: StaffRole::Admin, ..staff_user() };
//! assert!(boss.is_active_admin());
//! ```
//!
//! They panic on invalid literals: they are for tests only.

mod email;
mod interactions;
mod tickets;

use std::time::Duration;

use crm_customers::{
    Company, Customer, LifecycleStatus, NewCompany, NewCustomer, StatusChange, Tags, Version,
    Website,
};
use crm_identity::{
    NewCustomerAccount, NewStaffUser, Password, PasswordHash, RefreshSession, StaffRole, StaffUser,
    TokenHash, UserStatus,
};
use crm_kernel::{
    Clock, CompanyId, CustomerId, EmailAddress, LongText, PersonName, PhoneNumber, PrincipalId,
    SessionFamilyId, SessionId, ShortText, SystemClock, Timestamp, UserId,
};
use uuid::Uuid;

pub use email::*;
pub use interactions::*;
pub use tickets::*;

/// How long sessions from [`session_for`] live.
pub const SESSION_TTL: Duration = Duration::from_hours(30 * 24);

/// The current time, at the stores' millisecond precision.
#[must_use]
pub fn now() -> Timestamp {
    SystemClock.now()
}

/// A fixed instant, `2026-01-01T00:00:00.000Z` plus `minutes`: for tests
/// that order records by time.
#[must_use]
pub fn at_minute(minutes: u64) -> Timestamp {
    let base = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").expect("valid base instant");
    base.plus(Duration::from_secs(minutes * 60))
}

/// Parses an email literal.
#[must_use]
pub fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap_or_else(|error| panic!("test email {text:?}: {error}"))
}

/// An email no other call returns: `{prefix}.{unique}@example.test`.
#[must_use]
pub fn unique_email(prefix: &str) -> EmailAddress {
    email(&format!(
        "{prefix}.{}@example.test",
        Uuid::now_v7().simple()
    ))
}

/// Parses a name literal.
#[must_use]
pub fn person_name(text: &str) -> PersonName {
    PersonName::parse(text).unwrap_or_else(|error| panic!("test name {text:?}: {error}"))
}

/// Parses a phone literal (with country code).
#[must_use]
pub fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).unwrap_or_else(|error| panic!("test phone {text:?}: {error}"))
}

/// Parses a notes literal.
#[must_use]
pub fn long_text(text: &str) -> LongText {
    LongText::parse(text).unwrap_or_else(|error| panic!("test text {text:?}: {error}"))
}

/// A valid staff user: an active agent with a unique email, a phone, notes
/// and two companies, created a minute before it was last updated.
#[must_use]
pub fn staff_user() -> StaffUser {
    let updated_at = now();
    StaffUser {
        id: UserId::new(),
        name: person_name("Robin Tester"),
        email: unique_email("staff"),
        phone: Some(phone("+49 30 901820")),
        role: StaffRole::Agent,
        status: UserStatus::Active,
        notes: Some(long_text("Covers the northern region.\nPrefers email.")),
        company_ids: vec![CompanyId::new(), CompanyId::new()],
        created_at: Timestamp::from_millis(updated_at.as_millis() - 60_000).unwrap_or(updated_at),
        updated_at,
    }
}

/// A valid active admin.
#[must_use]
pub fn admin() -> StaffUser {
    StaffUser {
        role: StaffRole::Admin,
        company_ids: Vec::new(),
        ..staff_user()
    }
}

/// A valid active agent.
#[must_use]
pub fn agent() -> StaffUser {
    StaffUser {
        role: StaffRole::Agent,
        ..staff_user()
    }
}

/// What a service needs to create a staff user (an agent), with a valid password.
#[must_use]
pub fn new_staff_user() -> NewStaffUser {
    let user = staff_user();
    NewStaffUser {
        name: user.name,
        email: user.email,
        phone: user.phone,
        role: user.role,
        status: user.status,
        notes: user.notes,
        company_ids: user.company_ids,
        password: password(),
    }
}

/// A password that satisfies the policy.
#[must_use]
pub fn password() -> Password {
    Password::new_secret("correct horse battery staple").expect("valid test password")
}

/// A valid new customer account with a unique email.
#[must_use]
pub fn customer_account() -> NewCustomerAccount {
    NewCustomerAccount {
        id: CustomerId::new(),
        first_name: person_name("Casey"),
        last_name: person_name("Customer"),
        email: unique_email("customer"),
        phone: Some(phone("+1 650 253 0000")),
        company_id: None,
        created_at: now(),
    }
}

/// A fixed, fake password hash in PHC form. Contract suites store and
/// compare hashes; they never hash.
#[must_use]
pub fn password_hash() -> PasswordHash {
    PasswordHash::from_phc(
        "$argon2id$v=19$m=19456,t=2,p=1$dGVzdGtpdHNhbHQ$dGVzdGtpdC1mYWtlLWhhc2gtb25lLTAwMDAwMDA"
            .into(),
    )
}

/// Another fixed, fake password hash, different from [`password_hash`].
#[must_use]
pub fn other_password_hash() -> PasswordHash {
    PasswordHash::from_phc(
        "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$dGVzdGtpdC1mYWtlLWhhc2gtdHdvLTAwMDAwMDA"
            .into(),
    )
}

/// A token hash no other call returns.
#[must_use]
pub fn token_hash() -> TokenHash {
    TokenHash::new(format!(
        "{}{}",
        Uuid::now_v7().simple(),
        Uuid::now_v7().simple()
    ))
}

/// A live session of `principal`, first of a new family, issued now.
#[must_use]
pub fn session_for(principal: PrincipalId) -> RefreshSession {
    let created_at = now();
    RefreshSession {
        id: SessionId::new(),
        family_id: SessionFamilyId::new(),
        principal,
        token_hash: token_hash(),
        created_at,
        expires_at: created_at.plus(SESSION_TTL),
        rotated_at: None,
        revoked_at: None,
    }
}

/// The live session that rotating `previous` would issue: same family and
/// principal, new id and token hash.
#[must_use]
pub fn next_session(previous: &RefreshSession) -> RefreshSession {
    RefreshSession {
        family_id: previous.family_id,
        ..session_for(previous.principal)
    }
}

/// Parses a short text literal (a customer's source).
#[must_use]
pub fn short_text(text: &str) -> ShortText {
    ShortText::parse(text).unwrap_or_else(|error| panic!("test text {text:?}: {error}"))
}

/// Parses tag literals.
#[must_use]
pub fn tags(list: &[&str]) -> Tags {
    Tags::parse(list).unwrap_or_else(|error| panic!("test tags {list:?}: {error}"))
}

/// Parses a website literal.
#[must_use]
pub fn website(text: &str) -> Website {
    Website::parse(text).unwrap_or_else(|error| panic!("test website {text:?}: {error}"))
}

/// A valid customer as a service would store it: a `lead` with a unique
/// email, a phone, notes, two tags and a source, at version 1, created a
/// minute before it was last updated. It names no company and no owner
/// (those must exist in a store: set them when the test has created them),
/// and the read-model fields are empty (`company: None`, `has_account: false`).
#[must_use]
pub fn customer() -> Customer {
    let updated_at = now();
    Customer {
        id: CustomerId::new(),
        first_name: person_name("Casey"),
        last_name: person_name("Customer"),
        email: Some(unique_email("customer")),
        phone: Some(phone("+1 650 253 0000")),
        company_id: None,
        company: None,
        status: LifecycleStatus::Lead,
        notes: Some(long_text("Asked for a demo.\nCall back in spring.")),
        owner_id: None,
        tags: tags(&["newsletter", "vip"]),
        source: Some(short_text("website")),
        created_at: Timestamp::from_millis(updated_at.as_millis() - 60_000).unwrap_or(updated_at),
        updated_at,
        last_interaction: None,
        has_account: false,
        version: Version::FIRST,
    }
}

/// A valid [`customer`] with these names.
#[must_use]
pub fn customer_named(first_name: &str, last_name: &str) -> Customer {
    Customer {
        first_name: person_name(first_name),
        last_name: person_name(last_name),
        ..customer()
    }
}

/// What a service needs to create a customer: every field of [`customer`].
#[must_use]
pub fn new_customer() -> NewCustomer {
    let customer = customer();
    NewCustomer {
        first_name: customer.first_name,
        last_name: customer.last_name,
        email: customer.email,
        phone: customer.phone,
        company_id: None,
        status: None,
        notes: customer.notes,
        owner_id: None,
        tags: customer.tags,
        source: customer.source,
    }
}

/// The change that records `customer`'s creation: from nothing to its
/// status, at its creation time, made by a staff user with a fresh id.
#[must_use]
pub fn first_status_change(customer: &Customer) -> StatusChange {
    StatusChange {
        customer_id: customer.id,
        from: None,
        to: customer.status,
        at: customer.created_at,
        actor: PrincipalId::User(UserId::new()),
    }
}

/// A change of `customer`'s status.
#[must_use]
pub fn status_change(
    customer: CustomerId,
    from: Option<LifecycleStatus>,
    to: LifecycleStatus,
    at: Timestamp,
    actor: PrincipalId,
) -> StatusChange {
    StatusChange {
        customer_id: customer,
        from,
        to,
        at,
        actor,
    }
}

/// A valid company with every field, at version 1, created a minute
/// before it was last updated.
#[must_use]
pub fn company() -> Company {
    let updated_at = now();
    Company {
        id: CompanyId::new(),
        name: person_name("Acme Widgets"),
        address: Some(long_text("1 Main Street\nSpringfield")),
        phone: Some(phone("+44 20 7946 0958")),
        website: Some(website("https://acme.example.com/")),
        notes: Some(long_text("Key account.")),
        created_at: Timestamp::from_millis(updated_at.as_millis() - 60_000).unwrap_or(updated_at),
        updated_at,
        version: Version::FIRST,
    }
}

/// A valid [`company`] with this name.
#[must_use]
pub fn company_named(name: &str) -> Company {
    Company {
        name: person_name(name),
        ..company()
    }
}

/// What a service needs to create a company: every field of [`company`].
#[must_use]
pub fn new_company() -> NewCompany {
    let company = company();
    NewCompany {
        name: company.name,
        address: company.address,
        phone: company.phone,
        website: company.website,
        notes: company.notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_are_valid_and_unique() {
        let (a, b) = (staff_user(), staff_user());
        assert_ne!(a.email.key(), b.email.key());
        assert!(admin().is_active_admin());
        assert!(!agent().is_active_admin());
        assert!(a.created_at < a.updated_at);
        assert_ne!(customer_account().email, customer_account().email);
        assert_ne!(token_hash(), token_hash());
        assert_ne!(password_hash(), other_password_hash());
        let first = session_for(PrincipalId::User(a.id));
        let next = next_session(&first);
        assert_eq!(next.family_id, first.family_id);
        assert_ne!(next.token_hash, first.token_hash);
        assert!(at_minute(1) < at_minute(2));
        assert_eq!(phone("+44 20 7946 0958").as_str(), "+442079460958");
        let (c, d) = (customer(), customer());
        assert_ne!(c.id, d.id);
        assert_ne!(c.email, d.email);
        assert!(c.created_at < c.updated_at);
        let change = first_status_change(&c);
        assert_eq!(
            (change.customer_id, change.from, change.to),
            (c.id, None, c.status)
        );
        assert_eq!(new_customer().tags, tags(&["VIP", "newsletter"]));
        assert_ne!(company().id, company().id);
        assert_eq!(new_company().name, company().name);
        assert_eq!(customer_named("Ann", "Lee").last_name.as_str(), "Lee");
        assert_eq!(company_named("Globex").name.as_str(), "Globex");
    }
}
