//! Engagement figures of one message, honest about machines.

use std::collections::HashSet;
use std::fmt;

use crm_kernel::{CustomerId, RecipientId, Timestamp};

use crate::event::{EmailEvent, EventKind};
use crate::inbound::{InboundKind, InboundRecord};
use crate::recipient::Recipient;
use crate::status::RecipientStatus;

/// A share of delivered recipients, shown as a percentage with at most one
/// decimal, rounded half up: `"66.7%"`, `"50%"`, and `"0%"` when nothing
/// was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Recipients counted.
    pub count: u64,
    /// Out of this many delivered recipients.
    pub of: u64,
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.of == 0 {
            return f.write_str("0%");
        }
        let tenths =
            (u128::from(self.count) * 1000 + u128::from(self.of) / 2) / u128::from(self.of);
        if tenths % 10 == 0 {
            write!(f, "{}%", tenths / 10)
        } else {
            write!(f, "{}.{}%", tenths / 10, tenths % 10)
        }
    }
}

/// A reply to the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Who replied.
    pub recipient_id: RecipientId,
    /// Their customer, if any.
    pub customer_id: Option<CustomerId>,
    /// When the reply arrived.
    pub at: Timestamp,
    /// Seconds from the recipient's delivery to the reply.
    pub seconds_after_delivery: Option<u64>,
    /// The reply, quoted text and signature removed.
    pub text: String,
}

/// The engagement of one message.
///
/// A recipient counts as *delivered* when its status is `sent` (a bounced
/// copy was not delivered). A recipient *opened* when it has an open or a
/// click (following a link implies the message was opened). `open_rate` and
/// `click_rate` count only hits classified `human`; the `_all` rates count
/// every hit, as naive trackers do; `machine_opens` and `machine_clicks`
/// count the hits (not recipients) classified as a proxy's or scanner's,
/// hidden-link hits included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    /// Recipients whose copy was delivered.
    pub delivered: u64,
    /// Delivered recipients with a human open (or click).
    pub open_rate: Rate,
    /// Delivered recipients with any open (or click).
    pub open_rate_all: Rate,
    /// Delivered recipients with a human click.
    pub click_rate: Rate,
    /// Delivered recipients with any click.
    pub click_rate_all: Rate,
    /// Opens by machines.
    pub machine_opens: u64,
    /// Clicks by machines.
    pub machine_clicks: u64,
    /// The replies, oldest first.
    pub responses: Vec<Response>,
}

impl Engagement {
    /// Counts the figures of one message from its recipients, their events
    /// and the inbound messages matched to it.
    #[must_use]
    pub fn tally(
        recipients: &[Recipient],
        events: &[EmailEvent],
        inbound: &[InboundRecord],
    ) -> Self {
        let delivered: HashSet<RecipientId> = recipients
            .iter()
            .filter(|r| r.status == RecipientStatus::Sent)
            .map(|r| r.id)
            .collect();
        let mut opened = HashSet::new();
        let mut opened_all = HashSet::new();
        let mut clicked = HashSet::new();
        let mut clicked_all = HashSet::new();
        let (mut machine_opens, mut machine_clicks) = (0, 0);
        for event in events.iter().filter(|e| e.kind.is_hit()) {
            let human = event
                .hit
                .as_ref()
                .is_none_or(|h| !h.classification.is_machine());
            match event.kind {
                EventKind::Opened if !human => machine_opens += 1,
                EventKind::Clicked | EventKind::Honeypot if !human => machine_clicks += 1,
                _ => {}
            }
            if !delivered.contains(&event.recipient_id) || event.kind == EventKind::Honeypot {
                continue;
            }
            opened_all.insert(event.recipient_id);
            if human {
                opened.insert(event.recipient_id);
            }
            if event.kind == EventKind::Clicked {
                clicked_all.insert(event.recipient_id);
                if human {
                    clicked.insert(event.recipient_id);
                }
            }
        }
        let of = delivered.len() as u64;
        let rate = |set: &HashSet<RecipientId>| Rate {
            count: set.len() as u64,
            of,
        };
        let sent_at = |id: RecipientId| {
            recipients
                .iter()
                .find(|r| r.id == id)
                .and_then(|r| r.sent_at)
        };
        let mut responses: Vec<Response> = inbound
            .iter()
            .filter(|m| m.kind == InboundKind::Reply)
            .filter_map(|m| {
                let recipient_id = m.recipient_id?;
                Some(Response {
                    recipient_id,
                    customer_id: m.customer_id,
                    at: m.received_at,
                    seconds_after_delivery: sent_at(recipient_id)
                        .map(|s| m.received_at.since(s).as_secs()),
                    text: m.response.clone().unwrap_or_default(),
                })
            })
            .collect();
        responses.sort_by_key(|r| r.at);
        Self {
            delivered: of,
            open_rate: rate(&opened),
            open_rate_all: rate(&opened_all),
            click_rate: rate(&clicked),
            click_rate_all: rate(&clicked_all),
            machine_opens,
            machine_clicks,
            responses,
        }
    }
}

#[cfg(test)]
mod tests;
