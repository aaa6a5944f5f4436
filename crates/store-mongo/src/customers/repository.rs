//! Customers: [`CustomerRepository`] on the `customers`,
//! `customer_status_changes`, `email_keys` and `credentials` collections.

use async_trait::async_trait;
use crm_customers::ports::{CustomerRepository, ImportTransaction, StoreError};
use crm_customers::{Customer, CustomerQuery, StatusChange, Version, Visibility};
use crm_kernel::{CustomerId, EmailAddress, Page, PageRequest, Timestamp};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::keyset::page_of;
use crate::customers::docs::{read_customer, read_status_change};
use crate::customers::import::MongoImport;
use crate::customers::list::{self, ListPlan};
use crate::db::client::MongoStore;
use crate::db::error::CustomerDbError;
use crate::db::names;
use crate::db::ops::{FindSpec, aggregate_all, find_all};

/// The fields a customer is read with (the search keywords stay behind).
fn without_keywords() -> Document {
    doc! { "keywords": 0 }
}

#[async_trait]
impl CustomerRepository for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %customer.id))]
    async fn insert(&self, customer: &Customer, change: &StatusChange) -> Result<(), StoreError> {
        self.transaction(
            &(self, customer, change),
            |session, (store, customer, change)| {
                Box::pin(async move {
                    store
                        .write_new_customer(session, customer, change, None)
                        .await
                })
            },
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn get(&self, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .find_customer(doc! { "_id": id.to_string(), "erased_at": Bson::Null })
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .find_customer(doc! { "email_key": email.key(), "erased_at": Bson::Null })
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %customer.id))]
    async fn update<'a>(
        &self,
        customer: &Customer,
        expected: Version,
        change: Option<&'a StatusChange>,
    ) -> Result<(), StoreError> {
        let context = (self, customer, expected, change);
        self.transaction(&context, |session, (store, customer, expected, change)| {
            Box::pin(async move {
                store
                    .write_customer_update(session, customer, *expected, *change, None)
                    .await
            })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn erase(&self, id: CustomerId, at: Timestamp) -> Result<(), StoreError> {
        self.transaction(&(self, id, at), |session, (store, id, at)| {
            Box::pin(async move { store.erase_customer(session, *id, *at).await })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &CustomerQuery,
        visibility: &Visibility,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let customers = self.collection(names::CUSTOMERS);
        let (documents, order) = match list::list_plan(query, visibility, page)? {
            ListPlan::Empty => {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            ListPlan::Find { spec, order } => (
                find_all(&customers, *spec, None)
                    .await
                    .map_err(CustomerDbError::from)?,
                order,
            ),
            ListPlan::Relevance { pipeline } => (
                aggregate_all(&customers, pipeline, None)
                    .await
                    .map_err(CustomerDbError::from)?,
                list::relevance_order(query.sort.direction),
            ),
        };
        Ok(page_of(
            names::CUSTOMERS,
            &documents,
            page.limit,
            &order,
            read_customer,
        )
        .map_err(CustomerDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn status_history(&self, id: CustomerId) -> Result<Vec<StatusChange>, StoreError> {
        let spec = FindSpec::all(
            doc! { "customer_id": id.to_string() },
            doc! { "at": 1, "_id": 1 },
        );
        let documents = find_all(&self.collection(names::STATUS_CHANGES), spec, None)
            .await
            .map_err(CustomerDbError::from)?;
        Ok(documents
            .iter()
            .map(read_status_change)
            .collect::<Result<_, _>>()
            .map_err(CustomerDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn begin_import(&self) -> Result<Box<dyn ImportTransaction>, StoreError> {
        Ok(Box::new(MongoImport::begin(self).await?))
    }
}

impl MongoStore {
    /// The one customer `filter` finds, if any.
    async fn find_customer(&self, filter: Document) -> Result<Option<Customer>, CustomerDbError> {
        let found = self
            .collection(names::CUSTOMERS)
            .find_one(filter)
            .projection(without_keywords())
            .await?;
        Ok(found.as_ref().map(read_customer).transpose()?)
    }
}
