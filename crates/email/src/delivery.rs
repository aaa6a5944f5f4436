//! What a mail server answered, and what that means for the recipient.

use std::fmt;

/// A reply of an SMTP server: the three-digit code, the enhanced status
/// code when the server gave one (RFC 3463, `5.1.1`), and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpReply {
    /// The reply code (200 to 599).
    pub code: u16,
    /// The enhanced status code (`class.subject.detail`), if given.
    pub enhanced: Option<String>,
    /// The human-readable text, lines joined by a space.
    pub text: String,
}

impl SmtpReply {
    /// A reply; the enhanced code is taken from the start of `text` when it
    /// has one (`5.1.1 No such user`).
    #[must_use]
    pub fn new(code: u16, text: &str) -> Self {
        let text = text.trim();
        let (enhanced, rest) = match text.split_once(' ') {
            Some((first, rest)) if is_enhanced_code(first) => (Some(first.to_owned()), rest.trim()),
            None if is_enhanced_code(text) => (Some(text.to_owned()), ""),
            _ => (None, text),
        };
        Self {
            code,
            enhanced,
            text: rest.to_owned(),
        }
    }

    /// Whether this reply refuses the message for good, so that trying
    /// again cannot help: every 5xx reply, except those that are about our
    /// own configuration rather than the message or its recipient (530
    /// authentication or TLS required, 534 and 538 mechanism refused, 535
    /// credentials refused): those stay transient, so that mail queued
    /// while the relay's password was wrong is delivered once it is fixed.
    ///
    /// We send one recipient per SMTP transaction, so a 5xx at `MAIL`,
    /// `RCPT` or `DATA` is about this recipient's message alone.
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code) && !matches!(self.code, 530 | 534 | 535 | 538)
    }
}

fn is_enhanced_code(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

impl fmt::Display for SmtpReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(enhanced) = &self.enhanced {
            write!(f, " {enhanced}")?;
        }
        if !self.text.is_empty() {
            write!(f, " {}", self.text)?;
        }
        Ok(())
    }
}

/// The server accepted the message for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Its final reply (`250 2.0.0 Ok: queued as 4F1`), when there is one
    /// (the file transport has none).
    pub reply: Option<SmtpReply>,
}

/// Why a message was not accepted: the `Mailer` port's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Refused for good ([`SmtpReply::is_permanent`]): the recipient fails
    /// at once, with this reply kept.
    #[error("refused: {reply}")]
    Permanent {
        /// The server's reply.
        reply: SmtpReply,
    },
    /// Try again later: a 4xx reply, a configuration reply (see
    /// [`SmtpReply::is_permanent`]), no connection, a timeout, a TLS or
    /// disk failure.
    #[error("temporary failure: {detail}")]
    Transient {
        /// The server's reply, when it answered.
        reply: Option<SmtpReply>,
        /// What went wrong, for people.
        detail: String,
    },
}

impl SendError {
    /// The failure a reply means: permanent or transient, the reply kept.
    #[must_use]
    pub fn from_reply(reply: SmtpReply) -> Self {
        if reply.is_permanent() {
            Self::Permanent { reply }
        } else {
            Self::Transient {
                detail: reply.to_string(),
                reply: Some(reply),
            }
        }
    }

    /// A failure with no reply (connection refused, timeout, I/O).
    #[must_use]
    pub fn transient(detail: impl Into<String>) -> Self {
        Self::Transient {
            reply: None,
            detail: detail.into(),
        }
    }

    /// The server's reply, if it answered.
    #[must_use]
    pub fn reply(&self) -> Option<&SmtpReply> {
        match self {
            Self::Permanent { reply } => Some(reply),
            Self::Transient { reply, .. } => reply.as_ref(),
        }
    }
}

/// Why the last attempt for a recipient did not succeed, as kept on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// The server's reply, when there was one.
    pub reply: Option<SmtpReply>,
    /// What went wrong, for people (the reply's text, or the local reason).
    pub detail: String,
}

impl From<&SendError> for DeliveryError {
    fn from(error: &SendError) -> Self {
        match error {
            SendError::Permanent { reply } => Self {
                detail: reply.to_string(),
                reply: Some(reply.clone()),
            },
            SendError::Transient { reply, detail } => Self {
                reply: reply.clone(),
                detail: detail.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_enhanced_codes() {
        let reply = SmtpReply::new(550, "5.1.1 <x@example.com>: Recipient address rejected");
        assert_eq!(reply.enhanced.as_deref(), Some("5.1.1"));
        assert_eq!(reply.text, "<x@example.com>: Recipient address rejected");
        assert_eq!(
            reply.to_string(),
            "550 5.1.1 <x@example.com>: Recipient address rejected"
        );
        let plain = SmtpReply::new(421, "Service not available");
        assert_eq!(plain.enhanced, None);
        assert_eq!(plain.to_string(), "421 Service not available");
        assert_eq!(
            SmtpReply::new(250, "2.0.0").enhanced.as_deref(),
            Some("2.0.0")
        );
        assert_eq!(SmtpReply::new(550, "5.1 nope").enhanced, None);
    }

    #[test]
    fn five_hundreds_are_permanent_except_our_configuration() {
        for code in [500, 550, 551, 552, 553, 554] {
            assert!(SmtpReply::new(code, "x").is_permanent(), "{code}");
        }
        for code in [421, 450, 451, 452, 530, 534, 535, 538, 250] {
            assert!(!SmtpReply::new(code, "x").is_permanent(), "{code}");
        }
    }

    #[test]
    fn errors_keep_the_reply() {
        let refused = SendError::from_reply(SmtpReply::new(550, "5.1.1 No such user"));
        assert!(matches!(refused, SendError::Permanent { .. }));
        assert_eq!(refused.reply().unwrap().code, 550);
        let busy = SendError::from_reply(SmtpReply::new(451, "4.3.0 Try later"));
        assert!(matches!(busy, SendError::Transient { .. }));
        assert_eq!(DeliveryError::from(&busy).detail, "451 4.3.0 Try later");
        let down = SendError::transient("connection refused");
        assert_eq!(down.reply(), None);
        assert_eq!(DeliveryError::from(&down).detail, "connection refused");
    }
}
