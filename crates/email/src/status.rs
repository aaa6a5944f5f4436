//! Where one recipient of a message stands.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The status of one recipient:
///
/// ```text
/// queued ──claim──▶ sending ──accepted──▶ sent ──hard bounce──▶ bounced
///    ▲                 │
///    └──retry/release──┤
///                      └──permanent failure or retries used up──▶ failed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecipientStatus {
    /// Waiting in the outbox (new, scheduled, or waiting for a retry).
    Queued,
    /// Claimed by a worker, which holds a lease on it while it sends.
    Sending,
    /// Accepted by the mail server (or written to the outbox folder).
    Sent,
    /// Refused for good (the server's reply is kept), or retries used up.
    Failed,
    /// Accepted, then returned by the recipient's server (a hard bounce).
    Bounced,
}

impl RecipientStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Bounced,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The state machine: queued → sending (a worker claims it);
    /// sending → sent, failed, or back to queued (a retry is due later, or
    /// the worker released its lease at shutdown); sent → bounced. `failed`
    /// and `bounced` are final. Staying put is not a transition.
    #[must_use]
    pub fn can_become(self, to: Self) -> bool {
        use RecipientStatus::{Bounced, Failed, Queued, Sending, Sent};
        matches!(
            (self, to),
            (Queued, Sending) | (Sending, Queued | Sent | Failed) | (Sent, Bounced)
        )
    }

    /// True once nothing more will be tried (`sent`, `failed`, `bounced`).
    #[must_use]
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Sent | Self::Failed | Self::Bounced)
    }
}

impl fmt::Display for RecipientStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::RecipientStatus::{self, Bounced, Failed, Queued, Sending, Sent};

    #[test]
    fn every_transition_is_allowed_or_refused_on_purpose() {
        let allowed = [
            (Queued, Sending),
            (Sending, Queued),
            (Sending, Sent),
            (Sending, Failed),
            (Sent, Bounced),
        ];
        for from in RecipientStatus::ALL {
            for to in RecipientStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn final_states_go_nowhere() {
        for to in RecipientStatus::ALL {
            assert!(!Failed.can_become(to), "failed -> {to}");
            assert!(!Bounced.can_become(to), "bounced -> {to}");
        }
        assert!(
            !Queued.can_become(Sent),
            "a queued recipient is never sent unclaimed"
        );
        assert!(!Queued.can_become(Bounced));
    }

    #[test]
    fn wire_names_round_trip() {
        for status in RecipientStatus::ALL {
            assert_eq!(RecipientStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{status}\""));
            assert_eq!(
                serde_json::from_str::<RecipientStatus>(&json).unwrap(),
                status
            );
        }
        assert_eq!(RecipientStatus::parse("delivered"), None);
        assert!(Sent.is_settled() && Failed.is_settled() && Bounced.is_settled());
        assert!(!Queued.is_settled() && !Sending.is_settled());
    }
}
