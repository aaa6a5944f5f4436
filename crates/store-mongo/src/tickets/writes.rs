//! The writes of tickets: raising (with its idempotency key), changing,
//! and commenting, each inside the caller's transaction, with the report
//! counters of what they change (ADR 0015, "Ticket counters").

use crm_kernel::{TicketId, UserId, Version};
use crm_tickets::ports::{Inserted, StoreError};
use crm_tickets::{Comment, FirstResponse, IdempotencyKey, Ticket, TicketEvent};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use crate::analytics::counters::Tally;
use crate::analytics::sources::{event_count, ticket_counts};
use crate::bson::convert::{Fields, date, stored_version};
use crate::db::client::MongoStore;
use crate::db::error::{DbError, TicketDbError};
use crate::db::names;
use crate::tickets::docs::{
    comment_document, report_event_document, ticket_document, ticket_fields,
};
use crate::tickets::idempotency::Earlier;

impl MongoStore {
    /// Stores a raised ticket and its first event, unless `idempotency`
    /// was used before (then replays, or refuses another request).
    pub(crate) async fn write_new_ticket(
        &self,
        session: &mut ClientSession,
        ticket: &Ticket,
        event: &TicketEvent,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Inserted, TicketDbError> {
        if let Some(key) = idempotency {
            if let Earlier::Same(first) = self.earlier_use(session, key).await? {
                return Ok(Inserted::Replayed(first));
            }
            self.record_use(session, key, ticket.id, ticket.created_at)
                .await?;
        }
        let (company, owner) = self.customer_copies(session, ticket).await?;
        self.assignee_reference(session, ticket.assignee_id).await?;
        let document = ticket_document(ticket, company.clone(), owner.clone());
        let mut tally = Tally::default();
        tally.add_all(&ticket_counts(&document)?, 1);
        self.collection(names::TICKETS)
            .insert_one(document)
            .session(&mut *session)
            .await?;
        self.append_event(session, ticket, event, company, owner, &mut tally)
            .await?;
        self.write_tally(Some(session), &tally).await?;
        Ok(Inserted::Created)
    }

    /// Replaces the ticket stored at version `expected` and appends `event`.
    /// Refuses with [`StoreError::NotFound`] or [`StoreError::VersionConflict`].
    pub(crate) async fn write_ticket_update(
        &self,
        session: &mut ClientSession,
        ticket: &Ticket,
        expected: Version,
        event: Option<&TicketEvent>,
    ) -> Result<(), TicketDbError> {
        let id = ticket.id.to_string();
        if ticket.version <= expected {
            return Err(DbError::backend(format!(
                "ticket {id} must be written with a version above {} (got {})",
                expected.get(),
                ticket.version.get()
            )));
        }
        let stored = self
            .collection(names::TICKETS)
            .find_one(doc! { "_id": &id })
            .session(&mut *session)
            .await?
            .ok_or(DbError::refused(StoreError::NotFound))?;
        let fields = Fields::of(names::TICKETS, &stored);
        if fields.int("version")? != stored_version(expected) {
            return Err(DbError::refused(StoreError::VersionConflict));
        }
        let mut change = ticket_fields(ticket);
        let copy = |field| stored.get(field).cloned().unwrap_or(Bson::Null);
        let (mut company, mut owner) = (copy("customer_company_id"), copy("customer_owner_id"));
        if fields.text("customer_id")? != ticket.customer_id.to_string() {
            (company, owner) = self.customer_copies(session, ticket).await?;
            change.insert("customer_company_id", company.clone());
            change.insert("customer_owner_id", owner.clone());
            // Its events are counted with its customer (reports).
            self.move_ticket_event_counts(session, &id, &company, &owner)
                .await?;
            self.collection(names::TICKET_EVENTS)
                .update_many(
                    doc! { "ticket_id": &id },
                    doc! { "$set": {
                        "customer_id": ticket.customer_id.to_string(),
                        "customer_company_id": company.clone(),
                        "customer_owner_id": owner.clone(),
                    } },
                )
                .session(&mut *session)
                .await?;
        }
        if fields.opt_text("assignee_id")? != ticket.assignee_id.map(|a| a.to_string()).as_deref() {
            self.assignee_reference(session, ticket.assignee_id).await?;
        }
        // What it is counted under, before and after.
        let mut after = stored.clone();
        after.extend(change.clone());
        let mut tally = Tally::default();
        tally.add_all(&ticket_counts(&stored)?, -1);
        tally.add_all(&ticket_counts(&after)?, 1);
        let changed = self
            .collection(names::TICKETS)
            .update_one(
                doc! { "_id": &id, "version": stored_version(expected) },
                doc! { "$set": change },
            )
            .session(&mut *session)
            .await?;
        if changed.matched_count == 0 {
            // Cannot happen: the version was read in this transaction.
            return Err(DbError::refused(StoreError::VersionConflict));
        }
        if let Some(event) = event {
            self.append_event(session, ticket, event, company, owner, &mut tally)
                .await?;
        }
        self.write_tally(Some(session), &tally).await
    }

    /// Stores a comment; with `answer`, also records it as the ticket's
    /// first response unless one as early or earlier is recorded
    /// (`Ticket::with_first_response`, applied by the conditional update of
    /// [`first_response_update`]). No version is checked: a comment is never
    /// refused because the ticket changed. Concurrent answers conflict on the
    /// ticket and run again, so the earliest stays the first response.
    /// Refuses with [`StoreError::NotFound`] for an unknown ticket.
    pub(crate) async fn write_comment(
        &self,
        session: &mut ClientSession,
        comment: &Comment,
        answer: Option<FirstResponse>,
    ) -> Result<(), TicketDbError> {
        // Tickets are never deleted: reading that it exists is enough.
        self.collection(names::TICKETS)
            .find_one(doc! { "_id": comment.ticket_id.to_string() })
            .projection(doc! { "_id": 1 })
            .session(&mut *session)
            .await?
            .ok_or(DbError::refused(StoreError::NotFound))?;
        if let Some(answer) = answer {
            let (filter, update) = first_response_update(comment.ticket_id, answer);
            let replaced = self
                .collection(names::TICKETS)
                .find_one_and_update(filter, update)
                .return_document(ReturnDocument::Before)
                .session(&mut *session)
                .await?;
            if let Some(before) = replaced {
                // An earlier answer takes the place of the one counted.
                let mut after = before.clone();
                after.insert("first_response_at", date(answer.at));
                let mut tally = Tally::default();
                tally.add_all(&ticket_counts(&before)?, -1);
                tally.add_all(&ticket_counts(&after)?, 1);
                self.write_tally(Some(&mut *session), &tally).await?;
            }
        }
        self.collection(names::TICKET_COMMENTS)
            .insert_one(comment_document(comment))
            .session(session)
            .await?;
        Ok(())
    }

    /// The copies a ticket keeps of its customer's company and owner, read
    /// from the customer (touched, see `db::references`). A ticket of no
    /// customer is a broken precondition, as a foreign key would report.
    async fn customer_copies(
        &self,
        session: &mut ClientSession,
        ticket: &Ticket,
    ) -> Result<(Bson, Bson), TicketDbError> {
        let customer = self
            .touch(session, names::CUSTOMERS, &ticket.customer_id.to_string())
            .await?
            .ok_or_else(|| {
                DbError::backend(format!(
                    "ticket {} names customer {}, which does not exist",
                    ticket.id, ticket.customer_id
                ))
            })?;
        let copy = |field| customer.get(field).cloned().unwrap_or(Bson::Null);
        Ok((copy("company_id"), copy("owner_id")))
    }

    /// Checks (touching it) that the assignee exists.
    async fn assignee_reference(
        &self,
        session: &mut ClientSession,
        assignee: Option<UserId>,
    ) -> Result<(), TicketDbError> {
        if let Some(assignee) = assignee
            && self
                .touch(session, names::USERS, &assignee.to_string())
                .await?
                .is_none()
        {
            return Err(DbError::backend(format!(
                "the assignee {assignee} is no staff user"
            )));
        }
        Ok(())
    }

    /// Appends `event`, which must be an event of `ticket`, whose customer
    /// has `company` and `owner` (copied for reports), and counts it in
    /// `tally`.
    async fn append_event(
        &self,
        session: &mut ClientSession,
        ticket: &Ticket,
        event: &TicketEvent,
        company: Bson,
        owner: Bson,
        tally: &mut Tally,
    ) -> Result<(), TicketDbError> {
        if event.ticket_id != ticket.id {
            return Err(DbError::backend(format!(
                "the event of ticket {} was given with ticket {}",
                event.ticket_id, ticket.id
            )));
        }
        let document = report_event_document(event, ticket, company, owner);
        tally.add_all(&event_count(&document)?, 1);
        self.collection(names::TICKET_EVENTS)
            .insert_one(document)
            .session(session)
            .await?;
        Ok(())
    }
}

/// The filter and update that record `answer` as ticket `id`'s first
/// response, as `Ticket::with_first_response` says: only when none as early
/// or earlier is recorded; then a new version, and `updated_at` at least the
/// answer's time.
pub(crate) fn first_response_update(id: TicketId, answer: FirstResponse) -> (Document, Document) {
    let at = date(answer.at);
    // Durations of tickets never reach 2^63 seconds.
    let seconds = i64::try_from(answer.seconds).unwrap_or(i64::MAX);
    (
        doc! {
            "_id": id.to_string(),
            "$or": [
                { "first_response_at": Bson::Null },
                { "first_response_at": { "$gt": at } },
            ],
        },
        doc! {
            "$set": { "first_response_at": at, "first_response_seconds": seconds },
            "$max": { "updated_at": at },
            "$inc": { "version": 1_i64 },
        },
    )
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    #[test]
    fn a_first_response_is_recorded_only_over_none_or_a_later_one() {
        let id = TicketId::new();
        let at = Timestamp::from_millis(90_000).unwrap();
        let (filter, update) = first_response_update(id, FirstResponse { at, seconds: 90 });
        assert_eq!(
            filter,
            doc! {
                "_id": id.to_string(),
                "$or": [
                    { "first_response_at": null },
                    { "first_response_at": { "$gt": date(at) } },
                ],
            }
        );
        assert_eq!(
            update,
            doc! {
                "$set": { "first_response_at": date(at), "first_response_seconds": 90_i64 },
                "$max": { "updated_at": date(at) },
                "$inc": { "version": 1_i64 },
            }
        );
    }
}
