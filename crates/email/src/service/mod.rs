//! The email use cases.

mod consent;
mod dispatch;
mod inbound;
mod read;
mod send;
mod templates;
mod tracking;

pub use consent::Unsubscribed;
pub use inbound::Received;
pub use read::{EmailDetail, EmailView};
pub use send::Queued;
pub use tracking::ClickTarget;

use std::sync::Arc;

use crm_kernel::Clock;

use crate::error::EmailError;
use crate::mailbox::Mailbox;
use crate::outbox::{OutboxPolicy, RetryPolicy};
use crate::outgoing::PublicUrl;
use crate::policy::EmailPolicy;
use crate::ports::{
    CustomerDirectory, EmailRepository, EventLog, InboundStore, Mailer, Outbox, StaffDirectory,
    StoreError, SuppressionList, TemplateRepository,
};
use crate::token::TokenKey;
use crate::tracking::Classifier;

/// The adapters the email service works through.
#[derive(Debug, Clone)]
pub struct EmailPorts {
    /// Messages and recipients.
    pub emails: Arc<dyn EmailRepository>,
    /// Claims, outcomes and releases.
    pub outbox: Arc<dyn Outbox>,
    /// Tracking hits and other events.
    pub events: Arc<dyn EventLog>,
    /// Replies, reports and unmatched mail.
    pub inbound: Arc<dyn InboundStore>,
    /// Who may not be written to.
    pub suppressions: Arc<dyn SuppressionList>,
    /// Templates.
    pub templates: Arc<dyn TemplateRepository>,
    /// Customers: matching, visibility, template variables.
    pub customers: Arc<dyn CustomerDirectory>,
    /// Staff: the sender's name.
    pub staff: Arc<dyn StaffDirectory>,
    /// The mail system.
    pub mailer: Arc<dyn Mailer>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// The email context's configuration.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The sender's address (`CRM_MAIL_FROM`); its domain makes
    /// `Message-ID`s and the reply and bounce addresses.
    pub mail_from: Mailbox,
    /// Where tracking and unsubscribe links point (`CRM_PUBLIC_URL`).
    pub public_url: PublicUrl,
    /// What tokens are signed with.
    pub key: TokenKey,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Leases and batches.
    pub outbox: OutboxPolicy,
    /// People or machines.
    pub classifier: Classifier,
    /// Who may do what.
    pub policy: EmailPolicy,
}

/// The email context's use cases.
#[derive(Debug, Clone)]
pub struct EmailService {
    ports: EmailPorts,
    settings: Arc<EmailSettings>,
}

impl EmailService {
    /// A service over the given adapters and settings.
    #[must_use]
    pub fn new(ports: EmailPorts, settings: EmailSettings) -> Self {
        Self {
            ports,
            settings: Arc::new(settings),
        }
    }

    /// The settings it runs with.
    #[must_use]
    pub fn settings(&self) -> &EmailSettings {
        &self.settings
    }
}

/// A store error where nothing more specific applies.
fn store_error(error: StoreError) -> EmailError {
    match error {
        StoreError::NotFound => EmailError::EmailNotFound,
        StoreError::VersionConflict | StoreError::LeaseLost => EmailError::Conflict,
        StoreError::Duplicate => EmailError::TemplateNameTaken,
        StoreError::IdempotencyMismatch => EmailError::IdempotencyKeyReused,
        StoreError::Backend(error) => EmailError::Backend(error),
    }
}

#[cfg(test)]
mod tests;
