//! Templates: [`TemplateRepository`] on `email_templates`; names are unique
//! by their lower-case key (a unique index: a duplicate key is the port's
//! `Duplicate`), lists go by that key.

use async_trait::async_trait;
use crm_email::ports::{StoreError, TemplateRepository};
use crm_email::{EmailTemplate, HtmlBody, Subject, TemplateName, TemplateSource, TextBody};
use crm_kernel::{EmailTemplateId, Page, PageRequest, SortDirection, UserId, Version};
use mongodb::bson::{Document, doc};

use crate::bson::convert::{Fields, date, opt_text, stored_version};
use crate::bson::keyset::{KeyKind, Order, all_of, page_of};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, DbError, EmailDbError, is_duplicate_key};
use crate::db::names;
use crate::db::ops::{FindSpec, find_all, limit};

/// By name (its key), ties by id.
pub(crate) const ORDER: Order = Order {
    field: "name_key",
    key: KeyKind::Text,
    direction: SortDirection::Asc,
    ties: SortDirection::Asc,
};

/// Every field of a template but `_id`.
pub(crate) fn template_fields(t: &EmailTemplate) -> Document {
    doc! {
        "name": t.name.as_str(),
        "name_key": t.name.key(),
        "subject": t.source.subject().as_str(),
        "text_body": t.source.text().as_str(),
        "html_body": opt_text(t.source.html().map(HtmlBody::as_str)),
        "created_by": t.created_by.to_string(),
        "created_at": date(t.created_at),
        "updated_at": date(t.updated_at),
        "version": stored_version(t.version),
    }
}

fn read_template(document: &Document) -> Result<EmailTemplate, CorruptData> {
    let fields = Fields::of(names::EMAIL_TEMPLATES, document);
    let source = TemplateSource::new(
        fields.parse("subject", Subject::parse)?,
        fields.parse("text_body", TextBody::parse)?,
        fields.opt_parse("html_body", HtmlBody::parse)?,
    )
    .map_err(|error| fields.corrupt("text_body", error))?;
    Ok(EmailTemplate {
        id: fields.parse("_id", EmailTemplateId::parse)?,
        name: fields.parse("name", TemplateName::parse)?,
        source,
        created_by: fields.parse("created_by", UserId::parse)?,
        created_at: fields.time("created_at")?,
        updated_at: fields.time("updated_at")?,
        version: fields.version()?,
    })
}

/// A write error: a taken name is the port's `Duplicate`.
fn duplicate(error: mongodb::error::Error) -> EmailDbError {
    if is_duplicate_key(&error) {
        DbError::refused(StoreError::Duplicate)
    } else {
        DbError::Mongo(error)
    }
}

#[async_trait]
impl TemplateRepository for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(template_id = %template.id))]
    async fn insert(&self, template: &EmailTemplate) -> Result<(), StoreError> {
        let mut document = doc! { "_id": template.id.to_string() };
        document.extend(template_fields(template));
        self.collection(names::EMAIL_TEMPLATES)
            .insert_one(document)
            .await
            .map_err(duplicate)?;
        Ok(())
    }

    async fn get(&self, id: EmailTemplateId) -> Result<Option<EmailTemplate>, StoreError> {
        let found = self
            .collection(names::EMAIL_TEMPLATES)
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(EmailDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_template)
            .transpose()
            .map_err(EmailDbError::from)?)
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<EmailTemplate>, StoreError> {
        let spec = FindSpec {
            filter: all_of(
                ORDER
                    .after_position(page.after.as_ref())?
                    .into_iter()
                    .collect(),
            ),
            sort: ORDER.sort(),
            limit: Some(limit(page.limit.get()) + 1),
            projection: None,
        };
        let documents = find_all(&self.collection(names::EMAIL_TEMPLATES), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(page_of(
            names::EMAIL_TEMPLATES,
            &documents,
            page.limit,
            &ORDER,
            read_template,
        )
        .map_err(EmailDbError::from)?)
    }

    /// One conditional update on (id, version); when it matches nothing, a
    /// read tells an unknown template from a changed one.
    #[tracing::instrument(level = "debug", skip_all, fields(template_id = %template.id))]
    async fn update(&self, template: &EmailTemplate, expected: Version) -> Result<(), StoreError> {
        let templates = self.collection(names::EMAIL_TEMPLATES);
        let id = template.id.to_string();
        let changed = templates
            .update_one(
                doc! { "_id": &id, "version": stored_version(expected) },
                doc! { "$set": template_fields(template) },
            )
            .await
            .map_err(duplicate)?;
        if changed.matched_count > 0 {
            return Ok(());
        }
        let exists = templates
            .find_one(doc! { "_id": &id })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(EmailDbError::from)?
            .is_some();
        Err(if exists {
            StoreError::VersionConflict
        } else {
            StoreError::NotFound
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(template_id = %id))]
    async fn delete(&self, id: EmailTemplateId) -> Result<(), StoreError> {
        let deleted = self
            .collection(names::EMAIL_TEMPLATES)
            .delete_one(doc! { "_id": id.to_string() })
            .await
            .map_err(EmailDbError::from)?;
        if deleted.deleted_count == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    #[test]
    fn templates_round_trip_with_a_lower_case_name_key() {
        let at = Timestamp::from_millis(1).unwrap();
        let template = EmailTemplate {
            id: EmailTemplateId::new(),
            name: TemplateName::parse("Welcome Ünal").unwrap(),
            source: TemplateSource::new(
                Subject::parse("Hello {{ first_name }}").unwrap(),
                TextBody::parse("Hi").unwrap(),
                None,
            )
            .unwrap(),
            created_by: UserId::new(),
            created_at: at,
            updated_at: at,
            version: Version::new(2),
        };
        let mut document = doc! { "_id": template.id.to_string() };
        document.extend(template_fields(&template));
        assert_eq!(document.get_str("name_key").unwrap(), "welcome ünal");
        assert_eq!(read_template(&document).unwrap(), template);
    }
}
