//! The documents of histories, checked without a server.

use crm_customers::{Customer, NewCustomer, StatusChange, Tags};
use crm_kernel::{
    CommentId, CompanyId, CustomerId, EmailAddress, LongText, PersonName, PrincipalId, Timestamp,
    UserId,
};
use crm_tickets::{
    Channel, Comment, Priority, Subject, Ticket, TicketEvent, TicketStatus, TicketStep,
};
use mongodb::bson::doc;

use super::*;
use crate::bson::convert::date;
use crate::customers::search::keywords;

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_millis(minutes * 60_000).unwrap()
}

/// A lead created at minute 0 who becomes a prospect at 10, moves to
/// another company at 15 and becomes a customer at 20.
fn history() -> CustomerHistory {
    let actor = PrincipalId::User(UserId::new());
    let (created, first) = NewCustomer {
        first_name: PersonName::parse("Ada").unwrap(),
        last_name: PersonName::parse("Lovelace").unwrap(),
        email: Some(EmailAddress::parse("Ada@Example.test").unwrap()),
        phone: None,
        company_id: Some(CompanyId::new()),
        status: None,
        notes: None,
        owner_id: Some(UserId::new()),
        tags: Tags::default(),
        source: None,
    }
    .into_customer(at(0), actor);
    let step = |before: &Customer, minutes, to: Option<LifecycleStatus>| {
        let mut next = before.clone();
        next.version = before.version.next();
        next.updated_at = at(minutes);
        let change = to.map(|to| {
            next.status = to;
            StatusChange {
                customer_id: before.id,
                from: Some(before.status),
                to,
                at: at(minutes),
                actor,
            }
        });
        (next, change)
    };
    let prospect = step(&created, 10, Some(LifecycleStatus::Prospect));
    let mut moved = step(&prospect.0, 15, None);
    moved.0.company_id = Some(CompanyId::new());
    let won = step(&moved.0, 20, Some(LifecycleStatus::Customer));
    CustomerHistory {
        created: (created, first),
        changes: vec![prospect, moved, won],
    }
}

#[test]
fn a_customer_is_stored_at_its_last_version_with_its_journey_moved_on() {
    let history = history();
    let last = history.latest().clone();
    let documents = customer_documents(&history, Some("Analytical Engines")).unwrap();
    assert_eq!(
        documents.customer,
        customer_document(&last, Some("Analytical Engines"), false)
    );
    assert_eq!(documents.customer.get_str("status").unwrap(), "customer");
    assert_eq!(documents.customer.get_i64("version").unwrap(), 4);
    let expected: Vec<Bson> = keywords(&last, Some("Analytical Engines"))
        .into_iter()
        .map(Bson::Document)
        .collect();
    assert_eq!(documents.customer.get_array("keywords").unwrap(), &expected);
    assert_eq!(
        documents.email_key,
        Some(
            doc! { "_id": "ada@example.test", "kind": "customer", "holder_id": last.id.to_string() }
        )
    );
    let changes = &documents.status_changes;
    let to: Vec<&str> = changes.iter().map(|c| c.get_str("to").unwrap()).collect();
    assert_eq!(to, ["lead", "prospect", "customer"]);
    // The lead change is the journey: qualified at 10, won at 20.
    assert_eq!(
        changes[0].get_datetime("prospect_at").unwrap(),
        &date(at(10))
    );
    assert_eq!(
        changes[0].get_datetime("customer_at").unwrap(),
        &date(at(20))
    );
    for change in changes {
        // Copies of the customer's company and owner as they are now.
        assert_eq!(
            change.get_str("customer_company_id").unwrap(),
            last.company_id.unwrap().to_string()
        );
        assert_eq!(
            change.get_str("customer_owner_id").unwrap(),
            last.owner_id.unwrap().to_string()
        );
    }
}

#[test]
fn a_journey_moves_only_as_far_as_its_steps_go() {
    let mut history = history();
    history.changes.truncate(1);
    let documents = customer_documents(&history, None).unwrap();
    let lead = &documents.status_changes[0];
    assert_eq!(lead.get_datetime("prospect_at").unwrap(), &date(at(10)));
    assert_eq!(lead.get("customer_at"), Some(&Bson::Null));
}

#[test]
fn a_history_of_two_customers_is_refused() {
    let mut history = history();
    history.changes[0].0.id = CustomerId::new();
    assert!(customer_documents(&history, None).is_err());
    let mut history = self::history();
    if let Some(change) = history.changes[0].1.as_mut() {
        change.customer_id = CustomerId::new();
    }
    assert!(customer_documents(&history, None).is_err());
}

fn ticket_history() -> TicketHistory {
    let actor = PrincipalId::User(UserId::new());
    let issue = LongText::parse("The printer is on fire").unwrap();
    let raised = Ticket {
        id: crm_kernel::TicketId::new(),
        customer_id: CustomerId::new(),
        subject: Subject::from_issue(&issue),
        issue,
        status: TicketStatus::Open,
        priority: Priority::High,
        assignee_id: None,
        channel: Channel::ALL[0],
        created_at: at(0),
        updated_at: at(0),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        first_response_seconds: None,
        resolution_seconds: None,
        version: crm_kernel::Version::FIRST,
    };
    let event = |ticket: &Ticket, from, minutes| TicketEvent {
        ticket_id: ticket.id,
        from,
        to: ticket.status,
        at: at(minutes),
        actor,
    };
    let comment = Comment {
        id: CommentId::new(),
        ticket_id: raised.id,
        author: actor,
        body: LongText::parse("On it.").unwrap(),
        internal: false,
        created_at: at(5),
    };
    let answer = raised.first_response(at(5));
    let answered = answer.and_then(|a| raised.with_first_response(a)).unwrap();
    let resolved = answered.transitioned(TicketStatus::Resolved, at(30));
    TicketHistory {
        raised: (raised.clone(), event(&raised, None, 0)),
        steps: vec![
            TicketStep::Comment(comment, answer),
            TicketStep::Change(
                resolved.clone(),
                event(&resolved, Some(TicketStatus::Open), 30),
            ),
        ],
    }
}

#[test]
fn a_ticket_is_stored_after_its_last_step_with_report_fields_on_its_events() {
    let history = ticket_history();
    let company = Bson::String("company".into());
    let documents = ticket_documents(&history, &company, &Bson::Null).unwrap();
    let ticket = &documents.ticket;
    assert_eq!(ticket.get_str("status").unwrap(), "resolved");
    assert_eq!(
        ticket.get_datetime("first_response_at").unwrap(),
        &date(at(5))
    );
    assert_eq!(ticket.get_i64("first_response_seconds").unwrap(), 300);
    assert_eq!(ticket.get_i64("version").unwrap(), 3);
    assert_eq!(ticket.get_str("customer_company_id").unwrap(), "company");
    let to: Vec<&str> = documents
        .events
        .iter()
        .map(|e| e.get_str("to").unwrap())
        .collect();
    assert_eq!(to, ["open", "resolved"]);
    for event in &documents.events {
        assert_eq!(
            event.get_datetime("ticket_created_at").unwrap(),
            &date(at(0))
        );
        assert_eq!(event.get_str("customer_company_id").unwrap(), "company");
        assert_eq!(event.get("customer_owner_id"), Some(&Bson::Null));
    }
    assert_eq!(documents.comments.len(), 1);
    assert_eq!(documents.comments[0].get_str("body").unwrap(), "On it.");
}

#[test]
fn a_later_answer_leaves_the_first_response_alone() {
    let mut history = ticket_history();
    let TicketStep::Comment(comment, Some(first)) = history.steps[0].clone() else {
        unreachable!("the history starts with an answer")
    };
    let later = crm_tickets::FirstResponse {
        at: at(40),
        seconds: 2_400,
    };
    history.steps.push(TicketStep::Comment(
        Comment {
            id: CommentId::new(),
            created_at: at(40),
            ..comment
        },
        Some(later),
    ));
    let documents = ticket_documents(&history, &Bson::Null, &Bson::Null).unwrap();
    assert_eq!(
        documents.ticket.get_datetime("first_response_at").unwrap(),
        &date(first.at)
    );
    assert_eq!(documents.comments.len(), 2);
}
