//! One recipient's copy, ready for the mailer.

use crm_kernel::{EmailAddress, RecipientId, Timestamp};
use url::Url;

use crate::content::Content;
use crate::inbound::{BOUNCE_LOCAL, REPLY_LOCAL};
use crate::instrument::{TrackingUrls, instrument};
use crate::mailbox::Mailbox;
use crate::message::Email;
use crate::message_id::MessageId;
use crate::recipient::Recipient;
use crate::token::{TokenClaim, TokenKey, TokenPurpose};

/// The base URL of the server as the outside world reaches it
/// (`CRM_PUBLIC_URL`): tracking and unsubscribe links are made on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

/// The text is not an `http(s)://` URL without query or fragment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an http:// or https:// URL without query or fragment")]
pub struct PublicUrlError;

impl PublicUrl {
    /// Parses a base URL; a trailing `/` is dropped.
    pub fn parse(text: &str) -> Result<Self, PublicUrlError> {
        let url = Url::parse(text.trim()).map_err(|_| PublicUrlError)?;
        let fine = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty();
        if !fine {
            return Err(PublicUrlError);
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The URL of `path` (which starts with `/`) under this base.
    #[must_use]
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The tracking image: `/t/o/{token}`.
    #[must_use]
    pub fn open(&self, token: &str) -> String {
        self.join(&format!("/t/o/{token}"))
    }

    /// A tracked link or the honeypot: `/t/c/{token}`.
    #[must_use]
    pub fn click(&self, token: &str) -> String {
        self.join(&format!("/t/c/{token}"))
    }

    /// The one-click unsubscribe link: `/t/u/{token}`.
    #[must_use]
    pub fn unsubscribe(&self, token: &str) -> String {
        self.join(&format!("/t/u/{token}"))
    }
}

/// One recipient's copy, everything decided: what the mailer turns into an
/// RFC 5322 message and an SMTP envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Whose copy.
    pub recipient_id: RecipientId,
    /// `Message-ID` (the same for every attempt).
    pub message_id: MessageId,
    /// `From`.
    pub from: Mailbox,
    /// `To`, and the envelope recipient.
    pub to: EmailAddress,
    /// `Reply-To`: `reply+TOKEN@domain-of-from`, so replies find their way back.
    pub reply_to: String,
    /// The envelope sender (`MAIL FROM`, the future `Return-Path`):
    /// `bounce+TOKEN@domain-of-from` (VERP), so bounces name the recipient.
    pub envelope_from: String,
    /// `Subject`.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part, with tracking.
    pub html: String,
    /// The `List-Unsubscribe` URL (RFC 8058 one-click with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
    pub list_unsubscribe: String,
    /// `Date`.
    pub date: Timestamp,
}

/// Everything a copy is made with besides the message itself.
#[derive(Debug, Clone)]
pub struct Tracking<'a> {
    /// Where links point to.
    pub public_url: &'a PublicUrl,
    /// What tokens are signed with.
    pub key: &'a TokenKey,
}

impl Outgoing {
    /// The copy of `email` for `recipient` at `now`: the recipient's own
    /// content (or the message's), web links rewritten to tracked ones, the
    /// honeypot and the image appended, reply, bounce and unsubscribe
    /// addresses carrying signed tokens. When the HTML cannot be rewritten,
    /// it goes untracked (and the error is returned beside the copy).
    #[must_use]
    pub fn prepare(
        email: &Email,
        recipient: &Recipient,
        tracking: &Tracking<'_>,
        now: Timestamp,
    ) -> (Self, Option<crate::instrument::InstrumentError>) {
        let content: &Content = recipient.content.as_ref().unwrap_or(&email.content);
        let token = |purpose| {
            tracking.key.sign(TokenClaim {
                recipient: recipient.id,
                purpose,
            })
        };
        let click = |index: u16| {
            tracking
                .public_url
                .click(&token(TokenPurpose::Click(index)))
        };
        let urls = TrackingUrls {
            click: &click,
            pixel: tracking.public_url.open(&token(TokenPurpose::Open)),
            honeypot: tracking.public_url.click(&token(TokenPurpose::Honeypot)),
        };
        let (html, error) = match instrument(content.html.as_str(), &urls) {
            Ok(html) => (html, None),
            Err(error) => (content.html.as_str().to_owned(), Some(error)),
        };
        let domain = email.from.domain();
        let outgoing = Self {
            recipient_id: recipient.id,
            message_id: recipient.message_id.clone(),
            from: email.from.clone(),
            to: recipient.address.clone(),
            reply_to: format!("{REPLY_LOCAL}+{}@{domain}", token(TokenPurpose::Reply)),
            envelope_from: format!("{BOUNCE_LOCAL}+{}@{domain}", token(TokenPurpose::Bounce)),
            subject: content.subject.as_str().to_owned(),
            text: content.text.as_str().to_owned(),
            html,
            list_unsubscribe: tracking
                .public_url
                .unsubscribe(&token(TokenPurpose::Unsubscribe)),
            date: now,
        };
        (outgoing, error)
    }
}

#[cfg(test)]
mod tests;
