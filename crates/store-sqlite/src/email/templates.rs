//! Templates: [`TemplateRepository`] on `email_templates`; names are unique
//! by their lower-case key, lists go by name.

use async_trait::async_trait;
use crm_email::ports::{StoreError, TemplateRepository};
use crm_email::{EmailTemplate, HtmlBody, Subject, TemplateName, TemplateSource, TextBody};
use crm_kernel::{EmailTemplateId, Page, PageRequest, SortDirection, UserId, Version};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use crate::db::error::{EmailDbError, is_unique_violation};
use crate::db::open::SqliteStore;
use crate::db::rows::{CorruptData, decode, decode_opt, stored_version, timestamp, version};
use crate::email::rows::{RowError, opt_string, text};
use crate::sql::{Filter, Order, PageSelect, Start, keyed, keyed_page};

const COLUMNS: &str = "t.id, t.name, t.subject, t.text_body, t.html_body, t.created_by, \
     t.created_at, t.updated_at, t.version";
const COLUMN_COUNT: usize = 9;

#[async_trait]
impl TemplateRepository for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(template_id = %template.id))]
    async fn insert(&self, template: &EmailTemplate) -> Result<(), StoreError> {
        let template = template.clone();
        self.write(move |tx| {
            let mut values = values(&template);
            values.insert(2, Value::Text(template.name.key()));
            tx.prepare_cached(
                "INSERT INTO email_templates (id, name, name_key, subject, text_body, html_body, \
                 created_by, created_at, updated_at, version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(params_from_iter(values))
            .map_err(duplicate)?;
            Ok::<_, EmailDbError>(())
        })
        .await?;
        Ok(())
    }

    async fn get(&self, id: EmailTemplateId) -> Result<Option<EmailTemplate>, StoreError> {
        Ok(self.read(move |conn| get(conn, id)).await?)
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<EmailTemplate>, StoreError> {
        let plan = PageSelect {
            columns: &format!("{COLUMNS}, t.name_key"),
            from: "email_templates t",
            order: Order {
                key: "t.name_key",
                id: "t.id",
                direction: SortDirection::Asc,
            },
        }
        .plan(Filter::new(), Start::keyset(page), page.limit);
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, COLUMN_COUNT, |row| Ok::<_, EmailDbError>(read(row)?))
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |t| t.id.to_string()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(template_id = %template.id))]
    async fn update(&self, template: &EmailTemplate, expected: Version) -> Result<(), StoreError> {
        let template = template.clone();
        self.write(move |tx| {
            let current =
                get(tx, template.id)?.ok_or(EmailDbError::refused(StoreError::NotFound))?;
            if current.version != expected {
                return Err(EmailDbError::refused(StoreError::VersionConflict));
            }
            let mut values = values(&template);
            let id = values.remove(0);
            values.insert(1, Value::Text(template.name.key()));
            values.push(id);
            values.push(Value::Integer(stored_version(expected)));
            let changed = tx
                .prepare_cached(
                    "UPDATE email_templates SET name = ?, name_key = ?, subject = ?, \
                     text_body = ?, html_body = ?, created_by = ?, created_at = ?, \
                     updated_at = ?, version = ? WHERE id = ? AND version = ?",
                )?
                .execute(params_from_iter(values))
                .map_err(duplicate)?;
            if changed == 0 {
                return Err(EmailDbError::refused(StoreError::VersionConflict));
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(template_id = %id))]
    async fn delete(&self, id: EmailTemplateId) -> Result<(), StoreError> {
        self.write(move |tx| {
            let changed = tx
                .prepare_cached("DELETE FROM email_templates WHERE id = ?1")?
                .execute([id.to_string()])?;
            if changed == 0 {
                return Err(EmailDbError::refused(StoreError::NotFound));
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}

fn duplicate(error: rusqlite::Error) -> EmailDbError {
    if is_unique_violation(&error) {
        EmailDbError::refused(StoreError::Duplicate)
    } else {
        EmailDbError::Sqlite(error)
    }
}

/// The columns of [`COLUMNS`] without the key, as values.
fn values(t: &EmailTemplate) -> Vec<Value> {
    vec![
        text(t.id),
        Value::Text(t.name.as_str().to_owned()),
        Value::Text(t.source.subject().as_str().to_owned()),
        Value::Text(t.source.text().as_str().to_owned()),
        opt_string(t.source.html().map(HtmlBody::as_str)),
        text(t.created_by),
        Value::Text(t.created_at.to_rfc3339()),
        Value::Text(t.updated_at.to_rfc3339()),
        Value::Integer(stored_version(t.version)),
    ]
}

fn get(conn: &Connection, id: EmailTemplateId) -> Result<Option<EmailTemplate>, EmailDbError> {
    let sql = format!("SELECT {COLUMNS} FROM email_templates t WHERE t.id = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_and_then([id.to_string()], read)?
        .next()
        .transpose()?;
    Ok(found)
}

fn read(row: &Row<'_>) -> Result<EmailTemplate, RowError> {
    let id: String = row.get(0)?;
    let name: String = row.get(1)?;
    let subject: String = row.get(2)?;
    let body: String = row.get(3)?;
    let html: Option<String> = row.get(4)?;
    let created_by: String = row.get(5)?;
    let created_at: String = row.get(6)?;
    let updated_at: String = row.get(7)?;
    let source = TemplateSource::new(
        decode("email_templates.subject", &subject, Subject::parse)?,
        decode("email_templates.text_body", &body, TextBody::parse)?,
        decode_opt(
            "email_templates.html_body",
            html.as_deref(),
            HtmlBody::parse,
        )?,
    )
    .map_err(|e| CorruptData::new("email_templates", e))?;
    Ok(EmailTemplate {
        id: decode("email_templates.id", &id, EmailTemplateId::parse)?,
        name: decode("email_templates.name", &name, TemplateName::parse)?,
        source,
        created_by: decode("email_templates.created_by", &created_by, UserId::parse)?,
        created_at: timestamp("email_templates.created_at", &created_at)?,
        updated_at: timestamp("email_templates.updated_at", &updated_at)?,
        version: version("email_templates.version", row.get(8)?)?,
    })
}
