//! Tickets: [`TicketRepository`] on the `tickets`, `ticket_events`,
//! `ticket_comments` and `ticket_idempotency` collections.

use async_trait::async_trait;
use crm_kernel::{Page, PageRequest, TicketId, Version, Visibility};
use crm_tickets::ports::{Inserted, StoreError, TicketRepository};
use crm_tickets::{Comment, FirstResponse, IdempotencyKey, Ticket, TicketEvent, TicketQuery};
use mongodb::bson::doc;

use crate::bson::keyset::page_of;
use crate::db::client::MongoStore;
use crate::db::error::TicketDbError;
use crate::db::names;
use crate::db::ops::{FindSpec, find_all};
use crate::tickets::docs::{read_comment, read_event, read_ticket};
use crate::tickets::list::{self, COMMENT_ORDER};

#[async_trait]
impl TicketRepository for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %ticket.id))]
    async fn insert<'a>(
        &self,
        ticket: &Ticket,
        event: &TicketEvent,
        idempotency: Option<&'a IdempotencyKey>,
    ) -> Result<Inserted, StoreError> {
        let context = (self, ticket, event, idempotency);
        let inserted = self
            .transaction(&context, |session, (store, ticket, event, key)| {
                Box::pin(async move { store.write_new_ticket(session, ticket, event, *key).await })
            })
            .await?;
        Ok(inserted)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %id))]
    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let found = self
            .collection(names::TICKETS)
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(TicketDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_ticket)
            .transpose()
            .map_err(TicketDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %ticket.id))]
    async fn update<'a>(
        &self,
        ticket: &Ticket,
        expected: Version,
        event: Option<&'a TicketEvent>,
    ) -> Result<(), StoreError> {
        let context = (self, ticket, expected, event);
        self.transaction(&context, |session, (store, ticket, expected, event)| {
            Box::pin(async move {
                store
                    .write_ticket_update(session, ticket, *expected, *event)
                    .await
            })
        })
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
        let Some(spec) = list::list_spec(query, visibility, page)? else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let documents = find_all(&self.collection(names::TICKETS), spec, None)
            .await
            .map_err(TicketDbError::from)?;
        let order = list::order(query);
        Ok(
            page_of(names::TICKETS, &documents, page.limit, &order, read_ticket)
                .map_err(TicketDbError::from)?,
        )
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %id))]
    async fn events(&self, id: TicketId) -> Result<Vec<TicketEvent>, StoreError> {
        let spec = FindSpec::all(
            doc! { "ticket_id": id.to_string() },
            doc! { "at": 1, "_id": 1 },
        );
        let documents = find_all(&self.collection(names::TICKET_EVENTS), spec, None)
            .await
            .map_err(TicketDbError::from)?;
        Ok(documents
            .iter()
            .map(read_event)
            .collect::<Result<_, _>>()
            .map_err(TicketDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ticket_id = %comment.ticket_id, comment_id = %comment.id))]
    async fn add_comment(
        &self,
        comment: &Comment,
        answer: Option<FirstResponse>,
    ) -> Result<(), StoreError> {
        self.transaction(
            &(self, comment, answer),
            |session, (store, comment, answer)| {
                Box::pin(async move { store.write_comment(session, comment, *answer).await })
            },
        )
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
        let spec = list::comments_spec(id, include_internal, page)?;
        let documents = find_all(&self.collection(names::TICKET_COMMENTS), spec, None)
            .await
            .map_err(TicketDbError::from)?;
        Ok(page_of(
            names::TICKET_COMMENTS,
            &documents,
            page.limit,
            &COMMENT_ORDER,
            read_comment,
        )
        .map_err(TicketDbError::from)?)
    }
}
