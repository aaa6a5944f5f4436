//! Interactions and tickets over three years.

use std::time::Duration;

use crm_interactions::{Interaction, InteractionKind, InteractionStatus, TimeZone};
use crm_kernel::{
    CommentId, CustomerId, InteractionId, LongText, PrincipalId, TicketId, Timestamp, UserId,
    Version,
};
use crm_tickets::{Channel, Comment, Priority, Subject, Ticket, TicketEvent, TicketStatus};
use crm_tickets::{TicketHistory, TicketStep};
use fake::rand::RngExt;
use fake::rand::rngs::StdRng;

use super::skew::{DAY_MS, skewed, uniform};
use crate::error::BenchError;

const DESCRIPTIONS: &[&str] = &[
    "Discovery call",
    "Product demo",
    "Quarterly review",
    "Contract negotiation",
    "Onboarding session",
    "Send the proposal",
    "Follow-up on the offer",
];
const ISSUES: &[&str] = &[
    "Cannot sign in to the portal",
    "The March invoice is missing",
    "Export to CSV fails for large reports",
    "Please change our billing address",
    "The mobile app crashes on start",
];

/// Who an interaction is with and who organises it.
#[derive(Debug, Clone, Copy)]
pub struct Parties {
    /// The customer.
    pub customer: CustomerId,
    /// The organizer, if any.
    pub organizer: Option<UserId>,
    /// Whether it lies in the past only (the heavy organizer's history).
    pub past_only: bool,
}

/// When an interaction between `parties` starts: a whole minute (as people
/// schedule) somewhere in the last three years, or also in the next month
/// unless it lies in the past only.
pub fn start(rng: &mut StdRng, parties: Parties, begin: Timestamp, now: Timestamp) -> Timestamp {
    let ahead = if parties.past_only { 0 } else { 30 * DAY_MS };
    let at = rng.random_range(begin.as_millis()..now.as_millis() + ahead);
    Timestamp::from_millis(at - at % 60_000).unwrap_or(now)
}

/// An interaction between `parties` starting at `at` (see [`start`]),
/// completed when past.
pub fn interaction(
    rng: &mut StdRng,
    parties: Parties,
    at: Timestamp,
    now: Timestamp,
) -> Result<Interaction, BenchError> {
    let kind = [
        InteractionKind::Meeting,
        InteractionKind::Call,
        InteractionKind::Call,
        InteractionKind::Task,
        InteractionKind::Note,
    ][uniform(rng, 5)];
    let end = kind
        .takes_time()
        .then(|| at.plus(Duration::from_mins(rng.random_range(1..=6) * 15)));
    let status = if at >= now {
        InteractionStatus::Scheduled
    } else {
        match rng.random_range(0..20) {
            0 => InteractionStatus::Cancelled,
            1 if kind.takes_time() => InteractionStatus::NoShow,
            _ => InteractionStatus::Completed,
        }
    };
    let created = if at < now { at } else { now };
    Ok(Interaction {
        id: InteractionId::new(),
        customer_id: parties.customer,
        kind,
        date_time: at,
        end_time: end,
        time_zone: TimeZone::parse("Europe/Berlin").unwrap_or_default(),
        location: None,
        meeting_url: None,
        description: LongText::parse(DESCRIPTIONS[uniform(rng, DESCRIPTIONS.len())])?,
        outcome: None,
        organizer_id: parties.organizer,
        attendees: Vec::new(),
        status,
        created_at: created,
        updated_at: created,
        version: Version::FIRST,
    })
}

/// A customer for an interaction or ticket: busy customers far more often.
pub fn busy_customer(rng: &mut StdRng, customers: &[CustomerId]) -> CustomerId {
    customers[skewed(rng, customers.len(), 2.0)]
}

/// A ticket raised at `at` by staff; unless `open`, answered, resolved and
/// often closed (sometimes reopened and resolved again) before `now`.
pub fn ticket(
    rng: &mut StdRng,
    customer: CustomerId,
    agent: UserId,
    at: Timestamp,
    now: Timestamp,
    open: bool,
) -> Result<TicketHistory, BenchError> {
    let issue = LongText::parse(ISSUES[uniform(rng, ISSUES.len())])?;
    let actor = PrincipalId::User(agent);
    let raised = Ticket {
        id: TicketId::new(),
        customer_id: customer,
        subject: Subject::from_issue(&issue),
        issue,
        status: TicketStatus::Open,
        priority: Priority::ALL[uniform(rng, Priority::ALL.len())],
        assignee_id: Some(agent),
        channel: Channel::ALL[uniform(rng, Channel::ALL.len())],
        created_at: at,
        updated_at: at,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        first_response_seconds: None,
        resolution_seconds: None,
        version: Version::FIRST,
    };
    let event = |ticket: &Ticket, from: Option<TicketStatus>, at: Timestamp| TicketEvent {
        ticket_id: ticket.id,
        from,
        to: ticket.status,
        at,
        actor,
    };
    let first_event = event(&raised, None, at);
    let mut steps = Vec::new();
    let mut ticket = raised.clone();
    let mut when = at;
    let mut later = |rng: &mut StdRng, minutes: std::ops::RangeInclusive<i64>| {
        let next = when.as_millis() + rng.random_range(minutes) * 60_000;
        when = Timestamp::from_millis(next.min(now.as_millis())).unwrap_or(now);
        when
    };
    let change = |ticket: &mut Ticket, steps: &mut Vec<TicketStep>, to, at| {
        let from = ticket.status;
        *ticket = ticket.transitioned(to, at);
        steps.push(TicketStep::Change(
            ticket.clone(),
            event(ticket, Some(from), at),
        ));
    };
    let answered = later(rng, 5..=600);
    let comment = Comment {
        id: CommentId::new(),
        ticket_id: ticket.id,
        author: actor,
        body: LongText::parse("Thanks, we are looking into it.")?,
        internal: false,
        created_at: answered,
    };
    let answer = ticket.first_response(answered);
    if let Some(next) = answer.and_then(|answer| ticket.with_first_response(answer)) {
        ticket = next;
    }
    steps.push(TicketStep::Comment(comment, answer));
    if open {
        if rng.random_range(0..2) == 0 {
            let at = later(rng, 1..=60);
            change(&mut ticket, &mut steps, TicketStatus::InProgress, at);
        }
        return Ok(TicketHistory {
            raised: (raised, first_event),
            steps,
        });
    }
    let at = later(rng, 30..=5 * 24 * 60);
    change(&mut ticket, &mut steps, TicketStatus::Resolved, at);
    if rng.random_range(0..10) == 0 {
        let at = later(rng, 60..=3 * 24 * 60);
        change(&mut ticket, &mut steps, TicketStatus::Reopened, at);
        let at = later(rng, 30..=2 * 24 * 60);
        change(&mut ticket, &mut steps, TicketStatus::Resolved, at);
    }
    if rng.random_range(0..2) == 0 {
        let at = later(rng, 24 * 60..=7 * 24 * 60);
        change(&mut ticket, &mut steps, TicketStatus::Closed, at);
    }
    Ok(TicketHistory {
        raised: (raised, first_event),
        steps,
    })
}
