//! Queueing a message: the outbox write that comes before any send.

use crm_kernel::{EmailAddress, EmailId, EmailTemplateId, Principal, ValidationErrors};
use tracing::info;

use super::{EmailService, store_error};
use crate::content::Content;
use crate::error::EmailError;
use crate::message::{Email, IdempotencyKey, MAX_SCHEDULE_AHEAD, NewContent, NewEmail};
use crate::ports::{CustomerContact, Inserted};
use crate::recipient::Recipient;
use crate::render::{Variables, render};

/// A queued message, and whether it was queued before under the same
/// idempotency key (then nothing new was created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The message.
    pub email: Email,
    /// Its recipients and their true status (`queued` unless already sent).
    pub recipients: Vec<Recipient>,
    /// True when this was a retry of an earlier request.
    pub replayed: bool,
}

/// A recipient resolved: where to write, and which customer it is.
struct Resolved {
    address: EmailAddress,
    customer: Option<CustomerContact>,
}

impl EmailService {
    /// Queues a message: checks the caller (staff only), resolves each
    /// recipient (an address is matched to the customer who has it; a
    /// `customer_id` must name a customer the caller can see and gives its
    /// address), refuses suppressed or opted-out addresses (409 naming the
    /// reason), renders a template for each recipient, and writes the
    /// message and its recipients to the outbox in one transaction. Nothing
    /// is sent here: the dispatcher does that. With an idempotency key, a
    /// retry of the same request returns the first message and creates
    /// nothing; the same key with a different request is refused.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, recipients = new.to.len()))]
    pub async fn send(
        &self,
        caller: &Principal,
        new: NewEmail,
        idempotency_key: Option<&str>,
    ) -> Result<Queued, EmailError> {
        self.settings.policy.check_staff(caller)?;
        let sender_id = caller.user_id().ok_or(EmailError::Forbidden)?;
        let idempotency = idempotency_key
            .map(|key| IdempotencyKey::parse(caller.id, key, new.fingerprint()))
            .transpose()
            .map_err(|message| ValidationErrors::single("Idempotency-Key", message))?;
        let now = self.ports.clock.now();
        let send_at = new.send_at.map_or(now, |at| at.max(now));
        if send_at > now.plus(MAX_SCHEDULE_AHEAD) {
            return Err(ValidationErrors::single("send_at", "must be within a year").into());
        }
        let resolved = self.resolve(caller, &new).await?;
        self.check_consent(&resolved).await?;

        let sender_name = self
            .ports
            .staff
            .name(sender_id)
            .await
            .map_err(store_error)?;
        let from = sender_name
            .as_deref()
            .and_then(|name| self.settings.mail_from.with_name(name).ok())
            .unwrap_or_else(|| self.settings.mail_from.clone());
        let (content, template_id, personal) = self
            .compose(&new.content, &resolved, sender_name.as_deref())
            .await?;

        let email = Email {
            id: EmailId::new(),
            from,
            sender_id,
            content,
            template_id,
            send_at,
            created_at: now,
        };
        let domain = email.from.domain().to_owned();
        let mut personal = personal.map(Vec::into_iter);
        let recipients: Vec<Recipient> = resolved
            .into_iter()
            .map(|r| {
                let mut recipient = Recipient::queued(
                    email.id,
                    r.address,
                    r.customer.map(|c| c.id),
                    &domain,
                    send_at,
                    now,
                );
                recipient.content = personal.as_mut().and_then(Iterator::next);
                recipient
            })
            .collect();
        match self
            .ports
            .emails
            .insert(&email, &recipients, idempotency.as_ref())
            .await
            .map_err(store_error)?
        {
            Inserted::Created => {
                info!(email_id = %email.id, scheduled = send_at > now, "email queued");
                Ok(Queued {
                    email,
                    recipients,
                    replayed: false,
                })
            }
            Inserted::Replayed(id) => {
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
                info!(email_id = %id, "email request replayed");
                Ok(Queued {
                    email,
                    recipients,
                    replayed: true,
                })
            }
        }
    }

    /// The message's content as written, its template, and each
    /// recipient's own rendering when it comes from a template.
    async fn compose(
        &self,
        content: &NewContent,
        resolved: &[Resolved],
        sender_name: Option<&str>,
    ) -> Result<(Content, Option<EmailTemplateId>, Option<Vec<Content>>), EmailError> {
        match content {
            NewContent::Written {
                subject,
                text,
                html,
            } => Ok((
                Content::new(subject.clone(), text.clone(), html.clone())
                    .map_err(|e| ValidationErrors::single("html", e))?,
                None,
                None,
            )),
            NewContent::Template(id) => {
                let template = self
                    .ports
                    .templates
                    .get(*id)
                    .await
                    .map_err(store_error)?
                    .ok_or(EmailError::TemplateNotFound)?;
                let source = &template.source;
                let as_written = Content::new(
                    source.subject().clone(),
                    source.text().clone(),
                    source.html().cloned(),
                )
                .map_err(|e| ValidationErrors::single("html", e))?;
                let personal = render_each(resolved, source, sender_name)?;
                Ok((as_written, Some(*id), Some(personal)))
            }
        }
    }

    /// Each recipient's address and customer.
    async fn resolve(
        &self,
        caller: &Principal,
        new: &NewEmail,
    ) -> Result<Vec<Resolved>, EmailError> {
        let mut resolved: Vec<Resolved> = Vec::with_capacity(new.to.len());
        let mut errors = ValidationErrors::new();
        for (i, input) in new.to.iter().enumerate() {
            let customers = &self.ports.customers;
            let (address, customer) = match (input.given_address(), input.given_customer()) {
                (address, Some(id)) => {
                    let customer = customers
                        .by_id(id)
                        .await
                        .map_err(store_error)?
                        .filter(|c| self.settings.policy.can_see_customer(caller, c))
                        .ok_or(EmailError::CustomerNotFound)?;
                    let Some(address) = address.or(customer.email.as_ref()).cloned() else {
                        errors.add(format!("to[{i}]"), "the customer has no email address");
                        continue;
                    };
                    (address, Some(customer))
                }
                (Some(address), None) => {
                    let customer = customers.by_email(address).await.map_err(store_error)?;
                    (address.clone(), customer)
                }
                (None, None) => {
                    errors.add(format!("to[{i}]"), "needs an address or a customer_id");
                    continue;
                }
            };
            if resolved.iter().any(|r| r.address.key() == address.key()) {
                errors.add(format!("to[{i}]"), "is listed twice");
                continue;
            }
            resolved.push(Resolved { address, customer });
        }
        errors.into_result()?;
        Ok(resolved)
    }

    /// Refuses the first suppressed or opted-out address.
    async fn check_consent(&self, resolved: &[Resolved]) -> Result<(), EmailError> {
        let addresses: Vec<EmailAddress> = resolved.iter().map(|r| r.address.clone()).collect();
        let suppressed = self
            .ports
            .suppressions
            .find(&addresses)
            .await
            .map_err(store_error)?;
        for address in &addresses {
            if let Some(entry) = suppressed.iter().find(|s| s.address.key() == address.key()) {
                return Err(EmailError::Suppressed {
                    address: address.clone(),
                    reason: entry.reason,
                });
            }
        }
        Ok(())
    }
}

/// The template rendered for every recipient; errors name the recipient.
fn render_each(
    resolved: &[Resolved],
    source: &crate::template::TemplateSource,
    sender_name: Option<&str>,
) -> Result<Vec<Content>, EmailError> {
    let mut errors = ValidationErrors::new();
    let mut contents = Vec::with_capacity(resolved.len());
    for r in resolved {
        let values = Variables::for_recipient(Some(&r.address), r.customer.as_ref(), sender_name);
        match render(source, &values) {
            Ok(content) => contents.push(content),
            Err(found) => {
                for field in found.fields() {
                    errors.add(
                        field.field.clone(),
                        format!("{} ({})", field.message, r.address),
                    );
                }
            }
        }
    }
    errors.into_result()?;
    Ok(contents)
}
