//! How tickets, their events and their comments are stored and read back.

use crm_kernel::{CommentId, CustomerId, LongText, TicketId, UserId};
use crm_tickets::{Channel, Comment, Priority, Subject, Ticket, TicketEvent, TicketStatus};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{
    Fields, date, new_record_id, opt_date, opt_id, opt_text, principal_fields, stored_version,
};
use crate::db::error::CorruptData;
use crate::db::names;

/// Separates the subject from the issue in `search_text`: a control
/// character that neither can hold, so a match never spans both.
pub(crate) const SEARCH_SEPARATOR: char = '\u{1f}';

/// The subject, the separator and the issue, lower-cased (Unicode): what
/// the case-insensitive text filter of the list searches.
pub(crate) fn search_text(subject: &Subject, issue: &LongText) -> String {
    format!(
        "{}{SEARCH_SEPARATOR}{}",
        subject.as_str().to_lowercase(),
        issue.as_str().to_lowercase()
    )
}

/// A number of seconds as stored.
fn stored_seconds(seconds: Option<u64>) -> Bson {
    // Durations of tickets never reach 2^63 seconds.
    seconds.map_or(Bson::Null, |s| {
        Bson::Int64(i64::try_from(s).unwrap_or(i64::MAX))
    })
}

/// Every field of a ticket but `_id` and the copies of its customer's
/// company and owner. `priority_rank` (low 0 … urgent 3) is what the
/// priority sort orders by.
pub(crate) fn ticket_fields(ticket: &Ticket) -> Document {
    doc! {
        "customer_id": ticket.customer_id.to_string(),
        "subject": ticket.subject.as_str(),
        "issue": ticket.issue.as_str(),
        "search_text": search_text(&ticket.subject, &ticket.issue),
        "status": ticket.status.as_str(),
        "priority": ticket.priority.as_str(),
        "priority_rank": i32::from(ticket.priority.rank()),
        "assignee_id": opt_id(ticket.assignee_id),
        "channel": ticket.channel.as_str(),
        "created_at": date(ticket.created_at),
        "updated_at": date(ticket.updated_at),
        "first_response_at": opt_date(ticket.first_response_at),
        "resolved_at": opt_date(ticket.resolved_at),
        "closed_at": opt_date(ticket.closed_at),
        "first_response_seconds": stored_seconds(ticket.first_response_seconds),
        "resolution_seconds": stored_seconds(ticket.resolution_seconds),
        "version": stored_version(ticket.version),
    }
}

/// The document of a new ticket, with the copies of its customer's company
/// and owner (taken from the customer in the same transaction).
pub(crate) fn ticket_document(ticket: &Ticket, company: Bson, owner: Bson) -> Document {
    let mut document = doc! { "_id": ticket.id.to_string() };
    document.extend(ticket_fields(ticket));
    document.insert("customer_company_id", company);
    document.insert("customer_owner_id", owner);
    document
}

fn seconds(fields: &Fields<'_>, field: &'static str) -> Result<Option<u64>, CorruptData> {
    fields
        .opt_int(field)?
        .map(|n| {
            u64::try_from(n)
                .map_err(|_| fields.corrupt(field, format!("`{n}` is not a number of seconds")))
        })
        .transpose()
}

/// The domain ticket of a stored document.
pub(crate) fn read_ticket(document: &Document) -> Result<Ticket, CorruptData> {
    let fields = Fields::of(names::TICKETS, document);
    Ok(Ticket {
        id: fields.parse("_id", TicketId::parse)?,
        customer_id: fields.parse("customer_id", CustomerId::parse)?,
        subject: fields.parse("subject", Subject::parse)?,
        issue: fields.parse("issue", LongText::parse)?,
        status: fields.named("status", TicketStatus::parse)?,
        priority: fields.named("priority", Priority::parse)?,
        assignee_id: fields.opt_parse("assignee_id", UserId::parse)?,
        channel: fields.named("channel", Channel::parse)?,
        created_at: fields.time("created_at")?,
        updated_at: fields.time("updated_at")?,
        first_response_at: fields.opt_time("first_response_at")?,
        resolved_at: fields.opt_time("resolved_at")?,
        closed_at: fields.opt_time("closed_at")?,
        first_response_seconds: seconds(&fields, "first_response_seconds")?,
        resolution_seconds: seconds(&fields, "resolution_seconds")?,
        version: fields.version()?,
    })
}

/// The document of an event (a new time-ordered `_id`).
pub(crate) fn event_document(event: &TicketEvent) -> Document {
    let (actor_kind, actor_id) = principal_fields(event.actor);
    doc! {
        "_id": new_record_id(),
        "ticket_id": event.ticket_id.to_string(),
        "from": opt_text(event.from.map(TicketStatus::as_str)),
        "to": event.to.as_str(),
        "at": date(event.at),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
    }
}

/// The document of `event` of `ticket`, with what reports read with it: the
/// ticket's customer and that customer's `company` and `owner` (copies,
/// rewritten with the customer), and when the ticket was raised (a
/// resolution's duration runs from then).
pub(crate) fn report_event_document(
    event: &TicketEvent,
    ticket: &Ticket,
    company: Bson,
    owner: Bson,
) -> Document {
    let mut document = event_document(event);
    document.insert("customer_id", ticket.customer_id.to_string());
    document.insert("customer_company_id", company);
    document.insert("customer_owner_id", owner);
    document.insert("ticket_created_at", date(ticket.created_at));
    document
}

/// A stored event.
pub(crate) fn read_event(document: &Document) -> Result<TicketEvent, CorruptData> {
    let fields = Fields::of(names::TICKET_EVENTS, document);
    Ok(TicketEvent {
        ticket_id: fields.parse("ticket_id", TicketId::parse)?,
        from: fields.opt_named("from", TicketStatus::parse)?,
        to: fields.named("to", TicketStatus::parse)?,
        at: fields.time("at")?,
        actor: fields.principal("actor_kind", "actor_id")?,
    })
}

/// The document of a comment.
pub(crate) fn comment_document(comment: &Comment) -> Document {
    let (author_kind, author_id) = principal_fields(comment.author);
    doc! {
        "_id": comment.id.to_string(),
        "ticket_id": comment.ticket_id.to_string(),
        "author_kind": author_kind,
        "author_id": author_id,
        "body": comment.body.as_str(),
        "internal": comment.internal,
        "created_at": date(comment.created_at),
    }
}

/// A stored comment.
pub(crate) fn read_comment(document: &Document) -> Result<Comment, CorruptData> {
    let fields = Fields::of(names::TICKET_COMMENTS, document);
    Ok(Comment {
        id: fields.parse("_id", CommentId::parse)?,
        ticket_id: fields.parse("ticket_id", TicketId::parse)?,
        author: fields.principal("author_kind", "author_id")?,
        body: fields.parse("body", LongText::parse)?,
        internal: fields.flag("internal")?,
        created_at: fields.time("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use crm_kernel::{PrincipalId, Timestamp, Version};

    use super::*;

    fn ticket() -> Ticket {
        let at = Timestamp::from_millis(1_000).unwrap();
        Ticket {
            id: TicketId::new(),
            customer_id: CustomerId::new(),
            subject: Subject::parse("Ünicode PRINTER").unwrap(),
            issue: LongText::parse("It Is ON fire").unwrap(),
            status: TicketStatus::Resolved,
            priority: Priority::High,
            assignee_id: Some(UserId::new()),
            channel: Channel::Portal,
            created_at: at,
            updated_at: at,
            first_response_at: Some(at),
            resolved_at: Some(at),
            closed_at: None,
            first_response_seconds: Some(3),
            resolution_seconds: Some(0),
            version: Version::new(4),
        }
    }

    #[test]
    fn tickets_round_trip_with_their_search_text_and_rank() {
        let ticket = ticket();
        let document = ticket_document(&ticket, Bson::Null, Bson::String("owner".into()));
        assert_eq!(
            document.get_str("search_text").unwrap(),
            "ünicode printer\u{1f}it is on fire"
        );
        assert_eq!(document.get_i32("priority_rank").unwrap(), 2);
        assert_eq!(document.get_str("customer_owner_id").unwrap(), "owner");
        assert_eq!(read_ticket(&document).unwrap(), ticket);
        let mut negative = document;
        negative.insert("resolution_seconds", -1_i64);
        assert!(read_ticket(&negative).is_err());
    }

    #[test]
    fn events_and_comments_round_trip() {
        let at = Timestamp::from_millis(0).unwrap();
        let event = TicketEvent {
            ticket_id: TicketId::new(),
            from: Some(TicketStatus::Open),
            to: TicketStatus::InProgress,
            at,
            actor: PrincipalId::User(UserId::new()),
        };
        assert_eq!(read_event(&event_document(&event)).unwrap(), event);
        let comment = Comment {
            id: CommentId::new(),
            ticket_id: event.ticket_id,
            author: PrincipalId::Customer(CustomerId::new()),
            body: LongText::parse("Thanks!").unwrap(),
            internal: true,
            created_at: at,
        };
        assert_eq!(read_comment(&comment_document(&comment)).unwrap(), comment);
    }
}
