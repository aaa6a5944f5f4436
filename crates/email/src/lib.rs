//! # crm-email
//!
//! The email context: staff write to customers from the CRM, and the CRM
//! tells honestly what became of it.
//!
//! It owns:
//!
//! - **messages** ([`Email`]) and their **recipients** ([`Recipient`]),
//!   each with a stable [`MessageId`] and a status ([`RecipientStatus`]:
//!   queued → sending → sent | failed, sent → bounced); the sender
//!   ([`Mailbox`], `CRM_MAIL_FROM` under the staff user's name); content
//!   ([`Content`]) whose HTML is generated from the text when absent
//!   ([`text_to_html`]); scheduled sends;
//! - the **outbox** rules: claims under a lease ([`OutboxPolicy`]), retries
//!   with exponential backoff and jitter ([`RetryPolicy`]), permanent versus
//!   transient failures ([`SendError`], [`SmtpReply`]), what one copy looks
//!   like ([`Outgoing`]), and the dispatcher the server runs in a loop
//!   ([`EmailService::dispatch_due`]);
//! - **templates** ([`EmailTemplate`]) rendered by `minijinja` with HTML
//!   auto-escaping, unknown or missing variables named;
//! - **tracking** that tells people from machines: signed tokens that carry
//!   no personal data ([`TokenKey`]), links rewritten only to what the
//!   message said ([`instrument`]), a honeypot link, and the
//!   [`Classifier`] (human, privacy proxy, scanner, with reasons);
//! - **engagement** figures ([`Engagement`]) counting people and machines apart;
//! - **replies and bounces** ([`InboundMail`] in, matched by `Message-ID`,
//!   reply and VERP bounce tokens; quotes stripped by [`strip_quoted`]);
//! - **consent**: the suppression list ([`Suppression`]) fed by hard bounces
//!   and one-click opt-outs;
//! - who may do what ([`EmailPolicy`]).
//!
//! What it needs from the outside comes through its ports ([`ports`]):
//! stores, the customers and staff directories, and the [`ports::Mailer`].
//! MIME building and parsing are the adapter's (`crm-smtp`).

pub mod consent;
pub mod content;
pub mod delivery;
pub mod engagement;
pub mod error;
pub mod event;
pub mod html;
pub mod inbound;
pub mod instrument;
pub mod mailbox;
pub mod message;
pub mod message_id;
pub mod outbox;
pub mod outgoing;
pub mod policy;
pub mod ports;
pub mod query;
pub mod recipient;
pub mod render;
pub mod service;
pub mod status;
pub mod template;
pub mod token;
pub mod tracking;

pub use consent::{Suppression, SuppressionReason};
pub use content::{Content, HtmlBody, Subject, TextBody};
pub use delivery::{Accepted, DeliveryError, SendError, SmtpReply};
pub use engagement::{Engagement, Rate, Response};
pub use error::EmailError;
pub use event::{EmailEvent, EventKind, HitDetails};
pub use html::text_to_html;
pub use inbound::{
    BounceKind, DeliveryReport, InboundKind, InboundMail, InboundRecord, MatchedBy,
    ReportedRecipient, strip_quoted,
};
pub use instrument::{instrument, web_links};
pub use mailbox::{Mailbox, MailboxError};
pub use message::{Email, IdempotencyKey, NewContent, NewEmail, RecipientInput};
pub use message_id::MessageId;
pub use outbox::{Claimed, DispatchReport, Lease, OutboxPolicy, RetryPolicy, WorkerId};
pub use outgoing::{Outgoing, PublicUrl, PublicUrlError, Tracking};
pub use policy::EmailPolicy;
pub use query::{EmailQuery, EmailScope};
pub use recipient::Recipient;
pub use render::{VARIABLES, Variables, render};
pub use service::{
    ClickTarget, EmailDetail, EmailPorts, EmailService, EmailSettings, EmailView, Queued, Received,
    Unsubscribed,
};
pub use status::RecipientStatus;
pub use template::{EmailTemplate, NewTemplate, TemplateName, TemplatePatch, TemplateSource};
pub use token::{TokenClaim, TokenKey, TokenKeyError, TokenPurpose};
pub use tracking::{
    Classification, Classifier, Hit, HitClass, HitKind, NetworkList, NetworkListError, Reason,
    Verdict,
};
