//! What a message says: subject, text body and HTML body.

use std::fmt;

use crm_kernel::TextError;

use crate::html::text_to_html;

macro_rules! bounded {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, multiline = $multiline:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Most characters (Unicode scalar values) allowed.
            pub const MAX_CHARS: usize = $max;

            /// Trims the input and checks that it is non-empty, within the
            /// limit, and free of control characters (line breaks and tabs
            /// are allowed where the text may span lines).
            pub fn parse(input: &str) -> Result<Self, TextError> {
                let trimmed = input.trim();
                if trimmed.is_empty() {
                    return Err(TextError::Empty);
                }
                if trimmed.chars().count() > Self::MAX_CHARS {
                    return Err(TextError::TooLong { max: Self::MAX_CHARS });
                }
                let allowed = |c: char| $multiline && matches!(c, '\n' | '\r' | '\t');
                if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
                    return Err(TextError::ControlCharacter);
                }
                Ok(Self(trimmed.to_owned()))
            }

            /// The text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

bounded!(
    /// A subject line: one line, 1 to 998 characters (RFC 5322's line limit).
    Subject, max = 998, multiline = false
);
bounded!(
    /// The plain-text body: 1 to 100 000 characters, lines allowed.
    TextBody, max = 100_000, multiline = true
);
bounded!(
    /// An HTML body as given or generated: 1 to 500 000 characters.
    HtmlBody, max = 500_000, multiline = true
);

/// Everything a message says. The HTML part always exists: when only text
/// is given it is generated from the text ([`text_to_html`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// The subject line.
    pub subject: Subject,
    /// The text/plain part.
    pub text: TextBody,
    /// The text/html part (before tracking is added at send time).
    pub html: HtmlBody,
    /// True when `html` was generated from `text`, not written by the sender.
    pub html_generated: bool,
}

impl Content {
    /// Content from a subject, a text body and, optionally, HTML; without
    /// HTML it is generated from the text.
    pub fn new(
        subject: Subject,
        text: TextBody,
        html: Option<HtmlBody>,
    ) -> Result<Self, TextError> {
        let (html, html_generated) = match html {
            Some(html) => (html, false),
            None => (HtmlBody::parse(&text_to_html(text.as_str()))?, true),
        };
        Ok(Self {
            subject,
            text,
            html,
            html_generated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_one_line() {
        assert_eq!(Subject::parse("  Hello ").unwrap().as_str(), "Hello");
        assert_eq!(
            Subject::parse("a\nBcc: x@y.z"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(Subject::parse(" "), Err(TextError::Empty));
        assert_eq!(
            Subject::parse(&"x".repeat(999)),
            Err(TextError::TooLong { max: 998 })
        );
        assert!(TextBody::parse("line one\n\nline two\tend").is_ok());
    }

    #[test]
    fn html_is_generated_only_when_absent() {
        let subject = Subject::parse("Hi").unwrap();
        let text = TextBody::parse("Hello <you>").unwrap();
        let generated = Content::new(subject.clone(), text.clone(), None).unwrap();
        assert!(generated.html_generated);
        assert_eq!(generated.html.as_str(), "<p>Hello &lt;you&gt;</p>");

        let html = HtmlBody::parse("<b>Hello</b>").unwrap();
        let given = Content::new(subject, text, Some(html.clone())).unwrap();
        assert!(!given.html_generated);
        assert_eq!(given.html, html);
    }
}
