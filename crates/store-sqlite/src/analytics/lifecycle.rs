//! `LifecycleSource`: customers created, won and churned from counters;
//! conversion and the funnel from the lead journeys that touch the range.

use crm_analytics::{
    CountRequest, JourneyRecord, LifecycleCounts, LifecycleSpanCounts, add_journeys,
};
use crm_kernel::{BackendError, CustomerId};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::query::{Counters, Slot, counter_rows, exact_rows, instant, read, total};
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

/// The journeys that touch `[?1, ?2)`: a lead before its end, not qualified
/// before its start (the `report_journeys_by_lead_end` index).
pub(super) const JOURNEYS: &str = "SELECT 0, j.customer_id, j.lead_at, j.prospect_at, j.customer_at \
     FROM report_journeys j CROSS JOIN customers c ON c.id = j.customer_id \
     WHERE coalesce(j.prospect_at, '~') >= ?1 AND j.lead_at < ?2";

/// [`JOURNEYS`] over every customer: no customer to read per journey.
pub(super) const JOURNEYS_ALL: &str = "SELECT 0, j.customer_id, j.lead_at, j.prospect_at, j.customer_at \
     FROM report_journeys j WHERE coalesce(j.prospect_at, '~') >= ?1 AND j.lead_at < ?2";

/// The lifecycle figures of customers in scope.
pub(crate) fn lifecycle_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<LifecycleCounts, BackendError> {
    let mut counts = LifecycleCounts {
        total: LifecycleSpanCounts::default(),
        periods: vec![LifecycleSpanCounts::default(); request.periods.len()],
    };
    let Some(range) = request.range() else {
        return Ok(counts);
    };
    let slices = SliceSet::new(&request.slices);
    let mut changes = Vec::new();
    let scope = CounterScope::of(&request.scope)?;
    changes.extend(counter_rows(conn, &slices, &scope, &CHANGES, read_changes)?);
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
    let Some((condition, scope_params)) = customer_condition(&request.scope)? else {
        return Ok(counts);
    };
    let mut params = vec![
        Value::Text(range.start.to_rfc3339()),
        Value::Text(range.end.to_rfc3339()),
    ];
    params.extend(scope_params);
    let sql = if matches!(scope, CounterScope::Everything) {
        JOURNEYS_ALL.to_owned()
    } else {
        format!("{JOURNEYS} AND {condition}")
    };
    let journeys = read(conn, &sql, params, &mut |_, row| read_journey(row))?;
    add_journeys(&mut counts, &journeys, request);
    Ok(counts)
}

fn read_changes(slot: Slot, row: &Row<'_>) -> rusqlite::Result<(usize, i64, i64, i64)> {
    let n = |index: usize| -> rusqlite::Result<i64> { Ok(row.get::<_, i64>(index)? * slot.sign) };
    Ok((slot.period, n(1)?, n(2)?, n(3)?))
}

fn read_journey(row: &Row<'_>) -> rusqlite::Result<JourneyRecord> {
    let customer: String = row.get(1)?;
    let customer = rows::decode("report_journeys.customer_id", &customer, CustomerId::parse)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?;
    let optional = |index: usize| -> rusqlite::Result<Option<crm_kernel::Timestamp>> {
        match row.get::<_, Option<String>>(index)? {
            None => Ok(None),
            Some(_) => instant(row, index, "report_journeys instant").map(Some),
        }
    };
    Ok(JourneyRecord {
        customer,
        lead_at: instant(row, 2, "report_journeys.lead_at")?,
        prospect_at: optional(3)?,
        customer_at: optional(4)?,
    })
}
