//! How a ticket is stored and read: the values of its columns, and their
//! parsing back into a domain [`Ticket`] through the domain constructors.

use crm_kernel::{CustomerId, LongText, TicketId, UserId};
use crm_tickets::{Channel, Priority, Subject, Ticket, TicketStatus};
use rusqlite::Row;
use rusqlite::types::Value;

use crate::db::row_update::RowUpdate;
use crate::db::rows::{self, CorruptData, decode, decode_opt};
use crate::db::rows::{stored_version, version};

/// The columns of a ticket, on `tickets t`, in [`TicketRow`]'s order.
pub(crate) const TICKET_COLUMNS: &str = "t.id, t.customer_id, t.subject, t.issue, t.status, \
     t.priority, t.assignee_id, t.channel, t.created_at, t.updated_at, t.first_response_at, \
     t.resolved_at, t.closed_at, t.first_response_seconds, t.resolution_seconds, t.version";

/// How many columns [`TICKET_COLUMNS`] has.
pub(crate) const TICKET_COLUMN_COUNT: usize = 16;

/// Every stored column of a ticket, bound as `?1`…`?18` in [`columns`]' order.
pub(crate) const INSERT_TICKET: &str = "INSERT INTO tickets \
     (id, customer_id, subject, issue, search_text, status, priority, priority_rank, \
      assignee_id, channel, created_at, updated_at, first_response_at, resolved_at, closed_at, \
      first_response_seconds, resolution_seconds, version) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

/// The same columns but the id, for [`RowUpdate`]: an update names only
/// those whose value changed, and changes only a ticket still at the
/// expected version.
pub(crate) const TICKET_ROW: RowUpdate = RowUpdate {
    table: "tickets",
    columns: &[
        "customer_id",
        "subject",
        "issue",
        "search_text",
        "status",
        "priority",
        "priority_rank",
        "assignee_id",
        "channel",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "first_response_seconds",
        "resolution_seconds",
        "version",
    ],
};

/// The separator of subject and issue in `tickets.search_text`: a control
/// character that neither a subject nor an issue may hold.
pub(crate) const SEARCH_SEPARATOR: char = '\u{1f}';

/// What the text filter of the list matches: the subject and the issue,
/// lower-cased (Unicode), apart.
pub(crate) fn search_text(subject: &Subject, issue: &LongText) -> String {
    format!(
        "{}{SEARCH_SEPARATOR}{}",
        subject.as_str().to_lowercase(),
        issue.as_str().to_lowercase()
    )
}

/// The stored values of `ticket`, in the order of [`INSERT_TICKET`].
pub(crate) fn columns(ticket: &Ticket) -> Vec<Value> {
    let text = |value: &str| Value::Text(value.to_owned());
    let optional = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    let seconds =
        |value: Option<u64>| value.map_or(Value::Null, |s| Value::Integer(stored_seconds(s)));
    vec![
        Value::Text(ticket.id.to_string()),
        Value::Text(ticket.customer_id.to_string()),
        text(ticket.subject.as_str()),
        text(ticket.issue.as_str()),
        Value::Text(search_text(&ticket.subject, &ticket.issue)),
        text(ticket.status.as_str()),
        text(ticket.priority.as_str()),
        Value::Integer(i64::from(ticket.priority.rank())),
        optional(ticket.assignee_id.map(|id| id.to_string())),
        text(ticket.channel.as_str()),
        Value::Text(ticket.created_at.to_rfc3339()),
        Value::Text(ticket.updated_at.to_rfc3339()),
        optional(ticket.first_response_at.map(|at| at.to_rfc3339())),
        optional(ticket.resolved_at.map(|at| at.to_rfc3339())),
        optional(ticket.closed_at.map(|at| at.to_rfc3339())),
        seconds(ticket.first_response_seconds),
        seconds(ticket.resolution_seconds),
        Value::Integer(stored_version(ticket.version)),
    ]
}

/// A number of seconds as stored (SQLite integers are signed).
fn stored_seconds(seconds: u64) -> i64 {
    // Durations of tickets never reach 2^63 seconds.
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

/// A stored number of seconds; negative ones are corrupt.
fn seconds(column: &'static str, stored: Option<i64>) -> Result<Option<u64>, CorruptData> {
    stored
        .map(|n| {
            u64::try_from(n)
                .map_err(|_| CorruptData::new(column, format!("`{n}` is not a number of seconds")))
        })
        .transpose()
}

/// Parses a stored ticket status.
pub(crate) fn status(column: &'static str, text: &str) -> Result<TicketStatus, CorruptData> {
    decode(column, text, |text| {
        TicketStatus::parse(text).ok_or_else(|| format!("unknown ticket status `{text}`"))
    })
}

/// Parses a stored priority.
fn priority(text: &str) -> Result<Priority, CorruptData> {
    decode("tickets.priority", text, |text| {
        Priority::parse(text).ok_or_else(|| format!("unknown priority `{text}`"))
    })
}

/// Parses a stored channel.
fn channel(text: &str) -> Result<Channel, CorruptData> {
    decode("tickets.channel", text, |text| {
        Channel::parse(text).ok_or_else(|| format!("unknown channel `{text}`"))
    })
}

/// A ticket as stored, in the order of [`TICKET_COLUMNS`].
#[derive(Debug)]
pub(crate) struct TicketRow {
    id: String,
    customer_id: String,
    subject: String,
    issue: String,
    status: String,
    priority: String,
    assignee_id: Option<String>,
    channel: String,
    created_at: String,
    updated_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    first_response_seconds: Option<i64>,
    resolution_seconds: Option<i64>,
    version: i64,
}

impl TicketRow {
    /// Reads the columns of [`TICKET_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            customer_id: row.get(1)?,
            subject: row.get(2)?,
            issue: row.get(3)?,
            status: row.get(4)?,
            priority: row.get(5)?,
            assignee_id: row.get(6)?,
            channel: row.get(7)?,
            created_at: row.get(8)?,
            updated_at: row.get(9)?,
            first_response_at: row.get(10)?,
            resolved_at: row.get(11)?,
            closed_at: row.get(12)?,
            first_response_seconds: row.get(13)?,
            resolution_seconds: row.get(14)?,
            version: row.get(15)?,
        })
    }

    /// The domain ticket, every field parsed by its own constructor.
    pub(crate) fn into_ticket(self) -> Result<Ticket, CorruptData> {
        Ok(Ticket {
            id: decode("tickets.id", &self.id, TicketId::parse)?,
            customer_id: decode("tickets.customer_id", &self.customer_id, CustomerId::parse)?,
            subject: decode("tickets.subject", &self.subject, Subject::parse)?,
            issue: decode("tickets.issue", &self.issue, LongText::parse)?,
            status: status("tickets.status", &self.status)?,
            priority: priority(&self.priority)?,
            assignee_id: decode_opt(
                "tickets.assignee_id",
                self.assignee_id.as_deref(),
                UserId::parse,
            )?,
            channel: channel(&self.channel)?,
            created_at: rows::timestamp("tickets.created_at", &self.created_at)?,
            updated_at: rows::timestamp("tickets.updated_at", &self.updated_at)?,
            first_response_at: rows::timestamp_opt(
                "tickets.first_response_at",
                self.first_response_at.as_deref(),
            )?,
            resolved_at: rows::timestamp_opt("tickets.resolved_at", self.resolved_at.as_deref())?,
            closed_at: rows::timestamp_opt("tickets.closed_at", self.closed_at.as_deref())?,
            first_response_seconds: seconds(
                "tickets.first_response_seconds",
                self.first_response_seconds,
            )?,
            resolution_seconds: seconds("tickets.resolution_seconds", self.resolution_seconds)?,
            version: version("tickets.version", self.version)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_lower_cased_and_keeps_subject_and_issue_apart() {
        let subject = Subject::parse("Ünicode PRINTER").unwrap();
        let issue = LongText::parse("It Is ON fire").unwrap();
        assert_eq!(
            search_text(&subject, &issue),
            "ünicode printer\u{1f}it is on fire"
        );
    }

    #[test]
    fn bad_values_are_corrupt_data() {
        assert!(status("x", "pending").is_err());
        assert_eq!(
            status("x", "in_progress").unwrap(),
            TicketStatus::InProgress
        );
        assert!(priority("critical").is_err());
        assert!(channel("fax").is_err());
        assert!(seconds("x", Some(-1)).is_err());
        assert_eq!(seconds("x", Some(5)).unwrap(), Some(5));
        assert_eq!(seconds("x", None).unwrap(), None);
    }

    #[test]
    fn columns_bind_one_value_per_placeholder() {
        let count = |sql: &str| (1..=30).filter(|n| sql.contains(&format!("?{n}"))).count();
        let at = crm_kernel::Timestamp::from_millis(0).unwrap();
        let ticket = Ticket {
            id: TicketId::new(),
            customer_id: CustomerId::new(),
            subject: Subject::parse("s").unwrap(),
            issue: LongText::parse("i").unwrap(),
            status: TicketStatus::Open,
            priority: Priority::High,
            assignee_id: None,
            channel: Channel::Api,
            created_at: at,
            updated_at: at,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            first_response_seconds: Some(3),
            resolution_seconds: None,
            version: crm_kernel::Version::FIRST,
        };
        let values = columns(&ticket);
        assert_eq!(values.len(), count(INSERT_TICKET));
        let listed = format!("(id, {})", TICKET_ROW.columns.join(", "));
        assert!(
            INSERT_TICKET.contains(&listed),
            "the update's columns are the insert's, in its order"
        );
        assert_eq!(values[7], Value::Integer(2), "the rank of `high`");
        assert_eq!(values[15], Value::Integer(3));
    }
}
