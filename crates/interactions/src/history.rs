//! A customer's history: its interactions merged with what the other
//! contexts recorded about it.

use std::fmt;

use crm_kernel::{SortDirection, Timestamp};

use crate::interaction::Interaction;
use crate::kind::{InteractionKind, InteractionStatus};

/// Where a history entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistorySource {
    /// An interaction of this context.
    Interaction,
    /// A ticket the customer raised (tickets context).
    Ticket,
    /// A change of the customer's lifecycle status (customers context).
    StatusChange,
    /// An email sent to or received from the customer (email context).
    Email,
}

impl HistorySource {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interaction => "interaction",
            Self::Ticket => "ticket",
            Self::StatusChange => "status_change",
            Self::Email => "email",
        }
    }
}

impl fmt::Display for HistorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which sources a history merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "a set of independent switches, one per source"
)]
pub struct Sources {
    /// Interactions.
    pub interactions: bool,
    /// Tickets.
    pub tickets: bool,
    /// Lifecycle status changes.
    pub status_changes: bool,
    /// Emails.
    pub emails: bool,
}

impl Sources {
    /// Interactions only.
    pub const INTERACTIONS: Self = Self {
        interactions: true,
        tickets: false,
        status_changes: false,
        emails: false,
    };

    /// Everything: the full timeline.
    pub const ALL: Self = Self {
        interactions: true,
        tickets: true,
        status_changes: true,
        emails: true,
    };

    /// Interactions plus the named extras (`tickets`, `emails`, `status_changes`).
    pub fn with_extras<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut sources = Self::INTERACTIONS;
        for name in names {
            match name.trim() {
                "tickets" => sources.tickets = true,
                "emails" => sources.emails = true,
                "status_changes" => sources.status_changes = true,
                "" => {}
                other => {
                    return Err(format!(
                        "`{other}` is not one of tickets, emails, status_changes"
                    ));
                }
            }
        }
        Ok(sources)
    }

    /// Whether anything besides interactions is included.
    #[must_use]
    pub fn has_extras(&self) -> bool {
        self.tickets || self.status_changes || self.emails
    }
}

/// Filters of a history. Kind and status filter the interaction entries only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFilter {
    /// What to merge.
    pub sources: Sources,
    /// Only interactions of this kind.
    pub kind: Option<InteractionKind>,
    /// Only interactions in this status.
    pub status: Option<InteractionStatus>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
    /// Newest first (`Desc`, the default) or oldest first.
    pub direction: SortDirection,
}

impl Default for HistoryFilter {
    fn default() -> Self {
        Self {
            sources: Sources::INTERACTIONS,
            kind: None,
            status: None,
            from: None,
            to: None,
            direction: SortDirection::Desc,
        }
    }
}

/// One entry of a customer's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Where it comes from.
    pub source: HistorySource,
    /// The id of the record in its context.
    pub id: String,
    /// When it happened (an interaction's start, a ticket's raising, …).
    pub at: Timestamp,
    /// A line describing it (an interaction's description, a ticket's subject, …).
    pub description: String,
    /// Its status in its context, when it has one (`completed`, `open`, the new lifecycle status, …).
    pub status: Option<String>,
    /// The interaction itself, for interaction entries.
    pub interaction: Option<Interaction>,
}
