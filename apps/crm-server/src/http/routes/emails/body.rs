//! What `/api/emails` answers.

use crm_email::{
    EmailDetail, EmailEvent, EmailView, Engagement, EventKind, HitClass, InboundKind,
    InboundRecord, MatchedBy, Reason, Recipient, RecipientStatus, Response,
};
use crm_kernel::{
    CustomerId, EmailEventId, EmailId, EmailTemplateId, InboundMessageId, RecipientId, Timestamp,
    UserId,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

/// Why a recipient's last attempt failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryErrorBody {
    /// What went wrong (the server's reply, or the local reason).
    pub detail: String,
    /// The SMTP reply code, when the server answered (`550`).
    pub code: Option<u16>,
    /// The enhanced status code, when given (`5.1.1`).
    pub enhanced: Option<String>,
}

/// One recipient of a message and its delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientBody {
    /// The recipient's id.
    pub recipient_id: RecipientId,
    /// Where it goes.
    pub email: String,
    /// The customer it was matched or linked to.
    pub customer_id: Option<CustomerId>,
    /// The `Message-ID` of its copy (the same for every attempt).
    pub message_id: String,
    /// `queued`, `sending`, `sent`, `failed` or `bounced`.
    pub status: RecipientStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When it is (or was) due.
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed (kept when it failed for good).
    pub last_error: Option<DeliveryErrorBody>,
    /// When the mail server accepted it.
    pub sent_at: Option<Timestamp>,
    /// When it failed for good.
    pub failed_at: Option<Timestamp>,
    /// When it bounced.
    pub bounced_at: Option<Timestamp>,
}

impl From<Recipient> for RecipientBody {
    fn from(r: Recipient) -> Self {
        Self {
            recipient_id: r.id,
            email: r.address.as_str().to_owned(),
            customer_id: r.customer_id,
            message_id: r.message_id.bracketed(),
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error.map(|e| DeliveryErrorBody {
                code: e.reply.as_ref().map(|r| r.code),
                enhanced: e.reply.and_then(|r| r.enhanced),
                detail: e.detail,
            }),
            sent_at: r.sent_at,
            failed_at: r.failed_at,
            bounced_at: r.bounced_at,
        }
    }
}

/// A message and its recipients.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailBody {
    /// The message's id.
    pub email_id: EmailId,
    /// The sender: `CRM_MAIL_FROM` under the staff user's name.
    pub from: String,
    /// The staff user who sent it.
    pub sender_id: UserId,
    /// The subject (as written; a template's recipients each got their own).
    pub subject: String,
    /// The text body.
    pub body: String,
    /// The HTML body (generated from the text when not written).
    pub html: String,
    /// The template it was written from.
    pub template_id: Option<EmailTemplateId>,
    /// When it is due (the request's time, or `send_at`).
    pub send_at: Timestamp,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Its recipients and their statuses.
    pub recipients: Vec<RecipientBody>,
}

impl From<EmailView> for EmailBody {
    fn from(view: EmailView) -> Self {
        let email = view.email;
        let from = match email.from.name() {
            Some(name) => format!("{name} <{}>", email.from.address()),
            None => email.from.address().to_owned(),
        };
        Self {
            email_id: email.id,
            from,
            sender_id: email.sender_id,
            subject: email.content.subject.as_str().to_owned(),
            body: email.content.text.as_str().to_owned(),
            html: email.content.html.as_str().to_owned(),
            template_id: email.template_id,
            send_at: email.send_at,
            created_at: email.created_at,
            recipients: view
                .recipients
                .into_iter()
                .map(RecipientBody::from)
                .collect(),
        }
    }
}

impl ListKey for EmailBody {
    const KEY: &'static str = "emails";
    const SCHEMA: &'static str = "EmailList";
    const DESCRIPTION: &'static str = "One page of messages.";
    const ITEMS: &'static str = "The messages, newest first.";
}

/// One page of messages.
pub type EmailList = ListBody<EmailBody>;

/// The answer to sending (original contract: `"message": "Email sent successfully"`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SendEmailBody {
    /// `Email sent successfully`.
    #[schema(example = "Email sent successfully")]
    pub message: &'static str,
    /// The message's id.
    pub email_id: EmailId,
    /// Each recipient's true status: `queued` until the worker sends it.
    pub recipients: Vec<RecipientBody>,
    /// The whole message.
    pub email: EmailBody,
}

/// Person or machine, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassificationBody {
    /// `human`, `privacy_proxy` or `scanner`.
    pub class: HitClass,
    /// Why (empty for `human`).
    pub reasons: Vec<Reason>,
}

/// One event of a recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailEventBody {
    /// The event's id.
    pub event_id: EmailEventId,
    /// The recipient.
    pub recipient_id: RecipientId,
    /// `opened`, `clicked`, `honeypot`, `replied`, `soft_bounced`, `bounced` or `unsubscribed`.
    pub kind: EventKind,
    /// When.
    pub at: Timestamp,
    /// For clicks: which link (0-based) and where it led.
    pub link: Option<u16>,
    /// For clicks: the URL.
    pub url: Option<String>,
    /// For opens and clicks: person or machine.
    pub classification: Option<ClassificationBody>,
    /// For opens and clicks: whole seconds since delivery.
    pub seconds_since_delivery: Option<u64>,
    /// For opens and clicks: whether it was a `HEAD` request.
    pub head: Option<bool>,
    /// For opens and clicks: the user agent.
    pub user_agent: Option<String>,
    /// For bounces: the reported status and diagnostic.
    pub detail: Option<String>,
}

impl From<EmailEvent> for EmailEventBody {
    fn from(e: EmailEvent) -> Self {
        let hit = e.hit;
        Self {
            event_id: e.id,
            recipient_id: e.recipient_id,
            kind: e.kind,
            at: e.at,
            link: e.link,
            url: e.url,
            classification: hit.as_ref().map(|h| ClassificationBody {
                class: h.classification.class,
                reasons: h.classification.reasons.clone(),
            }),
            seconds_since_delivery: hit.as_ref().and_then(|h| h.seconds_since_delivery),
            head: hit.as_ref().map(|h| h.head),
            user_agent: hit.and_then(|h| h.user_agent),
            detail: e.detail,
        }
    }
}

/// An inbound message: a reply, a delivery report, or unmatched mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundBody {
    /// Its id.
    pub inbound_id: InboundMessageId,
    /// When it was posted.
    pub received_at: Timestamp,
    /// What it is.
    pub kind: InboundKind,
    /// The message it belongs to.
    pub email_id: Option<EmailId>,
    /// The recipient it belongs to.
    pub recipient_id: Option<RecipientId>,
    /// That recipient's customer.
    pub customer_id: Option<CustomerId>,
    /// How it was matched.
    pub matched_by: Option<MatchedBy>,
    /// For replies: the text without quotes and signature.
    pub response: Option<String>,
    /// For bounces: the reported status (`5.1.1`).
    pub bounce_status: Option<String>,
    /// Its own `Message-ID`.
    pub message_id: Option<String>,
    /// `From`.
    pub from: Option<String>,
    /// `Subject`.
    pub subject: Option<String>,
    /// The text body as received.
    pub text: Option<String>,
}

impl From<InboundRecord> for InboundBody {
    fn from(r: InboundRecord) -> Self {
        Self {
            inbound_id: r.id,
            received_at: r.received_at,
            kind: r.kind,
            email_id: r.email_id,
            recipient_id: r.recipient_id,
            customer_id: r.customer_id,
            matched_by: r.matched_by,
            response: r.response,
            bounce_status: r.bounce.and_then(|b| b.status),
            message_id: r.mail.message_id.map(|m| m.bracketed()),
            from: r.mail.from,
            subject: r.mail.subject,
            text: r.mail.text,
        }
    }
}

impl ListKey for InboundBody {
    const KEY: &'static str = "messages";
    const SCHEMA: &'static str = "UnmatchedInboundList";
    const DESCRIPTION: &'static str = "One page of inbound mail that matched none of our messages.";
    const ITEMS: &'static str = "The messages, newest first.";
}

/// One page of unmatched inbound mail.
pub type UnmatchedList = ListBody<InboundBody>;

/// A message with everything that happened to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailDetailBody {
    /// The message and its recipients.
    #[serde(flatten)]
    pub email: EmailBody,
    /// Opens, clicks (classified), replies, bounces, opt-outs; oldest first.
    pub events: Vec<EmailEventBody>,
    /// Replies and delivery reports matched to it; oldest first.
    pub replies: Vec<InboundBody>,
}

impl From<EmailDetail> for EmailDetailBody {
    fn from(d: EmailDetail) -> Self {
        Self {
            email: EmailView {
                email: d.email,
                recipients: d.recipients,
            }
            .into(),
            events: d.events.into_iter().map(EmailEventBody::from).collect(),
            replies: d.inbound.into_iter().map(InboundBody::from).collect(),
        }
    }
}

/// A reply, as engagement shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseBody {
    /// Seconds from delivery to the reply (`null` when the copy's delivery is unknown).
    pub response_time: Option<u64>,
    /// The reply, quoted text and signature removed.
    pub response: String,
    /// Who replied.
    pub recipient_id: RecipientId,
    /// Their customer.
    pub customer_id: Option<CustomerId>,
    /// When the reply arrived.
    pub received_at: Timestamp,
}

impl From<Response> for ResponseBody {
    fn from(r: Response) -> Self {
        Self {
            response_time: r.seconds_after_delivery,
            response: r.text,
            recipient_id: r.recipient_id,
            customer_id: r.customer_id,
            received_at: r.at,
        }
    }
}

/// Engagement of a message (original contract: `{"open_rate": "<n>%", "responses": [{"response_time", "response"}]}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementBody {
    /// The message.
    pub email_id: EmailId,
    /// Recipients whose copy was delivered (`sent`, not bounced).
    pub delivered: u64,
    /// Delivered recipients with a human open (or click), at most one decimal.
    #[schema(example = "66.7%")]
    pub open_rate: String,
    /// Delivered recipients with any open, machines included.
    #[schema(example = "100%")]
    pub open_rate_all: String,
    /// Delivered recipients with a human click.
    #[schema(example = "33.3%")]
    pub click_rate: String,
    /// Delivered recipients with any click, machines included.
    #[schema(example = "66.7%")]
    pub click_rate_all: String,
    /// Opens by privacy proxies and scanners.
    pub machine_opens: u64,
    /// Clicks by privacy proxies and scanners (the hidden link included).
    pub machine_clicks: u64,
    /// The replies, oldest first.
    pub responses: Vec<ResponseBody>,
}

impl EngagementBody {
    /// The body of `engagement` of message `email_id`.
    pub fn new(email_id: EmailId, e: Engagement) -> Self {
        Self {
            email_id,
            delivered: e.delivered,
            open_rate: e.open_rate.to_string(),
            open_rate_all: e.open_rate_all.to_string(),
            click_rate: e.click_rate.to_string(),
            click_rate_all: e.click_rate_all.to_string(),
            machine_opens: e.machine_opens,
            machine_clicks: e.machine_clicks,
            responses: e.responses.into_iter().map(ResponseBody::from).collect(),
        }
    }
}

/// What the inbound webhook did with a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundReceivedBody {
    /// True when the same message (by `Message-ID`) was received before.
    pub duplicate: bool,
    /// The message as filed.
    pub inbound: InboundBody,
}
