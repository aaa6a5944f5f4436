//! Scheduling and changing interactions (completing and cancelling: `finish.rs`).

use crm_kernel::{
    InteractionId, Principal, Timestamp, UserId, ValidationErrors, Version, retry_lost_races,
};
use tracing::info;

use super::{InteractionService, store_error};
use crate::attendees::Attendees;
use crate::bounds;
use crate::error::InteractionError;
use crate::interaction::{
    Attendee, Conflict, End, Interaction, InteractionPatch, NewInteraction, Scheduled,
};
use crate::kind::InteractionStatus;
use crate::ports::StoreError;

/// Longest interaction: a week (see [`crate::interaction::MAX_LENGTH_MINUTES`]).
const MAX_MINUTES: u32 = crate::interaction::MAX_LENGTH_MINUTES;
/// Most weekly repetitions of one interaction.
const MAX_REPEATS: u32 = 52;

impl InteractionService {
    /// Schedules (or records) an interaction with a customer the caller can
    /// see (staff only). Rules: the end comes after the start; one that starts
    /// in the past is recorded as completed, not scheduled; a future one
    /// cannot be completed yet. With `repeat_weekly`, further weekly
    /// occurrences are created at the same local time in the interaction's
    /// zone. The organizer's overlapping meetings and calls are reported as
    /// conflicts, not refused.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %new.customer_id))]
    pub async fn schedule(
        &self,
        caller: &Principal,
        new: NewInteraction,
    ) -> Result<Scheduled, InteractionError> {
        if !caller.is_staff() {
            return Err(InteractionError::Forbidden);
        }
        self.visible_customer(caller, new.customer_id).await?;
        let now = self.ports.clock.now();
        let mut errors = ValidationErrors::new();
        let end = errors
            .check("end_time", end_of(new.date_time, new.end))
            .flatten();
        check_range(&mut errors, new.date_time, end);
        if new.repeat_weekly > MAX_REPEATS {
            errors.add("repeat_weekly", format!("must be at most {MAX_REPEATS}"));
        }
        let status = match new.status {
            None | Some(InteractionStatus::Scheduled) if new.date_time < now => {
                InteractionStatus::Completed
            }
            None => InteractionStatus::Scheduled,
            Some(status @ (InteractionStatus::Completed | InteractionStatus::NoShow))
                if new.date_time > now =>
            {
                errors.add("status", format!("cannot be {status} before it starts"));
                InteractionStatus::Scheduled
            }
            Some(status) => status,
        };
        let organizer = new.organizer_id.or_else(|| caller.user_id());
        self.check_people(&mut errors, organizer, new.attendees.as_slice())
            .await?;
        errors.into_result()?;

        let zone = new.time_zone.unwrap_or_default();
        let length = end.map(|end| end.since(new.date_time));
        let interactions: Vec<Interaction> = (0..=new.repeat_weekly)
            .map(|week| {
                let start = zone.shift_weeks(new.date_time, week);
                Interaction {
                    id: InteractionId::new(),
                    customer_id: new.customer_id,
                    kind: new.kind.unwrap_or_default(),
                    date_time: start,
                    end_time: length.map(|length| start.plus(length)),
                    time_zone: zone,
                    location: new.location.clone(),
                    meeting_url: new.meeting_url.clone(),
                    description: new.description.clone(),
                    outcome: new.outcome.clone(),
                    organizer_id: organizer,
                    attendees: new.attendees.as_slice().to_vec(),
                    // A completed first occurrence leaves later ones that lie ahead scheduled.
                    status: if status == InteractionStatus::Completed && start > now {
                        InteractionStatus::Scheduled
                    } else {
                        status
                    },
                    created_at: now,
                    updated_at: now,
                    version: Version::FIRST,
                }
            })
            .collect();
        // The whole series lies in range, or nothing is scheduled: never a
        // series cut short without a word.
        let fitting = interactions
            .iter()
            .take_while(|i| {
                bounds::in_range(i.date_time) && i.end_time.is_none_or(bounds::in_range)
            })
            .count();
        if fitting < interactions.len() {
            return Err(ValidationErrors::single(
                "repeat_weekly",
                format!(
                    "would schedule occurrences after the year {}; at most {} more fit",
                    bounds::LATEST_YEAR,
                    fitting.saturating_sub(1)
                ),
            )
            .into());
        }
        let conflicts = self.conflicts(&interactions).await?;
        self.ports
            .interactions
            .insert(&interactions)
            .await
            .map_err(store_error)?;
        info!(
            count = interactions.len(),
            conflicts = conflicts.len(),
            "interaction scheduled"
        );
        Ok(Scheduled {
            interactions,
            conflicts,
        })
    }

    /// Changes an interaction (staff). A status change goes through the
    /// rules; the response reports the organizer's overlapping interactions.
    ///
    /// `if_match` (the version the client last saw) guards against lost
    /// updates: a stale one is [`InteractionError::PreconditionFailed`].
    /// Without it the change applies to the latest version: a write that
    /// loses a race with a concurrent change is attempted again on a fresh
    /// read (at most [`WRITE_ATTEMPTS`](crm_kernel::WRITE_ATTEMPTS) times,
    /// then [`InteractionError::Conflict`]).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, interaction_id = %id))]
    pub async fn update(
        &self,
        caller: &Principal,
        id: InteractionId,
        patch: InteractionPatch,
        if_match: Option<Version>,
    ) -> Result<Scheduled, InteractionError> {
        retry_lost_races(
            || self.try_update(caller, id, &patch, if_match),
            |error| matches!(error, InteractionError::Conflict),
        )
        .await
    }

    /// One attempt of [`Self::update`]; a lost version race is
    /// [`InteractionError::Conflict`].
    async fn try_update(
        &self,
        caller: &Principal,
        id: InteractionId,
        patch: &InteractionPatch,
        if_match: Option<Version>,
    ) -> Result<Scheduled, InteractionError> {
        let current = self.staff_interaction(caller, id).await?;
        if let Some(expected) = if_match
            && expected != current.version
        {
            return Err(InteractionError::PreconditionFailed {
                current: current.version,
            });
        }
        let mut errors = ValidationErrors::new();
        let start = patch.date_time.unwrap_or(current.date_time);
        let end = match patch.end {
            Some(end) => errors.check("end_time", end_of(start, end)).flatten(),
            None => current
                .end_time
                .map(|end| start.plus(end.since(current.date_time))),
        };
        check_range(&mut errors, start, end);
        if let Some(to) = patch.status
            && to != current.status
            && !current.status.can_become(to)
        {
            return Err(InteractionError::InvalidTransition {
                from: current.status,
                to,
            });
        }
        if patch.organizer_id.is_some() || patch.attendees.is_some() {
            let attendees = patch
                .attendees
                .as_ref()
                .map_or(current.attendees.as_slice(), Attendees::as_slice);
            self.check_people(
                &mut errors,
                patch.organizer_id.or(current.organizer_id),
                attendees,
            )
            .await?;
        }
        errors.into_result()?;
        let mut next = current.clone();
        next.kind = patch.kind.unwrap_or(current.kind);
        next.date_time = start;
        next.end_time = end;
        next.time_zone = patch.time_zone.unwrap_or(current.time_zone);
        if let Some(location) = &patch.location {
            next.location.clone_from(location);
        }
        if let Some(url) = &patch.meeting_url {
            next.meeting_url.clone_from(url);
        }
        if let Some(description) = &patch.description {
            next.description.clone_from(description);
        }
        if let Some(outcome) = &patch.outcome {
            next.outcome.clone_from(outcome);
        }
        next.organizer_id = patch.organizer_id.or(current.organizer_id);
        if let Some(attendees) = &patch.attendees {
            attendees.as_slice().clone_into(&mut next.attendees);
        }
        next.status = patch.status.unwrap_or(current.status);
        next.updated_at = self.ports.clock.now();
        next.version = current.version.next();
        let conflicts = self.conflicts(std::slice::from_ref(&next)).await?;
        self.write(&next, current.version).await?;
        Ok(Scheduled {
            interactions: vec![next],
            conflicts,
        })
    }

    /// Stores `next` over the version `expected`; a lost race is
    /// [`InteractionError::Conflict`].
    pub(super) async fn write(
        &self,
        next: &Interaction,
        expected: Version,
    ) -> Result<(), InteractionError> {
        match self.ports.interactions.update(next, expected).await {
            Ok(()) => Ok(()),
            Err(StoreError::VersionConflict) => Err(InteractionError::Conflict),
            Err(error) => Err(store_error(error)),
        }
    }

    /// An interaction staff may change: staff only, customer visible.
    pub(super) async fn staff_interaction(
        &self,
        caller: &Principal,
        id: InteractionId,
    ) -> Result<Interaction, InteractionError> {
        let interaction = self.get(caller, id).await?;
        if caller.is_staff() {
            Ok(interaction)
        } else {
            Err(InteractionError::Forbidden)
        }
    }

    /// Records errors for an organizer or staff attendee that names no staff user.
    async fn check_people(
        &self,
        errors: &mut ValidationErrors,
        organizer: Option<UserId>,
        attendees: &[Attendee],
    ) -> Result<(), InteractionError> {
        if let Some(organizer) = organizer
            && !self
                .ports
                .staff
                .staff_exists(organizer)
                .await
                .map_err(store_error)?
        {
            errors.add("organizer_id", "names no staff user");
        }
        for (n, attendee) in attendees.iter().enumerate() {
            if let Attendee::Staff(id) = attendee
                && !self
                    .ports
                    .staff
                    .staff_exists(*id)
                    .await
                    .map_err(store_error)?
            {
                errors.add(format!("attendees[{n}]"), "names no staff user");
            }
        }
        Ok(())
    }

    /// The organizer's scheduled meetings and calls overlapping each of `interactions`.
    async fn conflicts(
        &self,
        interactions: &[Interaction],
    ) -> Result<Vec<Conflict>, InteractionError> {
        let mut conflicts = Vec::new();
        for interaction in interactions {
            let Some(organizer) = interaction.organizer_id else {
                continue;
            };
            if !interaction.kind.takes_time() || interaction.status != InteractionStatus::Scheduled
            {
                continue;
            }
            let end = interaction.end().max(interaction.date_time);
            let others = self
                .ports
                .interactions
                .overlapping(organizer, interaction.date_time, end)
                .await
                .map_err(store_error)?;
            conflicts.extend(
                others
                    .into_iter()
                    .filter(|other| other.id != interaction.id)
                    .map(|other| Conflict {
                        interaction_id: interaction.id,
                        conflicting_id: other.id,
                        date_time: other.date_time,
                        end_time: other.end(),
                    }),
            );
        }
        Ok(conflicts)
    }
}

/// Records an error when the start or the end lies outside the years an
/// interaction may fall in.
fn check_range(errors: &mut ValidationErrors, start: Timestamp, end: Option<Timestamp>) {
    if !bounds::in_range(start) {
        errors.add("date_time", bounds::out_of_range());
    } else if end.is_some_and(|end| !bounds::in_range(end)) {
        errors.add("end_time", bounds::out_of_range());
    }
}

/// The end of an interaction starting at `start`, checked: after the start,
/// at most a week long.
fn end_of(start: Timestamp, end: Option<End>) -> Result<Option<Timestamp>, String> {
    match end {
        None => Ok(None),
        Some(End::At(end)) if end <= start => Err("must be after date_time".to_owned()),
        Some(End::At(end)) if end.since(start).as_secs() > u64::from(MAX_MINUTES) * 60 => Err(
            format!("must be at most {MAX_MINUTES} minutes after date_time"),
        ),
        Some(End::At(end)) => Ok(Some(end)),
        Some(End::Minutes(0)) => Err("duration_minutes must be at least 1".to_owned()),
        Some(End::Minutes(minutes)) if minutes > MAX_MINUTES => {
            Err(format!("duration_minutes must be at most {MAX_MINUTES}"))
        }
        Some(End::Minutes(minutes)) => Ok(Some(
            start.plus(std::time::Duration::from_mins(u64::from(minutes))),
        )),
    }
}
