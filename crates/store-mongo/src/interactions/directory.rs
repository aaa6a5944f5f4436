//! What the interactions context asks about other contexts' records:
//! [`CustomerDirectory`] on `customers` and [`StaffDirectory`] on `users`.

use async_trait::async_trait;
use crm_interactions::ports::{
    CustomerDirectory, CustomerRef, StaffContact, StaffDirectory, StoreError,
};
use crm_kernel::{CustomerId, EmailAddress, PersonName, UserId};
use mongodb::bson::{Document, doc};

use crate::bson::convert::Fields;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, InteractionDbError};
use crate::db::names;
use crate::db::ops::{FindSpec, find_all};

#[async_trait]
impl CustomerDirectory for MongoStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        Ok(self.customer_ref_of::<StoreError>(id, false).await?.map(
            |(id, company_id, owner_id)| CustomerRef {
                id,
                company_id,
                owner_id,
            },
        ))
    }
}

/// A staff user's name and email, parsed by their domain constructors.
fn read_contact(document: &Document) -> Result<StaffContact, CorruptData> {
    let fields = Fields::of(names::USERS, document);
    Ok(StaffContact {
        id: fields.parse("_id", UserId::parse)?,
        name: fields.parse("name", PersonName::parse)?.as_str().to_owned(),
        email: fields
            .parse("email", EmailAddress::parse)?
            .as_str()
            .to_owned(),
    })
}

#[async_trait]
impl StaffDirectory for MongoStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        Ok(self
            .user_exists(id)
            .await
            .map_err(InteractionDbError::from)?)
    }

    /// The name and email of every user among `ids` (whatever its role
    /// and status), in one query on the `_id` index.
    #[tracing::instrument(level = "debug", skip_all, fields(ids = ids.len()))]
    async fn staff_contacts(&self, ids: &[UserId]) -> Result<Vec<StaffContact>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let spec = contacts_spec(ids);
        let found = find_all(&self.collection(names::USERS), spec, None)
            .await
            .map_err(InteractionDbError::from)?;
        Ok(found
            .iter()
            .map(read_contact)
            .collect::<Result<_, _>>()
            .map_err(InteractionDbError::from)?)
    }
}

/// The users among `ids` (each id once), with their name and email only.
pub(crate) fn contacts_spec(ids: &[UserId]) -> FindSpec {
    let mut unique: Vec<String> = ids.iter().map(ToString::to_string).collect();
    unique.sort_unstable();
    unique.dedup();
    FindSpec {
        filter: doc! { "_id": { "$in": unique } },
        sort: doc! {},
        limit: None,
        projection: Some(doc! { "name": 1, "email": 1 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_read_for_each_id_once_in_one_query() {
        let (a, b) = (UserId::new(), UserId::new());
        let spec = contacts_spec(&[b, a, b]);
        let mut expected = vec![a.to_string(), b.to_string()];
        expected.sort_unstable();
        assert_eq!(spec.filter, doc! { "_id": { "$in": expected } });
        assert_eq!(spec.projection, Some(doc! { "name": 1, "email": 1 }));
        assert_eq!(spec.limit, None);
    }
}
