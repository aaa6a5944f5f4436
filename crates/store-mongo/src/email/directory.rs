//! What the email context asks about other contexts' records: customers
//! (visibility, address, template variables; the company's name is the copy
//! each customer keeps) and staff users (the sender's name).

use async_trait::async_trait;
use crm_email::ports::{CustomerContact, CustomerDirectory, StaffDirectory, StoreError};
use crm_kernel::{CompanyId, CustomerId, EmailAddress, PersonName, UserId};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::Fields;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, EmailDbError};
use crate::db::names;
use crate::db::ops::{FindSpec, find_all};

/// The fields of a customer a contact is made of.
fn contact_projection() -> Document {
    doc! {
        "company_id": 1, "owner_id": 1, "email": 1, "first_name": 1, "last_name": 1,
        "company_name": 1,
    }
}

fn read_contact(document: &Document) -> Result<CustomerContact, CorruptData> {
    let fields = Fields::of(names::CUSTOMERS, document);
    Ok(CustomerContact {
        id: fields.parse("_id", CustomerId::parse)?,
        company_id: fields.opt_parse("company_id", CompanyId::parse)?,
        owner_id: fields.opt_parse("owner_id", UserId::parse)?,
        email: fields.opt_parse("email", EmailAddress::parse)?,
        first_name: fields.text("first_name")?.to_owned(),
        last_name: fields.text("last_name")?.to_owned(),
        company: fields.opt_text("company_name")?.map(str::to_owned),
    })
}

impl MongoStore {
    /// The contact of the customer matching `filter` that is not erased.
    async fn contact_where(
        &self,
        mut filter: Document,
    ) -> Result<Option<CustomerContact>, EmailDbError> {
        filter.insert("erased_at", Bson::Null);
        let found = self
            .collection(names::CUSTOMERS)
            .find_one(filter)
            .projection(contact_projection())
            .await?;
        Ok(found.as_ref().map(read_contact).transpose()?)
    }
}

#[async_trait]
impl CustomerDirectory for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn by_id(&self, id: CustomerId) -> Result<Option<CustomerContact>, StoreError> {
        Ok(self.contact_where(doc! { "_id": id.to_string() }).await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn by_email(
        &self,
        address: &EmailAddress,
    ) -> Result<Option<CustomerContact>, StoreError> {
        Ok(self
            .contact_where(doc! { "email_key": address.key() })
            .await?)
    }

    async fn contacts(&self, ids: &[CustomerId]) -> Result<Vec<CustomerContact>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let spec = FindSpec {
            filter: doc! { "_id": { "$in": ids } },
            sort: doc! {},
            limit: None,
            projection: Some(contact_projection()),
        };
        let documents = find_all(&self.collection(names::CUSTOMERS), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(documents
            .iter()
            .map(read_contact)
            .collect::<Result<_, _>>()
            .map_err(EmailDbError::from)?)
    }
}

#[async_trait]
impl StaffDirectory for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn name(&self, id: UserId) -> Result<Option<String>, StoreError> {
        let found = self
            .collection(names::USERS)
            .find_one(doc! { "_id": id.to_string() })
            .projection(doc! { "name": 1 })
            .await
            .map_err(EmailDbError::from)?;
        Ok(found
            .as_ref()
            .map(|document| {
                Fields::of(names::USERS, document)
                    .parse("name", PersonName::parse)
                    .map(|name| name.as_str().to_owned())
            })
            .transpose()
            .map_err(EmailDbError::from)?)
    }
}
