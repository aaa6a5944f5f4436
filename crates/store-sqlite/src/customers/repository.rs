//! Customers: [`CustomerRepository`] on the `customers`, `customer_tags`,
//! `customer_status_changes` and `credentials` tables.

use async_trait::async_trait;
use crm_customers::ports::{CustomerRepository, ImportTransaction, StoreError};
use crm_customers::{Customer, CustomerQuery, StatusChange, Version, Visibility};
use crm_kernel::{CustomerId, EmailAddress, Page, PageRequest, Timestamp};
use rusqlite::OptionalExtension;

use crate::customers::import::SqliteImport;
use crate::customers::list;
use crate::customers::rows::{CUSTOMER_COLUMN_COUNT, CUSTOMER_COLUMNS, CUSTOMER_FROM, CustomerRow};
use crate::customers::{erasure, status_history, writes};
use crate::db::error::CustomerDbError;
use crate::db::open::SqliteStore;
use crate::sql::{keyed, keyed_page};

#[async_trait]
impl CustomerRepository for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %customer.id))]
    async fn insert(&self, customer: &Customer, change: &StatusChange) -> Result<(), StoreError> {
        let customer = customer.clone();
        let change = change.clone();
        self.write(move |tx| writes::insert(tx, &customer, &change))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn get(&self, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        let customer = self
            .read(move |conn| {
                let sql = format!(
                    "SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMER_FROM} \
                     WHERE c.id = ?1 AND c.erased_at IS NULL"
                );
                read_one(conn, &sql, id.to_string())
            })
            .await?;
        Ok(customer)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<Customer>, StoreError> {
        let key = email.key();
        let customer = self
            .read(move |conn| {
                let sql = format!(
                    "SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMER_FROM} \
                     WHERE c.email_key = ?1 AND c.erased_at IS NULL"
                );
                read_one(conn, &sql, key)
            })
            .await?;
        Ok(customer)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %customer.id))]
    async fn update<'a>(
        &self,
        customer: &Customer,
        expected: Version,
        change: Option<&'a StatusChange>,
    ) -> Result<(), StoreError> {
        let customer = customer.clone();
        let change = change.cloned();
        self.write(move |tx| writes::update(tx, &customer, expected, change.as_ref()))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn erase(&self, id: CustomerId, at: Timestamp) -> Result<(), StoreError> {
        self.write(move |tx| erasure::erase(tx, id, at)).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &CustomerQuery,
        visibility: &Visibility,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let plan = list::list_plan(query, visibility, page)?;
        let rows = self
            .list_rows(plan, |row| keyed(row, CUSTOMER_COLUMN_COUNT, customer))
            .await?;
        Ok(keyed_page(rows, page.limit, |customer| {
            customer.id.to_string()
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn status_history(&self, id: CustomerId) -> Result<Vec<StatusChange>, StoreError> {
        let changes = self
            .read(move |conn| status_history::read(conn, id))
            .await?;
        Ok(changes)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn begin_import(&self) -> Result<Box<dyn ImportTransaction>, StoreError> {
        Ok(Box::new(SqliteImport::begin(self).await?))
    }
}

/// The customer the single-parameter query `sql` finds, if any.
fn read_one(
    conn: &rusqlite::Connection,
    sql: &str,
    param: String,
) -> Result<Option<Customer>, CustomerDbError> {
    let row = conn
        .prepare_cached(sql)?
        .query_row([param], CustomerRow::read)
        .optional()?;
    Ok(row.map(CustomerRow::into_customer).transpose()?)
}

/// Reads the columns of [`CUSTOMER_COLUMNS`] into a customer.
fn customer(row: &rusqlite::Row<'_>) -> Result<Customer, CustomerDbError> {
    Ok(CustomerRow::read(row)?.into_customer()?)
}
