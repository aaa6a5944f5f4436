//! The customer lifecycle and its history.

use std::fmt;

use crm_kernel::{CustomerId, PrincipalId, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a customer stands in the sales lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStatus {
    /// Known, not yet qualified.
    Lead,
    /// Qualified, in conversation.
    Prospect,
    /// Buying.
    Customer,
    /// Stopped buying.
    Churned,
}

impl LifecycleStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 4] = [Self::Lead, Self::Prospect, Self::Customer, Self::Churned];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Prospect => "prospect",
            Self::Customer => "customer",
            Self::Churned => "churned",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a customer may move from this status to `to`:
    /// lead → prospect → customer → churned, and a churned customer may be
    /// re-engaged as a lead or win back directly as a customer. Staying in
    /// the same status is not a transition.
    #[must_use]
    pub fn can_become(self, to: Self) -> bool {
        use LifecycleStatus::{Churned, Customer, Lead, Prospect};
        matches!(
            (self, to),
            (Lead, Prospect)
                | (Prospect, Customer)
                | (Customer, Churned)
                | (Churned, Lead | Customer)
        )
    }
}

impl fmt::Display for LifecycleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded change of a customer's status. Written with the change, in
/// the same transaction, and never rewritten: conversion reports read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Whose status.
    pub customer_id: CustomerId,
    /// The status before; `None` when the customer was created.
    pub from: Option<LifecycleStatus>,
    /// The status after.
    pub to: LifecycleStatus,
    /// When.
    pub at: Timestamp,
    /// Who made the change (a staff user, the customer at sign-up, or an import's caller).
    pub actor: PrincipalId,
}

#[cfg(test)]
mod tests {
    use super::LifecycleStatus::{self, Churned, Customer, Lead, Prospect};

    #[test]
    fn every_transition_is_decided() {
        let allowed = [
            (Lead, Prospect),
            (Prospect, Customer),
            (Customer, Churned),
            (Churned, Lead),
            (Churned, Customer),
        ];
        for from in LifecycleStatus::ALL {
            for to in LifecycleStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for status in LifecycleStatus::ALL {
            assert_eq!(LifecycleStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(LifecycleStatus::parse("won"), None);
    }
}
