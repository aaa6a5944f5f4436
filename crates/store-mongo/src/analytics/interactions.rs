//! `InteractionSource`: interactions per period, kind and current status,
//! read from the interaction counters (`counters.rs`): the day, hour (and,
//! over every customer, month) buckets of the request's slices, summed by
//! the database per period, kind and status; the exact slices (under an
//! hour each, where a bound is not on a whole hour) are counted from the
//! interactions that start in them (index `interactions_by_start`).

use std::collections::BTreeMap;

use crm_analytics::{CountRequest, InteractionCount, InteractionKind, InteractionStatus};
use crm_kernel::BackendError;
use mongodb::bson::{Document, doc};

use crate::analytics::buckets::SliceRanges;
use crate::analytics::counters::INTERACTIONS;
use crate::analytics::query::{CounterScope, count_of, in_scope, period_index, period_of};
use crate::analytics::sources::{exact_pipelines, sources_of};

/// The aggregations that answer `request`, each with its collection: one
/// per bucket grain on a counter collection, and those of the exact slices
/// on `interactions`. Each `$match` is one index range (see
/// `SliceRanges::counter_conditions`).
pub(crate) fn pipelines(
    request: &CountRequest,
) -> Result<Vec<(&'static str, Vec<Document>)>, BackendError> {
    let Some((collection, scope)) = CounterScope::of(&request.scope)?.on(&INTERACTIONS) else {
        return Ok(Vec::new());
    };
    let ranges = SliceRanges::new(&request.slices, collection == INTERACTIONS.totals);
    let group = doc! { "$group": {
        "_id": { "p": period_index("at", request), "kind": "$k", "status": "$s" },
        "n": { "$sum": "$n" },
    } };
    let mut out = ranges.counter_pipelines(collection, &scope, &group);
    let Some(scope) = in_scope(&request.scope) else {
        return Ok(out);
    };
    out.extend(exact_pipelines(
        sources_of(&INTERACTIONS),
        &ranges,
        &scope,
        |at, [kind, status]| doc! { "p": period_index(at, request), "kind": kind, "status": status },
    ));
    Ok(out)
}

/// The counts of the groups, ordered by period, kind and status.
pub(crate) fn read(
    groups: &[Document],
    request: &CountRequest,
) -> Result<Vec<InteractionCount>, BackendError> {
    let mut sums: BTreeMap<(usize, InteractionKind, InteractionStatus), u64> = BTreeMap::new();
    for group in groups {
        let key = group
            .get_document("_id")
            .map_err(|_| BackendError::msg("an interaction count without its key"))?;
        let Some(period) = period_of(key.get("p"), request) else {
            continue;
        };
        let kind = key
            .get_str("kind")
            .ok()
            .and_then(InteractionKind::parse)
            .ok_or_else(|| BackendError::msg(format!("unknown interaction kind in {key}")))?;
        let status = key
            .get_str("status")
            .ok()
            .and_then(InteractionStatus::parse)
            .ok_or_else(|| BackendError::msg(format!("unknown interaction status in {key}")))?;
        *sums.entry((period, kind, status)).or_default() +=
            count_of(group.get("n"), "of interactions")?;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|((period, kind, status), count)| InteractionCount {
            period,
            kind,
            status,
            count,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;
    use crm_kernel::{Timestamp, UserId};

    use super::*;
    use crate::analytics::query::within;
    use crate::bson::convert::date;

    fn request(scope: ReportScope) -> CountRequest {
        crate::analytics::query::days_request(0, 2, scope)
    }

    #[test]
    fn a_scoped_report_sums_the_keyed_day_counters_of_its_range() {
        let owner = UserId::new();
        let scope = ReportScope {
            owner_id: Some(owner),
            ..ReportScope::all()
        };
        let request = request(scope);
        let pipelines = pipelines(&request).unwrap();
        assert_eq!(pipelines.len(), 1, "whole days: no exact slice");
        let (collection, pipeline) = &pipelines[0];
        assert_eq!(*collection, INTERACTIONS.keyed);
        assert_eq!(
            pipeline[0],
            doc! { "$match": {
                "g": "d",
                "at": {
                    "$gte": date(request.periods[0].start),
                    "$lt": date(request.periods[1].end),
                },
                "o": owner.to_string(),
            } }
        );
        let group = pipeline[1].get_document("$group").unwrap();
        assert_eq!(group.get_document("n").unwrap(), &doc! { "$sum": "$n" });
    }

    #[test]
    fn a_report_over_everyone_reads_the_totals_and_counts_exact_slices_from_the_records() {
        let mut request = request(ReportScope::all());
        // The range ends at 00:20:30 of the third day, to the second.
        let end = Timestamp::from_millis(2 * 86_400_000 + 20 * 60_000 + 30_000).unwrap();
        request.periods[1].end = end;
        request.slices = request
            .periods
            .iter()
            .enumerate()
            .flat_map(|(i, span)| crm_analytics::plan::slice(i, *span))
            .collect();
        let pipelines = pipelines(&request).unwrap();
        let collections: Vec<&str> = pipelines.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            collections,
            vec![INTERACTIONS.totals, crate::db::names::INTERACTIONS]
        );
        let start = Timestamp::from_millis(2 * 86_400_000).unwrap();
        assert_eq!(
            pipelines[1].1[0],
            doc! { "$match": within("date_time", start, end) }
        );
    }

    #[test]
    fn groups_of_both_aggregations_are_summed_per_period_kind_and_status() {
        let request = request(ReportScope::all());
        let groups = vec![
            doc! { "_id": { "p": 1, "kind": "call", "status": "completed" }, "n": 2 },
            doc! { "_id": { "p": 0, "kind": "meeting", "status": "scheduled" }, "n": 1 },
            doc! { "_id": { "p": -1, "kind": "call", "status": "completed" }, "n": 9 },
            doc! { "_id": { "p": 1, "kind": "call", "status": "completed" }, "n": 3 },
            doc! { "_id": { "p": 0, "kind": "call", "status": "completed" }, "n": 0 },
        ];
        let counts = read(&groups, &request).unwrap();
        assert_eq!(counts.len(), 2, "gaps and zeros are not counted");
        assert_eq!((counts[0].period, counts[0].count), (0, 1));
        assert_eq!((counts[1].period, counts[1].count), (1, 5));
    }
}
