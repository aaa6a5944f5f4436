//! A message as written and queued, and the request that creates one.

use std::time::Duration;

use crm_kernel::{
    CustomerId, EmailAddress, EmailId, EmailTemplateId, PrincipalId, Timestamp, UserId,
    ValidationErrors,
};

use crate::content::{Content, HtmlBody, Subject, TextBody};
use crate::mailbox::Mailbox;

/// Most recipients one message may have.
pub const MAX_RECIPIENTS: usize = 100;

/// How far ahead a send may be scheduled.
pub const MAX_SCHEDULE_AHEAD: Duration = Duration::from_hours(366 * 24);

/// An outgoing message: one sender, one content, one or more recipients
/// ([`crate::Recipient`], each sent, tracked and bounced on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Its id.
    pub id: EmailId,
    /// The sender: `CRM_MAIL_FROM`'s address under the sending staff user's name.
    pub from: Mailbox,
    /// The staff user who sent it.
    pub sender_id: UserId,
    /// What it says, as written (for a template: the template's source; each
    /// recipient then carries its own rendering).
    pub content: Content,
    /// The template it was written from, if any.
    pub template_id: Option<EmailTemplateId>,
    /// When it is due: the request's time, or the scheduled `send_at`.
    pub send_at: Timestamp,
    /// When it was queued.
    pub created_at: Timestamp,
}

/// One entry of `to`: an address, a customer, or both (an address linked to
/// a customer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientInput {
    address: Option<EmailAddress>,
    customer_id: Option<CustomerId>,
}

impl RecipientInput {
    /// An address; it is matched to the customer who has it, if any.
    #[must_use]
    pub fn address(address: EmailAddress) -> Self {
        Self {
            address: Some(address),
            customer_id: None,
        }
    }

    /// A customer, at the address on its record.
    #[must_use]
    pub fn customer(customer_id: CustomerId) -> Self {
        Self {
            address: None,
            customer_id: Some(customer_id),
        }
    }

    /// An address, linked to this customer whatever the customer's record says.
    #[must_use]
    pub fn linked(address: EmailAddress, customer_id: CustomerId) -> Self {
        Self {
            address: Some(address),
            customer_id: Some(customer_id),
        }
    }

    /// The address given, if any.
    #[must_use]
    pub fn given_address(&self) -> Option<&EmailAddress> {
        self.address.as_ref()
    }

    /// The customer given, if any.
    #[must_use]
    pub fn given_customer(&self) -> Option<CustomerId> {
        self.customer_id
    }
}

/// What a new message says: written out, or from a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewContent {
    /// Subject, text and optional HTML (generated from the text when absent).
    Written {
        /// The subject.
        subject: Subject,
        /// The text body.
        text: TextBody,
        /// The HTML body, if the sender wrote one.
        html: Option<HtmlBody>,
    },
    /// A template, rendered for each recipient.
    Template(EmailTemplateId),
}

/// A request to send a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmail {
    /// The recipients (1 to [`MAX_RECIPIENTS`]).
    pub to: Vec<RecipientInput>,
    /// What it says.
    pub content: NewContent,
    /// Send later, not before this time (a time in the past means now).
    pub send_at: Option<Timestamp>,
}

impl NewEmail {
    /// Checks the shape of a request: 1 to [`MAX_RECIPIENTS`] recipients, no
    /// address or customer listed twice. (Whether the customers exist, and
    /// whether the addresses may be written to, is the service's to check.)
    pub fn new(
        to: Vec<RecipientInput>,
        content: NewContent,
        send_at: Option<Timestamp>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if to.is_empty() {
            errors.add("to", "must name at least one recipient");
        }
        if to.len() > MAX_RECIPIENTS {
            errors.add(
                "to",
                format!("must name at most {MAX_RECIPIENTS} recipients"),
            );
        }
        for (i, input) in to.iter().enumerate() {
            let earlier = &to[..i];
            let same_address = input.address.as_ref().is_some_and(|a| {
                earlier
                    .iter()
                    .any(|e| e.address.as_ref().is_some_and(|b| a.key() == b.key()))
            });
            let same_customer = input
                .customer_id
                .is_some_and(|c| earlier.iter().any(|e| e.customer_id == Some(c)));
            if same_address || same_customer {
                errors.add(format!("to[{i}]"), "is listed twice");
            }
        }
        errors.into_result()?;
        Ok(Self {
            to,
            content,
            send_at,
        })
    }

    /// The canonical text of this request, for recognising a retried one.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let to: Vec<String> = self
            .to
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r.address
                        .as_ref()
                        .map(EmailAddress::key)
                        .unwrap_or_default(),
                    r.customer_id.map(|c| c.to_string()).unwrap_or_default()
                )
            })
            .collect();
        let content = match &self.content {
            NewContent::Written {
                subject,
                text,
                html,
            } => format!(
                "w\u{1f}{}\u{1f}{}\u{1f}{}",
                subject.as_str(),
                text.as_str(),
                html.as_ref().map(HtmlBody::as_str).unwrap_or_default()
            ),
            NewContent::Template(id) => format!("t\u{1f}{id}"),
        };
        format!(
            "{}\u{1e}{content}\u{1e}{}",
            to.join("\u{1f}"),
            self.send_at.map(|t| t.to_rfc3339()).unwrap_or_default()
        )
    }
}

/// A client's idempotency key for sending a message, with the request it
/// was first used for (as on tickets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Who used it (keys are per principal).
    pub principal: PrincipalId,
    /// The key, 1 to 255 visible ASCII characters.
    pub key: String,
    /// The request's fingerprint ([`NewEmail::fingerprint`]).
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// Checks the key's form.
    pub fn parse(
        principal: PrincipalId,
        key: &str,
        fingerprint: String,
    ) -> Result<Self, &'static str> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be 1 to 255 visible ASCII characters");
        }
        Ok(Self {
            principal,
            key: key.to_owned(),
            fingerprint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> EmailAddress {
        EmailAddress::parse(text).unwrap()
    }

    fn written() -> NewContent {
        NewContent::Written {
            subject: Subject::parse("Hi").unwrap(),
            text: TextBody::parse("Hello").unwrap(),
            html: None,
        }
    }

    #[test]
    fn needs_one_to_a_hundred_distinct_recipients() {
        let none = NewEmail::new(vec![], written(), None).unwrap_err();
        assert_eq!(none.fields()[0].field, "to");

        let many = (0..=MAX_RECIPIENTS)
            .map(|i| RecipientInput::address(address(&format!("r{i}@example.com"))))
            .collect();
        assert_eq!(
            NewEmail::new(many, written(), None).unwrap_err().fields()[0].message,
            "must name at most 100 recipients"
        );

        let customer = CustomerId::new();
        let twice = vec![
            RecipientInput::address(address("Ann@example.com")),
            RecipientInput::customer(customer),
            RecipientInput::address(address("ann@EXAMPLE.com")),
            RecipientInput::linked(address("bob@example.com"), customer),
        ];
        let errors = NewEmail::new(twice, written(), None).unwrap_err();
        let fields: Vec<&str> = errors.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["to[2]", "to[3]"]);
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let one = vec![RecipientInput::address(address("ann@example.com"))];
        let a = NewEmail::new(one.clone(), written(), None).unwrap();
        let same = NewEmail::new(
            vec![RecipientInput::address(address("ANN@example.com"))],
            written(),
            None,
        )
        .unwrap();
        assert_eq!(a.fingerprint(), same.fingerprint());
        let template =
            NewEmail::new(one, NewContent::Template(EmailTemplateId::new()), None).unwrap();
        assert_ne!(a.fingerprint(), template.fingerprint());
    }

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        let principal = PrincipalId::User(UserId::new());
        assert!(IdempotencyKey::parse(principal, "abc-123", String::new()).is_ok());
        for bad in ["", "a b", "é", &"x".repeat(256)] {
            assert!(
                IdempotencyKey::parse(principal, bad, String::new()).is_err(),
                "{bad:?}"
            );
        }
    }
}
