//! Deleting a staff user and what refers to it, as the SQLite store's
//! foreign keys do: its credential, email key, sessions and calendar feed
//! go; customers it owns and tickets assigned to it lose the reference;
//! interactions lose it as organizer and as attendee; the report counts of
//! its customers' interactions move to no owner.

use crm_kernel::UserId;
use mongodb::ClientSession;
use mongodb::bson::{Bson, doc};

use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::names;
use crate::identity::credentials::credential_id;
use crate::identity::email_keys::Holder;

impl MongoStore {
    /// Deletes user `id` (whose email key is `email_key`) and every
    /// reference to it, in the session's transaction.
    pub(crate) async fn remove_user<R>(
        &self,
        session: &mut ClientSession,
        id: UserId,
        email_key: &str,
    ) -> Result<(), DbError<R>> {
        let user = id.to_string();
        self.collection(names::SESSIONS)
            .delete_many(doc! { "principal_kind": "user", "principal_id": &user })
            .session(&mut *session)
            .await?;
        self.release_email(session, email_key, Holder::User(id))
            .await?;
        self.collection(names::CREDENTIALS)
            .delete_one(doc! { "_id": credential_id(crm_kernel::PrincipalId::User(id)) })
            .session(&mut *session)
            .await?;
        let unset = |field: &str| doc! { "$set": { field: Bson::Null } };
        let references = [
            (names::CUSTOMERS, "owner_id"),
            (names::TICKETS, "assignee_id"),
            (names::INTERACTIONS, "organizer_id"),
        ];
        self.move_report_counts(
            session,
            &doc! { "customer_owner_id": &user },
            None,
            Some(&Bson::Null),
        )
        .await?;
        let copies = names::COPIES_OF_CUSTOMERS.map(|collection| (collection, "customer_owner_id"));
        for (collection, field) in references.into_iter().chain(copies) {
            self.collection(collection)
                .update_many(doc! { field: &user }, unset(field))
                .session(&mut *session)
                .await?;
        }
        self.collection(names::INTERACTIONS)
            .update_many(
                doc! { "attendees.user_id": &user },
                doc! { "$pull": { "attendees": { "user_id": &user } } },
            )
            .session(&mut *session)
            .await?;
        self.collection(names::CALENDAR_FEEDS)
            .delete_one(doc! { "_id": &user })
            .session(&mut *session)
            .await?;
        self.collection(names::USERS)
            .delete_one(doc! { "_id": &user })
            .session(&mut *session)
            .await?;
        Ok(())
    }
}
