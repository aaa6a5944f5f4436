//! Reading messages, their recipients, events, replies and engagement.

use crm_kernel::{CustomerId, EmailId, Page, PageRequest, Principal};

use super::{EmailService, store_error};
use crate::engagement::Engagement;
use crate::error::EmailError;
use crate::event::EmailEvent;
use crate::inbound::InboundRecord;
use crate::message::Email;
use crate::query::EmailQuery;
use crate::recipient::Recipient;

/// A message with its recipients, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailView {
    /// The message.
    pub email: Email,
    /// Its recipients and their statuses.
    pub recipients: Vec<Recipient>,
}

/// A message with everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDetail {
    /// The message.
    pub email: Email,
    /// Its recipients and their statuses.
    pub recipients: Vec<Recipient>,
    /// Opens, clicks (with their classification), replies, bounces, opt-outs.
    pub events: Vec<EmailEvent>,
    /// Replies and delivery reports matched to it.
    pub inbound: Vec<InboundRecord>,
}

impl EmailService {
    /// A message the caller may see, with its recipients.
    async fn visible(&self, caller: &Principal, id: EmailId) -> Result<EmailView, EmailError> {
        self.settings.policy.scope(caller)?;
        let email = self
            .ports
            .emails
            .get(id)
            .await
            .map_err(store_error)?
            .ok_or(EmailError::EmailNotFound)?;
        let recipients = self
            .ports
            .emails
            .recipients(&[id])
            .await
            .map_err(store_error)?;
        let mut customer_ids: Vec<CustomerId> =
            recipients.iter().filter_map(|r| r.customer_id).collect();
        customer_ids.sort_unstable();
        customer_ids.dedup();
        let customers = if customer_ids.is_empty() || caller.is_admin() {
            Vec::new()
        } else {
            self.ports
                .customers
                .contacts(&customer_ids)
                .await
                .map_err(store_error)?
        };
        if !self
            .settings
            .policy
            .can_see_email(caller, &email, &customers)
        {
            return Err(EmailError::EmailNotFound);
        }
        Ok(EmailView { email, recipients })
    }

    /// A message with its recipients, events and replies. Customers, and
    /// staff who may not see it, get "not found".
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, email_id = %id))]
    pub async fn get(&self, caller: &Principal, id: EmailId) -> Result<EmailDetail, EmailError> {
        let EmailView { email, recipients } = self.visible(caller, id).await?;
        let events = self.ports.events.events(id).await.map_err(store_error)?;
        let inbound = self.ports.inbound.of_email(id).await.map_err(store_error)?;
        Ok(EmailDetail {
            email,
            recipients,
            events,
            inbound,
        })
    }

    /// A message's engagement: human and all opens and clicks among the
    /// delivered recipients, machine hits, and the replies.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, email_id = %id))]
    pub async fn engagement(
        &self,
        caller: &Principal,
        id: EmailId,
    ) -> Result<Engagement, EmailError> {
        let EmailView { recipients, .. } = self.visible(caller, id).await?;
        let events = self.ports.events.events(id).await.map_err(store_error)?;
        let inbound = self.ports.inbound.of_email(id).await.map_err(store_error)?;
        Ok(Engagement::tally(&recipients, &events, &inbound))
    }

    /// One page of the messages the caller may see, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn list(
        &self,
        caller: &Principal,
        query: &EmailQuery,
        page: &PageRequest,
    ) -> Result<Page<EmailView>, EmailError> {
        let scope = self.settings.policy.scope(caller)?;
        let emails = self
            .ports
            .emails
            .list(query, &scope, page)
            .await
            .map_err(store_error)?;
        let ids: Vec<EmailId> = emails.items.iter().map(|e| e.id).collect();
        let mut recipients = if ids.is_empty() {
            Vec::new()
        } else {
            self.ports
                .emails
                .recipients(&ids)
                .await
                .map_err(store_error)?
        };
        Ok(emails.map(|email| {
            let (own, rest) = recipients.drain(..).partition(|r| r.email_id == email.id);
            recipients = rest;
            EmailView {
                email,
                recipients: own,
            }
        }))
    }

    /// One page of the messages to a customer the caller may see.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %customer_id))]
    pub async fn list_for_customer(
        &self,
        caller: &Principal,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<EmailView>, EmailError> {
        self.settings.policy.scope(caller)?;
        let visible = self
            .ports
            .customers
            .contacts(&[customer_id])
            .await
            .map_err(store_error)?
            .iter()
            .any(|c| c.id == customer_id && self.settings.policy.can_see_customer(caller, c));
        if !visible {
            return Err(EmailError::CustomerNotFound);
        }
        let query = EmailQuery {
            customer_id: Some(customer_id),
            ..EmailQuery::default()
        };
        self.list(caller, &query, page).await
    }
}
