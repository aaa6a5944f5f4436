//! Reading interactions, histories and calendars.

use crm_kernel::{CustomerId, InteractionId, Page, PageRequest, Principal, Timestamp, UserId};

use super::{InteractionService, store_error};
use crate::error::InteractionError;
use crate::history::{HistoryEntry, HistoryFilter};
use crate::interaction::{Attendee, Interaction};
use crate::ports::StaffContact;
use crate::query::InteractionQuery;

impl InteractionService {
    /// One interaction the caller may see (customers: their own, never notes).
    #[tracing::instrument(skip_all, fields(caller = %caller.id, interaction_id = %id))]
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

    /// One page of the interactions the caller may see.
    #[tracing::instrument(skip_all, fields(caller = %caller.id))]
    pub async fn list(
        &self,
        caller: &Principal,
        query: &InteractionQuery,
        page: &PageRequest,
    ) -> Result<Page<Interaction>, InteractionError> {
        self.ports
            .interactions
            .list(query, &self.visibility(caller), caller.is_staff(), page)
            .await
            .map_err(store_error)
    }

    /// One page of a visible customer's history: its interactions, merged
    /// with the sources the filter names. Customers see their own history
    /// without staff-only notes.
    #[tracing::instrument(skip_all, fields(caller = %caller.id, customer_id = %customer))]
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

    /// The interactions of the staff user whose calendar feed token has this
    /// hash, from 30 days ago to a year ahead.
    #[tracing::instrument(skip_all)]
    pub async fn calendar_feed(
        &self,
        token_hash: &str,
    ) -> Result<(UserId, Vec<Interaction>), InteractionError> {
        let user = self
            .ports
            .feeds
            .feed_owner(token_hash)
            .await
            .map_err(store_error)?
            .ok_or(InteractionError::FeedNotFound)?;
        let now = self.ports.clock.now();
        let from = Timestamp::from_millis(now.as_millis() - 30 * 86_400_000).unwrap_or(now);
        let to = now.plus(std::time::Duration::from_hours(366 * 24));
        let interactions = self
            .ports
            .interactions
            .calendar(user, from, to)
            .await
            .map_err(store_error)?;
        Ok((user, interactions))
    }

    /// Name and email of the organizer and staff attendees of `interaction`
    /// (for calendar invitations); unknown users are left out.
    pub async fn staff_contacts(
        &self,
        interaction: &Interaction,
    ) -> Result<Vec<StaffContact>, InteractionError> {
        let ids =
            interaction
                .organizer_id
                .into_iter()
                .chain(interaction.attendees.iter().filter_map(|a| match a {
                    Attendee::Staff(id) => Some(*id),
                    Attendee::Email(_) => None,
                }));
        let mut contacts = Vec::new();
        for id in ids {
            if let Some(contact) = self
                .ports
                .staff
                .staff_contact(id)
                .await
                .map_err(store_error)?
                && !contacts.iter().any(|c: &StaffContact| c.id == id)
            {
                contacts.push(contact);
            }
        }
        Ok(contacts)
    }

    /// Gives the caller (a staff user) a new calendar feed token; the old
    /// one stops working. The caller keeps the token, the store its hash.
    #[tracing::instrument(skip_all, fields(caller = %caller.id))]
    pub async fn rotate_calendar_feed(
        &self,
        caller: &Principal,
        token_hash: &str,
    ) -> Result<(), InteractionError> {
        let user = caller.user_id().ok_or(InteractionError::Forbidden)?;
        self.ports
            .feeds
            .set_feed_token(user, token_hash)
            .await
            .map_err(store_error)
    }
}
