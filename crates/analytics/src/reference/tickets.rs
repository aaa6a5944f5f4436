//! Ticket flow counted from records.

use crm_kernel::Timestamp;

use super::{TicketRecord, TicketTransition};
use crate::counts::{TicketCounts, TicketPeriodCounts};
use crate::plan::CountRequest;
use crate::scope::ReportScope;

/// Opened, resolved, reopened and the durations per period, and the backlog
/// at the start of the first period, over tickets of customers in scope.
#[must_use]
pub fn ticket_counts(records: &[TicketRecord], request: &CountRequest) -> TicketCounts {
    let mut periods = vec![TicketPeriodCounts::default(); request.periods.len()];
    for ticket in records
        .iter()
        .filter(|t| request.scope.includes(&t.customer))
    {
        if let Some(p) = request.period_of(ticket.created_at) {
            periods[p].opened += 1;
        }
        if let Some(at) = ticket.first_response_at
            && let Some(p) = request.period_of(at)
        {
            periods[p]
                .first_response
                .record(at.since(ticket.created_at).as_secs());
        }
        for &(transition, at) in &ticket.transitions {
            let Some(p) = request.period_of(at) else {
                continue;
            };
            match transition {
                TicketTransition::Resolved => {
                    periods[p].resolved += 1;
                    periods[p]
                        .resolution
                        .record(at.since(ticket.created_at).as_secs());
                }
                TicketTransition::Reopened => periods[p].reopened += 1,
                TicketTransition::Other => {}
            }
        }
    }
    let backlog_at_start = request
        .periods
        .first()
        .map_or(0, |first| backlog_at(records, &request.scope, first.start));
    TicketCounts {
        backlog_at_start,
        periods,
    }
}

/// Tickets of customers in scope that are in the backlog at `at`: raised
/// before it, and whose last resolution or reopening before it (if any) was
/// a reopening.
#[must_use]
pub fn backlog_at(records: &[TicketRecord], scope: &ReportScope, at: Timestamp) -> u64 {
    let in_backlog = |ticket: &&TicketRecord| {
        ticket.created_at < at
            && ticket
                .transitions
                .iter()
                .filter(|(t, when)| *when < at && *t != TicketTransition::Other)
                .max_by_key(|(_, when)| *when)
                .is_none_or(|(t, _)| *t == TicketTransition::Reopened)
    };
    let count = records
        .iter()
        .filter(|t| scope.includes(&t.customer))
        .filter(in_backlog)
        .count();
    u64::try_from(count).unwrap_or(u64::MAX)
}
