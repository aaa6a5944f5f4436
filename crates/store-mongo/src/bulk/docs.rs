//! The documents one history becomes, built by the same functions the
//! single writes use (`customer_document`, `report_status_change`,
//! `interaction_document`, `ticket_document`, `report_event_document`,
//! `comment_document`, the email key claim), with what those writes derive
//! from earlier writes worked out in memory instead: a customer's final
//! version, its lead journeys, a ticket's first response.

use crm_customers::{CustomerHistory, LifecycleStatus};
use crm_tickets::TicketHistory;
use mongodb::bson::{Bson, Document};

use crate::bson::convert::opt_id;
use crate::customers::docs::customer_document;
use crate::customers::status_changes::{journey_step, report_status_change};
use crate::identity::email_keys::Holder;
use crate::tickets::docs::{comment_document, report_event_document, ticket_document};

/// What a customer's history is stored as.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomerDocuments {
    /// The customer at its last version (no `last_interaction` of its own:
    /// the interactions keep it).
    pub(crate) customer: Document,
    /// The claim of its email key, when it has an email.
    pub(crate) email_key: Option<Document>,
    /// Its status changes in order, with its company and owner copied and
    /// its lead journeys moved on as each later change moved them.
    pub(crate) status_changes: Vec<Document>,
}

/// The documents of `history`, whose last version's company is called
/// `company` (its current name); an error names a history that is not one
/// customer's.
pub(crate) fn customer_documents(
    history: &CustomerHistory,
    company: Option<&str>,
) -> Result<CustomerDocuments, String> {
    let customer = history.latest();
    let id = customer.id;
    if let Some(other) = history.changes.iter().find(|(c, _)| c.id != id) {
        return Err(format!(
            "the history of customer {id} holds customer {}",
            other.0.id
        ));
    }
    let (company_id, owner_id) = (opt_id(customer.company_id), opt_id(customer.owner_id));
    let mut changes: Vec<Document> = Vec::new();
    // The customer's latest journey (change to `lead`): its index.
    let mut journey: Option<usize> = None;
    for change in history.status_changes() {
        if change.customer_id != id {
            return Err(format!(
                "the status change of customer {id} was given with customer {}",
                change.customer_id
            ));
        }
        if let (Some((condition, update)), Some(at)) = (journey_step(change), journey)
            && let Some(latest) = changes.get_mut(at)
            && meets(latest, &condition)
        {
            apply_set(latest, &update);
        }
        if change.to == LifecycleStatus::Lead {
            // Changes come oldest first: the new one is the latest unless
            // an earlier-written one is later in time.
            let later = journey
                .and_then(|at| changes.get(at))
                .and_then(|latest| latest.get_datetime("at").ok())
                .is_some_and(|latest| *latest > crate::bson::convert::date(change.at));
            if !later {
                journey = Some(changes.len());
            }
        }
        changes.push(report_status_change(
            change,
            company_id.clone(),
            owner_id.clone(),
        ));
    }
    // A customer with several journeys has each flagged, as the single
    // writes flag them.
    let lead = LifecycleStatus::Lead.as_str();
    let journeys = changes
        .iter()
        .filter(|c| c.get_str("to") == Ok(lead))
        .count();
    if journeys > 1 {
        for change in changes.iter_mut().filter(|c| c.get_str("to") == Ok(lead)) {
            change.insert("repeat", true);
        }
    }
    Ok(CustomerDocuments {
        customer: customer_document(customer, company, false),
        email_key: customer
            .email
            .as_ref()
            .map(|email| Holder::Customer(id).document(&email.key())),
        status_changes: changes,
    })
}

/// Whether `document` meets a journey step's condition: each field null
/// (`{field: null}`) or not null (`{field: {$ne: null}}`).
fn meets(document: &Document, condition: &Document) -> bool {
    condition.iter().all(|(field, wanted)| {
        let null = matches!(document.get(field), None | Some(Bson::Null));
        match wanted {
            Bson::Null => null,
            Bson::Document(test) if test.get("$ne") == Some(&Bson::Null) => !null,
            _ => false,
        }
    })
}

/// Applies a journey step's `{$set: {…}}` to `document`.
fn apply_set(document: &mut Document, update: &Document) {
    if let Ok(set) = update.get_document("$set") {
        for (field, value) in set {
            document.insert(field.clone(), value.clone());
        }
    }
}

/// What a ticket's history is stored as.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TicketDocuments {
    /// The ticket after its last step.
    pub(crate) ticket: Document,
    /// Its status events in order, with what reports read with them.
    pub(crate) events: Vec<Document>,
    /// Its comments.
    pub(crate) comments: Vec<Document>,
}

/// The documents of `history`, whose customer has `company` and `owner`
/// (ids or null, copied for visibility and reports); an error names a
/// history that is not one ticket's.
pub(crate) fn ticket_documents(
    history: &TicketHistory,
    company: &Bson,
    owner: &Bson,
) -> Result<TicketDocuments, String> {
    let ticket = history.latest();
    let id = ticket.id;
    let mut events = Vec::new();
    for event in history.events() {
        if event.ticket_id != id {
            return Err(format!(
                "the event of ticket {id} was given with ticket {}",
                event.ticket_id
            ));
        }
        events.push(report_event_document(
            event,
            &ticket,
            company.clone(),
            owner.clone(),
        ));
    }
    let mut comments = Vec::new();
    for comment in history.comments() {
        if comment.ticket_id != id {
            return Err(format!(
                "a comment of ticket {id} was given with ticket {}",
                comment.ticket_id
            ));
        }
        comments.push(comment_document(comment));
    }
    Ok(TicketDocuments {
        ticket: ticket_document(&ticket, company.clone(), owner.clone()),
        events,
        comments,
    })
}

#[cfg(test)]
mod tests;
