//! `LifecycleSource`: customers created, won and churned, counted by the
//! database over the status changes of the range
//! (`customer_status_changes_by_at`); conversion and the funnel from the
//! lead journeys that touch the range (`customer_status_changes_journeys`:
//! changes to `lead` before its end, not qualified before its start), added
//! up by `crm_analytics::add_journeys` (the SQLite store counts the leads
//! instead and reads only the journeys qualified in the range, ADR 0012).

use crm_analytics::{CountRequest, JourneyRecord, LifecycleCounts, LifecycleSpanCounts};
use crm_kernel::{BackendError, CustomerId};
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::query::{count_of, in_scope, period_index, period_of, within};
use crate::bson::convert::{Fields, date};
use crate::bson::keyset::all_of;
use crate::db::error::CorruptData;
use crate::db::names;
use crate::db::ops::FindSpec;

/// The aggregation on `customer_status_changes` counting the changes of
/// the range per period, first change (`created`) and status; `None` when
/// nothing can count.
pub(crate) fn changes_pipeline(request: &CountRequest) -> Option<Vec<Document>> {
    let range = request.range()?;
    let mut conditions = vec![within("at", range.start, range.end)];
    conditions.extend(in_scope(&request.scope)?);
    Some(vec![
        doc! { "$match": all_of(conditions) },
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

/// The read of the lead journeys of customers in scope that touch the
/// range; `None` when nothing can count.
pub(crate) fn journeys_spec(request: &CountRequest) -> Option<FindSpec> {
    let range = request.range()?;
    let mut conditions = vec![
        doc! { "to": "lead", "at": { "$lt": date(range.end) } },
        doc! { "$or": [
            { "prospect_at": Bson::Null },
            { "prospect_at": { "$gte": date(range.start) } },
        ] },
    ];
    conditions.extend(in_scope(&request.scope)?);
    Some(FindSpec {
        filter: all_of(conditions),
        sort: doc! {},
        limit: None,
        projection: Some(doc! { "customer_id": 1, "at": 1, "prospect_at": 1, "customer_at": 1 }),
    })
}

/// A journey: a change to `lead` and the fields later changes set on it.
pub(crate) fn read_journey(document: &Document) -> Result<JourneyRecord, CorruptData> {
    let fields = Fields::of(names::STATUS_CHANGES, document);
    Ok(JourneyRecord {
        customer: fields.parse("customer_id", CustomerId::parse)?,
        lead_at: fields.time("at")?,
        prospect_at: fields.opt_time("prospect_at")?,
        customer_at: fields.opt_time("customer_at")?,
    })
}

/// The created, won and churned counts of the groups, per period and in total.
pub(crate) fn read_changes(
    groups: &[Document],
    request: &CountRequest,
) -> Result<LifecycleCounts, BackendError> {
    let mut counts = LifecycleCounts {
        total: LifecycleSpanCounts::default(),
        periods: vec![LifecycleSpanCounts::default(); request.periods.len()],
    };
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
    use crm_analytics::{ReportScope, Span};
    use crm_kernel::{CompanyId, Timestamp};

    use super::*;

    fn request(scope: ReportScope) -> CountRequest {
        let at = |h: i64| Timestamp::from_millis(h * 3_600_000).unwrap();
        CountRequest {
            periods: vec![
                Span {
                    start: at(24),
                    end: at(48),
                },
                Span {
                    start: at(48),
                    end: at(72),
                },
            ],
            slices: Vec::new(),
            lead_in: Vec::new(),
            scope,
        }
    }

    #[test]
    fn journeys_touching_the_range_are_read_for_the_scope() {
        let company = CompanyId::new();
        let request = request(ReportScope {
            company_id: Some(company),
            ..ReportScope::all()
        });
        let spec = journeys_spec(&request).unwrap();
        assert_eq!(
            spec.filter,
            doc! { "$and": [
                { "to": "lead", "at": { "$lt": date(request.periods[1].end) } },
                { "$or": [
                    { "prospect_at": null },
                    { "prospect_at": { "$gte": date(request.periods[0].start) } },
                ] },
                { "customer_company_id": company.to_string() },
            ] }
        );
        let customer = CustomerId::new();
        let lead_at = request.periods[0].start;
        let journey = read_journey(&doc! {
            "customer_id": customer.to_string(), "at": date(lead_at),
            "prospect_at": null, "customer_at": null,
        })
        .unwrap();
        assert_eq!(
            journey,
            JourneyRecord {
                customer,
                lead_at,
                prospect_at: None,
                customer_at: None
            }
        );
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
