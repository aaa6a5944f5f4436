//! `InteractionSource`: interactions per period, kind and current status,
//! counted by the database over the interactions that start in the range
//! (index `interactions_by_start`).

use crm_analytics::{CountRequest, InteractionCount, InteractionKind, InteractionStatus};
use crm_kernel::BackendError;
use mongodb::bson::{Document, doc};

use crate::analytics::query::{count_of, in_scope, period_index, period_of, within};
use crate::bson::keyset::all_of;

/// The aggregation on `interactions`, or `None` when nothing can count.
pub(crate) fn pipeline(request: &CountRequest) -> Option<Vec<Document>> {
    let range = request.range()?;
    let mut conditions = vec![within("date_time", range.start, range.end)];
    conditions.extend(in_scope(&request.scope)?);
    Some(vec![
        doc! { "$match": all_of(conditions) },
        doc! { "$group": {
            "_id": {
                "p": period_index("date_time", request),
                "kind": "$kind",
                "status": "$status",
            },
            "n": { "$sum": 1 },
        } },
    ])
}

/// The counts of the groups, ordered by period, kind and status.
pub(crate) fn read(
    groups: &[Document],
    request: &CountRequest,
) -> Result<Vec<InteractionCount>, BackendError> {
    let mut counts = Vec::with_capacity(groups.len());
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
        let count = count_of(group.get("n"), "of interactions")?;
        if count > 0 {
            counts.push(InteractionCount {
                period,
                kind,
                status,
                count,
            });
        }
    }
    counts.sort_by_key(|c| (c.period, c.kind, c.status));
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;
    use crm_kernel::UserId;

    use super::*;

    fn request(scope: ReportScope) -> CountRequest {
        crate::analytics::query::days_request(0, 2, scope)
    }

    #[test]
    fn interactions_of_the_range_in_scope_are_grouped_by_period_kind_and_status() {
        let owner = UserId::new();
        let scope = ReportScope {
            owner_id: Some(owner),
            ..ReportScope::all()
        };
        let request = request(scope);
        let pipeline = pipeline(&request).unwrap();
        assert_eq!(
            pipeline[0],
            doc! { "$match": { "$and": [
                within("date_time", request.periods[0].start, request.periods[1].end),
                { "customer_owner_id": owner.to_string() },
            ] } }
        );
        let group = pipeline[1].get_document("$group").unwrap();
        assert_eq!(
            group.get_document("_id").unwrap().get_str("kind").unwrap(),
            "$kind"
        );
        let groups = vec![
            doc! { "_id": { "p": 1, "kind": "call", "status": "completed" }, "n": 2 },
            doc! { "_id": { "p": 0, "kind": "meeting", "status": "scheduled" }, "n": 1 },
            doc! { "_id": { "p": -1, "kind": "call", "status": "completed" }, "n": 9 },
        ];
        let counts = read(&groups, &request).unwrap();
        assert_eq!(counts.len(), 2, "gaps are not counted");
        assert_eq!((counts[0].period, counts[0].count), (0, 1));
        assert_eq!((counts[1].period, counts[1].count), (1, 2));
    }
}
