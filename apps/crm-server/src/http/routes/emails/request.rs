//! What `/api/emails` accepts, and its parsing into the email context's input.

use crm_email::{
    EmailQuery, HtmlBody, NewContent, NewEmail, RecipientInput, RecipientStatus, Subject, TextBody,
};
use crm_kernel::{CustomerId, EmailAddress, EmailTemplateId, Timestamp, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::fields::{id, timestamp};
use crate::http::pagination::scope;

/// One recipient: an address (matched to the customer who has it), or a
/// customer (at the address on its record), or both (the address linked to
/// that customer).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum RecipientRequest {
    /// An address.
    #[schema(example = "ann@example.com")]
    Address(String),
    /// A customer and/or an address.
    Linked(LinkedRecipient),
}

/// A recipient given as an object.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkedRecipient {
    /// The address; the customer's own when left out.
    pub email: Option<String>,
    /// The customer the message is linked to.
    pub customer_id: Option<CustomerId>,
}

/// `to`: one recipient or a list of 1 to 100.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ToField {
    /// One recipient.
    One(RecipientRequest),
    /// Several.
    Many(Vec<RecipientRequest>),
}

/// A message to send (original contract: `{"to", "subject", "body"}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendEmailRequest {
    /// One address, or a list of addresses and `{email, customer_id}` objects.
    pub to: ToField,
    /// The subject (not with `template_id`).
    #[schema(min_length = 1, max_length = 998, example = "Your offer")]
    pub subject: Option<String>,
    /// The text body (not with `template_id`); HTML is generated from it
    /// unless `html` is given.
    #[schema(
        min_length = 1,
        max_length = 100_000,
        example = "Hello Ann,\n\nhere it is: https://example.com/offer"
    )]
    pub body: Option<String>,
    /// An HTML body written by the sender.
    #[schema(min_length = 1, max_length = 500_000)]
    pub html: Option<String>,
    /// Write from this template instead, rendered for each recipient.
    pub template_id: Option<EmailTemplateId>,
    /// Send later, not before this time (RFC 3339; within a year).
    pub send_at: Option<Timestamp>,
}

impl TryFrom<SendEmailRequest> for NewEmail {
    type Error = ValidationErrors;

    fn try_from(request: SendEmailRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let items = match request.to {
            ToField::One(one) => vec![one],
            ToField::Many(many) => many,
        };
        let mut to = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let field = format!("to[{i}]");
            let (email, customer) = match item {
                RecipientRequest::Address(text) => (Some(text), None),
                RecipientRequest::Linked(l) => (l.email, l.customer_id),
            };
            let address = email.and_then(|text| errors.check(&field, EmailAddress::parse(&text)));
            match (address, customer) {
                (Some(a), Some(c)) => to.push(RecipientInput::linked(a, c)),
                (Some(a), None) => to.push(RecipientInput::address(a)),
                (None, Some(c)) => to.push(RecipientInput::customer(c)),
                (None, None) => errors.add(&field, "needs an email or a customer_id"),
            }
        }
        let content = match (request.template_id, request.subject, request.body) {
            (Some(template), None, None) if request.html.is_none() => {
                Some(NewContent::Template(template))
            }
            (Some(_), ..) => {
                errors.add(
                    "template_id",
                    "give either template_id or subject and body, not both",
                );
                None
            }
            (None, subject, body) => {
                let subject = match subject {
                    None => {
                        errors.add("subject", "is required");
                        None
                    }
                    Some(s) => errors.check("subject", Subject::parse(&s)),
                };
                let text = match body {
                    None => {
                        errors.add("body", "is required");
                        None
                    }
                    Some(b) => errors.check("body", TextBody::parse(&b)),
                };
                let html = match request.html {
                    None => Some(None),
                    Some(h) => errors.check("html", HtmlBody::parse(&h)).map(Some),
                };
                match (subject, text, html) {
                    (Some(subject), Some(text), Some(html)) => Some(NewContent::Written {
                        subject,
                        text,
                        html,
                    }),
                    _ => None,
                }
            }
        };
        let Some(content) = content else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        NewEmail::new(to, content, request.send_at)
    }
}

/// Filters of the message lists.
#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailFilterParams {
    /// Only messages with a recipient of this customer.
    #[param(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
    /// Only messages with a recipient in this status.
    #[param(value_type = Option<RecipientStatus>)]
    pub status: Option<String>,
    /// Queued at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Queued before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
}

impl EmailFilterParams {
    /// The query these parameters describe, recording invalid ones.
    pub fn query(&self, errors: &mut ValidationErrors) -> EmailQuery {
        EmailQuery {
            customer_id: id(
                errors,
                "customer_id",
                self.customer_id.as_deref(),
                CustomerId::parse,
            ),
            status: id(errors, "status", self.status.as_deref(), |s| {
                RecipientStatus::parse(s).ok_or("must be queued, sending, sent, failed or bounced")
            }),
            from: timestamp(errors, "from", self.from.as_deref()),
            to: timestamp(errors, "to", self.to.as_deref()),
        }
    }

    /// The cursor scope of a list with these filters.
    pub fn scope(&self, list: &str) -> String {
        scope(list, self)
    }
}
