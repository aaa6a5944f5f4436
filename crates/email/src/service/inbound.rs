//! Mail posted to the inbound webhook: replies, bounces, the rest.

use crm_kernel::{EmailEventId, InboundMessageId, Page, PageRequest, Principal};
use tracing::info;

use super::{EmailService, store_error};
use crate::consent::{Suppression, SuppressionReason};
use crate::error::EmailError;
use crate::event::{EmailEvent, EventKind};
use crate::inbound::{
    BOUNCE_LOCAL, BounceKind, InboundKind, InboundMail, InboundRecord, MatchedBy, REPLY_LOCAL,
    strip_quoted,
};
use crate::recipient::Recipient;
use crate::status::RecipientStatus;
use crate::token::TokenPurpose;

/// What became of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The message as stored (or as it would have been, for a duplicate).
    pub record: InboundRecord,
    /// True when the same message (by `Message-ID`) was received before:
    /// nothing was stored again.
    pub duplicate: bool,
}

impl EmailService {
    /// Takes an inbound message and files it. A delivery status
    /// notification is matched by its VERP address (`bounce+TOKEN@…`), then
    /// by the original `Message-ID` it quotes: 5.x.x marks the recipient
    /// `bounced` and suppresses the address, 4.x.x records a soft bounce.
    /// Anything else is matched as a reply by `In-Reply-To`/`References`,
    /// then by its reply address (`reply+TOKEN@…`), and recorded with its
    /// text stripped of quotes and signature. What matches nothing is kept
    /// as unmatched, never dropped.
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = ?mail.message_id))]
    pub async fn receive(&self, mail: InboundMail) -> Result<Received, EmailError> {
        let now = self.ports.clock.now();
        let mut record = InboundRecord {
            id: InboundMessageId::new(),
            received_at: now,
            kind: InboundKind::Unmatched,
            email_id: None,
            recipient_id: None,
            customer_id: None,
            matched_by: None,
            response: None,
            bounce: None,
            mail,
        };
        let mut event = None;
        let mut change = None;
        let mut suppression = None;
        if let Some(report) = record.mail.report.clone() {
            if let Some((recipient, matched_by)) = self.match_report(&record.mail).await? {
                let block = report.about(&recipient.address).cloned();
                let kind = block
                    .as_ref()
                    .and_then(crate::inbound::ReportedRecipient::bounce_kind);
                record.kind = match kind {
                    Some(BounceKind::Hard) => InboundKind::HardBounce,
                    Some(BounceKind::Soft) => InboundKind::SoftBounce,
                    None => InboundKind::Report,
                };
                let detail = block
                    .as_ref()
                    .map(crate::inbound::ReportedRecipient::summary);
                if let Some(kind) = kind {
                    let event_kind = match kind {
                        BounceKind::Hard => EventKind::Bounced,
                        BounceKind::Soft => EventKind::SoftBounced,
                    };
                    event = Some(self.event(&recipient, event_kind, detail.clone()));
                }
                if kind == Some(BounceKind::Hard) {
                    suppression = Some(Suppression {
                        address: recipient.address.clone(),
                        reason: SuppressionReason::HardBounce,
                        customer_id: recipient.customer_id,
                        recipient_id: Some(recipient.id),
                        detail,
                        created_at: now,
                    });
                    if recipient.status.can_become(RecipientStatus::Bounced) {
                        change = Some((recipient.bounced(now)?, recipient.status));
                    }
                }
                record.bounce = block;
                link(&mut record, &recipient, matched_by);
            }
        } else if let Some((recipient, matched_by)) = self.match_reply(&record.mail).await? {
            record.kind = InboundKind::Reply;
            record.response = record.mail.text.as_deref().map(strip_quoted);
            event = Some(self.event(&recipient, EventKind::Replied, Some(record.id.to_string())));
            link(&mut record, &recipient, matched_by);
        }
        let stored = self
            .ports
            .inbound
            .store(
                &record,
                event.as_ref(),
                change.as_ref().map(|(r, expected)| (r, *expected)),
                suppression.as_ref(),
            )
            .await
            .map_err(store_error)?;
        info!(kind = %record.kind, recipient_id = ?record.recipient_id, duplicate = !stored, "inbound mail");
        Ok(Received {
            record,
            duplicate: !stored,
        })
    }

    /// One page of the inbound messages that matched nothing (admins only).
    pub async fn unmatched(
        &self,
        caller: &Principal,
        page: &PageRequest,
    ) -> Result<Page<InboundRecord>, EmailError> {
        self.settings.policy.check_admin(caller)?;
        self.ports
            .inbound
            .unmatched(page)
            .await
            .map_err(store_error)
    }

    async fn match_report(
        &self,
        mail: &InboundMail,
    ) -> Result<Option<(Recipient, MatchedBy)>, EmailError> {
        if let Some(recipient) = self
            .by_token(mail, BOUNCE_LOCAL, TokenPurpose::Bounce)
            .await?
        {
            return Ok(Some((recipient, MatchedBy::BounceToken)));
        }
        let Some(original) = mail
            .report
            .as_ref()
            .and_then(|r| r.original_message_id.as_ref())
        else {
            return Ok(None);
        };
        let recipient = self
            .ports
            .emails
            .recipient_by_message_id(original)
            .await
            .map_err(store_error)?;
        Ok(recipient.map(|r| (r, MatchedBy::ReportedMessageId)))
    }

    async fn match_reply(
        &self,
        mail: &InboundMail,
    ) -> Result<Option<(Recipient, MatchedBy)>, EmailError> {
        for id in mail.referenced_ids() {
            if let Some(recipient) = self
                .ports
                .emails
                .recipient_by_message_id(id)
                .await
                .map_err(store_error)?
            {
                return Ok(Some((recipient, MatchedBy::MessageId)));
            }
        }
        let recipient = self
            .by_token(mail, REPLY_LOCAL, TokenPurpose::Reply)
            .await?;
        Ok(recipient.map(|r| (r, MatchedBy::ReplyToken)))
    }

    async fn by_token(
        &self,
        mail: &InboundMail,
        local: &str,
        purpose: TokenPurpose,
    ) -> Result<Option<Recipient>, EmailError> {
        let claim = mail
            .to
            .iter()
            .filter_map(|address| crate::inbound::plus_token(address, local))
            .find_map(|token| self.settings.key.verify_for(token, |p| p == purpose));
        match claim {
            Some(claim) => self
                .ports
                .emails
                .recipient(claim.recipient)
                .await
                .map_err(store_error),
            None => Ok(None),
        }
    }

    pub(super) fn event(
        &self,
        recipient: &Recipient,
        kind: EventKind,
        detail: Option<String>,
    ) -> EmailEvent {
        EmailEvent {
            id: EmailEventId::new(),
            email_id: recipient.email_id,
            recipient_id: recipient.id,
            customer_id: recipient.customer_id,
            kind,
            at: self.ports.clock.now(),
            link: None,
            url: None,
            hit: None,
            detail,
        }
    }
}

fn link(record: &mut InboundRecord, recipient: &Recipient, matched_by: MatchedBy) {
    record.email_id = Some(recipient.email_id);
    record.recipient_id = Some(recipient.id);
    record.customer_id = recipient.customer_id;
    record.matched_by = Some(matched_by);
}
