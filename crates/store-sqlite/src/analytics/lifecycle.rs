//! `LifecycleSource`: customers created, won and churned from counters;
//! leads from counters of journeys begun and qualified (migration 0010),
//! corrected by the journeys of customers with several journeys that touch
//! the range; prospects, conversions and their durations from the journeys
//! qualified in the range (those of customers with one journey counted
//! without telling customers apart, the repeat customers' with).
//! Customers still leads are counted, never read.

use crm_analytics::{
    CountRequest, JourneyFlow, JourneyRecord, LifecycleCounts, SingleQualified, Slice, Span,
    add_leads_from_flows, add_qualified, add_qualified_single,
};
use crm_kernel::{BackendError, CustomerId};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::query::{
    Counters, Slot, counter_rows, exact_rows, instant, optional_instant, stream, total,
};
use super::scope::{CounterScope, customer_condition};
use super::slices::SliceSet;
use crate::db::rows;

pub(super) const CHANGES: Counters<'static> = Counters {
    table: "report_customers",
    totals: Some("report_customer_totals"),
    select: "r.created, r.won, r.churned",
};

pub(super) const EXACT_CHANGES: (&str, &str) = (
    "SELECT s.value ->> 0, sum(x.from_status IS NULL), \
            sum(x.from_status IS NOT NULL AND x.to_status = 'customer'), \
            sum(x.from_status IS NOT NULL AND x.to_status = 'churned') \
     FROM json_each(?1) s \
     CROSS JOIN customer_status_changes x ON x.at >= s.value ->> 1 AND x.at < s.value ->> 2 \
     CROSS JOIN customers c ON c.id = x.customer_id WHERE 1",
    "GROUP BY 1",
);

/// Journeys begun (at `lead_at`) and qualified (at `prospect_at`) per
/// bucket (migration 0010).
pub(super) const LEADS: Counters<'static> = Counters {
    table: "report_leads",
    totals: Some("report_lead_totals"),
    select: "r.begun, r.qualified",
};

/// Journeys begun in exact slices (the `report_journeys_by_lead_at` index).
pub(super) const EXACT_BEGUN: (&str, &str) = (
    "SELECT s.value ->> 0, count(*), 0 FROM json_each(?1) s \
     CROSS JOIN report_journeys j ON j.lead_at >= s.value ->> 1 AND j.lead_at < s.value ->> 2 \
     CROSS JOIN customers c ON c.id = j.customer_id WHERE 1",
    "GROUP BY 1",
);

/// Journeys qualified in exact slices (`report_journeys_by_prospect_at`).
pub(super) const EXACT_QUALIFIED: (&str, &str) = (
    "SELECT s.value ->> 0, 0, count(*) FROM json_each(?1) s \
     CROSS JOIN report_journeys j \
          ON j.prospect_at >= s.value ->> 1 AND j.prospect_at < s.value ->> 2 \
     CROSS JOIN customers c ON c.id = j.customer_id WHERE 1",
    "GROUP BY 1",
);

/// The journeys qualified in `[?1, ?2)` of customers in scope with no
/// other journey (not `repeat`), read from the covering
/// `report_journeys_by_prospect_at` index: all that prospects, conversions
/// and their durations need of them. Repeat customers' journeys come from
/// [`REPEAT`].
pub(super) const QUALIFIED: &str = "SELECT 0, j.lead_at, j.prospect_at, j.customer_at \
     FROM report_journeys j CROSS JOIN customers c ON c.id = j.customer_id \
     WHERE j.prospect_at >= ?1 AND j.prospect_at < ?2 AND j.repeat = 0";

/// [`QUALIFIED`] over every customer: no customer to read per journey.
pub(super) const QUALIFIED_ALL: &str = "SELECT 0, j.lead_at, j.prospect_at, j.customer_at \
     FROM report_journeys j WHERE j.prospect_at >= ?1 AND j.prospect_at < ?2 AND j.repeat = 0";

/// The journeys of customers with several journeys that touch `[?1, ?2)`:
/// a lead before its end, not qualified before its start (the partial
/// index `report_journeys_repeat_by_lead_end`).
pub(super) const REPEAT: &str = "SELECT 0, j.customer_id, j.lead_at, j.prospect_at, \
     j.customer_at FROM report_journeys j CROSS JOIN customers c ON c.id = j.customer_id \
     WHERE j.repeat = 1 AND coalesce(j.prospect_at, '~') >= ?1 AND j.lead_at < ?2";

/// [`REPEAT`] over every customer.
pub(super) const REPEAT_ALL: &str = "SELECT 0, j.customer_id, j.lead_at, j.prospect_at, \
     j.customer_at FROM report_journeys j \
     WHERE j.repeat = 1 AND coalesce(j.prospect_at, '~') >= ?1 AND j.lead_at < ?2";

/// The lifecycle figures of customers in scope.
pub(crate) fn lifecycle_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<LifecycleCounts, BackendError> {
    let mut counts = LifecycleCounts::zeros(request.periods.len());
    let Some(range) = request.range() else {
        return Ok(counts);
    };
    let scope = CounterScope::of(&request.scope)?;
    add_changes(conn, request, &scope, &mut counts)?;
    if customer_condition(&request.scope)?.is_none() {
        return Ok(counts);
    }
    let flows = flows(
        conn,
        request,
        &scope,
        &request.slices,
        request.periods.len(),
    )?;
    let lead_in = flows_before(conn, request, &scope)?;
    let repeat = journeys(
        conn,
        request,
        &scope,
        range,
        (REPEAT_ALL, REPEAT),
        read_journey,
        |rows| rows.collect::<Vec<_>>(),
    )?;
    add_leads_from_flows(&mut counts, lead_in, &flows, &repeat, request);
    // Tens of thousands over a long range: counted as they are read.
    journeys(
        conn,
        request,
        &scope,
        range,
        (QUALIFIED_ALL, QUALIFIED),
        read_single,
        |rows| add_qualified_single(&mut counts, rows, request),
    )?;
    add_qualified(&mut counts, &repeat, request);
    Ok(counts)
}

/// Adds the customers created, won and churned in each period and in the range.
fn add_changes(
    conn: &Connection,
    request: &CountRequest,
    scope: &CounterScope,
    counts: &mut LifecycleCounts,
) -> Result<(), BackendError> {
    let slices = SliceSet::new(&request.slices);
    let mut changes = Vec::new();
    changes.extend(counter_rows(conn, &slices, scope, &CHANGES, read_changes)?);
    if let Some(json) = &slices.exact {
        changes.extend(exact_rows(
            conn,
            json,
            &request.scope,
            EXACT_CHANGES,
            |period, row| read_changes(Slot { period, sign: 1 }, row),
        )?);
    }
    let mut sums = vec![(0_i64, 0_i64, 0_i64); counts.periods.len()];
    for (p, created, won, churned) in changes {
        let sum = sums
            .get_mut(p)
            .ok_or_else(|| BackendError::msg("a counter row of an unknown period"))?;
        sum.0 += created;
        sum.1 += won;
        sum.2 += churned;
    }
    for (span, (created, won, churned)) in counts.periods.iter_mut().zip(sums) {
        span.created = total(created);
        span.won = total(won);
        span.churned = total(churned);
        counts.total.created += span.created;
        counts.total.won += span.won;
        counts.total.churned += span.churned;
    }
    Ok(())
}

/// Journeys begun and qualified in each of `len` periods, from the counters
/// of the day and hour slices of `slices` and the journeys of its exact ones.
fn flows(
    conn: &Connection,
    request: &CountRequest,
    scope: &CounterScope,
    slices: &[Slice],
    len: usize,
) -> Result<Vec<JourneyFlow>, BackendError> {
    let set = SliceSet::new(slices);
    let mut rows = counter_rows(conn, &set, scope, &LEADS, read_flow)?;
    if let Some(json) = &set.exact {
        for sql in [EXACT_BEGUN, EXACT_QUALIFIED] {
            rows.extend(exact_rows(
                conn,
                json,
                &request.scope,
                sql,
                |period, row| read_flow(Slot { period, sign: 1 }, row),
            )?);
        }
    }
    let mut flows = vec![JourneyFlow::default(); len];
    for (p, begun, qualified) in rows {
        let flow = flows
            .get_mut(p)
            .ok_or_else(|| BackendError::msg("a counter row of an unknown period"))?;
        flow.begun += begun;
        flow.qualified += qualified;
    }
    Ok(flows)
}

/// Journeys begun and qualified before the first period (the lead-in from
/// 1970, whose slices all carry period 0).
fn flows_before(
    conn: &Connection,
    request: &CountRequest,
    scope: &CounterScope,
) -> Result<JourneyFlow, BackendError> {
    Ok(flows(conn, request, scope, &request.lead_in, 1)?
        .first()
        .copied()
        .unwrap_or_default())
}

/// The journeys of customers in scope that `(all, scoped)` reads over
/// `range` (`all` for every customer, else `scoped` and the scope's
/// condition), each read by `read_row`, given to `consume` as they come
/// (none when the scope holds no customer).
fn journeys<T, R>(
    conn: &Connection,
    request: &CountRequest,
    scope: &CounterScope,
    range: Span,
    (all, scoped): (&str, &str),
    read_row: fn(&Row<'_>) -> rusqlite::Result<T>,
    consume: impl FnOnce(&mut dyn Iterator<Item = T>) -> R,
) -> Result<R, BackendError> {
    let Some((condition, scope_params)) = customer_condition(&request.scope)? else {
        return Ok(consume(&mut std::iter::empty()));
    };
    let mut params = vec![
        Value::Text(range.start.to_rfc3339()),
        Value::Text(range.end.to_rfc3339()),
    ];
    params.extend(scope_params);
    let sql = if matches!(scope, CounterScope::Everything) {
        all.to_owned()
    } else {
        format!("{scoped} AND {condition}")
    };
    stream(conn, &sql, params, &mut |_, row| read_row(row), consume)
}

fn read_flow(slot: Slot, row: &Row<'_>) -> rusqlite::Result<(usize, i64, i64)> {
    let n = |index: usize| -> rusqlite::Result<i64> { Ok(row.get::<_, i64>(index)? * slot.sign) };
    Ok((slot.period, n(1)?, n(2)?))
}

fn read_changes(slot: Slot, row: &Row<'_>) -> rusqlite::Result<(usize, i64, i64, i64)> {
    let n = |index: usize| -> rusqlite::Result<i64> { Ok(row.get::<_, i64>(index)? * slot.sign) };
    Ok((slot.period, n(1)?, n(2)?, n(3)?))
}

fn read_single(row: &Row<'_>) -> rusqlite::Result<SingleQualified> {
    Ok(SingleQualified {
        lead_at: instant(row, 1, "report_journeys.lead_at")?,
        prospect_at: instant(row, 2, "report_journeys.prospect_at")?,
        customer_at: optional_instant(row, 3, "report_journeys.customer_at")?,
    })
}

fn read_journey(row: &Row<'_>) -> rusqlite::Result<JourneyRecord> {
    let customer: String = row.get(1)?;
    let customer = rows::decode("report_journeys.customer_id", &customer, CustomerId::parse)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?;
    Ok(JourneyRecord {
        customer,
        lead_at: instant(row, 2, "report_journeys.lead_at")?,
        prospect_at: optional_instant(row, 3, "report_journeys.prospect_at")?,
        customer_at: optional_instant(row, 4, "report_journeys.customer_at")?,
    })
}
