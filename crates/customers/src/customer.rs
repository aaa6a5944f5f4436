//! Customers: the people the CRM is about.

use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, LongText, PersonName, PhoneNumber, PrincipalId, ShortText,
    Timestamp, UserId,
};

use crate::lifecycle::{LifecycleStatus, StatusChange};
use crate::values::{Tags, Version};

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Its id.
    pub id: CustomerId,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email, unique among customers and staff (case-insensitive). Required
    /// while the customer has a sign-in account.
    pub email: Option<EmailAddress>,
    /// Phone in E.164.
    pub phone: Option<PhoneNumber>,
    /// The company the customer belongs to.
    pub company_id: Option<CompanyId>,
    /// The company's current name (read model: always the company's name as
    /// it is now; ignored on writes).
    pub company: Option<String>,
    /// Lifecycle status.
    pub status: LifecycleStatus,
    /// Staff notes; never shown to the customer.
    pub notes: Option<LongText>,
    /// The responsible agent.
    pub owner_id: Option<UserId>,
    /// Labels.
    pub tags: Tags,
    /// Where the customer came from (`website`, `fair 2026`, `import`).
    pub source: Option<ShortText>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// When the customer was last in touch (maintained by the interactions context).
    pub last_interaction: Option<Timestamp>,
    /// Whether the customer can sign in (read model; ignored on writes).
    pub has_account: bool,
    /// Revision, raised by every change.
    pub version: Version,
}

impl Customer {
    /// The record as `viewer_is_staff` may see it: customers never see staff notes.
    #[must_use]
    pub fn redacted_for(mut self, viewer_is_staff: bool) -> Self {
        if !viewer_is_staff {
            self.notes = None;
        }
        self
    }
}

/// What it takes to create a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email.
    pub email: Option<EmailAddress>,
    /// Phone.
    pub phone: Option<PhoneNumber>,
    /// Company.
    pub company_id: Option<CompanyId>,
    /// Starting status; `lead` when not given.
    pub status: Option<LifecycleStatus>,
    /// Notes.
    pub notes: Option<LongText>,
    /// Responsible agent; an agent creating a customer owns it by default.
    pub owner_id: Option<UserId>,
    /// Labels.
    pub tags: Tags,
    /// Origin.
    pub source: Option<ShortText>,
}

impl NewCustomer {
    /// The new record, created at `now` (status `lead` unless given), with
    /// the status change that records its first status.
    #[must_use]
    pub fn into_customer(self, now: Timestamp, actor: PrincipalId) -> (Customer, StatusChange) {
        let customer = Customer {
            id: CustomerId::new(),
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            company_id: self.company_id,
            company: None,
            status: self.status.unwrap_or(LifecycleStatus::Lead),
            notes: self.notes,
            owner_id: self.owner_id,
            tags: self.tags,
            source: self.source,
            created_at: now,
            updated_at: now,
            last_interaction: None,
            has_account: false,
            version: Version::FIRST,
        };
        let change = StatusChange {
            customer_id: customer.id,
            from: None,
            to: customer.status,
            at: now,
            actor,
        };
        (customer, change)
    }
}

/// A partial update of a customer (merge patch): `None` keeps a field,
/// `Some(None)` clears an optional one. `status` goes through the lifecycle rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct CustomerPatch {
    /// New first name.
    pub first_name: Option<PersonName>,
    /// New last name.
    pub last_name: Option<PersonName>,
    /// New or cleared email.
    pub email: Option<Option<EmailAddress>>,
    /// New or cleared phone.
    pub phone: Option<Option<PhoneNumber>>,
    /// New or cleared company.
    pub company_id: Option<Option<CompanyId>>,
    /// New status (must be a valid transition).
    pub status: Option<LifecycleStatus>,
    /// New or cleared notes.
    pub notes: Option<Option<LongText>>,
    /// New or cleared owner.
    pub owner_id: Option<Option<UserId>>,
    /// New set of tags.
    pub tags: Option<Tags>,
    /// New or cleared source.
    pub source: Option<Option<ShortText>>,
}

impl CustomerPatch {
    /// The fields this patch sets that only staff may change: everything but
    /// names, email and phone.
    #[must_use]
    pub fn staff_only_fields(&self) -> Vec<&'static str> {
        [
            ("company_id", self.company_id.is_some()),
            ("status", self.status.is_some()),
            ("notes", self.notes.is_some()),
            ("owner_id", self.owner_id.is_some()),
            ("tags", self.tags.is_some()),
            ("source", self.source.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// The customer after this patch, at `now`, with the next version. The
    /// status is taken as given: the service checks the transition first.
    #[must_use]
    pub fn apply_to(&self, customer: &Customer, now: Timestamp) -> Customer {
        let mut next = customer.clone();
        if let Some(first_name) = &self.first_name {
            next.first_name = first_name.clone();
        }
        if let Some(last_name) = &self.last_name {
            next.last_name = last_name.clone();
        }
        if let Some(email) = &self.email {
            next.email.clone_from(email);
        }
        if let Some(phone) = &self.phone {
            next.phone.clone_from(phone);
        }
        if let Some(company_id) = self.company_id {
            if next.company_id != company_id {
                next.company = None;
            }
            next.company_id = company_id;
        }
        if let Some(status) = self.status {
            next.status = status;
        }
        if let Some(notes) = &self.notes {
            next.notes.clone_from(notes);
        }
        if let Some(owner_id) = self.owner_id {
            next.owner_id = owner_id;
        }
        if let Some(tags) = &self.tags {
            next.tags = tags.clone();
        }
        if let Some(source) = &self.source {
            next.source.clone_from(source);
        }
        next.updated_at = now;
        next.version = customer.version.next();
        next
    }
}
