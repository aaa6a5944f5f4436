//! Email templates: named, reusable subject and bodies with variables.

use std::fmt;

use crm_kernel::{EmailTemplateId, TextError, Timestamp, UserId, ValidationErrors, Version};

use crate::content::{HtmlBody, Subject, TextBody};
use crate::render;

/// A template's name: one line, 1 to 200 characters, unique
/// (case-insensitively) among templates.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TemplateName(String);

impl TemplateName {
    /// Trims and checks a name.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().count() > 200 {
            return Err(TextError::TooLong { max: 200 });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(TextError::ControlCharacter);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are compared by.
    #[must_use]
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TemplateName({:?})", self.0)
    }
}

/// The source of a template: Jinja-style text (`{{ first_name }}`) rendered
/// by `minijinja`, the HTML part with HTML auto-escaping. Valid by
/// construction: it compiles, and names only [`render::VARIABLES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    subject: Subject,
    text: TextBody,
    html: Option<HtmlBody>,
}

impl TemplateSource {
    /// Checks that each part compiles and uses only known variables; errors
    /// name the part (`subject`, `body`, `html`) and the variable or the
    /// line of the syntax error.
    pub fn new(
        subject: Subject,
        text: TextBody,
        html: Option<HtmlBody>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        render::check("subject", subject.as_str(), &mut errors);
        render::check("body", text.as_str(), &mut errors);
        if let Some(html) = &html {
            render::check("html", html.as_str(), &mut errors);
        }
        errors.into_result()?;
        Ok(Self {
            subject,
            text,
            html,
        })
    }

    /// The subject template.
    #[must_use]
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The text body template.
    #[must_use]
    pub fn text(&self) -> &TextBody {
        &self.text
    }

    /// The HTML body template, if any (otherwise HTML is generated from
    /// the rendered text).
    #[must_use]
    pub fn html(&self) -> Option<&HtmlBody> {
        self.html.as_ref()
    }
}

/// A stored template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTemplate {
    /// Its id.
    pub id: EmailTemplateId,
    /// Its name.
    pub name: TemplateName,
    /// What it says.
    pub source: TemplateSource,
    /// Who wrote it (admins and the author may change it).
    pub created_by: UserId,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Revision, raised by every change.
    pub version: Version,
}

/// A new template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTemplate {
    /// Its name.
    pub name: TemplateName,
    /// What it says.
    pub source: TemplateSource,
}

/// A change of a template (merge patch): `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct TemplatePatch {
    /// New name.
    pub name: Option<TemplateName>,
    /// New subject.
    pub subject: Option<Subject>,
    /// New text body.
    pub text: Option<TextBody>,
    /// New or removed HTML body.
    pub html: Option<Option<HtmlBody>>,
}

impl TemplatePatch {
    /// The template with this patch applied (not yet stored): the new
    /// source is checked as a whole.
    pub fn apply(
        &self,
        template: &EmailTemplate,
        now: Timestamp,
    ) -> Result<EmailTemplate, ValidationErrors> {
        let source = TemplateSource::new(
            self.subject
                .clone()
                .unwrap_or_else(|| template.source.subject.clone()),
            self.text
                .clone()
                .unwrap_or_else(|| template.source.text.clone()),
            self.html
                .clone()
                .unwrap_or_else(|| template.source.html.clone()),
        )?;
        Ok(EmailTemplate {
            name: self.name.clone().unwrap_or_else(|| template.name.clone()),
            source,
            updated_at: now,
            version: template.version.next(),
            ..template.clone()
        })
    }
}
