//! A ticket's status, priority and channel.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Raised, nobody working on it yet.
    Open,
    /// Staff are working on it.
    InProgress,
    /// Solved; the customer may reopen it for a while.
    Resolved,
    /// Done for good.
    Closed,
    /// Resolved, then reopened by the customer or staff.
    Reopened,
}

impl TicketStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::Open,
        Self::InProgress,
        Self::Resolved,
        Self::Closed,
        Self::Reopened,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The state machine: open → in_progress → resolved → closed;
    /// resolved → reopened → in_progress; resolved is also reachable
    /// directly from open and from reopened (a customer who reopened and
    /// then found the answer). Staying put is not a transition.
    #[must_use]
    pub fn can_become(self, to: Self) -> bool {
        use TicketStatus::{Closed, InProgress, Open, Reopened, Resolved};
        matches!(
            (self, to),
            (Open, InProgress | Resolved)
                | (InProgress | Reopened, Resolved)
                | (Resolved, Closed | Reopened)
                | (Reopened, InProgress)
        )
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Whenever.
    Low,
    /// The default.
    Normal,
    /// Soon.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Self; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// Sort rank (low = 0 … urgent = 3).
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            Self::Low => 0,
            Self::Normal => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }
}

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Raised through the API by staff or an integration.
    Api,
    /// Raised by email.
    Email,
    /// Raised by the customer itself (self-service).
    Portal,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Self; 3] = [Self::Api, Self::Email, Self::Portal];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Email => "email",
            Self::Portal => "portal",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::{self, Closed, InProgress, Open, Reopened, Resolved};

    #[test]
    fn every_transition_is_decided() {
        let allowed = [
            (Open, InProgress),
            (Open, Resolved),
            (InProgress, Resolved),
            (Resolved, Closed),
            (Resolved, Reopened),
            (Reopened, InProgress),
            (Reopened, Resolved),
        ];
        for from in TicketStatus::ALL {
            for to in TicketStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }
}
