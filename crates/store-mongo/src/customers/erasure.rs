//! Erasing a customer's personal data: the record stays as an anonymised
//! tombstone, its tickets and interactions stay (reports count them) but
//! lose their free text, and its sign-in credential, sessions and email key
//! go, all in one transaction.

use crm_customers::ports::StoreError;
use crm_kernel::{CustomerId, PrincipalId, Timestamp};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use crate::bson::convert::{Fields, date};
use crate::db::client::MongoStore;
use crate::db::error::{CustomerDbError, DbError};
use crate::db::names;
use crate::identity::credential_id;
use crate::identity::email_keys::Holder;

/// Text that replaces personal free text of an erased customer.
pub(crate) const ERASED: &str = "(erased)";

/// What erasure sets on the customer at `at` (its version is raised too):
/// names become `Erased Customer`; email, phone, notes, source, tags and
/// search keywords go; status, company, owner and dates stay.
pub(crate) fn erasure(at: Timestamp) -> Document {
    doc! {
        "$set": {
            "first_name": "Erased",
            "last_name": "Customer",
            "name_sort": "customer erased",
            "email": Bson::Null,
            "email_key": Bson::Null,
            "phone": Bson::Null,
            "notes": Bson::Null,
            "source": Bson::Null,
            "tags": [],
            "keywords": [],
            "has_account": false,
            "erased_at": date(at),
        },
        "$inc": { "version": 1_i64 },
    }
}

/// What erasure sets on the customer's tickets.
fn ticket_erasure() -> Document {
    doc! { "$set": {
        "subject": ERASED,
        "issue": ERASED,
        "search_text": format!("{ERASED}\u{1f}{ERASED}"),
    } }
}

/// What erasure sets on the customer's interactions: free text and outside
/// attendees' emails go; kinds, times, statuses and staff stay.
fn interaction_erasure() -> Document {
    doc! {
        "$set": {
            "description": ERASED,
            "outcome": Bson::Null,
            "location": Bson::Null,
            "meeting_url": Bson::Null,
            "customer_erased": true,
        },
        "$pull": { "attendees": { "email": { "$exists": true } } },
    }
}

impl MongoStore {
    /// Erases customer `id` at `at`; [`StoreError::NotFound`] for an
    /// unknown or erased customer.
    pub(crate) async fn erase_customer(
        &self,
        session: &mut ClientSession,
        id: CustomerId,
        at: Timestamp,
    ) -> Result<(), CustomerDbError> {
        let customer = id.to_string();
        let before = self
            .collection(names::CUSTOMERS)
            .find_one_and_update(
                doc! { "_id": &customer, "erased_at": Bson::Null },
                erasure(at),
            )
            .return_document(ReturnDocument::Before)
            .session(&mut *session)
            .await?
            .ok_or(DbError::refused(StoreError::NotFound))?;
        if let Some(key) = Fields::of(names::CUSTOMERS, &before).opt_text("email_key")? {
            self.release_email(session, key, Holder::Customer(id))
                .await?;
        }
        self.collection(names::CREDENTIALS)
            .delete_one(doc! { "_id": credential_id(PrincipalId::Customer(id)) })
            .session(&mut *session)
            .await?;
        self.collection(names::SESSIONS)
            .delete_many(doc! { "principal_kind": "customer", "principal_id": &customer })
            .session(&mut *session)
            .await?;
        let tickets = self.ticket_ids_of(session, &customer).await?;
        self.collection(names::TICKET_COMMENTS)
            .update_many(
                doc! { "ticket_id": { "$in": tickets } },
                doc! { "$set": { "body": ERASED } },
            )
            .session(&mut *session)
            .await?;
        self.collection(names::TICKETS)
            .update_many(doc! { "customer_id": &customer }, ticket_erasure())
            .session(&mut *session)
            .await?;
        self.collection(names::INTERACTIONS)
            .update_many(doc! { "customer_id": &customer }, interaction_erasure())
            .session(&mut *session)
            .await?;
        Ok(())
    }

    /// The ids of the customer's tickets.
    async fn ticket_ids_of(
        &self,
        session: &mut ClientSession,
        customer: &str,
    ) -> Result<Vec<Bson>, CustomerDbError> {
        let spec = crate::db::ops::FindSpec {
            projection: Some(doc! { "_id": 1 }),
            ..crate::db::ops::FindSpec::all(doc! { "customer_id": customer }, doc! {})
        };
        let tickets =
            crate::db::ops::find_all(&self.collection(names::TICKETS), spec, Some(session)).await?;
        Ok(tickets
            .into_iter()
            .filter_map(|ticket| ticket.get("_id").cloned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erasure_keeps_a_tombstone() {
        let at = Timestamp::from_millis(0).unwrap();
        let set = erasure(at);
        let fields = set.get_document("$set").unwrap();
        assert_eq!(fields.get_str("first_name").unwrap(), "Erased");
        assert_eq!(fields.get_str("name_sort").unwrap(), "customer erased");
        for kept in [
            "status",
            "company_id",
            "owner_id",
            "created_at",
            "updated_at",
        ] {
            assert!(!fields.contains_key(kept), "{kept} stays");
        }
        assert_eq!(
            set.get_document("$inc").unwrap(),
            &doc! { "version": 1_i64 }
        );
        assert_eq!(
            interaction_erasure().get_document("$pull").unwrap(),
            &doc! { "attendees": { "email": { "$exists": true } } }
        );
        assert_eq!(
            ticket_erasure()
                .get_document("$set")
                .unwrap()
                .get_str("search_text")
                .unwrap(),
            "(erased)\u{1f}(erased)"
        );
    }
}
