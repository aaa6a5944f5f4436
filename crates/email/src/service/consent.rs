//! Opting out, and the suppression list.

use crm_kernel::{EmailAddress, Page, PageRequest, Principal};
use tracing::info;

use super::{EmailService, store_error};
use crate::consent::{Suppression, SuppressionReason};
use crate::error::EmailError;
use crate::event::EventKind;
use crate::token::TokenPurpose;

/// The result of an opt-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    /// The address that is no longer written to.
    pub address: EmailAddress,
    /// False when it was on the list already (nothing changed).
    pub newly: bool,
}

impl EmailService {
    /// Opts a recipient out through its signed `List-Unsubscribe` token
    /// (RFC 8058 one-click): the address goes on the suppression list and
    /// an `unsubscribed` event enters the customer's history. Repeating it
    /// changes nothing. A bad token is [`EmailError::InvalidToken`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscribed, EmailError> {
        let claim = self
            .settings
            .key
            .verify_for(token, |p| p == TokenPurpose::Unsubscribe)
            .ok_or(EmailError::InvalidToken)?;
        let recipient = self.token_recipient(claim).await?;
        let entry = Suppression {
            address: recipient.address.clone(),
            reason: SuppressionReason::OptOut,
            customer_id: recipient.customer_id,
            recipient_id: Some(recipient.id),
            detail: None,
            created_at: self.ports.clock.now(),
        };
        let event = self.event(&recipient, EventKind::Unsubscribed, None);
        let newly = self
            .ports
            .suppressions
            .add(&entry, Some(&event))
            .await
            .map_err(store_error)?;
        info!(recipient_id = %recipient.id, newly, "opted out");
        Ok(Unsubscribed {
            address: recipient.address,
            newly,
        })
    }

    /// The recipient an unsubscribe token names, if we made it (for the
    /// page that asks before opting out; nothing is recorded).
    #[must_use]
    pub fn verify_unsubscribe(&self, token: &str) -> Option<crate::token::TokenClaim> {
        self.settings
            .key
            .verify_for(token, |p| p == TokenPurpose::Unsubscribe)
    }

    /// One page of the suppression list (admins only).
    pub async fn suppressions(
        &self,
        caller: &Principal,
        page: &PageRequest,
    ) -> Result<Page<Suppression>, EmailError> {
        self.settings.policy.check_admin(caller)?;
        self.ports
            .suppressions
            .list(page)
            .await
            .map_err(store_error)
    }

    /// Lifts an address from the suppression list (admins only); the
    /// address may be written to again.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn lift_suppression(
        &self,
        caller: &Principal,
        address: &EmailAddress,
    ) -> Result<(), EmailError> {
        self.settings.policy.check_admin(caller)?;
        if self
            .ports
            .suppressions
            .remove(address)
            .await
            .map_err(store_error)?
        {
            info!("suppression lifted");
            Ok(())
        } else {
            Err(EmailError::SuppressionNotFound)
        }
    }
}
