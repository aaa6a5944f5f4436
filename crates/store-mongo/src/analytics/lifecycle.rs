//! `LifecycleSource`: customers created, won and churned, read from the
//! customer counters (`counters.rs`, status changes per UTC hour, day and
//! month and the statuses changed from and to), summed by the database per
//! period; exact slices (under an hour) are counted from the status
//! changes in them (`customer_status_changes_by_at`). Conversion and the
//! funnel are counted by the database over the lead journeys
//! (`super::journeys`).

use crm_analytics::{CountRequest, LifecycleCounts};
use crm_kernel::BackendError;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::buckets::SliceRanges;
use crate::analytics::counters::CUSTOMERS;
use crate::analytics::query::{
    CounterScope, conjunction, count_of, in_scope, period_index, period_of,
};
use crate::db::names;

/// The aggregations counting the status changes of the range per period,
/// first change (`created`) and status, each with its collection: one per
/// bucket grain on a counter collection, and those of the exact slices on
/// `customer_status_changes`.
pub(crate) fn changes_pipelines(
    request: &CountRequest,
) -> Result<Vec<(&'static str, Vec<Document>)>, BackendError> {
    let (collection, scope) = match CounterScope::of(&request.scope)? {
        CounterScope::Nothing => return Ok(Vec::new()),
        CounterScope::Everything => (CUSTOMERS.totals, Vec::new()),
        CounterScope::Keyed(conditions) => (CUSTOMERS.keyed, conditions),
    };
    let ranges = SliceRanges::new(&request.slices, collection == CUSTOMERS.totals);
    let group = doc! { "$group": {
        "_id": {
            "p": period_index("at", request),
            "created": { "$eq": [{ "$ifNull": ["$f", Bson::Null] }, Bson::Null] },
            "to": "$s",
        },
        "n": { "$sum": "$n" },
    } };
    let mut out: Vec<(&'static str, Vec<Document>)> = ranges
        .counter_pipelines(&scope, &group)
        .into_iter()
        .map(|pipeline| (collection, pipeline))
        .collect();
    let Some(scope) = in_scope(&request.scope) else {
        return Ok(out);
    };
    for spans in ranges.exact_conditions("at") {
        let mut conditions = vec![spans];
        conditions.extend(scope.iter().cloned());
        out.push((
            names::STATUS_CHANGES,
            vec![
                doc! { "$match": conjunction(conditions) },
                doc! { "$group": {
                    "_id": {
                        "p": period_index("at", request),
                        "created": { "$eq": [{ "$ifNull": ["$from", Bson::Null] }, Bson::Null] },
                        "to": "$to",
                    },
                    "n": { "$sum": 1 },
                } },
            ],
        ));
    }
    Ok(out)
}

/// The created, won and churned counts of the groups, per period and in total.
pub(crate) fn read_changes(
    groups: &[Document],
    request: &CountRequest,
) -> Result<LifecycleCounts, BackendError> {
    let mut counts = LifecycleCounts::zeros(request.periods.len());
    for group in groups {
        let key = group
            .get_document("_id")
            .map_err(|_| BackendError::msg("a status change count without its key"))?;
        let Some(p) = period_of(key.get("p"), request) else {
            continue;
        };
        let n = count_of(group.get("n"), "of status changes")?;
        let span = &mut counts.periods[p];
        let total = &mut counts.total;
        if key.get_bool("created").unwrap_or(false) {
            span.created += n;
            total.created += n;
            continue;
        }
        match key.get_str("to") {
            Ok("customer") => {
                span.won += n;
                total.won += n;
            }
            Ok("churned") => {
                span.churned += n;
                total.churned += n;
            }
            _ => {}
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;

    use super::*;

    fn request(scope: ReportScope) -> CountRequest {
        crate::analytics::query::days_request(1, 2, scope)
    }

    #[test]
    fn created_won_and_churned_add_up_per_period_and_in_total() {
        let request = request(ReportScope::all());
        let pipelines = changes_pipelines(&request).unwrap();
        assert_eq!(pipelines.len(), 1, "whole days: the totals only");
        assert_eq!(pipelines[0].0, CUSTOMERS.totals);
        let groups = vec![
            doc! { "_id": { "p": 0, "created": true, "to": "lead" }, "n": 4 },
            doc! { "_id": { "p": 1, "created": true, "to": "customer" }, "n": 1 },
            doc! { "_id": { "p": 1, "created": false, "to": "customer" }, "n": 2 },
            doc! { "_id": { "p": 1, "created": false, "to": "churned" }, "n": 1 },
            doc! { "_id": { "p": 0, "created": false, "to": "prospect" }, "n": 3 },
        ];
        let counts = read_changes(&groups, &request).unwrap();
        assert_eq!(counts.periods[0].created, 4);
        assert_eq!(
            (
                counts.periods[1].created,
                counts.periods[1].won,
                counts.periods[1].churned
            ),
            (1, 2, 1)
        );
        assert_eq!((counts.total.created, counts.total.won), (5, 2));
    }
}
