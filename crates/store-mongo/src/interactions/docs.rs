//! How an interaction is stored and read back.

use crm_interactions::{
    Attendee, Interaction, InteractionKind, InteractionStatus, MeetingUrl, TimeZone,
};
use crm_kernel::{CustomerId, EmailAddress, InteractionId, LongText, ShortText, UserId};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, date, opt_date, opt_id, opt_text, stored_version};
use crate::db::error::CorruptData;
use crate::db::names;

/// The attendees, in their order: `{user_id}` for staff, `{email}` for others.
fn attendees(interaction: &Interaction) -> Vec<Document> {
    interaction
        .attendees
        .iter()
        .map(|attendee| match attendee {
            Attendee::Staff(id) => doc! { "user_id": id.to_string() },
            Attendee::Email(email) => doc! { "email": email.as_str() },
        })
        .collect()
}

/// The staff users an interaction names: its organizer and staff attendees.
pub(crate) fn staff_of(interaction: &Interaction) -> Vec<UserId> {
    let mut staff: Vec<UserId> = interaction.organizer_id.into_iter().collect();
    for attendee in &interaction.attendees {
        if let Attendee::Staff(id) = attendee
            && !staff.contains(id)
        {
            staff.push(*id);
        }
    }
    staff
}

/// Every field of an interaction but `_id` and the copies of its
/// customer's company, owner and erasure.
pub(crate) fn interaction_fields(interaction: &Interaction) -> Document {
    doc! {
        "customer_id": interaction.customer_id.to_string(),
        "kind": interaction.kind.as_str(),
        "date_time": date(interaction.date_time),
        "end_time": opt_date(interaction.end_time),
        "time_zone": interaction.time_zone.name(),
        "location": opt_text(interaction.location.as_ref().map(ShortText::as_str)),
        "meeting_url": opt_text(interaction.meeting_url.as_ref().map(MeetingUrl::as_str)),
        "description": interaction.description.as_str(),
        "outcome": opt_text(interaction.outcome.as_ref().map(LongText::as_str)),
        "organizer_id": opt_id(interaction.organizer_id),
        "attendees": attendees(interaction),
        "status": interaction.status.as_str(),
        "created_at": date(interaction.created_at),
        "updated_at": date(interaction.updated_at),
        "version": stored_version(interaction.version),
    }
}

/// The copies an interaction keeps of its customer (of a customer that is
/// not erased: interactions are only written for those).
pub(crate) fn customer_copies(company: Bson, owner: Bson) -> Document {
    doc! {
        "customer_company_id": company,
        "customer_owner_id": owner,
        "customer_erased": false,
    }
}

/// The document of a new interaction with the copies of its customer.
pub(crate) fn interaction_document(interaction: &Interaction, copies: Document) -> Document {
    let mut document = doc! { "_id": interaction.id.to_string() };
    document.extend(interaction_fields(interaction));
    document.extend(copies);
    document
}

fn read_attendee(fields: &Fields<'_>, attendee: &Document) -> Result<Attendee, CorruptData> {
    let one = Fields::of(names::INTERACTIONS, attendee);
    match (one.opt_text("user_id")?, one.opt_text("email")?) {
        (Some(id), None) => UserId::parse(id)
            .map(Attendee::Staff)
            .map_err(|error| fields.corrupt("attendees", error)),
        (None, Some(email)) => EmailAddress::parse(email)
            .map(Attendee::Email)
            .map_err(|error| fields.corrupt("attendees", error)),
        _ => Err(fields.corrupt("attendees", "an attendee is a user id or an email")),
    }
}

/// The domain interaction of a stored document.
pub(crate) fn read_interaction(document: &Document) -> Result<Interaction, CorruptData> {
    let fields = Fields::of(names::INTERACTIONS, document);
    Ok(Interaction {
        id: fields.parse("_id", InteractionId::parse)?,
        customer_id: fields.parse("customer_id", CustomerId::parse)?,
        kind: fields.named("kind", InteractionKind::parse)?,
        date_time: fields.time("date_time")?,
        end_time: fields.opt_time("end_time")?,
        time_zone: fields.parse("time_zone", TimeZone::parse)?,
        location: fields.opt_parse("location", ShortText::parse)?,
        meeting_url: fields.opt_parse("meeting_url", MeetingUrl::parse)?,
        description: fields.parse("description", LongText::parse)?,
        outcome: fields.opt_parse("outcome", LongText::parse)?,
        organizer_id: fields.opt_parse("organizer_id", UserId::parse)?,
        attendees: fields
            .documents("attendees")?
            .into_iter()
            .map(|attendee| read_attendee(&fields, attendee))
            .collect::<Result<_, _>>()?,
        status: fields.named("status", InteractionStatus::parse)?,
        created_at: fields.time("created_at")?,
        updated_at: fields.time("updated_at")?,
        version: fields.version()?,
    })
}

#[cfg(test)]
mod tests {
    use crm_kernel::{Timestamp, Version};

    use super::*;

    fn interaction() -> Interaction {
        let at = Timestamp::from_millis(3_600_000).unwrap();
        let staff = UserId::new();
        Interaction {
            id: InteractionId::new(),
            customer_id: CustomerId::new(),
            kind: InteractionKind::Call,
            date_time: at,
            end_time: None,
            time_zone: TimeZone::parse("Europe/Berlin").unwrap(),
            location: None,
            meeting_url: Some(MeetingUrl::parse("https://meet.example.com/x").unwrap()),
            description: LongText::parse("Call back.").unwrap(),
            outcome: None,
            organizer_id: Some(staff),
            attendees: vec![
                Attendee::Email(EmailAddress::parse("guest@example.test").unwrap()),
                Attendee::Staff(staff),
                Attendee::Staff(UserId::new()),
            ],
            status: InteractionStatus::Scheduled,
            created_at: at,
            updated_at: at,
            version: Version::FIRST,
        }
    }

    #[test]
    fn interactions_round_trip_with_attendees_in_order() {
        let interaction = interaction();
        let document = interaction_document(&interaction, customer_copies(Bson::Null, Bson::Null));
        assert_eq!(
            document.get_array("attendees").unwrap()[0],
            Bson::Document(doc! { "email": "guest@example.test" })
        );
        assert!(!document.get_bool("customer_erased").unwrap());
        assert_eq!(read_interaction(&document).unwrap(), interaction);
        assert_eq!(staff_of(&interaction).len(), 2, "each staff user once");
    }

    #[test]
    fn an_attendee_is_a_user_or_an_email() {
        let mut document =
            interaction_document(&interaction(), customer_copies(Bson::Null, Bson::Null));
        document.insert("attendees", vec![doc! { "user_id": "x", "email": "a@b.c" }]);
        assert!(read_interaction(&document).is_err());
    }
}
