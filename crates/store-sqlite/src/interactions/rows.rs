//! How an interaction is stored and read: the values of its columns, its
//! attendees, and their parsing back into a domain [`Interaction`] through
//! the domain constructors.

use crm_interactions::{
    Attendee, Interaction, InteractionKind, InteractionStatus, MeetingUrl, TimeZone,
};
use crm_kernel::{CustomerId, EmailAddress, InteractionId, LongText, ShortText, UserId};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use crate::db::error::InteractionDbError;
use crate::db::row_update::RowUpdate;
use crate::db::rows::{self, CorruptData, decode, decode_opt};
use crate::db::rows::{stored_version, version};

/// The separator of attendees in the attendees column of
/// [`INTERACTION_COLUMNS`]: a control character that neither an id nor an
/// email address can hold.
const ATTENDEE_SEPARATOR: char = '\u{1f}';

/// The columns of an interaction, on `interactions i`, in [`InteractionRow`]'s
/// order. The attendees come as one text: each `<position>:u<user id>` or
/// `<position>:e<email>`, separated by [`ATTENDEE_SEPARATOR`] (U+001F), in
/// no order ([`rows::in_position_order`] sorts them).
pub(crate) const INTERACTION_COLUMNS: &str = "i.id, i.customer_id, i.kind, i.date_time, \
     i.end_time, i.time_zone, i.location, i.meeting_url, i.description, i.outcome, \
     i.organizer_id, \
     (SELECT group_concat(a.position || ':' || CASE WHEN a.user_id IS NOT NULL \
                               THEN 'u' || a.user_id ELSE 'e' || a.email END, char(31)) \
        FROM interaction_attendees a WHERE a.interaction_id = i.id), \
     i.status, i.created_at, i.updated_at, i.version";

/// How many columns [`INTERACTION_COLUMNS`] has.
pub(crate) const INTERACTION_COLUMN_COUNT: usize = 16;

/// Every stored column of an interaction, bound as `?1`…`?15` in [`columns`]' order.
pub(crate) const INSERT_INTERACTION: &str = "INSERT INTO interactions \
     (id, customer_id, kind, date_time, end_time, time_zone, location, meeting_url, \
      description, outcome, organizer_id, status, created_at, updated_at, version) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/// The same columns but the id, for [`RowUpdate`]: an update names only
/// those whose value changed, and changes only an interaction still at the
/// expected version.
pub(crate) const INTERACTION_ROW: RowUpdate = RowUpdate {
    table: "interactions",
    columns: &[
        "customer_id",
        "kind",
        "date_time",
        "end_time",
        "time_zone",
        "location",
        "meeting_url",
        "description",
        "outcome",
        "organizer_id",
        "status",
        "created_at",
        "updated_at",
        "version",
    ],
};

/// The stored values of `interaction`, in the order of [`INSERT_INTERACTION`].
pub(crate) fn columns(interaction: &Interaction) -> Vec<Value> {
    let text = |value: &str| Value::Text(value.to_owned());
    let optional = |value: Option<&str>| value.map_or(Value::Null, |v| Value::Text(v.to_owned()));
    vec![
        Value::Text(interaction.id.to_string()),
        Value::Text(interaction.customer_id.to_string()),
        text(interaction.kind.as_str()),
        Value::Text(interaction.date_time.to_rfc3339()),
        interaction
            .end_time
            .map_or(Value::Null, |at| Value::Text(at.to_rfc3339())),
        text(interaction.time_zone.name()),
        optional(interaction.location.as_ref().map(ShortText::as_str)),
        optional(interaction.meeting_url.as_ref().map(MeetingUrl::as_str)),
        text(interaction.description.as_str()),
        optional(interaction.outcome.as_ref().map(LongText::as_str)),
        interaction
            .organizer_id
            .map_or(Value::Null, |id| Value::Text(id.to_string())),
        text(interaction.status.as_str()),
        Value::Text(interaction.created_at.to_rfc3339()),
        Value::Text(interaction.updated_at.to_rfc3339()),
        Value::Integer(stored_version(interaction.version)),
    ]
}

/// Stores the attendees of `interaction`, in order (after the old ones, if
/// any, were deleted).
pub(crate) fn write_attendees(
    conn: &Connection,
    interaction: &Interaction,
) -> Result<(), InteractionDbError> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO interaction_attendees (interaction_id, position, user_id, email) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let id = interaction.id.to_string();
    for (position, attendee) in (0_i64..).zip(&interaction.attendees) {
        let (user, email) = match attendee {
            Attendee::Staff(user) => (Some(user.to_string()), None),
            Attendee::Email(email) => (None, Some(email.as_str())),
        };
        statement.execute(params![id, position, user, email])?;
    }
    Ok(())
}

/// Parses a stored interaction kind.
pub(crate) fn kind(column: &'static str, text: &str) -> Result<InteractionKind, CorruptData> {
    decode(column, text, |text| {
        InteractionKind::parse(text).ok_or_else(|| format!("unknown interaction kind `{text}`"))
    })
}

/// Parses a stored interaction status.
pub(crate) fn status(column: &'static str, text: &str) -> Result<InteractionStatus, CorruptData> {
    decode(column, text, |text| {
        InteractionStatus::parse(text).ok_or_else(|| format!("unknown interaction status `{text}`"))
    })
}

/// Parses the attendees column of [`INTERACTION_COLUMNS`] (NULL: none).
fn attendees(text: Option<&str>) -> Result<Vec<Attendee>, CorruptData> {
    const COLUMN: &str = "interaction_attendees";
    rows::in_position_order(COLUMN, text, ATTENDEE_SEPARATOR)?
        .into_iter()
        .map(|entry| match entry.split_at_checked(1) {
            Some(("u", id)) => decode(COLUMN, id, UserId::parse).map(Attendee::Staff),
            Some(("e", email)) => decode(COLUMN, email, EmailAddress::parse).map(Attendee::Email),
            _ => Err(CorruptData::new(
                COLUMN,
                format!("`{entry}` is no attendee"),
            )),
        })
        .collect()
}

/// An interaction as stored, in the order of [`INTERACTION_COLUMNS`].
#[derive(Debug)]
pub(crate) struct InteractionRow {
    id: String,
    customer_id: String,
    kind: String,
    date_time: String,
    end_time: Option<String>,
    time_zone: String,
    location: Option<String>,
    meeting_url: Option<String>,
    description: String,
    outcome: Option<String>,
    organizer_id: Option<String>,
    attendees: Option<String>,
    status: String,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl InteractionRow {
    /// Reads the columns of [`INTERACTION_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Self::read_at(row, 0)
    }

    /// Reads the columns of [`INTERACTION_COLUMNS`] starting at column `first`.
    pub(crate) fn read_at(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(first)?,
            customer_id: row.get(first + 1)?,
            kind: row.get(first + 2)?,
            date_time: row.get(first + 3)?,
            end_time: row.get(first + 4)?,
            time_zone: row.get(first + 5)?,
            location: row.get(first + 6)?,
            meeting_url: row.get(first + 7)?,
            description: row.get(first + 8)?,
            outcome: row.get(first + 9)?,
            organizer_id: row.get(first + 10)?,
            attendees: row.get(first + 11)?,
            status: row.get(first + 12)?,
            created_at: row.get(first + 13)?,
            updated_at: row.get(first + 14)?,
            version: row.get(first + 15)?,
        })
    }

    /// The domain interaction, every field parsed by its own constructor.
    pub(crate) fn into_interaction(self) -> Result<Interaction, CorruptData> {
        Ok(Interaction {
            id: decode("interactions.id", &self.id, InteractionId::parse)?,
            customer_id: decode(
                "interactions.customer_id",
                &self.customer_id,
                CustomerId::parse,
            )?,
            kind: kind("interactions.kind", &self.kind)?,
            date_time: rows::timestamp("interactions.date_time", &self.date_time)?,
            end_time: rows::timestamp_opt("interactions.end_time", self.end_time.as_deref())?,
            time_zone: decode("interactions.time_zone", &self.time_zone, TimeZone::parse)?,
            location: decode_opt(
                "interactions.location",
                self.location.as_deref(),
                ShortText::parse,
            )?,
            meeting_url: decode_opt(
                "interactions.meeting_url",
                self.meeting_url.as_deref(),
                MeetingUrl::parse,
            )?,
            description: decode(
                "interactions.description",
                &self.description,
                LongText::parse,
            )?,
            outcome: decode_opt(
                "interactions.outcome",
                self.outcome.as_deref(),
                LongText::parse,
            )?,
            organizer_id: decode_opt(
                "interactions.organizer_id",
                self.organizer_id.as_deref(),
                UserId::parse,
            )?,
            attendees: attendees(self.attendees.as_deref())?,
            status: status("interactions.status", &self.status)?,
            created_at: rows::timestamp("interactions.created_at", &self.created_at)?,
            updated_at: rows::timestamp("interactions.updated_at", &self.updated_at)?,
            version: version("interactions.version", self.version)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{Timestamp, Version};

    use super::*;

    #[test]
    fn attendees_parse_in_order_and_bad_ones_are_corrupt_data() {
        let user = UserId::new();
        let text = format!("1:eann@example.test\u{1f}0:u{user}");
        assert_eq!(
            attendees(Some(&text)).unwrap(),
            vec![
                Attendee::Staff(user),
                Attendee::Email(EmailAddress::parse("ann@example.test").unwrap())
            ]
        );
        assert_eq!(attendees(None).unwrap(), Vec::new());
        assert!(attendees(Some("0:x123")).is_err());
        assert!(attendees(Some("")).is_err());
        assert!(attendees(Some("0:unot-an-id")).is_err());
        assert!(attendees(Some("0:enot an email")).is_err());
        assert!(attendees(Some("eann@example.test")).is_err(), "no position");
    }

    #[test]
    fn bad_values_are_corrupt_data() {
        assert!(kind("x", "lunch").is_err());
        assert_eq!(kind("x", "note").unwrap(), InteractionKind::Note);
        assert!(status("x", "done").is_err());
        assert_eq!(status("x", "no_show").unwrap(), InteractionStatus::NoShow);
    }

    #[test]
    fn columns_bind_one_value_per_placeholder() {
        let count = |sql: &str| (1..=30).filter(|n| sql.contains(&format!("?{n}"))).count();
        let at = Timestamp::from_millis(0).unwrap();
        let interaction = Interaction {
            id: InteractionId::new(),
            customer_id: CustomerId::new(),
            kind: InteractionKind::Call,
            date_time: at,
            end_time: None,
            time_zone: TimeZone::UTC,
            location: None,
            meeting_url: None,
            description: LongText::parse("d").unwrap(),
            outcome: None,
            organizer_id: None,
            attendees: Vec::new(),
            status: InteractionStatus::Scheduled,
            created_at: at,
            updated_at: at,
            version: Version::FIRST,
        };
        let values = columns(&interaction);
        assert_eq!(values.len(), count(INSERT_INTERACTION));
        let listed = format!("(id, {})", INTERACTION_ROW.columns.join(", "));
        assert!(
            INSERT_INTERACTION.contains(&listed),
            "the update's columns are the insert's, in its order"
        );
        assert_eq!(values[2], Value::Text("call".into()));
        assert_eq!(values[5], Value::Text("UTC".into()));
    }
}
