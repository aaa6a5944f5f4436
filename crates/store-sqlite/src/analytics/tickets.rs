//! `TicketSource`: ticket flow, backlog and durations per period.

use crm_analytics::{CountRequest, DurationHistogram, Slice, TicketCounts, TicketPeriodCounts};
use crm_kernel::BackendError;
use rusqlite::{Connection, Row};

use super::query::{Counters, Slot, counter_rows, exact_rows, instant, total};
use super::scope::CounterScope;
use super::slices::SliceSet;

pub(super) const FLOW: Counters<'static> = Counters {
    table: "report_tickets",
    totals: Some("report_ticket_totals"),
    select: "r.opened, r.resolved, r.reopened",
};

pub(super) const DURATIONS: Counters<'static> = Counters {
    table: "report_ticket_durations",
    totals: Some("report_ticket_duration_totals"),
    select: "r.measure = 'resolution', r.minutes, r.n",
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

/// Opened, resolved, reopened in a period (signed: a range taken away).
type Flow = (usize, i64, i64, i64);

/// The ticket figures of customers in scope.
pub(crate) fn ticket_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<TicketCounts, BackendError> {
    let scope = CounterScope::of(&request.scope)?;
    let mut periods = vec![TicketPeriodCounts::default(); request.periods.len()];
    let mut sums = vec![(0_i64, 0_i64, 0_i64); periods.len()];
    for (p, opened, resolved, reopened) in flow(conn, request, &scope, &request.slices)? {
        let sum = sums
            .get_mut(p)
            .ok_or_else(|| BackendError::msg("a counter row of an unknown period"))?;
        sum.0 += opened;
        sum.1 += resolved;
        sum.2 += reopened;
    }
    for (c, (opened, resolved, reopened)) in periods.iter_mut().zip(sums) {
        c.opened = total(opened);
        c.resolved = total(resolved);
        c.reopened = total(reopened);
    }
    let slices = SliceSet::new(&request.slices);
    let mut rows = Vec::new();
    rows.extend(counter_rows(
        conn,
        &slices,
        &scope,
        &DURATIONS,
        |slot, row| {
            let minutes = u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0);
            Ok((
                slot.period,
                row.get::<_, bool>(1)?,
                minutes,
                row.get::<_, i64>(3)? * slot.sign,
            ))
        },
    )?);
    if let Some(json) = &slices.exact {
        for sql in [EXACT_RESOLUTIONS, EXACT_FIRST_RESPONSES] {
            rows.extend(exact_rows(conn, json, &request.scope, sql, |p, row| {
                let end = instant(row, 2, "tickets duration end")?;
                let start = instant(row, 3, "tickets.created_at")?;
                Ok((
                    p,
                    row.get::<_, bool>(1)?,
                    end.since(start).as_secs() / 60,
                    1,
                ))
            })?);
        }
    }
    // Each period's and measure's rows apart (by period, as a counting
    // sort would), then each part's histogram: cheaper than one sort of the
    // hundred thousand rows of a long range.
    let mut parts: Vec<Vec<(u64, i64)>> = vec![Vec::new(); periods.len() * 2];
    for (p, resolution, minutes, n) in rows {
        parts
            .get_mut(p * 2 + usize::from(resolution))
            .ok_or_else(|| BackendError::msg("a counter row of an unknown period"))?
            .push((minutes, n));
    }
    for (c, measures) in periods.iter_mut().zip(parts.chunks_mut(2)) {
        if let [first_response, resolution] = measures {
            c.first_response = histogram(first_response);
            c.resolution = histogram(resolution);
        }
    }
    let mut backlog: i64 = 0;
    for (_, opened, resolved, reopened) in flow(conn, request, &scope, &request.lead_in)? {
        backlog += opened + reopened - resolved;
    }
    Ok(TicketCounts {
        backlog_at_start: total(backlog),
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
    out.extend(counter_rows(conn, &set, scope, &FLOW, read_flow)?);
    if let Some(json) = &set.exact {
        for sql in [EXACT_OPENED, EXACT_EVENTS] {
            out.extend(exact_rows(
                conn,
                json,
                &request.scope,
                sql,
                |period, row| read_flow(Slot { period, sign: 1 }, row),
            )?);
        }
    }
    Ok(out)
}

fn read_flow(slot: Slot, row: &Row<'_>) -> rusqlite::Result<Flow> {
    let n = |index: usize| -> rusqlite::Result<i64> { Ok(row.get::<_, i64>(index)? * slot.sign) };
    Ok((slot.period, n(1)?, n(2)?, n(3)?))
}

/// The histogram of one period's and measure's counter rows `(minutes, n)`:
/// sorted by minutes, each minute's rows added up (ranges taken away carry
/// -1), then built at once.
fn histogram(rows: &mut [(u64, i64)]) -> DurationHistogram {
    rows.sort_unstable_by_key(|&(minutes, _)| minutes);
    DurationHistogram::from_buckets(rows.chunk_by(|a, b| a.0 == b.0).map(|run| {
        let minutes = run.first().map_or(0, |&(m, _)| m);
        (minutes, total(run.iter().map(|&(_, n)| n).sum()))
    }))
}
