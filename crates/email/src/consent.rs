//! Who may not be written to: the suppression list.

use std::fmt;

use crm_kernel::{CustomerId, EmailAddress, RecipientId, Timestamp};
use serde::{Deserialize, Serialize};

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// A delivery report said the address does not work (5.x.x).
    HardBounce,
    /// The recipient opted out through `List-Unsubscribe`.
    OptOut,
}

impl SuppressionReason {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HardBounce => "hard_bounce",
            Self::OptOut => "opt_out",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::HardBounce, Self::OptOut]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

impl fmt::Display for SuppressionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address that is not written to any more, until an admin lifts it.
/// Addresses are compared by [`EmailAddress::key`] (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The address.
    pub address: EmailAddress,
    /// Why.
    pub reason: SuppressionReason,
    /// The customer who had the address then, if any.
    pub customer_id: Option<CustomerId>,
    /// The recipient whose bounce or opt-out put it there.
    pub recipient_id: Option<RecipientId>,
    /// The delivery report's status and diagnostic, for bounces.
    pub detail: Option<String>,
    /// Since when.
    pub created_at: Timestamp,
}
