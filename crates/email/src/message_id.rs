//! The `Message-ID` of what one recipient receives.

use std::fmt;

use crm_kernel::RecipientId;

/// A `Message-ID` (RFC 5322 `msg-id`) without its angle brackets:
/// `id-left@id-right`.
///
/// Ours are made once per recipient when the message is queued,
/// `<uuid-of-the-recipient@domain-of-the-sender>`, and stored: every attempt
/// to send to that recipient (a retry, or the resend after a crash between
/// the server's acceptance and our status write) carries the same one, so
/// the receiving side can recognise a duplicate, and a reply's
/// `In-Reply-To` names exactly one recipient.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(String);

impl MessageId {
    /// The id of what `recipient` receives, made at the sender's `domain`.
    #[must_use]
    pub fn for_recipient(recipient: RecipientId, domain: &str) -> Self {
        Self(format!(
            "{}@{}",
            recipient.as_uuid().simple(),
            domain.to_ascii_lowercase()
        ))
    }

    /// Reads an id as found in `Message-ID`, `In-Reply-To` or `References`:
    /// with or without angle brackets and surrounding white space. `None`
    /// when it has no `@`, white space inside, or is longer than 998
    /// characters.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let inner = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(text)
            .trim();
        let valid = inner.len() <= 998
            && inner.contains('@')
            && !inner.starts_with('@')
            && !inner.ends_with('@')
            && !inner
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        valid.then(|| Self(inner.to_owned()))
    }

    /// The id without brackets, as stored.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The header form, with angle brackets.
    #[must_use]
    pub fn bracketed(&self) -> String {
        format!("<{}>", self.0)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stable_id_per_recipient() {
        let recipient = RecipientId::new();
        let id = MessageId::for_recipient(recipient, "Example.COM");
        assert_eq!(id, MessageId::for_recipient(recipient, "example.com"));
        assert_ne!(
            id,
            MessageId::for_recipient(RecipientId::new(), "example.com")
        );
        assert_eq!(
            id.as_str(),
            format!("{}@example.com", recipient.as_uuid().simple())
        );
        assert_eq!(id.bracketed(), format!("<{id}>"));
    }

    #[test]
    fn parses_header_forms() {
        let id = MessageId::parse("  <abc.123@mail.example.com> ").unwrap();
        assert_eq!(id.as_str(), "abc.123@mail.example.com");
        assert_eq!(MessageId::parse("abc@x"), Some(MessageId("abc@x".into())));
        for bad in ["", "<>", "no-at", "<a b@c>", "@x", "x@", "<a@b"] {
            assert_eq!(MessageId::parse(bad), None, "{bad:?}");
        }
    }
}
