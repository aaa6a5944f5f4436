//! What the tickets context asks about other contexts' records:
//! [`CustomerDirectory`] on `customers` and [`AssigneeDirectory`] on `users`.

use async_trait::async_trait;
use crm_kernel::{CompanyId, CustomerId, UserId};
use crm_tickets::ports::{AssigneeDirectory, CustomerDirectory, CustomerRef, StoreError};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::Fields;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, DbError, TicketDbError};
use crate::db::names;

/// A customer's id, company and owner, as any context sees them.
pub(crate) fn customer_ref_fields(
    id: CustomerId,
    document: &Document,
) -> Result<(CustomerId, Option<CompanyId>, Option<UserId>), CorruptData> {
    let fields = Fields::of(names::CUSTOMERS, document);
    Ok((
        id,
        fields.opt_parse("company_id", CompanyId::parse)?,
        fields.opt_parse("owner_id", UserId::parse)?,
    ))
}

impl MongoStore {
    /// The id, company and owner of customer `id` (erased ones only with
    /// `erased`), if it exists.
    pub(crate) async fn customer_ref_of<R>(
        &self,
        id: CustomerId,
        erased: bool,
    ) -> Result<Option<(CustomerId, Option<CompanyId>, Option<UserId>)>, DbError<R>> {
        let mut filter = doc! { "_id": id.to_string() };
        if !erased {
            filter.insert("erased_at", Bson::Null);
        }
        let found = self
            .collection(names::CUSTOMERS)
            .find_one(filter)
            .projection(doc! { "company_id": 1, "owner_id": 1 })
            .await?;
        Ok(found
            .as_ref()
            .map(|document| customer_ref_fields(id, document))
            .transpose()?)
    }
}

fn to_ref(
    (id, company_id, owner_id): (CustomerId, Option<CompanyId>, Option<UserId>),
) -> CustomerRef {
    CustomerRef {
        id,
        company_id,
        owner_id,
    }
}

#[async_trait]
impl CustomerDirectory for MongoStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        Ok(self
            .customer_ref_of::<StoreError>(id, false)
            .await?
            .map(to_ref))
    }

    /// The company and owner of a customer, erased (a tombstone keeps both) or not.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn any_customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        Ok(self
            .customer_ref_of::<StoreError>(id, true)
            .await?
            .map(to_ref))
    }
}

#[async_trait]
impl AssigneeDirectory for MongoStore {
    /// Whether an active staff user (admin or agent) has this id.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn can_be_assigned(&self, id: UserId) -> Result<bool, StoreError> {
        let found = self
            .collection(names::USERS)
            .find_one(doc! { "_id": id.to_string(), "status": "active" })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(TicketDbError::from)?;
        Ok(found.is_some())
    }
}
