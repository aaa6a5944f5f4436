//! Mail that comes back: replies, delivery status notifications, and
//! whatever else a mail gateway posts to the webhook.
//!
//! The adapter parses the raw RFC 5322 message into an [`InboundMail`];
//! this module decides what it is and whose it is.

mod quote;
mod report;

pub use quote::strip_quoted;
pub use report::{BounceKind, DeliveryReport, ReportedRecipient};

use std::fmt;

use crm_kernel::{CustomerId, EmailId, InboundMessageId, RecipientId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::message_id::MessageId;

/// The local part before `+` of reply addresses (`reply+TOKEN@domain`).
pub const REPLY_LOCAL: &str = "reply";
/// The local part before `+` of bounce addresses (`bounce+TOKEN@domain`).
pub const BOUNCE_LOCAL: &str = "bounce";

/// An inbound message as the adapter parsed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// Its own `Message-ID`.
    pub message_id: Option<MessageId>,
    /// `In-Reply-To`.
    pub in_reply_to: Vec<MessageId>,
    /// `References`, oldest first as written.
    pub references: Vec<MessageId>,
    /// The `From` address.
    pub from: Option<String>,
    /// Every address it was sent to: `To`, `Cc`, `Delivered-To`,
    /// `X-Original-To` (addr-specs, as written).
    pub to: Vec<String>,
    /// `Subject`.
    pub subject: Option<String>,
    /// The text body (the text/plain part, or the HTML part as text).
    pub text: Option<String>,
    /// `Date`.
    pub date: Option<Timestamp>,
    /// For a delivery status notification (`multipart/report;
    /// report-type=delivery-status`, RFC 3464): what it reports.
    pub report: Option<DeliveryReport>,
    /// The raw message (lossy UTF-8), kept so that nothing is lost.
    pub raw: String,
}

impl InboundMail {
    /// The ids a reply may refer to, most telling first: `In-Reply-To`,
    /// then `References` from the newest.
    #[must_use]
    pub fn referenced_ids(&self) -> Vec<&MessageId> {
        let mut ids: Vec<&MessageId> = self.in_reply_to.iter().collect();
        for id in self.references.iter().rev() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The token of the first address `local+TOKEN@…` it was sent to
    /// (`local` compared case-insensitively).
    #[must_use]
    pub fn plus_token(&self, local: &str) -> Option<&str> {
        self.to
            .iter()
            .find_map(|address| plus_token(address, local))
    }
}

/// The token of `local+TOKEN@domain`, if `address` is one.
#[must_use]
pub fn plus_token<'a>(address: &'a str, local: &str) -> Option<&'a str> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local_part, _) = address.rsplit_once('@')?;
    let (name, token) = local_part.split_once('+')?;
    (name.eq_ignore_ascii_case(local) && !token.is_empty()).then_some(token)
}

/// What an inbound message turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboundKind {
    /// A reply to one of our messages.
    Reply,
    /// A report that one of our messages failed for good.
    HardBounce,
    /// A report that one of our messages is delayed or failed temporarily.
    SoftBounce,
    /// A delivery report that is no failure (delivered, relayed, expanded).
    Report,
    /// Nothing of ours: kept for people to look at.
    Unmatched,
}

impl InboundKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Reply,
        Self::HardBounce,
        Self::SoftBounce,
        Self::Report,
        Self::Unmatched,
    ];

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::HardBounce => "hard_bounce",
            Self::SoftBounce => "soft_bounce",
            Self::Report => "report",
            Self::Unmatched => "unmatched",
        }
    }
}

impl fmt::Display for InboundKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an inbound message was matched to a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// `In-Reply-To` or `References` named the recipient's `Message-ID`.
    MessageId,
    /// The reply address `reply+TOKEN@…`.
    ReplyToken,
    /// The bounce address `bounce+TOKEN@…` (VERP).
    BounceToken,
    /// The original `Message-ID` quoted in a delivery report.
    ReportedMessageId,
}

impl MatchedBy {
    /// Every way.
    pub const ALL: [Self; 4] = [
        Self::MessageId,
        Self::ReplyToken,
        Self::BounceToken,
        Self::ReportedMessageId,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageId => "message_id",
            Self::ReplyToken => "reply_token",
            Self::BounceToken => "bounce_token",
            Self::ReportedMessageId => "reported_message_id",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// An inbound message as stored: what it was, whose it was, and all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRecord {
    /// Its id.
    pub id: InboundMessageId,
    /// When it was posted to us.
    pub received_at: Timestamp,
    /// What it is.
    pub kind: InboundKind,
    /// The message it belongs to, when matched.
    pub email_id: Option<EmailId>,
    /// The recipient it belongs to, when matched.
    pub recipient_id: Option<RecipientId>,
    /// That recipient's customer, if any.
    pub customer_id: Option<CustomerId>,
    /// How it was matched.
    pub matched_by: Option<MatchedBy>,
    /// For replies: the text without quotes and signature (the `response`).
    pub response: Option<String>,
    /// For bounces: the reported status (`5.1.1`) and diagnostic.
    pub bounce: Option<ReportedRecipient>,
    /// The message as parsed.
    pub mail: InboundMail,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> MessageId {
        MessageId::parse(text).unwrap()
    }

    #[test]
    fn referenced_ids_come_in_reply_to_first_then_newest_reference() {
        let mail = InboundMail {
            in_reply_to: vec![id("c@x")],
            references: vec![id("a@x"), id("b@x"), id("c@x")],
            ..InboundMail::default()
        };
        let ids: Vec<&str> = mail
            .referenced_ids()
            .into_iter()
            .map(MessageId::as_str)
            .collect();
        assert_eq!(ids, ["c@x", "b@x", "a@x"]);
    }

    #[test]
    fn finds_plus_tokens() {
        assert_eq!(
            plus_token("reply+abc123@crm.example.com", "reply"),
            Some("abc123")
        );
        assert_eq!(plus_token("<REPLY+abc@x.org>", "reply"), Some("abc"));
        assert_eq!(plus_token("bounce+abc@x.org", "reply"), None);
        assert_eq!(plus_token("reply+@x.org", "reply"), None);
        assert_eq!(plus_token("reply@x.org", "reply"), None);
        assert_eq!(plus_token("replyx+abc@x.org", "reply"), None);
        let mail = InboundMail {
            to: vec![
                "ann@example.com".into(),
                "bounce+tok@crm.example.com".into(),
            ],
            ..InboundMail::default()
        };
        assert_eq!(mail.plus_token(BOUNCE_LOCAL), Some("tok"));
        assert_eq!(mail.plus_token(REPLY_LOCAL), None);
    }
}
