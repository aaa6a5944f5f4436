//! What happened to a recipient's copy after it was sent.

use std::fmt;

use crm_kernel::{CustomerId, EmailEventId, EmailId, RecipientId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::tracking::Classification;

/// The kind of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The image was fetched (by a person or a machine: see the classification).
    Opened,
    /// A link was followed.
    Clicked,
    /// The hidden link was followed: always a machine.
    Honeypot,
    /// The recipient replied.
    Replied,
    /// A delivery report said delivery is delayed or failed temporarily (4.x.x).
    SoftBounced,
    /// A delivery report said delivery failed for good (5.x.x).
    Bounced,
    /// The recipient opted out through `List-Unsubscribe`.
    Unsubscribed,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [Self; 7] = [
        Self::Opened,
        Self::Clicked,
        Self::Honeypot,
        Self::Replied,
        Self::SoftBounced,
        Self::Bounced,
        Self::Unsubscribed,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Clicked => "clicked",
            Self::Honeypot => "honeypot",
            Self::Replied => "replied",
            Self::SoftBounced => "soft_bounced",
            Self::Bounced => "bounced",
            Self::Unsubscribed => "unsubscribed",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether this is a tracking hit (an image or link fetch), which is
    /// classified and deduplicated.
    #[must_use]
    pub fn is_hit(self) -> bool {
        matches!(self, Self::Opened | Self::Clicked | Self::Honeypot)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a tracking hit arrived. The client's IP address is used to classify
/// it and never stored; the user agent is kept (at most 256 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitDetails {
    /// Person or machine, and why.
    pub classification: Classification,
    /// Whole seconds since the recipient's copy was accepted.
    pub seconds_since_delivery: Option<u64>,
    /// True for a `HEAD` request.
    pub head: bool,
    /// The `User-Agent`, shortened.
    pub user_agent: Option<String>,
}

/// One event of one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailEvent {
    /// Its id.
    pub id: EmailEventId,
    /// The message.
    pub email_id: EmailId,
    /// The recipient.
    pub recipient_id: RecipientId,
    /// The recipient's customer, if any (for histories).
    pub customer_id: Option<CustomerId>,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub at: Timestamp,
    /// For clicks: which web link (0-based, in document order).
    pub link: Option<u16>,
    /// For clicks: where it led.
    pub url: Option<String>,
    /// For hits: how it arrived and how it was classified.
    pub hit: Option<HitDetails>,
    /// For bounces: the status code and diagnostic; for replies: the
    /// inbound message's id.
    pub detail: Option<String>,
}

impl EmailEvent {
    /// The key that keeps at most one hit per recipient, kind and link in
    /// each minute: `(recipient, kind, link, minute since the epoch)`.
    #[must_use]
    pub fn dedup_key(&self) -> (RecipientId, EventKind, Option<u16>, i64) {
        (
            self.recipient_id,
            self.kind,
            self.link,
            self.at.as_millis().div_euclid(60_000),
        )
    }
}
