//! The sender of outgoing mail: a display name and an address.

use std::fmt;

/// Why a text is not a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailboxError {
    /// Not `Name <local@domain>` or `local@domain`.
    #[error("must be an address such as `CRM <crm@example.com>` or `crm@example.com`")]
    Invalid,
    /// The display name has a line break or another control character.
    #[error("the display name must not contain control characters")]
    ControlCharacter,
}

/// A mailbox (RFC 5322 `name-addr` or `addr-spec`): the sender of every
/// message (`CRM_MAIL_FROM`), shown with the name of the staff user who sends.
///
/// Unlike a customer's [`crm_kernel::EmailAddress`], the domain may be a
/// single label (`crm@localhost`, the default), because it is the operator's
/// own machine. The display name is plain text; the adapter quotes or
/// encodes it when it writes the header.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    name: Option<String>,
    address: String,
}

impl Mailbox {
    /// Parses `Name <local@domain>` (the name may be quoted) or a bare `local@domain`.
    pub fn parse(text: &str) -> Result<Self, MailboxError> {
        let text = text.trim();
        let (name, address) = match (text.rfind('<'), text.strip_suffix('>')) {
            (Some(open), Some(_)) => {
                let name = text[..open].trim().trim_matches('"').trim();
                (name, &text[open + 1..text.len() - 1])
            }
            (None, None) => ("", text),
            _ => return Err(MailboxError::Invalid),
        };
        let options = email_address::Options::default()
            .with_no_minimum_sub_domains()
            .without_domain_literal()
            .without_display_text();
        let parsed = email_address::EmailAddress::parse_with_options(address.trim(), options)
            .map_err(|_| MailboxError::Invalid)?;
        let address = format!("{}@{}", parsed.local_part(), parsed.domain().to_lowercase());
        let mut mailbox = Self {
            name: None,
            address,
        };
        if !name.is_empty() {
            mailbox = mailbox.with_name(name)?;
        }
        Ok(mailbox)
    }

    /// The same address under another display name (the sending staff user's).
    pub fn with_name(&self, name: &str) -> Result<Self, MailboxError> {
        let name = name.trim();
        if name.chars().any(char::is_control) {
            return Err(MailboxError::ControlCharacter);
        }
        Ok(Self {
            name: (!name.is_empty()).then(|| name.to_owned()),
            address: self.address.clone(),
        })
    }

    /// The display name, if any.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The address (`local@domain`, domain lower-cased).
    #[must_use]
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The domain of the address: where `Message-ID`s, reply and bounce
    /// addresses are made.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or(self.address.as_str(), |(_, domain)| domain)
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.address),
            None => f.write_str(&self.address),
        }
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_addr_and_addr_spec() {
        let from = Mailbox::parse(" CRM <crm@Example.COM> ").unwrap();
        assert_eq!(from.name(), Some("CRM"));
        assert_eq!(from.address(), "crm@example.com");
        assert_eq!(from.domain(), "example.com");
        assert_eq!(from.to_string(), "CRM <crm@example.com>");

        let quoted = Mailbox::parse("\"Lee, Ann\" <ann@example.com>").unwrap();
        assert_eq!(quoted.name(), Some("Lee, Ann"));

        let bare = Mailbox::parse("crm@localhost").unwrap();
        assert_eq!(bare.name(), None);
        assert_eq!(bare.domain(), "localhost");
        assert_eq!(
            Mailbox::parse("CRM <crm@localhost>").unwrap().domain(),
            "localhost"
        );
    }

    #[test]
    fn refuses_what_is_not_a_mailbox() {
        for bad in [
            "",
            "CRM",
            "CRM <crm>",
            "CRM crm@x.org>",
            "<a@[127.0.0.1]>",
            "a b@x.org",
        ] {
            assert_eq!(Mailbox::parse(bad), Err(MailboxError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn renames_keeping_the_address() {
        let from = Mailbox::parse("CRM <crm@example.com>").unwrap();
        let ann = from.with_name("Ann Lee").unwrap();
        assert_eq!(ann.to_string(), "Ann Lee <crm@example.com>");
        assert_eq!(from.with_name("  ").unwrap().name(), None);
        assert_eq!(
            from.with_name("Ann\r\nBcc: x@y.z"),
            Err(MailboxError::ControlCharacter)
        );
    }
}
