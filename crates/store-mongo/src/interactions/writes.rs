//! The writes of interactions, each with the recomputation of its
//! customer's `last_interaction` and the report counters it changes
//! (`analytics::counters`) in the same transaction.
//!
//! `last_interaction` is a read model of the interactions context on the
//! customer's document, which the customer list sorts by: the start of the
//! customer's latest completed interaction, or, when none is completed, of
//! its latest interaction that is not cancelled, or null. Recomputing it
//! changes neither the customer's version nor its `updated_at`.

use std::collections::BTreeSet;

use crm_interactions::Interaction;
use crm_interactions::ports::StoreError;
use crm_kernel::{CustomerId, UserId, Version};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::counters::{Counted, Tally};
use crate::bson::convert::{Fields, stored_version};
use crate::db::client::MongoStore;
use crate::db::error::{DbError, InteractionDbError};
use crate::db::names;
use crate::db::ops::aggregate_all;
use crate::interactions::docs::{
    customer_copies, interaction_document, interaction_fields, read_interaction, staff_of,
};
use crate::interactions::list::{last_interaction_of, last_interaction_pipeline};

impl MongoStore {
    /// Stores new interactions and recomputes their customers'
    /// `last_interaction`; [`StoreError::UnknownCustomer`] for an unknown or
    /// erased customer, before anything is written.
    pub(crate) async fn write_new_interactions(
        &self,
        session: &mut ClientSession,
        interactions: &[Interaction],
    ) -> Result<(), InteractionDbError> {
        let customers: BTreeSet<CustomerId> = interactions.iter().map(|i| i.customer_id).collect();
        let mut copies = Vec::with_capacity(customers.len());
        for customer in &customers {
            copies.push((
                *customer,
                self.customer_reference(session, *customer).await?,
            ));
        }
        let staff: BTreeSet<UserId> = interactions.iter().flat_map(staff_of).collect();
        self.staff_references(session, staff).await?;
        let documents: Vec<Document> = interactions
            .iter()
            .map(|interaction| {
                let copy = copies
                    .iter()
                    .find(|(customer, _)| *customer == interaction.customer_id)
                    .map(|(_, copy)| copy.clone())
                    .unwrap_or_default();
                interaction_document(interaction, copy)
            })
            .collect();
        let mut tally = Tally::default();
        for document in &documents {
            tally.add(&Counted::interaction(document)?, 1);
        }
        self.collection(names::INTERACTIONS)
            .insert_many(documents)
            .session(&mut *session)
            .await?;
        self.write_tally(Some(&mut *session), &tally).await?;
        for customer in customers {
            self.recompute_last_interaction(session, customer).await?;
        }
        Ok(())
    }

    /// Replaces the interaction stored at version `expected` and recomputes
    /// `last_interaction` of its customer (and of its previous one, when it
    /// moved). Refuses with [`StoreError::NotFound`],
    /// [`StoreError::VersionConflict`] or [`StoreError::UnknownCustomer`].
    pub(crate) async fn write_interaction_update(
        &self,
        session: &mut ClientSession,
        interaction: &Interaction,
        expected: Version,
    ) -> Result<(), InteractionDbError> {
        let id = interaction.id.to_string();
        if interaction.version <= expected {
            return Err(DbError::backend(format!(
                "interaction {id} must be written with a version above {} (got {})",
                expected.get(),
                interaction.version.get()
            )));
        }
        let stored = self
            .collection(names::INTERACTIONS)
            .find_one(doc! { "_id": &id })
            .session(&mut *session)
            .await?
            .ok_or(DbError::refused(StoreError::NotFound))?;
        if Fields::of(names::INTERACTIONS, &stored).int("version")? != stored_version(expected) {
            return Err(DbError::refused(StoreError::VersionConflict));
        }
        let before = read_interaction(&stored)?;
        let mut change = interaction_fields(interaction);
        if before.customer_id != interaction.customer_id {
            change.extend(
                self.customer_reference(session, interaction.customer_id)
                    .await?,
            );
        }
        let known = staff_of(&before);
        let staff: BTreeSet<UserId> = staff_of(interaction)
            .into_iter()
            .filter(|user| !known.contains(user))
            .collect();
        self.staff_references(session, staff).await?;
        // What it is counted under, before and after (ADR 0015).
        let mut after = stored.clone();
        after.extend(change.clone());
        let mut tally = Tally::default();
        tally.add(&Counted::interaction(&stored)?, -1);
        tally.add(&Counted::interaction(&after)?, 1);
        let changed = self
            .collection(names::INTERACTIONS)
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
        self.write_tally(Some(&mut *session), &tally).await?;
        self.recompute_last_interaction(session, interaction.customer_id)
            .await?;
        if before.customer_id != interaction.customer_id {
            self.recompute_last_interaction(session, before.customer_id)
                .await?;
        }
        Ok(())
    }

    /// The copies an interaction of `customer` keeps, read from the customer
    /// (touched, see `db::references`); [`StoreError::UnknownCustomer`] when
    /// it is unknown or erased.
    async fn customer_reference(
        &self,
        session: &mut ClientSession,
        customer: CustomerId,
    ) -> Result<Document, InteractionDbError> {
        let touched = self
            .touch(session, names::CUSTOMERS, &customer.to_string())
            .await?
            .filter(|document| matches!(document.get("erased_at"), None | Some(Bson::Null)))
            .ok_or(DbError::refused(StoreError::UnknownCustomer))?;
        let copy = |field| touched.get(field).cloned().unwrap_or(Bson::Null);
        Ok(customer_copies(copy("company_id"), copy("owner_id")))
    }

    /// Checks (touching them) that the staff users an interaction names
    /// exist: a missing one is a broken precondition, as a foreign key
    /// would report it.
    async fn staff_references(
        &self,
        session: &mut ClientSession,
        staff: impl IntoIterator<Item = UserId>,
    ) -> Result<(), InteractionDbError> {
        for user in staff {
            if self
                .touch(session, names::USERS, &user.to_string())
                .await?
                .is_none()
            {
                return Err(DbError::backend(format!(
                    "an interaction names user {user}, who is no staff user"
                )));
            }
        }
        Ok(())
    }

    /// Recomputes `last_interaction` of `customer` from its interactions.
    async fn recompute_last_interaction(
        &self,
        session: &mut ClientSession,
        customer: CustomerId,
    ) -> Result<(), InteractionDbError> {
        let customer = customer.to_string();
        let found = aggregate_all(
            &self.collection(names::INTERACTIONS),
            last_interaction_pipeline(&customer),
            Some(&mut *session),
        )
        .await?;
        let last = last_interaction_of(found.first());
        self.collection(names::CUSTOMERS)
            .update_one(
                doc! { "_id": &customer },
                doc! { "$set": { "last_interaction": last } },
            )
            .session(session)
            .await?;
        Ok(())
    }
}
