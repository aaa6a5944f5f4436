//! Who is calling, and the shape of every context's authorization policy.
//!
//! Authentication (the identity context) turns a token into a [`Principal`];
//! every context then asks its own [`Policy`] whether that principal may
//! perform an [`Action`] on one of its resources. Role checks never appear in
//! handlers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::{CompanyId, CustomerId, IdError, UserId};

/// What a principal is allowed to be: two staff roles and the customer role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Staff with every permission, including managing staff users.
    Admin,
    /// Staff who work with the customers of their assigned companies.
    Agent,
    /// A customer acting on its own record.
    Customer,
}

impl Role {
    /// The wire name (`admin`, `agent`, `customer`).
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
            Self::Customer => "customer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a principal is a staff user or a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A staff user (admin or agent).
    User,
    /// A customer.
    Customer,
}

impl PrincipalKind {
    /// The wire name (`user`, `customer`).
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Customer => "customer",
        }
    }
}

/// The id of a principal: a staff user's or a customer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalId {
    /// A staff user.
    User(UserId),
    /// A customer.
    Customer(CustomerId),
}

impl PrincipalId {
    /// Which kind of principal this is.
    #[must_use]
    pub fn kind(&self) -> PrincipalKind {
        match self {
            Self::User(_) => PrincipalKind::User,
            Self::Customer(_) => PrincipalKind::Customer,
        }
    }

    /// Rebuilds an id from its kind and text.
    pub fn parse(kind: PrincipalKind, id: &str) -> Result<Self, IdError> {
        Ok(match kind {
            PrincipalKind::User => Self::User(UserId::parse(id)?),
            PrincipalKind::Customer => Self::Customer(CustomerId::parse(id)?),
        })
    }
}

impl fmt::Display for PrincipalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => id.fmt(f),
            Self::Customer(id) => id.fmt(f),
        }
    }
}

/// An authenticated caller, as every context sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who.
    pub id: PrincipalId,
    /// With which role (read from the store at authentication, so a demotion
    /// takes effect at once).
    pub role: Role,
    /// The companies a staff user is assigned to (empty for customers).
    pub company_ids: Vec<CompanyId>,
}

impl Principal {
    /// True for the admin role.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// True for admins and agents.
    #[must_use]
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Agent)
    }

    /// The staff user id, when the principal is one.
    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self.id {
            PrincipalId::User(id) => Some(id),
            PrincipalId::Customer(_) => None,
        }
    }

    /// The customer id, when the principal is one.
    #[must_use]
    pub fn customer_id(&self) -> Option<CustomerId> {
        match self.id {
            PrincipalId::Customer(id) => Some(id),
            PrincipalId::User(_) => None,
        }
    }
}

/// What a principal wants to do with a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See it (or list a collection).
    Read,
    /// Create one (in a collection).
    Create,
    /// Change it.
    Update,
    /// Remove it.
    Delete,
}

/// A context's authorization policy over its resources of type `R`.
///
/// Each context implements it once for its own resource type; services ask it
/// before every use case, so the rules live in one place per context.
pub trait Policy<R: ?Sized> {
    /// Whether `principal` may perform `action` on `resource`.
    fn can(&self, principal: &Principal, action: Action, resource: &R) -> bool;
}
