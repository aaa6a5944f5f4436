//! Companies: [`CompanyRepository`] on the `companies` table.

use async_trait::async_trait;
use crm_customers::ports::{CompanyRepository, StoreError};
use crm_customers::{Company, CompanyQuery, Version};
use crm_kernel::{CompanyId, Page, PageRequest, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::customers::company_list;
use crate::customers::company_rows::{
    COMPANY_COLUMN_COUNT, COMPANY_COLUMNS, CompanyRow, INSERT_COMPANY, UPDATE_COMPANY, columns,
};
use crate::db::error::CustomerDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{ensure_newer_version, stored_version};
use crate::sql::{keyed, keyed_page};

#[async_trait]
impl CompanyRepository for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %company.id))]
    async fn insert(&self, company: &Company) -> Result<(), StoreError> {
        let company = company.clone();
        self.write(move |tx| {
            tx.prepare_cached(INSERT_COMPANY)?
                .execute(params_from_iter(columns(&company)))?;
            Ok::<_, CustomerDbError>(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %id))]
    async fn get(&self, id: CompanyId) -> Result<Option<Company>, StoreError> {
        let company = self
            .read(move |conn| {
                let sql = format!("SELECT {COMPANY_COLUMNS} FROM companies co WHERE co.id = ?1");
                let row = conn
                    .prepare_cached(&sql)?
                    .query_row([id.to_string()], CompanyRow::read)
                    .optional()?;
                Ok::<_, CustomerDbError>(row.map(CompanyRow::into_company).transpose()?)
            })
            .await?;
        Ok(company)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %company.id))]
    async fn update(&self, company: &Company, expected: Version) -> Result<(), StoreError> {
        let company = company.clone();
        self.write(move |tx| {
            ensure_newer_version("company", company.id, company.version, expected)?;
            // Renaming rewrites the search index rows of its customers (trigger).
            let mut values = columns(&company);
            values.push(Value::Integer(stored_version(expected)));
            let changed = tx
                .prepare_cached(UPDATE_COMPANY)?
                .execute(params_from_iter(values))?;
            if changed == 0 {
                let refusal = if exists(tx, company.id)? {
                    StoreError::VersionConflict
                } else {
                    StoreError::NotFound
                };
                return Err(CustomerDbError::refused(refusal));
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %id, detach))]
    async fn delete(&self, id: CompanyId, detach: bool, at: Timestamp) -> Result<(), StoreError> {
        self.write(move |tx| {
            if !exists(tx, id)? {
                return Err(CustomerDbError::refused(StoreError::NotFound));
            }
            let company = id.to_string();
            let has_customers = tx
                .prepare_cached(
                    "SELECT 1 FROM customers WHERE company_id = ?1 AND erased_at IS NULL",
                )?
                .exists([&company])?;
            if has_customers && !detach {
                return Err(CustomerDbError::refused(StoreError::CompanyHasCustomers));
            }
            // Detaching is a change of each customer; erased customers are
            // tombstones, unlinked without a new version.
            tx.prepare_cached(
                "UPDATE customers SET company_id = NULL, version = version + 1, updated_at = ?2 \
                 WHERE company_id = ?1 AND erased_at IS NULL",
            )?
            .execute(params![company, at.to_rfc3339()])?;
            tx.prepare_cached(
                "UPDATE customers SET company_id = NULL \
                 WHERE company_id = ?1 AND erased_at IS NOT NULL",
            )?
            .execute([&company])?;
            tx.prepare_cached("DELETE FROM companies WHERE id = ?1")?
                .execute([&company])?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list<'a>(
        &self,
        query: &CompanyQuery,
        only: Option<&'a [CompanyId]>,
        page: &PageRequest,
    ) -> Result<Page<Company>, StoreError> {
        let plan = company_list::list_plan(query, only, page);
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, COMPANY_COLUMN_COUNT, |row| {
                    Ok::<_, CustomerDbError>(CompanyRow::read(row)?.into_company()?)
                })
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |company| {
            company.id.to_string()
        }))
    }
}

/// Whether company `id` exists.
fn exists(conn: &Connection, id: CompanyId) -> Result<bool, CustomerDbError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM companies WHERE id = ?1")?
        .exists([id.to_string()])?)
}
