//! The statements every figures port runs: sums of counter rows over the
//! day and hour slices, and reads of records in the exact slices.

use crm_kernel::{BackendError, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use super::scope::{CounterScope, customer_condition};
use super::slices::SliceSet;
use crate::db::rows;

/// A counter table and what to read of it.
pub(crate) struct Counters<'a> {
    /// The table with a row per bucket, owner and company.
    pub(crate) table: &'a str,
    /// Its totals over every customer (same columns without owner and
    /// company, with month buckets besides days and hours), if there is one.
    pub(crate) totals: Option<&'a str>,
    /// The selected columns after the slice (`r.kind, r.status, r.n`).
    pub(crate) select: &'a str,
}

/// A counter row's slice: its period and whether its range adds (`1`) or
/// takes away (`-1`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// The period.
    pub(crate) period: usize,
    /// `1` or `-1`.
    pub(crate) sign: i64,
}

/// The counter rows of the day and hour slices of `set` over the scope:
/// one statement per scope branch, each an index range per slice, rows
/// handed to `map` with their slot and added up by the caller (no
/// `GROUP BY`: the rows arrive in slice order, and adding them in Rust is
/// cheaper than sorting them in SQLite). The branches are disjoint. A scope
/// of every customer reads the totals table, whole months as month buckets.
pub(crate) fn counter_rows<T>(
    conn: &Connection,
    set: &SliceSet,
    scope: &CounterScope,
    counters: &Counters<'_>,
    mut map: impl FnMut(Slot, &Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, BackendError> {
    let ranges = match (scope, counters.totals) {
        (CounterScope::Everything, Some(_)) => set.month_ranges(),
        _ => set.counter_ranges(),
    };
    let Some((slices, slots)) = ranges else {
        return Ok(Vec::new());
    };
    let mut map = |key: i64, row: &Row<'_>| {
        let slot = usize::try_from(key)
            .ok()
            .and_then(|k| slots.get(k))
            .copied()
            .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(0, key))?;
        map(slot, row)
    };
    let statements: Vec<(String, Vec<Value>)> = match scope {
        CounterScope::Nothing => Vec::new(),
        CounterScope::Everything => vec![(
            counter_sql(counters, counters.totals.unwrap_or(counters.table), "1"),
            Vec::new(),
        )],
        CounterScope::Branches(branches) => branches
            .iter()
            .map(|(condition, params)| {
                (
                    counter_sql(counters, counters.table, condition),
                    params.clone(),
                )
            })
            .collect(),
    };
    let mut out = Vec::new();
    for (sql, params) in statements {
        let mut all = vec![Value::Text(slices.to_owned())];
        all.extend(params);
        out.extend(read(conn, &sql, all, &mut map)?);
    }
    Ok(out)
}

/// The statement that reads `counters` of `table` under `condition`: the
/// slice's position in the JSON array (`s.key`), then the columns.
pub(crate) fn counter_sql(counters: &Counters<'_>, table: &str, condition: &str) -> String {
    format!(
        "SELECT s.key, {select} FROM json_each(?1) s \
         CROSS JOIN {table} r ON r.bucket >= s.value ->> 1 AND r.bucket < s.value ->> 2 \
         WHERE {condition}",
        select = counters.select,
    )
}

/// Records in the exact slices (`slices`, the JSON of exact slices): `sql`
/// reads the slices as `s` (`s.value ->> 1` and `->> 2` are the bounds) and
/// the customer as `c`, and ends with a `WHERE` clause to which the scope is
/// added, then `tail` (a `GROUP BY`, or nothing); its first column is the period.
pub(crate) fn exact_rows<T>(
    conn: &Connection,
    slices: &str,
    scope: &crm_analytics::ReportScope,
    (sql, tail): (&str, &str),
    mut map: impl FnMut(usize, &Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, BackendError> {
    let mut map = |period: i64, row: &Row<'_>| {
        let period = usize::try_from(period)
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, period))?;
        map(period, row)
    };
    let Some((condition, params)) = customer_condition(scope)? else {
        return Ok(Vec::new());
    };
    let mut all = vec![Value::Text(slices.to_owned())];
    all.extend(params);
    read(
        conn,
        &format!("{sql} AND {condition} {tail}"),
        all,
        &mut map,
    )
}

/// Runs `sql` with `params`; `map` gets the first column (an integer) and the row.
pub(crate) fn read<T>(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
    map: &mut impl FnMut(i64, &Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, BackendError> {
    stream(conn, sql, params, map, |rows| rows.collect())
}

/// [`read`] without collecting the rows: `consume` takes them as they come.
/// The rows stop at the first error, which is returned instead of what
/// `consume` made of the rows before it.
pub(crate) fn stream<T, R>(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
    map: &mut impl FnMut(i64, &Row<'_>) -> rusqlite::Result<T>,
    consume: impl FnOnce(&mut dyn Iterator<Item = T>) -> R,
) -> Result<R, BackendError> {
    let mut statement = conn.prepare_cached(sql).map_err(BackendError::new)?;
    let mut failure = None;
    let value = {
        let rows = statement
            .query_map(params_from_iter(params), |row| map(row.get(0)?, row))
            .map_err(BackendError::new)?;
        let mut items = rows.map_while(|row| row.map_err(|e| failure = Some(e)).ok());
        consume(&mut items)
    };
    #[cfg(test)]
    visits::count(&statement);
    match failure {
        Some(error) => Err(BackendError::new(error)),
        None => Ok(value),
    }
}

/// A sum of signed counter values as `u64`: the ranges taken away are inside
/// ranges added, so a complete sum is never below zero.
pub(crate) fn total(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// An instant column.
pub(crate) fn instant(
    row: &Row<'_>,
    index: usize,
    column: &'static str,
) -> rusqlite::Result<Timestamp> {
    let text = row.get_ref(index)?.as_str()?;
    rows::timestamp(column, text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
    })
}

/// An instant column that may be NULL.
pub(crate) fn optional_instant(
    row: &Row<'_>,
    index: usize,
    column: &'static str,
) -> rusqlite::Result<Option<Timestamp>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => instant(row, index, column).map(Some),
    }
}

/// What the statements of this thread visited, for the tests that show a
/// report does not read every record.
#[cfg(test)]
pub(crate) mod visits {
    use std::cell::Cell;

    use rusqlite::{Statement, StatementStatus};

    thread_local! {
        static STEPS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    /// Adds the statement's virtual machine steps and full-scan steps, and resets them.
    pub(crate) fn count(statement: &Statement<'_>) {
        let vm = u64::try_from(statement.reset_status(StatementStatus::VmStep)).unwrap_or(0);
        let scan =
            u64::try_from(statement.reset_status(StatementStatus::FullscanStep)).unwrap_or(0);
        STEPS.with(|steps| {
            let (a, b) = steps.get();
            steps.set((a + vm, b + scan));
        });
    }

    /// The (VM steps, full-scan steps) counted since the last call, and resets them.
    pub(crate) fn take() -> (u64, u64) {
        STEPS.with(|steps| steps.replace((0, 0)))
    }
}
