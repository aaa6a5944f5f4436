//! Templates: create, read, change, delete, preview.

use crm_kernel::{CustomerId, EmailTemplateId, Page, PageRequest, Principal, Version};
use tracing::info;

use super::{EmailService, store_error};
use crate::content::Content;
use crate::error::EmailError;
use crate::ports::StoreError;
use crate::render::{Variables, render};
use crate::template::{EmailTemplate, NewTemplate, TemplatePatch};

fn template_error(error: StoreError) -> EmailError {
    match error {
        StoreError::NotFound => EmailError::TemplateNotFound,
        other => store_error(other),
    }
}

impl EmailService {
    /// Creates a template (staff). Its source was checked when parsed: it
    /// compiles and names only known variables. A taken name is a conflict.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn create_template(
        &self,
        caller: &Principal,
        new: NewTemplate,
    ) -> Result<EmailTemplate, EmailError> {
        self.settings.policy.check_staff(caller)?;
        let created_by = caller.user_id().ok_or(EmailError::Forbidden)?;
        let now = self.ports.clock.now();
        let template = EmailTemplate {
            id: EmailTemplateId::new(),
            name: new.name,
            source: new.source,
            created_by,
            created_at: now,
            updated_at: now,
            version: Version::FIRST,
        };
        self.ports
            .templates
            .insert(&template)
            .await
            .map_err(template_error)?;
        info!(template_id = %template.id, "template created");
        Ok(template)
    }

    /// A template (staff).
    pub async fn template(
        &self,
        caller: &Principal,
        id: EmailTemplateId,
    ) -> Result<EmailTemplate, EmailError> {
        if !caller.is_staff() {
            return Err(EmailError::TemplateNotFound);
        }
        self.ports
            .templates
            .get(id)
            .await
            .map_err(template_error)?
            .ok_or(EmailError::TemplateNotFound)
    }

    /// One page of templates, by name (staff).
    pub async fn templates(
        &self,
        caller: &Principal,
        page: &PageRequest,
    ) -> Result<Page<EmailTemplate>, EmailError> {
        if !caller.is_staff() {
            return Err(EmailError::TemplateNotFound);
        }
        self.ports
            .templates
            .list(page)
            .await
            .map_err(template_error)
    }

    /// Changes a template (admins and its author), optionally only if it is
    /// still at version `expected`.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, template_id = %id))]
    pub async fn update_template(
        &self,
        caller: &Principal,
        id: EmailTemplateId,
        patch: &TemplatePatch,
        expected: Option<Version>,
    ) -> Result<EmailTemplate, EmailError> {
        let current = self.template(caller, id).await?;
        self.settings
            .policy
            .check_template_change(caller, &current)?;
        if expected.is_some_and(|v| v != current.version) {
            return Err(EmailError::Conflict);
        }
        let next = patch.apply(&current, self.ports.clock.now())?;
        self.ports
            .templates
            .update(&next, current.version)
            .await
            .map_err(template_error)?;
        Ok(next)
    }

    /// Deletes a template (admins and its author); messages written from it
    /// keep what they said.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, template_id = %id))]
    pub async fn delete_template(
        &self,
        caller: &Principal,
        id: EmailTemplateId,
    ) -> Result<(), EmailError> {
        let current = self.template(caller, id).await?;
        self.settings
            .policy
            .check_template_change(caller, &current)?;
        self.ports
            .templates
            .delete(id)
            .await
            .map_err(template_error)
    }

    /// The template rendered for one customer the caller can see, as that
    /// customer would receive it. A variable without a value for this
    /// customer is a validation error naming it.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, template_id = %id))]
    pub async fn preview_template(
        &self,
        caller: &Principal,
        id: EmailTemplateId,
        customer_id: CustomerId,
    ) -> Result<Content, EmailError> {
        let template = self.template(caller, id).await?;
        let customer = self
            .ports
            .customers
            .by_id(customer_id)
            .await
            .map_err(store_error)?
            .filter(|c| self.settings.policy.can_see_customer(caller, c))
            .ok_or(EmailError::CustomerNotFound)?;
        let sender_name = match caller.user_id() {
            Some(user) => self.ports.staff.name(user).await.map_err(store_error)?,
            None => None,
        };
        let values = Variables::for_recipient(
            customer.email.as_ref(),
            Some(&customer),
            sender_name.as_deref(),
        );
        Ok(render(&template.source, &values)?)
    }
}
