//! `InteractionSource`: interactions per period, kind and status.

use std::collections::BTreeMap;

use crm_analytics::{CountRequest, InteractionCount, InteractionKind, InteractionStatus};
use crm_kernel::BackendError;
use rusqlite::{Connection, Row};

use super::query::{Counters, Slot, counter_rows, exact_rows, total};
use super::scope::CounterScope;
use super::slices::SliceSet;

pub(super) const COUNTERS: Counters<'static> = Counters {
    table: "report_interactions",
    totals: Some("report_interaction_totals"),
    select: "r.kind, r.status, r.n",
};

pub(super) const EXACT: (&str, &str) = (
    "SELECT s.value ->> 0, i.kind, i.status, count(*) FROM json_each(?1) s \
     CROSS JOIN interactions i ON i.date_time >= s.value ->> 1 AND i.date_time < s.value ->> 2 \
     CROSS JOIN customers c ON c.id = i.customer_id WHERE 1",
    "GROUP BY 1, 2, 3",
);

type Key = (usize, InteractionKind, InteractionStatus);

/// The interactions of customers in scope per period, kind and current status.
pub(crate) fn interaction_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<Vec<InteractionCount>, BackendError> {
    let slices = SliceSet::new(&request.slices);
    let mut rows: Vec<(Key, i64)> = Vec::new();
    let scope = CounterScope::of(&request.scope)?;
    rows.extend(counter_rows(conn, &slices, &scope, &COUNTERS, read_count)?);
    if let Some(json) = &slices.exact {
        rows.extend(exact_rows(
            conn,
            json,
            &request.scope,
            EXACT,
            |period, row| read_count(Slot { period, sign: 1 }, row),
        )?);
    }
    let mut sums: BTreeMap<Key, i64> = BTreeMap::new();
    for (key, n) in rows {
        if key.0 >= request.periods.len() {
            return Err(BackendError::msg("a counter row of an unknown period"));
        }
        *sums.entry(key).or_default() += n;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((period, kind, status), n)| InteractionCount {
            period,
            kind,
            status,
            count: total(n),
        })
        .collect())
}

fn read_count(slot: Slot, row: &Row<'_>) -> rusqlite::Result<(Key, i64)> {
    let kind: String = row.get(1)?;
    let status: String = row.get(2)?;
    let corrupt = |index: usize, text: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("unknown value {text:?}").into(),
        )
    };
    let kind = InteractionKind::parse(&kind).ok_or_else(|| corrupt(1, &kind))?;
    let status = InteractionStatus::parse(&status).ok_or_else(|| corrupt(2, &status))?;
    Ok((
        (slot.period, kind, status),
        row.get::<_, i64>(3)? * slot.sign,
    ))
}
