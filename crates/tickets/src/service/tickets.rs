//! Raising, reading, listing, changing and moving tickets.

use crm_kernel::{
    CustomerId, Page, PageRequest, Principal, TicketId, ValidationErrors, Version, retry_lost_races,
};
use tracing::info;

use super::{Raised, TicketService, store_error};
use crate::error::TicketError;
use crate::policy::TicketAction;
use crate::ports::Inserted;
use crate::query::TicketQuery;
use crate::status::{Channel, Priority, TicketStatus};
use crate::ticket::{IdempotencyKey, NewTicket, Subject, Ticket, TicketEvent, TicketPatch};

impl TicketService {
    /// Raises a ticket. A customer raises its own (it may leave out
    /// `customer_id`; another customer's id is 404); staff raise one for a
    /// customer they can see. With an idempotency key, a retry of the same
    /// request returns the first ticket and creates nothing; the same key
    /// with a different request is refused.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn raise(
        &self,
        caller: &Principal,
        new: NewTicket,
        idempotency_key: Option<&str>,
    ) -> Result<Raised, TicketError> {
        let customer_id = match (caller.customer_id(), new.customer_id) {
            (Some(own), None) => own,
            (Some(own), Some(id)) if id == own => own,
            (Some(_), Some(_)) => return Err(TicketError::CustomerNotFound),
            (None, Some(id)) => id,
            (None, None) => {
                return Err(ValidationErrors::single("customer_id", "is required").into());
            }
        };
        let idempotency = idempotency_key
            .map(|key| IdempotencyKey::parse(caller.id, key, new.fingerprint()))
            .transpose()
            .map_err(|message| ValidationErrors::single("Idempotency-Key", message))?;
        let customer = self
            .ports
            .customers
            .customer_ref(customer_id)
            .await
            .map_err(store_error)?
            .ok_or(TicketError::CustomerNotFound)?;
        let now = self.ports.clock.now();
        self.policy
            .check(caller, TicketAction::Raise, &customer, None, now)?;
        let ticket = Ticket {
            id: TicketId::new(),
            customer_id,
            subject: new
                .subject
                .clone()
                .unwrap_or_else(|| Subject::from_issue(&new.issue)),
            issue: new.issue.clone(),
            status: TicketStatus::Open,
            priority: new.priority.unwrap_or(Priority::Normal),
            assignee_id: None,
            channel: new.channel.unwrap_or(if caller.is_staff() {
                Channel::Api
            } else {
                Channel::Portal
            }),
            created_at: now,
            updated_at: now,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            first_response_seconds: None,
            resolution_seconds: None,
            version: Version::FIRST,
        };
        let event = TicketEvent {
            ticket_id: ticket.id,
            from: None,
            to: TicketStatus::Open,
            at: now,
            actor: caller.id,
        };
        match self
            .ports
            .tickets
            .insert(&ticket, &event, idempotency.as_ref())
            .await
            .map_err(store_error)?
        {
            Inserted::Created => {
                info!(ticket_id = %ticket.id, customer_id = %customer_id, "ticket raised");
                Ok(Raised {
                    ticket,
                    replayed: false,
                })
            }
            Inserted::Replayed(id) => {
                let ticket = self
                    .ports
                    .tickets
                    .get(id)
                    .await
                    .map_err(store_error)?
                    .ok_or(TicketError::TicketNotFound)?;
                info!(ticket_id = %id, "ticket raise replayed");
                Ok(Raised {
                    ticket,
                    replayed: true,
                })
            }
        }
    }

    /// One ticket the caller may see.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ticket_id = %id))]
    pub async fn get(&self, caller: &Principal, id: TicketId) -> Result<Ticket, TicketError> {
        Ok(self.ticket_for(caller, id, TicketAction::View).await?.0)
    }

    /// One page of the tickets the caller may see (customers: their own).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn list(
        &self,
        caller: &Principal,
        query: &TicketQuery,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, TicketError> {
        let visibility = self.policy.visibility(caller);
        self.ports
            .tickets
            .list(query, &visibility, page)
            .await
            .map_err(store_error)
    }

    /// One page of a visible customer's tickets.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, customer_id = %customer_id))]
    pub async fn customer_tickets(
        &self,
        caller: &Principal,
        customer_id: CustomerId,
        query: TicketQuery,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, TicketError> {
        let customer = self
            .ports
            .customers
            .customer_ref(customer_id)
            .await
            .map_err(store_error)?
            .ok_or(TicketError::CustomerNotFound)?;
        if !self.policy.can_see(caller, &customer) {
            return Err(TicketError::CustomerNotFound);
        }
        let query = TicketQuery {
            customer_id: Some(customer_id),
            ..query
        };
        self.list(caller, &query, page).await
    }

    /// Every status change of a ticket the caller may see, oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ticket_id = %id))]
    pub async fn events(
        &self,
        caller: &Principal,
        id: TicketId,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        self.ticket_for(caller, id, TicketAction::View).await?;
        self.ports.tickets.events(id).await.map_err(store_error)
    }

    /// Marks a ticket resolved (its customer or staff). Resolving a resolved
    /// or closed ticket is refused, naming both states.
    pub async fn resolve(&self, caller: &Principal, id: TicketId) -> Result<Ticket, TicketError> {
        self.transition(caller, id, TicketAction::Resolve).await
    }

    /// Reopens a resolved ticket (staff; its customer within the reopen window).
    pub async fn reopen(&self, caller: &Principal, id: TicketId) -> Result<Ticket, TicketError> {
        self.transition(caller, id, TicketAction::Reopen).await
    }

    /// Closes a resolved ticket for good (staff).
    pub async fn close(&self, caller: &Principal, id: TicketId) -> Result<Ticket, TicketError> {
        self.transition(caller, id, TicketAction::Close).await
    }

    /// Moves the ticket as `action` says. A write that loses a race with a
    /// concurrent change is attempted again on a fresh read, which decides
    /// anew whether the move is allowed.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ticket_id = %id, ?action))]
    async fn transition(
        &self,
        caller: &Principal,
        id: TicketId,
        action: TicketAction,
    ) -> Result<Ticket, TicketError> {
        retry_lost_races(
            || async {
                let (ticket, _) = self.ticket_for(caller, id, action).await?;
                let to = action.target().ok_or(TicketError::Forbidden)?;
                self.move_to(caller, &ticket, to, &TicketPatch::default())
                    .await
            },
            |error| matches!(error, TicketError::Conflict),
        )
        .await
    }

    /// Applies `patch` and moves the ticket to `to`, recording the event.
    async fn move_to(
        &self,
        caller: &Principal,
        ticket: &Ticket,
        to: TicketStatus,
        patch: &TicketPatch,
    ) -> Result<Ticket, TicketError> {
        if !ticket.status.can_become(to) {
            return Err(TicketError::InvalidTransition {
                from: ticket.status,
                to,
            });
        }
        let now = self.ports.clock.now();
        let next = apply(patch, &ticket.transitioned(to, now));
        let event = TicketEvent {
            ticket_id: ticket.id,
            from: Some(ticket.status),
            to,
            at: now,
            actor: caller.id,
        };
        self.ports
            .tickets
            .update(&next, ticket.version, Some(&event))
            .await
            .map_err(store_error)?;
        info!(ticket_id = %ticket.id, from = %ticket.status, %to, "ticket status changed");
        Ok(next)
    }

    /// Changes a ticket's priority, assignee, subject or status (staff).
    ///
    /// `if_match` (the version the client last saw) guards against lost
    /// updates: a stale one is [`TicketError::PreconditionFailed`]. Without
    /// it the change applies to the latest version: a write that loses a
    /// race with a concurrent change is attempted again on a fresh read (at
    /// most [`WRITE_ATTEMPTS`](crm_kernel::WRITE_ATTEMPTS) times, then
    /// [`TicketError::Conflict`]).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ticket_id = %id))]
    pub async fn update(
        &self,
        caller: &Principal,
        id: TicketId,
        patch: TicketPatch,
        if_match: Option<Version>,
    ) -> Result<Ticket, TicketError> {
        retry_lost_races(
            || self.try_update(caller, id, &patch, if_match),
            |error| matches!(error, TicketError::Conflict),
        )
        .await
    }

    /// One attempt of [`Self::update`]; a lost version race is
    /// [`TicketError::Conflict`].
    async fn try_update(
        &self,
        caller: &Principal,
        id: TicketId,
        patch: &TicketPatch,
        if_match: Option<Version>,
    ) -> Result<Ticket, TicketError> {
        let (ticket, _) = self.ticket_for(caller, id, TicketAction::View).await?;
        if !caller.is_staff() && !patch.is_empty() {
            return Err(TicketError::FieldsNotEditable(patch.fields()));
        }
        if let Some(expected) = if_match
            && expected != ticket.version
        {
            return Err(TicketError::PreconditionFailed {
                current: ticket.version,
            });
        }
        if let Some(Some(assignee)) = patch.assignee_id
            && !self
                .ports
                .assignees
                .can_be_assigned(assignee)
                .await
                .map_err(store_error)?
        {
            return Err(
                ValidationErrors::single("assignee_id", "names no active staff user").into(),
            );
        }
        match patch.status {
            Some(to) if to != ticket.status => self.move_to(caller, &ticket, to, patch).await,
            _ => {
                let mut next = apply(patch, &ticket);
                if next == ticket {
                    return Ok(ticket);
                }
                next.updated_at = self.ports.clock.now();
                next.version = ticket.version.next();
                self.ports
                    .tickets
                    .update(&next, ticket.version, None)
                    .await
                    .map_err(store_error)?;
                Ok(next)
            }
        }
    }
}

/// The ticket with the patch's non-status fields applied.
fn apply(patch: &TicketPatch, ticket: &Ticket) -> Ticket {
    let mut next = ticket.clone();
    if let Some(subject) = &patch.subject {
        next.subject = subject.clone();
    }
    if let Some(priority) = patch.priority {
        next.priority = priority;
    }
    if let Some(assignee) = patch.assignee_id {
        next.assignee_id = assignee;
    }
    next
}
