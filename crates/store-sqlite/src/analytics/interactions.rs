//! `InteractionSource`: interactions per period, kind and status.

use std::collections::BTreeMap;

use crm_analytics::{CountRequest, InteractionCount, InteractionKind, InteractionStatus};
use crm_kernel::BackendError;
use rusqlite::{Connection, Row};

use super::query::{Counters, count, counter_rows, exact_rows};
use super::scope::CounterScope;
use super::slices::SliceSet;

pub(super) const COUNTERS: Counters<'static> = Counters {
    table: "report_interactions",
    totals: Some("report_interaction_totals"),
    select: "r.kind, r.status, sum(r.n * (s.value ->> 3))",
    group: ", 2, 3",
};

pub(super) const EXACT: (&str, &str) = ("SELECT s.value ->> 0, i.kind, i.status, count(*) FROM json_each(?1) s \
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
    let mut rows: Vec<(Key, u64)> = Vec::new();
    if let Some(json) = &slices.counters {
        let scope = CounterScope::of(&request.scope)?;
        rows.extend(counter_rows(conn, json, &scope, &COUNTERS, read_count)?);
    }
    if let Some(json) = &slices.exact {
        rows.extend(exact_rows(conn, json, &request.scope, EXACT, read_count)?);
    }
    let mut sums: BTreeMap<Key, u64> = BTreeMap::new();
    for (key, n) in rows {
        if key.0 >= request.periods.len() {
            return Err(BackendError::msg("a counter row of an unknown period"));
        }
        *sums.entry(key).or_default() += n;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((period, kind, status), count)| InteractionCount {
            period,
            kind,
            status,
            count,
        })
        .collect())
}

fn read_count(period: usize, row: &Row<'_>) -> rusqlite::Result<(Key, u64)> {
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
    Ok(((period, kind, status), count(row, 3)?))
}
