//! Filters and orders of the customer and company lists.

use std::fmt;

use crm_kernel::{CompanyId, SortDirection, Timestamp, UserId};

use crate::lifecycle::LifecycleStatus;
use crate::values::Tag;

/// Fields the customer list can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerSortField {
    /// Best match of the free-text search first (only with a search text).
    Relevance,
    /// Last name, then first name, case-insensitive.
    Name,
    /// Creation time (the default without a search text).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Last interaction; customers without one come first ascending, last descending.
    LastInteraction,
}

/// Order of the customer list: `name`, `-created_at`, … on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CustomerSort {
    /// Which field.
    pub field: CustomerSortField,
    /// Which way.
    pub direction: SortDirection,
}

impl CustomerSort {
    /// Parses `name`, `-last_interaction`, `relevance`, …
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (direction, name) = SortDirection::split(text);
        let field = match name {
            "relevance" => CustomerSortField::Relevance,
            "name" => CustomerSortField::Name,
            "created_at" => CustomerSortField::CreatedAt,
            "updated_at" => CustomerSortField::UpdatedAt,
            "last_interaction" => CustomerSortField::LastInteraction,
            _ => return None,
        };
        Some(Self { field, direction })
    }

    /// Relevance, best first.
    #[must_use]
    pub fn relevance() -> Self {
        Self {
            field: CustomerSortField::Relevance,
            direction: SortDirection::Asc,
        }
    }
}

impl fmt::Display for CustomerSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.direction == SortDirection::Desc {
            f.write_str("-")?;
        }
        f.write_str(match self.field {
            CustomerSortField::Relevance => "relevance",
            CustomerSortField::Name => "name",
            CustomerSortField::CreatedAt => "created_at",
            CustomerSortField::UpdatedAt => "updated_at",
            CustomerSortField::LastInteraction => "last_interaction",
        })
    }
}

/// Filters of the customer list. All given filters must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerQuery {
    /// Only this status.
    pub status: Option<LifecycleStatus>,
    /// Only customers of this company.
    pub company_id: Option<CompanyId>,
    /// Only customers this agent owns.
    pub owner_id: Option<UserId>,
    /// Only customers with this tag.
    pub tag: Option<Tag>,
    /// Created at or after.
    pub created_from: Option<Timestamp>,
    /// Created before.
    pub created_to: Option<Timestamp>,
    /// Free text: words matched as prefixes against names, email, phone,
    /// company name and notes; all words must match.
    pub text: Option<String>,
    /// Order.
    pub sort: CustomerSort,
}

/// Fields the company list can be ordered by: `name` (default), `created_at`, `updated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompanySort {
    /// Name, case-insensitive (the default).
    #[default]
    Name,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// Filters of the company list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyQuery {
    /// Free text matched (case-insensitive substring) against name, website and phone.
    pub text: Option<String>,
    /// Order field.
    pub sort: CompanySort,
    /// Order direction.
    pub direction: SortDirection,
}
