//! One recipient's copy as an RFC 5322 message and an SMTP envelope.

use std::time::{Duration, UNIX_EPOCH};

use crm_email::Outgoing;
use lettre::Message;
use lettre::address::{Address, Envelope};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// The copy could not be made into a message (an address lettre refuses).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the message: {0}")]
pub struct BuildError(String);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `List-Unsubscribe: <https://…/t/u/TOKEN>` (RFC 2369).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(Self(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned(),
        ))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, BoxError> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

fn address(text: &str) -> Result<Address, BuildError> {
    text.parse::<Address>()
        .map_err(|e| BuildError(format!("`{text}`: {e}")))
}

/// The message and envelope of one copy: `From` (the staff user's name at
/// `CRM_MAIL_FROM`), `To`, `Reply-To` (`reply+TOKEN@…`), `Subject`, `Date`,
/// the stable `Message-ID`, `List-Unsubscribe` with `List-Unsubscribe-Post`
/// (RFC 8058 one-click), and a multipart/alternative body of the text and
/// the tracked HTML. The envelope's sender is the VERP bounce address
/// (`bounce+TOKEN@…`), which the receiving side turns into `Return-Path`.
pub fn build_message(copy: &Outgoing) -> Result<(Message, Envelope), BuildError> {
    let from = Mailbox::new(
        copy.from.name().map(str::to_owned),
        address(copy.from.address())?,
    );
    let to = Mailbox::new(None, address(copy.to.as_str())?);
    let reply_to = Mailbox::new(None, address(&copy.reply_to)?);
    let millis = u64::try_from(copy.date.as_millis()).unwrap_or_default();
    let date = UNIX_EPOCH + Duration::from_millis(millis);
    let message = Message::builder()
        .from(from)
        .to(to.clone())
        .reply_to(reply_to)
        .subject(copy.subject.clone())
        .date(date)
        .message_id(Some(copy.message_id.bracketed()))
        .header(ListUnsubscribe(copy.list_unsubscribe.clone()))
        .header(ListUnsubscribePost)
        .multipart(MultiPart::alternative_plain_html(
            copy.text.clone(),
            copy.html.clone(),
        ))
        .map_err(|e| BuildError(e.to_string()))?;
    let envelope = Envelope::new(Some(address(&copy.envelope_from)?), vec![to.email])
        .map_err(|e| BuildError(e.to_string()))?;
    Ok((message, envelope))
}
