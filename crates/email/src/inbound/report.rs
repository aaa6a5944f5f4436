//! Delivery status notifications (RFC 3464) and what they mean.

use crm_kernel::EmailAddress;

use crate::message_id::MessageId;

/// One per-recipient block of a delivery status notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportedRecipient {
    /// `Final-Recipient` (the address, without its `rfc822;` type).
    pub final_recipient: Option<String>,
    /// `Action`: `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
    pub action: Option<String>,
    /// `Status`: the enhanced status code (`5.1.1`).
    pub status: Option<String>,
    /// `Diagnostic-Code` (without its `smtp;` type).
    pub diagnostic: Option<String>,
}

/// Whether a failure is for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BounceKind {
    /// 5.x.x (or `Action: failed` without a status): the address does not work.
    Hard,
    /// 4.x.x (or `Action: delayed`): it may still arrive.
    Soft,
}

impl ReportedRecipient {
    /// What this block reports: a hard or a soft bounce, or `None` for a
    /// success (`delivered`, `relayed`, `expanded`, a 2.x.x status).
    #[must_use]
    pub fn bounce_kind(&self) -> Option<BounceKind> {
        let status = self.status.as_deref().map(str::trim).unwrap_or_default();
        match status.split('.').next() {
            Some("5") => return Some(BounceKind::Hard),
            Some("4") => return Some(BounceKind::Soft),
            Some("2") => return None,
            _ => {}
        }
        match self
            .action
            .as_deref()
            .map(|a| a.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("failed") => Some(BounceKind::Hard),
            Some("delayed") => Some(BounceKind::Soft),
            _ => None,
        }
    }

    /// The status and diagnostic as one line (`5.1.1 smtp; 550 No such user`).
    #[must_use]
    pub fn summary(&self) -> String {
        [self.status.as_deref(), self.diagnostic.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a delivery status notification reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The `Message-ID` of the message it reports on, from the returned
    /// message or headers, when included.
    pub original_message_id: Option<MessageId>,
    /// One block per recipient.
    pub recipients: Vec<ReportedRecipient>,
}

impl DeliveryReport {
    /// The block about `address` (or, when no block names it, the first one
    /// that reports a bounce, then the first one).
    #[must_use]
    pub fn about(&self, address: &EmailAddress) -> Option<&ReportedRecipient> {
        let key = address.key();
        self.recipients
            .iter()
            .find(|r| {
                r.final_recipient
                    .as_deref()
                    .is_some_and(|f| f.trim().trim_matches(['<', '>']).to_lowercase() == key)
            })
            .or_else(|| self.recipients.iter().find(|r| r.bounce_kind().is_some()))
            .or_else(|| self.recipients.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(action: Option<&str>, status: Option<&str>) -> ReportedRecipient {
        ReportedRecipient {
            final_recipient: Some("ann@example.com".into()),
            action: action.map(str::to_owned),
            status: status.map(str::to_owned),
            diagnostic: Some("smtp; 550 5.1.1 No such user".into()),
        }
    }

    #[test]
    fn five_is_hard_four_is_soft() {
        assert_eq!(
            block(Some("failed"), Some("5.1.1")).bounce_kind(),
            Some(BounceKind::Hard)
        );
        assert_eq!(
            block(Some("delayed"), Some("4.4.7")).bounce_kind(),
            Some(BounceKind::Soft)
        );
        assert_eq!(
            block(Some("failed"), Some("4.2.2")).bounce_kind(),
            Some(BounceKind::Soft),
            "the status decides"
        );
        assert_eq!(
            block(Some("failed"), None).bounce_kind(),
            Some(BounceKind::Hard)
        );
        assert_eq!(
            block(Some("Delayed"), None).bounce_kind(),
            Some(BounceKind::Soft)
        );
        assert_eq!(block(Some("delivered"), Some("2.0.0")).bounce_kind(), None);
        assert_eq!(block(Some("relayed"), None).bounce_kind(), None);
        assert_eq!(block(None, None).bounce_kind(), None);
        assert_eq!(
            block(Some("failed"), Some("5.1.1")).summary(),
            "5.1.1 smtp; 550 5.1.1 No such user"
        );
    }

    #[test]
    fn finds_the_block_about_an_address() {
        let ann = EmailAddress::parse("Ann@Example.com").unwrap();
        let other = ReportedRecipient {
            final_recipient: Some("bob@example.com".into()),
            ..block(Some("delivered"), Some("2.0.0"))
        };
        let report = DeliveryReport {
            original_message_id: None,
            recipients: vec![other.clone(), block(Some("failed"), Some("5.1.1"))],
        };
        assert_eq!(report.about(&ann).unwrap().status.as_deref(), Some("5.1.1"));
        let carol = EmailAddress::parse("carol@example.com").unwrap();
        assert_eq!(
            report.about(&carol).unwrap().status.as_deref(),
            Some("5.1.1"),
            "the failing block"
        );
        let only_success = DeliveryReport {
            original_message_id: None,
            recipients: vec![other],
        };
        assert_eq!(
            only_success.about(&carol).unwrap().action.as_deref(),
            Some("delivered")
        );
        assert_eq!(DeliveryReport::default().about(&carol), None);
    }
}
