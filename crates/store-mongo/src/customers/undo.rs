//! Taking back the writes of an import batch.
//!
//! MongoDB transactions have no savepoints, and a write the server refuses
//! aborts the whole transaction. So the customer writes decide every
//! refusal by reading before they write, and inside an import each write
//! notes how to take itself back: the document as it was before (or that
//! it was new). When a write of a batch is refused, the notes of the
//! batch's earlier writes are played backwards in the same transaction,
//! which then holds the earlier batches only and goes on.

use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::counters::Tally;
use crate::analytics::sources;
use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::names;

/// How to take back one write.
#[derive(Debug, Clone, PartialEq)]
enum Undo {
    /// Put document `id` of `collection` back as `before`; delete it when
    /// it did not exist.
    Restore {
        collection: &'static str,
        id: String,
        before: Option<Document>,
    },
    /// Give the tickets and interactions of `customer` back the copies of
    /// its company and owner they had.
    Copies {
        customer: String,
        company: Bson,
        owner: Bson,
    },
}

/// The notes of one batch's writes, in the order written.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct UndoLog {
    steps: Vec<Undo>,
}

impl UndoLog {
    /// Notes that document `id` of `collection` was `before` (`None`: it
    /// did not exist) before a write.
    pub(crate) fn restore(&mut self, collection: &'static str, id: &str, before: Option<Document>) {
        self.steps.push(Undo::Restore {
            collection,
            id: id.to_owned(),
            before,
        });
    }

    /// Notes the copies of its company and owner that `customer`'s tickets
    /// and interactions had before a write changed them.
    pub(crate) fn copies(&mut self, customer: &str, company: Bson, owner: Bson) {
        self.steps.push(Undo::Copies {
            customer: customer.to_owned(),
            company,
            owner,
        });
    }

    /// Forgets every note (the batch is done).
    pub(crate) fn clear(&mut self) {
        self.steps.clear();
    }

    /// How many notes it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }
}

impl MongoStore {
    /// Takes back every write noted in `log`, newest first, in the session's
    /// transaction, and empties it.
    pub(crate) async fn undo<R>(
        &self,
        session: &mut ClientSession,
        log: &mut UndoLog,
    ) -> Result<(), DbError<R>> {
        while let Some(step) = log.steps.pop() {
            match step {
                Undo::Restore {
                    collection,
                    id,
                    before: Some(before),
                } => {
                    self.restore_counts(session, collection, &id, Some(&before))
                        .await?;
                    self.collection(collection)
                        .replace_one(doc! { "_id": &id }, before)
                        .upsert(true)
                        .session(&mut *session)
                        .await?;
                }
                Undo::Restore {
                    collection,
                    id,
                    before: None,
                } => {
                    self.restore_counts(session, collection, &id, None).await?;
                    self.collection(collection)
                        .delete_one(doc! { "_id": &id })
                        .session(&mut *session)
                        .await?;
                }
                Undo::Copies {
                    customer,
                    company,
                    owner,
                } => {
                    self.copy_customer_refs(session, &customer, company, owner)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Takes back the report counts of document `id` of `collection` as it
    /// is and adds those of `before` (none when it is to be deleted), for
    /// the collections counters count.
    async fn restore_counts<R>(
        &self,
        session: &mut ClientSession,
        collection: &'static str,
        id: &str,
        before: Option<&Document>,
    ) -> Result<(), DbError<R>> {
        if !sources::counted(collection) {
            return Ok(());
        }
        let current = self
            .collection(collection)
            .find_one(doc! { "_id": id })
            .session(&mut *session)
            .await?;
        let mut tally = Tally::default();
        for (document, n) in [(current.as_ref(), -1), (before, 1)] {
            if let Some(document) = document {
                tally.add_weighted(&sources::counts_of(collection, document)?, n);
            }
        }
        self.write_tally(Some(session), &tally).await
    }

    /// Sets the copies of `customer`'s company and owner on its tickets,
    /// interactions and email recipients, and moves the report counts of
    /// its interactions and tickets along.
    pub(crate) async fn copy_customer_refs<R>(
        &self,
        session: &mut ClientSession,
        customer: &str,
        company: Bson,
        owner: Bson,
    ) -> Result<(), DbError<R>> {
        self.move_report_counts(
            session,
            &doc! { "customer_id": customer },
            Some(&company),
            Some(&owner),
        )
        .await?;
        for collection in names::COPIES_OF_CUSTOMERS {
            self.collection(collection)
                .update_many(
                    doc! { "customer_id": customer },
                    doc! { "$set": {
                        "customer_company_id": company.clone(),
                        "customer_owner_id": owner.clone(),
                    } },
                )
                .session(&mut *session)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_kept_in_order_until_cleared() {
        let mut log = UndoLog::default();
        log.restore(names::CUSTOMERS, "a", None);
        log.copies("a", Bson::Null, Bson::String("u".into()));
        assert_eq!(log.len(), 2);
        assert_eq!(
            log.steps[0],
            Undo::Restore {
                collection: names::CUSTOMERS,
                id: "a".into(),
                before: None
            }
        );
        log.clear();
        assert_eq!(log, UndoLog::default());
    }
}
