//! Filters and order of ticket lists.

use std::fmt;

use crm_kernel::{CustomerId, SortDirection, Timestamp, UserId};

use crate::status::{Priority, TicketStatus};

/// Fields a ticket list can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSortField {
    /// Raising time (the default).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Priority (low to urgent).
    Priority,
}

/// Order of a ticket list: `created_at`, `-priority`, … on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TicketSort {
    /// Which field.
    pub field: TicketSortField,
    /// Which way.
    pub direction: SortDirection,
}

impl TicketSort {
    /// Parses `created_at`, `-updated_at`, `priority`, …
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (direction, name) = SortDirection::split(text);
        let field = match name {
            "created_at" => TicketSortField::CreatedAt,
            "updated_at" => TicketSortField::UpdatedAt,
            "priority" => TicketSortField::Priority,
            _ => return None,
        };
        Some(Self { field, direction })
    }
}

impl fmt::Display for TicketSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.direction == SortDirection::Desc {
            f.write_str("-")?;
        }
        f.write_str(match self.field {
            TicketSortField::CreatedAt => "created_at",
            TicketSortField::UpdatedAt => "updated_at",
            TicketSortField::Priority => "priority",
        })
    }
}

/// Filters of a ticket list. All given filters must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    /// Only this status.
    pub status: Option<TicketStatus>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only tickets assigned to this staff user.
    pub assignee_id: Option<UserId>,
    /// Only this customer's tickets.
    pub customer_id: Option<CustomerId>,
    /// Case-insensitive substring of the subject or the issue.
    pub text: Option<String>,
    /// Raised at or after.
    pub from: Option<Timestamp>,
    /// Raised before.
    pub to: Option<Timestamp>,
    /// Order.
    pub sort: TicketSort,
}
