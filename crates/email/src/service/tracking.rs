//! Tracking hits: the image, tracked links, the honeypot.

use crm_kernel::EmailEventId;
use tracing::debug;

use super::{EmailService, store_error};
use crate::error::EmailError;
use crate::event::{EmailEvent, EventKind, HitDetails};
use crate::instrument::web_links;
use crate::recipient::Recipient;
use crate::token::{TokenClaim, TokenPurpose};
use crate::tracking::{Hit, HitKind};

/// Where a tracked link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClickTarget {
    /// Redirect here: the URL that was in the message at that place.
    Redirect(String),
    /// The hidden link: answer with an empty page.
    Honeypot,
}

/// Longest user agent kept with a hit.
const MAX_USER_AGENT: usize = 256;

impl EmailService {
    /// Records an open (the image was fetched), classified. A bad token is
    /// [`EmailError::InvalidToken`] (the HTTP layer still answers with the
    /// image). At most one open per recipient per minute is kept.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn track_open(&self, token: &str, hit: &Hit) -> Result<(), EmailError> {
        let claim = self
            .settings
            .key
            .verify_for(token, |p| p == TokenPurpose::Open)
            .ok_or(EmailError::InvalidToken)?;
        let recipient = self.token_recipient(claim).await?;
        self.record_hit(&recipient, HitKind::Open, None, hit).await
    }

    /// Records a click, classified, and tells where to redirect: only to the
    /// URL that was at that place in the recipient's copy. A bad token, or
    /// one naming a link the message does not have, is
    /// [`EmailError::InvalidToken`]. The honeypot link records a scanner
    /// hit (and marks the recipient's hits around it) and redirects nowhere.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn track_click(&self, token: &str, hit: &Hit) -> Result<ClickTarget, EmailError> {
        let claim = self
            .settings
            .key
            .verify_for(token, |p| {
                matches!(p, TokenPurpose::Click(_) | TokenPurpose::Honeypot)
            })
            .ok_or(EmailError::InvalidToken)?;
        let recipient = self.token_recipient(claim).await?;
        let TokenPurpose::Click(index) = claim.purpose else {
            self.record_hit(&recipient, HitKind::Honeypot, None, hit)
                .await?;
            return Ok(ClickTarget::Honeypot);
        };
        let email = self
            .ports
            .emails
            .get(recipient.email_id)
            .await
            .map_err(store_error)?
            .ok_or(EmailError::InvalidToken)?;
        let content = recipient.content.as_ref().unwrap_or(&email.content);
        let url = web_links(content.html.as_str())
            .ok()
            .and_then(|links| links.into_iter().nth(usize::from(index)))
            .ok_or(EmailError::InvalidToken)?;
        self.record_hit(&recipient, HitKind::Click(index), Some(url.clone()), hit)
            .await?;
        Ok(ClickTarget::Redirect(url))
    }

    /// The recipient a verified token names.
    pub(super) async fn token_recipient(&self, claim: TokenClaim) -> Result<Recipient, EmailError> {
        self.ports
            .emails
            .recipient(claim.recipient)
            .await
            .map_err(store_error)?
            .ok_or(EmailError::InvalidToken)
    }

    async fn record_hit(
        &self,
        recipient: &Recipient,
        kind: HitKind,
        url: Option<String>,
        hit: &Hit,
    ) -> Result<(), EmailError> {
        let now = self.ports.clock.now();
        let classifier = &self.settings.classifier;
        let since =
            crm_kernel::Timestamp::from_millis(now.as_millis().saturating_sub(
                i64::try_from(classifier.lookback().as_millis()).unwrap_or(i64::MAX),
            ))
            .unwrap_or(now);
        let recent = self
            .ports
            .events
            .recent_hits(recipient.id, since)
            .await
            .map_err(store_error)?;
        let verdict = classifier.classify(kind, hit, now, recipient.sent_at, &recent);
        let (event_kind, link) = match kind {
            HitKind::Open => (EventKind::Opened, None),
            HitKind::Click(index) => (EventKind::Clicked, Some(index)),
            HitKind::Honeypot => (EventKind::Honeypot, None),
        };
        let event = EmailEvent {
            id: EmailEventId::new(),
            email_id: recipient.email_id,
            recipient_id: recipient.id,
            customer_id: recipient.customer_id,
            kind: event_kind,
            at: now,
            link,
            url,
            hit: Some(HitDetails {
                classification: verdict.classification,
                seconds_since_delivery: verdict.seconds_since_delivery,
                head: hit.head,
                user_agent: hit
                    .user_agent
                    .as_deref()
                    .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
            }),
            detail: None,
        };
        let recorded = self
            .ports
            .events
            .record_hit(&event, &verdict.reclassify)
            .await
            .map_err(store_error)?;
        debug!(recipient_id = %recipient.id, kind = %event_kind, recorded, "tracking hit");
        Ok(())
    }
}
