//! `LifecycleSource`: customers created, won and churned, counted by the
//! database over the status changes of the range
//! (`customer_status_changes_by_at`); conversion and the funnel are counted
//! by the database too, over the lead journeys (`super::journeys`).

use crm_analytics::{CountRequest, LifecycleCounts};
use crm_kernel::BackendError;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::query::{conjunction, count_of, in_scope, period_index, period_of, within};

/// The aggregation on `customer_status_changes` counting the changes of
/// the range per period, first change (`created`) and status; `None` when
/// nothing can count.
pub(crate) fn changes_pipeline(request: &CountRequest) -> Option<Vec<Document>> {
    let range = request.range()?;
    let mut conditions = vec![within("at", range.start, range.end)];
    conditions.extend(in_scope(&request.scope)?);
    Some(vec![
        doc! { "$match": conjunction(conditions) },
        doc! { "$group": {
            "_id": {
                "p": period_index("at", request),
                "created": { "$eq": [{ "$ifNull": ["$from", Bson::Null] }, Bson::Null] },
                "to": "$to",
            },
            "n": { "$sum": 1 },
        } },
    ])
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
        assert!(changes_pipeline(&request).is_some());
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
