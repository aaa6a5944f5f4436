//! Interactions: [`InteractionRepository`] on the `interactions`
//! collection (and `customers.last_interaction`, kept in the same
//! transaction as every interaction write).

use async_trait::async_trait;
use crm_interactions::ports::{InteractionRepository, StoreError};
use crm_interactions::{Interaction, InteractionQuery};
use crm_kernel::{InteractionId, Page, PageRequest, Timestamp, UserId, Version, Visibility};
use mongodb::bson::doc;

use crate::bson::keyset::page_of;
use crate::db::client::MongoStore;
use crate::db::error::InteractionDbError;
use crate::db::names;
use crate::db::ops::{FindSpec, find_all};
use crate::interactions::docs::read_interaction;
use crate::interactions::list::{self, calendar_spec, overlapping_spec};

impl MongoStore {
    /// Every interaction `spec` finds.
    async fn interactions(&self, spec: FindSpec) -> Result<Vec<Interaction>, InteractionDbError> {
        let documents = find_all(&self.collection(names::INTERACTIONS), spec, None).await?;
        Ok(documents
            .iter()
            .map(read_interaction)
            .collect::<Result<_, _>>()?)
    }
}

#[async_trait]
impl InteractionRepository for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(count = interactions.len()))]
    async fn insert(&self, interactions: &[Interaction]) -> Result<(), StoreError> {
        if interactions.is_empty() {
            return Ok(());
        }
        self.transaction(&(self, interactions), |session, (store, interactions)| {
            Box::pin(async move { store.write_new_interactions(session, interactions).await })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(interaction_id = %id))]
    async fn get(&self, id: InteractionId) -> Result<Option<Interaction>, StoreError> {
        let found = self
            .collection(names::INTERACTIONS)
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(InteractionDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_interaction)
            .transpose()
            .map_err(InteractionDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(interaction_id = %interaction.id))]
    async fn update(&self, interaction: &Interaction, expected: Version) -> Result<(), StoreError> {
        let context = (self, interaction, expected);
        self.transaction(&context, |session, (store, interaction, expected)| {
            Box::pin(async move {
                store
                    .write_interaction_update(session, interaction, *expected)
                    .await
            })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &InteractionQuery,
        visibility: &Visibility,
        include_staff_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Interaction>, StoreError> {
        let Some(spec) = list::list_spec(query, visibility, include_staff_only, page)? else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let documents = find_all(&self.collection(names::INTERACTIONS), spec, None)
            .await
            .map_err(InteractionDbError::from)?;
        let order = list::order(query.direction);
        Ok(page_of(
            names::INTERACTIONS,
            &documents,
            page.limit,
            &order,
            read_interaction,
        )
        .map_err(InteractionDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(organizer = %organizer))]
    async fn overlapping(
        &self,
        organizer: UserId,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError> {
        Ok(self
            .interactions(overlapping_spec(organizer, start, end))
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn calendar(
        &self,
        user: UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError> {
        Ok(self.interactions(calendar_spec(user, from, to)).await?)
    }
}
