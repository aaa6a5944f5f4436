//! Staff users: the people who work in the CRM.

use std::fmt;

use crm_kernel::{
    CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, Role, Timestamp, UserId,
};
use serde::{Deserialize, Serialize};

use crate::password::Password;

/// The role of a staff user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Everything, including managing staff users.
    Admin,
    /// Works with the customers of assigned companies.
    Agent,
}

impl StaffRole {
    /// The wire name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }
}

impl From<StaffRole> for Role {
    fn from(role: StaffRole) -> Self {
        match role {
            StaffRole::Admin => Role::Admin,
            StaffRole::Agent => Role::Agent,
        }
    }
}

/// Whether a staff user may sign in. A new user is active unless created
/// disabled (the [`Default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in; tokens work.
    #[default]
    Active,
    /// May not sign in; existing tokens stop working.
    Disabled,
}

impl UserStatus {
    /// The wire name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// A staff user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Its id.
    pub id: UserId,
    /// Full name.
    pub name: PersonName,
    /// Sign-in email, unique among staff users and customer credentials.
    pub email: EmailAddress,
    /// Phone, when known.
    pub phone: Option<PhoneNumber>,
    /// Admin or agent.
    pub role: StaffRole,
    /// Active or disabled.
    pub status: UserStatus,
    /// Free notes about the user.
    pub notes: Option<LongText>,
    /// Companies whose customers an agent works with.
    pub company_ids: Vec<CompanyId>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl StaffUser {
    /// True when this user is an admin who may sign in.
    #[must_use]
    pub fn is_active_admin(&self) -> bool {
        self.role == StaffRole::Admin && self.status == UserStatus::Active
    }
}

/// What it takes to create a staff user.
#[derive(Debug, Clone)]
pub struct NewStaffUser {
    /// Full name.
    pub name: PersonName,
    /// Sign-in email.
    pub email: EmailAddress,
    /// Phone, optional.
    pub phone: Option<PhoneNumber>,
    /// Admin or agent.
    pub role: StaffRole,
    /// Starts active unless said otherwise ([`UserStatus::default`]).
    pub status: UserStatus,
    /// Notes, optional.
    pub notes: Option<LongText>,
    /// Assigned companies (duplicates are dropped).
    pub company_ids: Vec<CompanyId>,
    /// Initial password.
    pub password: Password,
}

/// A partial update of a staff user: `None` leaves a field as it is; for
/// optional fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct StaffUserPatch {
    /// New name.
    pub name: Option<PersonName>,
    /// New email.
    pub email: Option<EmailAddress>,
    /// New or cleared phone.
    pub phone: Option<Option<PhoneNumber>>,
    /// New role.
    pub role: Option<StaffRole>,
    /// New status.
    pub status: Option<UserStatus>,
    /// New or cleared notes.
    pub notes: Option<Option<LongText>>,
    /// New set of assigned companies.
    pub company_ids: Option<Vec<CompanyId>>,
    /// New password.
    pub password: Option<Password>,
}

impl StaffUserPatch {
    /// True when the patch changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.role.is_none()
            && self.status.is_none()
            && self.notes.is_none()
            && self.company_ids.is_none()
            && self.password.is_none()
    }

    /// The user as it is after this patch, at `now`.
    #[must_use]
    pub fn apply_to(&self, user: &StaffUser, now: Timestamp) -> StaffUser {
        let mut next = user.clone();
        if let Some(name) = &self.name {
            next.name = name.clone();
        }
        if let Some(email) = &self.email {
            next.email = email.clone();
        }
        if let Some(phone) = &self.phone {
            next.phone.clone_from(phone);
        }
        if let Some(role) = self.role {
            next.role = role;
        }
        if let Some(status) = self.status {
            next.status = status;
        }
        if let Some(notes) = &self.notes {
            next.notes.clone_from(notes);
        }
        if let Some(ids) = &self.company_ids {
            next.company_ids = dedup(ids);
        }
        next.updated_at = now;
        next
    }
}

/// Drops repeated company ids, keeping the first occurrence's order.
pub(crate) fn dedup(ids: &[CompanyId]) -> Vec<CompanyId> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// Whether a write must leave another active admin in place.
///
/// The service decides when the rule applies (the write removes an active
/// admin); the store enforces it atomically with the write, so two admins
/// demoting each other at once cannot leave none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminGuard {
    /// No check needed.
    None,
    /// Refuse the write unless some other active admin remains.
    KeepAnotherActiveAdmin,
}

/// Fields a staff user list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSortField {
    /// Name, case-insensitive.
    Name,
    /// Email, case-insensitive.
    Email,
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// A sort field and direction, written `field` or `-field` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserSort {
    /// Which field.
    pub field: UserSortField,
    /// Which way.
    pub direction: crm_kernel::SortDirection,
}

impl UserSort {
    /// Parses `name`, `-created_at`, …
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (direction, name) = crm_kernel::SortDirection::split(text);
        let field = match name {
            "name" => UserSortField::Name,
            "email" => UserSortField::Email,
            "created_at" => UserSortField::CreatedAt,
            "updated_at" => UserSortField::UpdatedAt,
            _ => return None,
        };
        Some(Self { field, direction })
    }
}

impl fmt::Display for UserSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.direction == crm_kernel::SortDirection::Desc {
            f.write_str("-")?;
        }
        f.write_str(match self.field {
            UserSortField::Name => "name",
            UserSortField::Email => "email",
            UserSortField::CreatedAt => "created_at",
            UserSortField::UpdatedAt => "updated_at",
        })
    }
}

/// Filters of the staff user list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Free text matched against name, email and phone (case-insensitive substring).
    pub text: Option<String>,
    /// Only this role.
    pub role: Option<StaffRole>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Order.
    pub sort: UserSort,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_round_trips() {
        for text in ["name", "-name", "email", "created_at", "-updated_at"] {
            assert_eq!(UserSort::parse(text).unwrap().to_string(), text);
        }
        assert!(UserSort::parse("password").is_none());
    }

    #[test]
    fn a_new_staff_user_is_active_unless_created_disabled() {
        assert_eq!(UserStatus::default(), UserStatus::Active);
    }
}
