//! Comments and staff-only notes.

use crm_kernel::{CommentId, Page, PageRequest, Principal, TicketId};
use tracing::info;

use super::{TicketService, store_error};
use crate::comment::{Comment, NewComment};
use crate::error::TicketError;
use crate::policy::TicketAction;

impl TicketService {
    /// Adds a comment. Customers write comments only; staff also staff-only
    /// notes. A staff member's first public comment is the ticket's first
    /// response: its time and the seconds since raising are recorded with it.
    /// Adding a comment never conflicts with a concurrent change of the
    /// ticket or another comment: the store records the first response
    /// atomically, keeping the earliest.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ticket_id = %id, internal = new.internal))]
    pub async fn comment(
        &self,
        caller: &Principal,
        id: TicketId,
        new: NewComment,
    ) -> Result<Comment, TicketError> {
        let action = if new.internal {
            TicketAction::InternalNote
        } else {
            TicketAction::Comment
        };
        let (ticket, _) = self.ticket_for(caller, id, action).await?;
        let now = self.ports.clock.now();
        let comment = Comment {
            id: CommentId::new(),
            ticket_id: id,
            author: caller.id,
            body: new.body,
            internal: new.internal,
            created_at: now,
        };
        let answer = (caller.is_staff() && !new.internal)
            .then(|| ticket.first_response(now))
            .flatten();
        self.ports
            .tickets
            .add_comment(&comment, answer)
            .await
            .map_err(store_error)?;
        if answer.is_some() {
            info!("first response recorded");
        }
        Ok(comment)
    }

    /// One page of a ticket's comments, oldest first; customers never see
    /// staff-only notes.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ticket_id = %id))]
    pub async fn comments(
        &self,
        caller: &Principal,
        id: TicketId,
        page: &PageRequest,
    ) -> Result<Page<Comment>, TicketError> {
        self.ticket_for(caller, id, TicketAction::View).await?;
        self.ports
            .tickets
            .comments(id, caller.is_staff(), page)
            .await
            .map_err(store_error)
    }
}
