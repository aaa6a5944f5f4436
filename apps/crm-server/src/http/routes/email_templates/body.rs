//! What `/api/email-templates` answers.

use crm_email::{Content, EmailTemplate, HtmlBody};
use crm_kernel::{EmailTemplateId, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

/// A template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateBody {
    /// Its id.
    pub template_id: EmailTemplateId,
    /// Its name.
    pub name: String,
    /// The subject template.
    pub subject: String,
    /// The text body template.
    pub body: String,
    /// The HTML body template, if any.
    pub html: Option<String>,
    /// Who wrote it.
    pub created_by: UserId,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Revision, raised by every change (also the `ETag`).
    pub version: u64,
}

impl From<EmailTemplate> for TemplateBody {
    fn from(t: EmailTemplate) -> Self {
        Self {
            template_id: t.id,
            name: t.name.as_str().to_owned(),
            subject: t.source.subject().as_str().to_owned(),
            body: t.source.text().as_str().to_owned(),
            html: t.source.html().map(HtmlBody::as_str).map(str::to_owned),
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version.get(),
        }
    }
}

impl ListKey for TemplateBody {
    const KEY: &'static str = "templates";
    const SCHEMA: &'static str = "EmailTemplateList";
    const DESCRIPTION: &'static str = "One page of email templates.";
    const ITEMS: &'static str = "The templates, by name.";
}

/// One page of templates.
pub type TemplateList = ListBody<TemplateBody>;

/// A template rendered for one customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewBody {
    /// The subject.
    pub subject: String,
    /// The text body.
    pub body: String,
    /// The HTML body (escaped values; generated from the text when the
    /// template has none).
    pub html: String,
}

impl From<Content> for PreviewBody {
    fn from(c: Content) -> Self {
        Self {
            subject: c.subject.as_str().to_owned(),
            body: c.text.as_str().to_owned(),
            html: c.html.as_str().to_owned(),
        }
    }
}
