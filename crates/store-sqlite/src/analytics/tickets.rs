//! `TicketSource`: ticket flow, backlog and durations per period.

use crm_analytics::{CountRequest, Slice, TicketCounts, TicketPeriodCounts};
use crm_kernel::BackendError;
use rusqlite::{Connection, Row};

use super::query::{Counters, count, counter_rows, exact_rows, instant};
use super::scope::CounterScope;
use super::slices::SliceSet;

pub(super) const FLOW: Counters<'static> = Counters {
    table: "report_tickets",
    totals: None,
    select: "sum(r.opened * (s.value ->> 3)), sum(r.resolved * (s.value ->> 3)), \
             sum(r.reopened * (s.value ->> 3))",
    group: "",
};

pub(super) const DURATIONS: Counters<'static> = Counters {
    table: "report_ticket_durations",
    totals: None,
    select: "r.measure = 'resolution', r.minutes, sum(r.n * (s.value ->> 3))",
    group: ", 2, 3",
};

pub(super) const EXACT_OPENED: (&str, &str) = (
    "SELECT s.value ->> 0, count(*), 0, 0 FROM json_each(?1) s \
     CROSS JOIN tickets t ON t.created_at >= s.value ->> 1 AND t.created_at < s.value ->> 2 \
     CROSS JOIN customers c ON c.id = t.customer_id WHERE 1",
    "GROUP BY 1",
);

pub(super) const EXACT_EVENTS: (&str, &str) = (
    "SELECT s.value ->> 0, 0, sum(e.to_status = 'resolved'), sum(e.to_status = 'reopened') \
     FROM json_each(?1) s \
     CROSS JOIN ticket_events e ON e.at >= s.value ->> 1 AND e.at < s.value ->> 2 \
     CROSS JOIN tickets t ON t.id = e.ticket_id CROSS JOIN customers c ON c.id = t.customer_id \
     WHERE e.to_status IN ('resolved', 'reopened')",
    "GROUP BY 1",
);

/// Instants of the durations in exact slices: resolution (1) or first
/// response (0), the end and the ticket's creation.
pub(super) const EXACT_RESOLUTIONS: (&str, &str) = (
    "SELECT s.value ->> 0, 1, e.at, t.created_at FROM json_each(?1) s \
     CROSS JOIN ticket_events e ON e.at >= s.value ->> 1 AND e.at < s.value ->> 2 \
     CROSS JOIN tickets t ON t.id = e.ticket_id CROSS JOIN customers c ON c.id = t.customer_id \
     WHERE e.to_status = 'resolved'",
    "",
);

pub(super) const EXACT_FIRST_RESPONSES: (&str, &str) = (
    "SELECT s.value ->> 0, 0, t.first_response_at, t.created_at FROM json_each(?1) s \
     CROSS JOIN tickets t ON t.first_response_at >= s.value ->> 1 \
          AND t.first_response_at < s.value ->> 2 \
     CROSS JOIN customers c ON c.id = t.customer_id WHERE 1",
    "",
);

/// Opened, resolved, reopened per period.
type Flow = (usize, u64, u64, u64);

/// The ticket figures of customers in scope.
pub(crate) fn ticket_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<TicketCounts, BackendError> {
    let scope = CounterScope::of(&request.scope)?;
    let mut periods = vec![TicketPeriodCounts::default(); request.periods.len()];
    for (p, opened, resolved, reopened) in flow(conn, request, &scope, &request.slices)? {
        let c = period(&mut periods, p)?;
        c.opened += opened;
        c.resolved += resolved;
        c.reopened += reopened;
    }
    let slices = SliceSet::new(&request.slices);
    let mut durations = Vec::new();
    if let Some(json) = &slices.counters {
        durations.extend(counter_rows(conn, json, &scope, &DURATIONS, |p, row| {
            Ok((p, row.get::<_, bool>(1)?, count(row, 2)?, count(row, 3)?))
        })?);
    }
    if let Some(json) = &slices.exact {
        for sql in [EXACT_RESOLUTIONS, EXACT_FIRST_RESPONSES] {
            durations.extend(exact_rows(conn, json, &request.scope, sql, |p, row| {
                let end = instant(row, 2, "tickets duration end")?;
                let start = instant(row, 3, "tickets.created_at")?;
                Ok((p, row.get::<_, bool>(1)?, end.since(start).as_secs() / 60, 1))
            })?);
        }
    }
    for (p, resolution, minutes, n) in durations {
        let c = period(&mut periods, p)?;
        let histogram = if resolution {
            &mut c.resolution
        } else {
            &mut c.first_response
        };
        histogram.add_bucket(minutes, n);
    }
    let mut backlog: i128 = 0;
    for (_, opened, resolved, reopened) in flow(conn, request, &scope, &request.lead_in)? {
        backlog += i128::from(opened) + i128::from(reopened) - i128::from(resolved);
    }
    Ok(TicketCounts {
        backlog_at_start: u64::try_from(backlog.max(0)).unwrap_or(u64::MAX),
        periods,
    })
}

/// Opened, resolved and reopened in each of `slices`, per period.
fn flow(
    conn: &Connection,
    request: &CountRequest,
    scope: &CounterScope,
    slices: &[Slice],
) -> Result<Vec<Flow>, BackendError> {
    let set = SliceSet::new(slices);
    let mut out = Vec::new();
    if let Some(json) = &set.counters {
        out.extend(counter_rows(conn, json, scope, &FLOW, read_flow)?);
    }
    if let Some(json) = &set.exact {
        for sql in [EXACT_OPENED, EXACT_EVENTS] {
            out.extend(exact_rows(conn, json, &request.scope, sql, read_flow)?);
        }
    }
    Ok(out)
}

fn read_flow(p: usize, row: &Row<'_>) -> rusqlite::Result<Flow> {
    Ok((p, count(row, 1)?, count(row, 2)?, count(row, 3)?))
}

fn period(
    periods: &mut [TicketPeriodCounts],
    p: usize,
) -> Result<&mut TicketPeriodCounts, BackendError> {
    periods
        .get_mut(p)
        .ok_or_else(|| BackendError::msg("a counter row of an unknown period"))
}
