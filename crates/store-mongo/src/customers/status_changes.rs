//! Writing a customer's status change, with what reports read from it.
//!
//! A status change keeps copies of its customer's current company and owner
//! (`customer_company_id`, `customer_owner_id`, rewritten with the customer
//! like tickets' and interactions'), so that report aggregations apply the
//! scope on the change itself.
//!
//! A change to `lead` is also a *lead journey* (ADR 0012): it carries
//! `prospect_at`, the change to `prospect` right after it, and
//! `customer_at`, the change to `customer` right after that, set by those
//! changes when they are written (on the customer's latest journey, as the
//! SQLite store's trigger does). Every journey of a customer with more
//! than one is flagged `repeat`. Reports read the journeys qualified in a
//! range through the index on (`to`, `prospect_at`, `at`), and the repeat
//! ones touching it through (`to`, `repeat`, `prospect_at`, `at`).

use crm_customers::{LifecycleStatus, StatusChange};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use crate::analytics::counters::Tally;
use crate::analytics::sources::status_change_count;
use crate::bson::convert::date;
use crate::customers::docs::status_change_document;
use crate::customers::undo::UndoLog;
use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::names;

/// The document of `change` of a customer of `company` with `owner` (each
/// an id or null); a change to `lead` starts a journey.
pub(crate) fn report_status_change(change: &StatusChange, company: Bson, owner: Bson) -> Document {
    let mut document = status_change_document(change);
    document.insert("customer_company_id", company);
    document.insert("customer_owner_id", owner);
    if change.to == LifecycleStatus::Lead {
        document.insert("prospect_at", Bson::Null);
        document.insert("customer_at", Bson::Null);
    }
    document
}

/// How `change` moves its customer's latest journey on: the condition that
/// journey must meet and the update, or `None` when it does not.
pub(crate) fn journey_step(change: &StatusChange) -> Option<(Document, Document)> {
    match (change.from, change.to) {
        (Some(LifecycleStatus::Lead), LifecycleStatus::Prospect) => Some((
            doc! { "prospect_at": Bson::Null },
            doc! { "$set": { "prospect_at": date(change.at) } },
        )),
        (Some(LifecycleStatus::Prospect), LifecycleStatus::Customer) => Some((
            doc! { "prospect_at": { "$ne": Bson::Null }, "customer_at": Bson::Null },
            doc! { "$set": { "customer_at": date(change.at) } },
        )),
        _ => None,
    }
}

impl MongoStore {
    /// Stores `change` (of a customer of `company` with `owner`) in the
    /// session's transaction, counts it (ADR 0015, "Customer counters") and
    /// moves the customer's latest journey on.
    pub(crate) async fn record_status_change<R>(
        &self,
        session: &mut ClientSession,
        change: &StatusChange,
        company: Bson,
        owner: Bson,
        mut undo: Option<&mut UndoLog>,
    ) -> Result<(), DbError<R>> {
        let changes = self.collection(names::STATUS_CHANGES);
        if let Some((condition, update)) = journey_step(change) {
            let latest = changes
                .find_one(doc! {
                    "customer_id": change.customer_id.to_string(),
                    "to": LifecycleStatus::Lead.as_str(),
                })
                .sort(doc! { "at": -1, "_id": -1 })
                .projection(doc! { "_id": 1 })
                .session(&mut *session)
                .await?;
            if let Some(latest) = latest {
                let mut filter = doc! { "_id": latest.get("_id").cloned().unwrap_or(Bson::Null) };
                filter.extend(condition);
                let before = changes
                    .find_one_and_update(filter, update)
                    .return_document(ReturnDocument::Before)
                    .session(&mut *session)
                    .await?;
                if let (Some(log), Some(before)) = (undo.as_deref_mut(), before) {
                    let id = before.get_str("_id").unwrap_or_default().to_owned();
                    log.restore(names::STATUS_CHANGES, &id, Some(before));
                }
            }
        }
        let mut document = report_status_change(change, company, owner);
        if change.to == LifecycleStatus::Lead && self.repeats_journeys(session, change).await? {
            document.insert("repeat", true);
        }
        let id = document.get_str("_id").unwrap_or_default().to_owned();
        let mut tally = Tally::default();
        tally.add(&status_change_count(&document)?, 1);
        changes.insert_one(document).session(&mut *session).await?;
        self.write_tally(Some(session), &tally).await?;
        if let Some(log) = undo {
            log.restore(names::STATUS_CHANGES, &id, None);
        }
        Ok(())
    }
}

impl MongoStore {
    /// Whether the customer of `change`, a change to `lead`, had a journey
    /// before it: then every journey of the customer, this one too, is
    /// flagged `repeat` (its earlier ones here), so that conversion counts
    /// the customer once (`analytics::journeys`). A flag is never taken
    /// back (an import batch taken back may leave a customer with one
    /// journey flagged): counting a customer with one journey as a repeat
    /// one gives the same figures.
    async fn repeats_journeys<R>(
        &self,
        session: &mut ClientSession,
        change: &StatusChange,
    ) -> Result<bool, DbError<R>> {
        let customer = change.customer_id.to_string();
        let earlier = self
            .collection(names::STATUS_CHANGES)
            .update_many(
                doc! { "customer_id": &customer, "to": LifecycleStatus::Lead.as_str() },
                doc! { "$set": { "repeat": true } },
            )
            .session(&mut *session)
            .await?;
        Ok(earlier.matched_count > 0)
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CustomerId, PrincipalId, Timestamp};

    use super::*;

    fn change(from: Option<LifecycleStatus>, to: LifecycleStatus) -> StatusChange {
        StatusChange {
            customer_id: CustomerId::new(),
            from,
            to,
            at: Timestamp::from_millis(60_000).unwrap(),
            actor: PrincipalId::Customer(CustomerId::new()),
        }
    }

    #[test]
    fn changes_carry_their_customers_copies_and_leads_start_a_journey() {
        let lead = report_status_change(
            &change(None, LifecycleStatus::Lead),
            Bson::String("company".into()),
            Bson::Null,
        );
        assert_eq!(lead.get_str("customer_company_id").unwrap(), "company");
        assert_eq!(lead.get("customer_owner_id"), Some(&Bson::Null));
        assert_eq!(lead.get("prospect_at"), Some(&Bson::Null));
        assert_eq!(lead.get("customer_at"), Some(&Bson::Null));
        let won = report_status_change(
            &change(Some(LifecycleStatus::Prospect), LifecycleStatus::Customer),
            Bson::Null,
            Bson::Null,
        );
        assert!(!won.contains_key("prospect_at"), "only leads are journeys");
    }

    #[test]
    fn qualifying_and_converting_move_the_journey_on() {
        let at = date(Timestamp::from_millis(60_000).unwrap());
        assert_eq!(
            journey_step(&change(
                Some(LifecycleStatus::Lead),
                LifecycleStatus::Prospect
            )),
            Some((
                doc! { "prospect_at": null },
                doc! { "$set": { "prospect_at": at } }
            ))
        );
        assert_eq!(
            journey_step(&change(
                Some(LifecycleStatus::Prospect),
                LifecycleStatus::Customer
            )),
            Some((
                doc! { "prospect_at": { "$ne": null }, "customer_at": null },
                doc! { "$set": { "customer_at": at } }
            ))
        );
        for (from, to) in [
            (None, LifecycleStatus::Prospect),
            (Some(LifecycleStatus::Churned), LifecycleStatus::Customer),
            (Some(LifecycleStatus::Customer), LifecycleStatus::Churned),
        ] {
            assert_eq!(journey_step(&change(from, to)), None, "{from:?} → {to}");
        }
    }
}
