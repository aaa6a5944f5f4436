//! Tickets: [`TicketRepository`] on the `tickets`, `ticket_events`,
//! `ticket_comments` and `ticket_idempotency` tables.

use async_trait::async_trait;
use crm_kernel::{Page, PageRequest, TicketId, Version, Visibility};
use crm_tickets::ports::{Inserted, StoreError, TicketRepository};
use crm_tickets::{Comment, FirstResponse, IdempotencyKey, Ticket, TicketEvent, TicketQuery};
use rusqlite::OptionalExtension;

use crate::db::error::TicketDbError;
use crate::db::open::SqliteStore;
use crate::sql::{keyed, keyed_page};
use crate::tickets::list;
use crate::tickets::rows::{TICKET_COLUMN_COUNT, TICKET_COLUMNS, TicketRow};
use crate::tickets::{comments, events, writes};

#[async_trait]
impl TicketRepository for SqliteStore {
    /// Looks the idempotency key up and stores the ticket in one `BEGIN
    /// IMMEDIATE` transaction on the single writer, so concurrent calls with
    /// one key are serialised: the first stores, the others replay it.
    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %ticket.id))]
    async fn insert<'a>(
        &self,
        ticket: &Ticket,
        event: &TicketEvent,
        idempotency: Option<&'a IdempotencyKey>,
    ) -> Result<Inserted, StoreError> {
        let ticket = ticket.clone();
        let event = event.clone();
        let idempotency = idempotency.cloned();
        let inserted = self
            .write(move |tx| writes::insert(tx, &ticket, &event, idempotency.as_ref()))
            .await?;
        Ok(inserted)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %id))]
    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let ticket = self
            .read(move |conn| {
                let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1");
                let row = conn
                    .prepare_cached(&sql)?
                    .query_row([id.to_string()], TicketRow::read)
                    .optional()?;
                Ok::<_, TicketDbError>(row.map(TicketRow::into_ticket).transpose()?)
            })
            .await?;
        Ok(ticket)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %ticket.id))]
    async fn update<'a>(
        &self,
        ticket: &Ticket,
        expected: Version,
        event: Option<&'a TicketEvent>,
    ) -> Result<(), StoreError> {
        let ticket = ticket.clone();
        let event = event.cloned();
        self.write(move |tx| writes::update(tx, &ticket, expected, event.as_ref()))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &TicketQuery,
        visibility: &Visibility,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, StoreError> {
        let plan = list::list_plan(query, visibility, page).map_err(StoreError::Backend)?;
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, TICKET_COLUMN_COUNT, |row| {
                    Ok::<_, TicketDbError>(TicketRow::read(row)?.into_ticket()?)
                })
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |ticket| ticket.id.to_string()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %id))]
    async fn events(&self, id: TicketId) -> Result<Vec<TicketEvent>, StoreError> {
        let events = self.read(move |conn| events::read(conn, id)).await?;
        Ok(events)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %comment.ticket_id, comment_id = %comment.id))]
    async fn add_comment(
        &self,
        comment: &Comment,
        answer: Option<FirstResponse>,
    ) -> Result<(), StoreError> {
        let comment = comment.clone();
        self.write(move |tx| comments::add(tx, &comment, answer))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %id))]
    async fn comments(
        &self,
        id: TicketId,
        include_internal: bool,
        page: &PageRequest,
    ) -> Result<Page<Comment>, StoreError> {
        let page = page.clone();
        let comments = self
            .read(move |conn| comments::page(conn, id, include_internal, &page))
            .await?;
        Ok(comments)
    }
}
