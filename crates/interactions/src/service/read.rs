//! Reading interactions and histories.

use crm_kernel::{CustomerId, InteractionId, Page, PageRequest, Principal};

use super::{InteractionService, store_error};
use crate::error::InteractionError;
use crate::history::{HistoryEntry, HistoryFilter};
use crate::interaction::Interaction;
use crate::query::InteractionQuery;

impl InteractionService {
    /// One interaction the caller may see (customers: their own, never notes).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, interaction_id = %id))]
    pub async fn get(
        &self,
        caller: &Principal,
        id: InteractionId,
    ) -> Result<Interaction, InteractionError> {
        let interaction = self
            .ports
            .interactions
            .get(id)
            .await
            .map_err(store_error)?
            .ok_or(InteractionError::InteractionNotFound)?;
        if interaction.kind.staff_only() && !caller.is_staff() {
            return Err(InteractionError::InteractionNotFound);
        }
        self.visible_customer(caller, interaction.customer_id)
            .await
            .map_err(|error| match error {
                InteractionError::CustomerNotFound => InteractionError::InteractionNotFound,
                other => other,
            })?;
        Ok(interaction)
    }

    /// One page of the interactions the caller may see; with `mine`, a
    /// staff caller's own (as organizer).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn list(
        &self,
        caller: &Principal,
        query: &InteractionQuery,
        page: &PageRequest,
    ) -> Result<Page<Interaction>, InteractionError> {
        let query = query.resolved_for(caller);
        self.ports
            .interactions
            .list(&query, &self.visibility(caller), caller.is_staff(), page)
            .await
            .map_err(store_error)
    }

    /// One page of a visible customer's history: its interactions, merged
    /// with the sources the filter names. Customers see their own history
    /// without staff-only notes.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %customer))]
    pub async fn history(
        &self,
        caller: &Principal,
        customer: CustomerId,
        filter: &HistoryFilter,
        page: &PageRequest,
    ) -> Result<Page<HistoryEntry>, InteractionError> {
        self.visible_customer(caller, customer).await?;
        self.ports
            .history
            .history(customer, filter, caller.is_staff(), page)
            .await
            .map_err(store_error)
    }
}
