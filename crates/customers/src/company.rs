//! Companies: the organisations customers belong to.

use crm_kernel::{CompanyId, LongText, PersonName, PhoneNumber, Timestamp};

use crate::values::{Version, Website};

/// A company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// Its id.
    pub id: CompanyId,
    /// Its name, shown on its customers as `company`.
    pub name: PersonName,
    /// Postal address.
    pub address: Option<LongText>,
    /// Switchboard phone.
    pub phone: Option<PhoneNumber>,
    /// Website.
    pub website: Option<Website>,
    /// Staff notes.
    pub notes: Option<LongText>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Revision, raised by every change.
    pub version: Version,
}

/// What it takes to create a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    /// Name.
    pub name: PersonName,
    /// Postal address.
    pub address: Option<LongText>,
    /// Phone.
    pub phone: Option<PhoneNumber>,
    /// Website.
    pub website: Option<Website>,
    /// Notes.
    pub notes: Option<LongText>,
}

/// A partial update of a company (merge patch): `None` keeps a field,
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct CompanyPatch {
    /// New name.
    pub name: Option<PersonName>,
    /// New or cleared address.
    pub address: Option<Option<LongText>>,
    /// New or cleared phone.
    pub phone: Option<Option<PhoneNumber>>,
    /// New or cleared website.
    pub website: Option<Option<Website>>,
    /// New or cleared notes.
    pub notes: Option<Option<LongText>>,
}

impl CompanyPatch {
    /// The company after this patch, at `now`, with the next version.
    #[must_use]
    pub fn apply_to(&self, company: &Company, now: Timestamp) -> Company {
        let mut next = company.clone();
        if let Some(name) = &self.name {
            next.name = name.clone();
        }
        if let Some(address) = &self.address {
            next.address.clone_from(address);
        }
        if let Some(phone) = &self.phone {
            next.phone.clone_from(phone);
        }
        if let Some(website) = &self.website {
            next.website.clone_from(website);
        }
        if let Some(notes) = &self.notes {
            next.notes.clone_from(notes);
        }
        next.updated_at = now;
        next.version = company.version.next();
        next
    }
}
