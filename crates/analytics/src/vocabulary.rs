//! The other contexts' vocabulary, as far as reports need it.
//!
//! Domain crates do not depend on each other, so the analytics context names
//! the kinds and statuses it counts itself; their wire names are the same as
//! in `crm-interactions`, `crm-customers` and `crm-tickets`, which is how the
//! stores map their columns onto them.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in their usual order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire name.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }

            /// Parses the wire name.
            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            /// Position in [`Self::ALL`].
            #[must_use]
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// What sort of interaction (as `crm-interactions` names them).
    InteractionKind {
        /// A meeting.
        Meeting => "meeting",
        /// A phone or video call.
        Call => "call",
        /// Something to do for the customer.
        Task => "task",
        /// A staff-only note.
        Note => "note",
        /// An email recorded as an interaction.
        Email => "email",
    }
);

wire_enum!(
    /// Where an interaction stands (as `crm-interactions` names them).
    InteractionStatus {
        /// Planned.
        Scheduled => "scheduled",
        /// Happened.
        Completed => "completed",
        /// Called off.
        Cancelled => "cancelled",
        /// The customer did not show up.
        NoShow => "no_show",
    }
);

wire_enum!(
    /// A customer's lifecycle status (as `crm-customers` names them).
    LifecycleStatus {
        /// Known, not yet qualified.
        Lead => "lead",
        /// Qualified, in conversation.
        Prospect => "prospect",
        /// Buying.
        Customer => "customer",
        /// Stopped buying.
        Churned => "churned",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_index_in_order() {
        for (i, kind) in InteractionKind::ALL.iter().enumerate() {
            assert_eq!(InteractionKind::parse(kind.as_str()), Some(*kind));
            assert_eq!(kind.index(), i);
        }
        for status in InteractionStatus::ALL {
            assert_eq!(InteractionStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(
            LifecycleStatus::parse("churned"),
            Some(LifecycleStatus::Churned)
        );
        assert_eq!(InteractionKind::parse("fax"), None);
        assert_eq!(
            serde_json::to_string(&InteractionStatus::NoShow).unwrap(),
            "\"no_show\""
        );
    }
}
