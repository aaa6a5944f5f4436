//! References between documents, kept as a foreign key would keep them.
//!
//! A write that makes a document reference another (a customer its company
//! or owner, a ticket its customer or assignee, an interaction its customer,
//! organizer or staff attendees) *touches* the referenced document in the
//! same transaction: it sets its `ref_lock` field to a fresh value. That
//! checks that the document exists, and because the touch is a write, a
//! concurrent transaction that deletes or changes the referenced document
//! conflicts with this one and one of the two runs again after the other.
//! So a reference never dangles, and a copy of the referenced document's
//! fields (a customer's company name, a ticket's customer company and owner)
//! is never stale. Nothing reads `ref_lock`.

use mongodb::ClientSession;
use mongodb::bson::{Document, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;

use crate::db::client::MongoStore;

impl MongoStore {
    /// Touches the document `id` of `collection` in the session's
    /// transaction and returns it; `None` when there is none.
    pub(crate) async fn touch(
        &self,
        session: &mut ClientSession,
        collection: &str,
        id: &str,
    ) -> Result<Option<Document>, mongodb::error::Error> {
        self.collection(collection)
            .find_one_and_update(
                doc! { "_id": id },
                doc! { "$set": { "ref_lock": ObjectId::new() } },
            )
            .return_document(ReturnDocument::After)
            .session(session)
            .await
    }
}
