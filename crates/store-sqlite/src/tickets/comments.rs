//! Comments on tickets: `ticket_comments`, written (with the ticket's first
//! response, when it is one) in one transaction and read oldest first in
//! keyset pages on (created_at, id).

use crm_kernel::{CommentId, LongText, Page, PageRequest, SortDirection, TicketId};
use crm_tickets::ports::StoreError;
use crm_tickets::{Comment, FirstResponse};
use rusqlite::{Connection, Row, params};

use crate::db::error::TicketDbError;
use crate::db::rows::{self, CorruptData, decode};
use crate::sql::{Filter, Order, PageSelect, Start, keyed_page};
use crate::tickets::writes;

/// Stores `comment`; with `answer`, records it as the ticket's first
/// response unless one as early or earlier is recorded
/// (`Ticket::with_first_response`). No version is checked: a comment is
/// never refused because the ticket changed, and of concurrent answers the
/// earliest stays the first response, whatever order they commit in.
///
/// Refuses with [`StoreError::NotFound`] when the ticket does not exist;
/// the caller's transaction then rolls back, so nothing is stored.
pub(crate) fn add(
    conn: &Connection,
    comment: &Comment,
    answer: Option<FirstResponse>,
) -> Result<(), TicketDbError> {
    if writes::stored_version_of(conn, comment.ticket_id)?.is_none() {
        return Err(TicketDbError::refused(StoreError::NotFound));
    }
    let (author_kind, author_id) = rows::principal_columns(comment.author);
    conn.prepare_cached(
        "INSERT INTO ticket_comments \
         (id, ticket_id, author_kind, author_id, body, internal, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        comment.id.to_string(),
        comment.ticket_id.to_string(),
        author_kind,
        author_id,
        comment.body.as_str(),
        i64::from(comment.internal),
        comment.created_at.to_rfc3339(),
    ])?;
    if let Some(answer) = answer {
        // Instants are fixed-width RFC 3339 text: they compare as text, and
        // SQLite's two-argument max() keeps the later one.
        conn.prepare_cached(
            "UPDATE tickets SET first_response_at = ?2, first_response_seconds = ?3, \
             updated_at = max(updated_at, ?2), version = version + 1 \
             WHERE id = ?1 AND (first_response_at IS NULL OR first_response_at > ?2)",
        )?
        .execute(params![
            comment.ticket_id.to_string(),
            answer.at.to_rfc3339(),
            i64::try_from(answer.seconds).unwrap_or(i64::MAX),
        ])?;
    }
    Ok(())
}

/// One page of the ticket's comments, oldest first; staff-only notes only
/// with `include_internal`. Unknown tickets have no comments.
pub(crate) fn page(
    conn: &Connection,
    ticket: TicketId,
    include_internal: bool,
    page: &PageRequest,
) -> Result<Page<Comment>, TicketDbError> {
    let mut filter = Filter::new();
    filter.push_text("ticket_id = ?", ticket.to_string());
    if !include_internal {
        filter.condition("internal = 0");
    }
    // The cursor was signed by the server: its key is a `created_at` this
    // query returned, compared as text.
    let rows = PageSelect {
        columns: "id, ticket_id, author_kind, author_id, body, internal, created_at",
        from: "ticket_comments",
        order: Order {
            key: "created_at",
            id: "id",
            direction: SortDirection::Asc,
        },
    }
    .query(filter, Start::keyset(page), page.limit)
    .rows(conn, |row| {
        let row = CommentRow::read(row)?;
        let key = row.created_at.clone();
        Ok::<_, TicketDbError>((row.into_comment()?, key))
    })?;
    Ok(keyed_page(rows, page.limit, |comment| {
        comment.id.to_string()
    }))
}

/// A comment as stored.
#[derive(Debug)]
struct CommentRow {
    id: String,
    ticket_id: String,
    author_kind: String,
    author_id: String,
    body: String,
    internal: i64,
    created_at: String,
}

impl CommentRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            ticket_id: row.get(1)?,
            author_kind: row.get(2)?,
            author_id: row.get(3)?,
            body: row.get(4)?,
            internal: row.get(5)?,
            created_at: row.get(6)?,
        })
    }

    fn into_comment(self) -> Result<Comment, CorruptData> {
        let internal = match self.internal {
            0 => false,
            1 => true,
            other => {
                return Err(CorruptData::new(
                    "ticket_comments.internal",
                    format!("`{other}` is not 0 or 1"),
                ));
            }
        };
        Ok(Comment {
            id: decode("ticket_comments.id", &self.id, CommentId::parse)?,
            ticket_id: decode(
                "ticket_comments.ticket_id",
                &self.ticket_id,
                TicketId::parse,
            )?,
            author: rows::principal(&self.author_kind, &self.author_id)?,
            body: decode("ticket_comments.body", &self.body, LongText::parse)?,
            internal,
            created_at: rows::timestamp("ticket_comments.created_at", &self.created_at)?,
        })
    }
}
