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
    /// Order. Build the query with [`ordered_by`](Self::ordered_by) to
    /// apply the default order when the client names none.
    pub sort: CustomerSort,
}

impl CustomerQuery {
    /// The order when the client names none: relevance (best match first)
    /// when the query searches text, else creation time, oldest first.
    #[must_use]
    pub fn default_sort(&self) -> CustomerSort {
        if self.text.is_some() {
            CustomerSort::relevance()
        } else {
            CustomerSort::default()
        }
    }

    /// This query in the order `sort`, or in its [default
    /// order](Self::default_sort) when `None`. Set `text` first.
    #[must_use]
    pub fn ordered_by(self, sort: Option<CustomerSort>) -> Self {
        let sort = sort.unwrap_or_else(|| self.default_sort());
        Self { sort, ..self }
    }
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

/// The text names no order of the company list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be name, created_at or updated_at, optionally prefixed with -")]
pub struct UnknownCompanySort;

impl CompanySort {
    /// Parses the order of the company list, `name`, `-created_at`,
    /// `updated_at`, …: the field, and the direction (`-` for descending).
    /// Without a `sort`, the list is by name, ascending
    /// ([`CompanyQuery::default`]).
    pub fn parse(text: &str) -> Result<(Self, SortDirection), UnknownCompanySort> {
        let (direction, name) = SortDirection::split(text);
        let sort = match name {
            "name" => Self::Name,
            "created_at" => Self::CreatedAt,
            "updated_at" => Self::UpdatedAt,
            _ => return Err(UnknownCompanySort),
        };
        Ok((sort, direction))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searching_text_orders_by_relevance_unless_told_otherwise() {
        let search = CustomerQuery {
            text: Some("ada".to_owned()),
            ..CustomerQuery::default()
        };
        assert_eq!(
            search.clone().ordered_by(None).sort,
            CustomerSort::relevance()
        );
        let by_name = CustomerSort::parse("-name").unwrap();
        assert_eq!(search.ordered_by(Some(by_name)).sort, by_name);
    }

    #[test]
    fn without_text_the_list_is_by_creation_time_unless_told_otherwise() {
        let plain = CustomerQuery {
            tag: Some(Tag::parse("vip").unwrap()),
            ..CustomerQuery::default()
        };
        let ordered = plain.clone().ordered_by(None);
        assert_eq!(
            ordered.sort,
            CustomerSort {
                field: CustomerSortField::CreatedAt,
                direction: SortDirection::Asc,
            }
        );
        assert_eq!(ordered.tag, plain.tag, "the filters stay");
        let relevance = CustomerSort::relevance();
        assert_eq!(plain.ordered_by(Some(relevance)).sort, relevance);
    }

    #[test]
    fn company_sorts_parse_with_their_direction() {
        assert_eq!(
            CompanySort::parse("name"),
            Ok((CompanySort::Name, SortDirection::Asc))
        );
        assert_eq!(
            CompanySort::parse("-created_at"),
            Ok((CompanySort::CreatedAt, SortDirection::Desc))
        );
        assert_eq!(
            CompanySort::parse("updated_at"),
            Ok((CompanySort::UpdatedAt, SortDirection::Asc))
        );
        for refused in ["", "-", "relevance", "Name", "--name", " name"] {
            let error = CompanySort::parse(refused).unwrap_err();
            assert_eq!(
                error.to_string(),
                "must be name, created_at or updated_at, optionally prefixed with -",
                "{refused:?}"
            );
        }
    }
}
