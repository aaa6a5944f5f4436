//! Calendars: one interaction, a staff user's feed, and the feed's secret token.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use crm_kernel::{InteractionId, Principal, Timestamp, UserId};
use tracing::info;

use super::{InteractionService, store_error};
use crate::calendar::{CalendarEntry, CalendarView, FeedToken, Participant};
use crate::error::InteractionError;
use crate::interaction::{Attendee, Interaction};
use crate::ports::StaffContact;

/// How far back a feed reaches.
const FEED_PAST: Duration = Duration::from_hours(30 * 24);
/// How far ahead a feed reaches: a year, leap day included.
const FEED_AHEAD: Duration = Duration::from_hours(366 * 24);
/// The name of every feed.
const FEED_NAME: &str = "CRM";

impl InteractionService {
    /// One interaction the caller may see (customers: their own, never
    /// notes) as a calendar of one event, named `CRM <kind>`.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, interaction_id = %id))]
    pub async fn interaction_calendar(
        &self,
        caller: &Principal,
        id: InteractionId,
    ) -> Result<CalendarView, InteractionError> {
        let interaction = self.get(caller, id).await?;
        let name = format!("CRM {}", interaction.kind.as_str());
        let now = self.ports.clock.now();
        self.calendar(name, vec![interaction], now).await
    }

    /// The calendar feed whose secret token is `token`: every interaction
    /// its owner (a staff user) organises or attends, any status, from 30
    /// days ago to a year ahead, oldest first. An unknown or replaced token
    /// is [`InteractionError::FeedNotFound`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn calendar_feed(&self, token: &FeedToken) -> Result<CalendarView, InteractionError> {
        let hash = self.ports.feed_tokens.hash(token);
        let user = self
            .ports
            .feeds
            .feed_owner(hash.as_str())
            .await
            .map_err(store_error)?
            .ok_or(InteractionError::FeedNotFound)?;
        let now = self.ports.clock.now();
        let from = Timestamp::from_millis(now.as_millis() - millis(FEED_PAST)).unwrap_or(now);
        let interactions = self
            .ports
            .interactions
            .calendar(user, from, now.plus(FEED_AHEAD))
            .await
            .map_err(store_error)?;
        self.calendar(FEED_NAME.to_owned(), interactions, now).await
    }

    /// Gives the caller (a staff user) a new calendar feed token; the old
    /// one stops working. The caller keeps the token, the store only its hash.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn rotate_calendar_feed(
        &self,
        caller: &Principal,
    ) -> Result<FeedToken, InteractionError> {
        let user = caller.user_id().ok_or(InteractionError::Forbidden)?;
        let (token, hash) = self.ports.feed_tokens.generate();
        self.ports
            .feeds
            .set_feed_token(user, hash.as_str())
            .await
            .map_err(store_error)?;
        info!("calendar feed token replaced");
        Ok(token)
    }

    /// The calendar of `interactions` with every staff user among their
    /// organizers and attendees looked up at once.
    async fn calendar(
        &self,
        name: String,
        interactions: Vec<Interaction>,
        now: Timestamp,
    ) -> Result<CalendarView, InteractionError> {
        let ids: Vec<UserId> = interactions
            .iter()
            .flat_map(staff_ids)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let contacts = if ids.is_empty() {
            Vec::new()
        } else {
            self.ports
                .staff
                .staff_contacts(&ids)
                .await
                .map_err(store_error)?
        };
        let people: HashMap<UserId, StaffContact> =
            contacts.into_iter().map(|c| (c.id, c)).collect();
        let entries = interactions
            .into_iter()
            .map(|interaction| entry(interaction, &people))
            .collect();
        Ok(CalendarView { name, entries, now })
    }
}

/// The organizer and staff attendees of an interaction.
fn staff_ids(interaction: &Interaction) -> impl Iterator<Item = UserId> + '_ {
    interaction
        .organizer_id
        .into_iter()
        .chain(interaction.attendees.iter().filter_map(|a| match a {
            Attendee::Staff(id) => Some(*id),
            Attendee::Email(_) => None,
        }))
}

/// An interaction with its people resolved from `people`.
fn entry(interaction: Interaction, people: &HashMap<UserId, StaffContact>) -> CalendarEntry {
    let staff = |id: &UserId| {
        people.get(id).map(|contact| Participant {
            name: Some(contact.name.clone()),
            email: contact.email.clone(),
        })
    };
    let organizer = interaction.organizer_id.as_ref().and_then(staff);
    let attendees = interaction
        .attendees
        .iter()
        .filter_map(|attendee| match attendee {
            Attendee::Staff(id) => staff(id),
            Attendee::Email(email) => Some(Participant {
                name: None,
                email: email.to_string(),
            }),
        })
        .collect();
    CalendarEntry {
        interaction,
        organizer,
        attendees,
    }
}

/// A duration in whole milliseconds.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
