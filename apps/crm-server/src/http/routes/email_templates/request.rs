//! What `/api/email-templates` accepts.

use crm_email::{
    HtmlBody, NewTemplate, Subject, TemplateName, TemplatePatch, TemplateSource, TextBody,
};
use crm_kernel::{CustomerId, ValidationErrors};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::patch::{clearable, nullable, required};

/// A new template. Variables are written `{{ first_name }}`; an unknown
/// variable is refused, naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTemplateRequest {
    /// A unique name (case-insensitive).
    #[schema(min_length = 1, max_length = 200, example = "Welcome")]
    pub name: String,
    /// The subject template.
    #[schema(
        min_length = 1,
        max_length = 998,
        example = "Welcome, {{ first_name }}"
    )]
    pub subject: String,
    /// The text body template.
    #[schema(
        min_length = 1,
        max_length = 100_000,
        example = "Dear {{ first_name }},\n\nwelcome aboard."
    )]
    pub body: String,
    /// The HTML body template (HTML auto-escaping); generated from the text when absent.
    #[schema(min_length = 1, max_length = 500_000)]
    pub html: Option<String>,
}

impl TryFrom<NewTemplateRequest> for NewTemplate {
    type Error = ValidationErrors;

    fn try_from(request: NewTemplateRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", TemplateName::parse(&request.name));
        let subject = errors.check("subject", Subject::parse(&request.subject));
        let text = errors.check("body", TextBody::parse(&request.body));
        let html = match request.html {
            None => Some(None),
            Some(h) => errors.check("html", HtmlBody::parse(&h)).map(Some),
        };
        let (Some(name), Some(subject), Some(text), Some(html)) = (name, subject, text, html)
        else {
            return Err(errors);
        };
        errors.into_result()?;
        Ok(Self {
            name,
            source: TemplateSource::new(subject, text, html)?,
        })
    }
}

/// A change of a template (JSON merge patch; `html: null` removes the HTML).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct UpdateTemplateRequest {
    /// New name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    /// New subject.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 998)]
    pub subject: Option<Option<String>>,
    /// New text body.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 100_000)]
    pub body: Option<Option<String>>,
    /// New HTML body, or `null` to generate it from the text.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500_000)]
    pub html: Option<Option<String>>,
}

impl TryFrom<UpdateTemplateRequest> for TemplatePatch {
    type Error = ValidationErrors;

    fn try_from(request: UpdateTemplateRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", request.name)
            .and_then(|v| errors.check("name", TemplateName::parse(&v)));
        let subject = required(&mut errors, "subject", request.subject)
            .and_then(|v| errors.check("subject", Subject::parse(&v)));
        let text = required(&mut errors, "body", request.body)
            .and_then(|v| errors.check("body", TextBody::parse(&v)));
        let html = clearable(&mut errors, "html", request.html, |v: String| {
            HtmlBody::parse(&v)
        });
        errors.into_result()?;
        Ok(Self {
            name,
            subject,
            text,
            html,
        })
    }
}

/// Whom to render a template for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// A customer the caller may see.
    pub customer_id: CustomerId,
}
