//! Completing and cancelling scheduled interactions.

use crm_kernel::{InteractionId, LongText, Principal, retry_lost_races};
use tracing::info;

use super::InteractionService;
use crate::error::InteractionError;
use crate::interaction::Interaction;
use crate::kind::InteractionStatus;

impl InteractionService {
    /// Marks a scheduled interaction completed, with its outcome. Completing
    /// a cancelled (or already completed) one is refused.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, interaction_id = %id))]
    pub async fn complete(
        &self,
        caller: &Principal,
        id: InteractionId,
        outcome: Option<LongText>,
    ) -> Result<Interaction, InteractionError> {
        self.finish(caller, id, InteractionStatus::Completed, outcome)
            .await
    }

    /// Cancels a scheduled interaction.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, interaction_id = %id))]
    pub async fn cancel(
        &self,
        caller: &Principal,
        id: InteractionId,
    ) -> Result<Interaction, InteractionError> {
        self.finish(caller, id, InteractionStatus::Cancelled, None)
            .await
    }

    /// Moves a scheduled interaction to `to`. A write that loses a race with
    /// a concurrent change is attempted again on a fresh read, which decides
    /// anew whether the move is allowed.
    async fn finish(
        &self,
        caller: &Principal,
        id: InteractionId,
        to: InteractionStatus,
        outcome: Option<LongText>,
    ) -> Result<Interaction, InteractionError> {
        retry_lost_races(
            || self.try_finish(caller, id, to, outcome.clone()),
            |error| matches!(error, InteractionError::Conflict),
        )
        .await
    }

    async fn try_finish(
        &self,
        caller: &Principal,
        id: InteractionId,
        to: InteractionStatus,
        outcome: Option<LongText>,
    ) -> Result<Interaction, InteractionError> {
        let current = self.staff_interaction(caller, id).await?;
        if !current.status.can_become(to) {
            return Err(InteractionError::InvalidTransition {
                from: current.status,
                to,
            });
        }
        let mut next = current.clone();
        next.status = to;
        if outcome.is_some() {
            next.outcome = outcome;
        }
        next.updated_at = self.ports.clock.now();
        next.version = current.version.next();
        self.write(&next, current.version).await?;
        info!(status = %to, "interaction finished");
        Ok(next)
    }
}
