//! Kinds and statuses of interactions.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What sort of interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// A meeting (the default).
    #[default]
    Meeting,
    /// A phone or video call.
    Call,
    /// Something to do for the customer.
    Task,
    /// A staff-only note: never shown to the customer.
    Note,
    /// An email, as the email context records it.
    Email,
}

impl InteractionKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Meeting,
        Self::Call,
        Self::Task,
        Self::Note,
        Self::Email,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Meeting => "meeting",
            Self::Call => "call",
            Self::Task => "task",
            Self::Note => "note",
            Self::Email => "email",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether only staff may see interactions of this kind.
    #[must_use]
    pub fn staff_only(self) -> bool {
        self == Self::Note
    }

    /// Whether interactions of this kind occupy the organizer's time (and so
    /// can conflict with each other).
    #[must_use]
    pub fn takes_time(self) -> bool {
        matches!(self, Self::Meeting | Self::Call)
    }
}

impl fmt::Display for InteractionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an interaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InteractionStatus {
    /// Planned.
    Scheduled,
    /// Happened.
    Completed,
    /// Called off.
    Cancelled,
    /// The customer did not show up.
    NoShow,
}

impl InteractionStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [
        Self::Scheduled,
        Self::Completed,
        Self::Cancelled,
        Self::NoShow,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Only a scheduled interaction can be completed, cancelled or marked
    /// no-show; the others are final.
    #[must_use]
    pub fn can_become(self, to: Self) -> bool {
        self == Self::Scheduled && to != Self::Scheduled
    }
}

impl fmt::Display for InteractionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
