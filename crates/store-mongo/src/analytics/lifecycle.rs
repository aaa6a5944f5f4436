//! `LifecycleSource`: customers created, won and churned, and the lead
//! journeys begun and qualified (their flows), read from the customer
//! counters (`counters.rs`: status changes per UTC hour, day and month and
//! the statuses changed from and to), summed by the database per period,
//! and over the lead-in (1970 to the first period) for the flows; exact
//! slices (under an hour) are counted from the status changes in them
//! (`customer_status_changes_by_at`). Conversion, the funnel and the
//! distinct customers behind the flows are counted by the database over
//! some journeys (`super::journeys`).

use crm_analytics::{CountRequest, JourneyFlow, LifecycleCounts};
use crm_kernel::BackendError;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::buckets::SliceRanges;
use crate::analytics::counters::CUSTOMERS;
use crate::analytics::query::{CounterScope, count_of, in_scope, period_index, period_of};
use crate::analytics::sources::{exact_pipelines, sources_of};

const LEAD: &str = "lead";
const PROSPECT: &str = "prospect";

/// A status change count's key: the statuses changed from and to
/// (expressions), and its period, or in the lead-in `before`.
fn key(from: Bson, to: Bson, request: &CountRequest, lead_in: bool) -> Document {
    let mut key = doc! { "from": from, "to": to };
    if lead_in {
        key.insert("before", true);
    } else {
        key.insert("p", period_index("at", request));
    }
    key
}

/// The aggregations counting the status changes of the range per period
/// and the statuses changed from and to, and those of the lead-in that
/// begin or qualify a journey, each with its collection: per bucket grain
/// one on a counter collection, and those of the exact slices on
/// `customer_status_changes`.
pub(crate) fn changes_pipelines(
    request: &CountRequest,
) -> Result<Vec<(&'static str, Vec<Document>)>, BackendError> {
    let Some((collection, scope)) = CounterScope::of(&request.scope)?.on(&CUSTOMERS) else {
        return Ok(Vec::new());
    };
    let records = in_scope(&request.scope);
    let mut out = Vec::new();
    for (slices, lead_in) in [(&request.slices, false), (&request.lead_in, true)] {
        let ranges = SliceRanges::new(slices, collection == CUSTOMERS.totals);
        let mut conditions = scope.clone();
        let only_flows = doc! { "$in": [LEAD, PROSPECT] };
        if lead_in {
            conditions.push(doc! { "s": only_flows.clone() });
        }
        let group = doc! { "$group": {
            "_id": key(doc! { "$ifNull": ["$f", Bson::Null] }.into(), "$s".into(), request, lead_in),
            "n": { "$sum": "$n" },
        } };
        out.extend(ranges.counter_pipelines(collection, &conditions, &group));
        let Some(scope) = &records else {
            continue;
        };
        let mut conditions = Vec::new();
        if lead_in {
            conditions.push(doc! { "to": only_flows.clone() });
        }
        conditions.extend(scope.iter().cloned());
        out.extend(exact_pipelines(
            sources_of(&CUSTOMERS),
            &ranges,
            &conditions,
            |_, [from, to]| key(from.clone(), to.clone(), request, lead_in),
        ));
    }
    Ok(out)
}

/// What the status change counts say.
#[derive(Debug)]
pub(crate) struct Changes {
    /// Created, won and churned per period and in total (the rest zero).
    pub(crate) counts: LifecycleCounts,
    /// Journeys begun and qualified before the first period.
    pub(crate) lead_in: JourneyFlow,
    /// Journeys begun and qualified in each period.
    pub(crate) flows: Vec<JourneyFlow>,
}

/// The figures of the groups: a change from nothing is a customer created;
/// a later one to `customer` a win, to `churned` a churn; any change to
/// `lead` begins a journey, and one from `lead` to `prospect` qualifies it.
pub(crate) fn read_changes(
    groups: &[Document],
    request: &CountRequest,
) -> Result<Changes, BackendError> {
    let mut changes = Changes {
        counts: LifecycleCounts::zeros(request.periods.len()),
        lead_in: JourneyFlow::default(),
        flows: vec![JourneyFlow::default(); request.periods.len()],
    };
    for group in groups {
        let key = group
            .get_document("_id")
            .map_err(|_| BackendError::msg("a status change count without its key"))?;
        let n = count_of(group.get("n"), "of status changes")?;
        let from = key.get_str("from").ok();
        let to = key
            .get_str("to")
            .map_err(|_| BackendError::msg(format!("a status change count to nothing: {key}")))?;
        let flow = if key.get_bool("before").unwrap_or(false) {
            &mut changes.lead_in
        } else {
            let Some(p) = period_of(key.get("p"), request) else {
                continue;
            };
            let span = &mut changes.counts.periods[p];
            let total = &mut changes.counts.total;
            match (from, to) {
                (None, _) => {
                    span.created += n;
                    total.created += n;
                }
                (Some(_), "customer") => {
                    span.won += n;
                    total.won += n;
                }
                (Some(_), "churned") => {
                    span.churned += n;
                    total.churned += n;
                }
                _ => {}
            }
            &mut changes.flows[p]
        };
        let n = i64::try_from(n).map_err(BackendError::new)?;
        match (from, to) {
            (_, LEAD) => flow.begun += n,
            (Some(LEAD), PROSPECT) => flow.qualified += n,
            _ => {}
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;

    use super::*;

    fn request(scope: ReportScope) -> CountRequest {
        crate::analytics::query::days_request(1, 2, scope)
    }

    #[test]
    fn the_range_and_the_lead_in_read_the_totals() {
        let request = request(ReportScope::all());
        let pipelines = changes_pipelines(&request).unwrap();
        let collections: Vec<&str> = pipelines.iter().map(|(c, _)| *c).collect();
        assert_eq!(collections, [CUSTOMERS.totals, CUSTOMERS.totals]);
        let lead_in = pipelines[1].1[0].get_document("$match").unwrap();
        assert_eq!(
            lead_in.get_document("s").unwrap(),
            &doc! { "$in": ["lead", "prospect"] }
        );
    }

    #[test]
    fn changes_are_creations_wins_churns_and_journey_flows() {
        let request = request(ReportScope::all());
        let groups = vec![
            doc! { "_id": { "p": 0, "from": null, "to": "lead" }, "n": 4 },
            doc! { "_id": { "p": 1, "from": null, "to": "customer" }, "n": 1 },
            doc! { "_id": { "p": 1, "from": "prospect", "to": "customer" }, "n": 2 },
            doc! { "_id": { "p": 1, "from": "customer", "to": "churned" }, "n": 1 },
            doc! { "_id": { "p": 0, "from": "lead", "to": "prospect" }, "n": 3 },
            doc! { "_id": { "p": 1, "from": "churned", "to": "lead" }, "n": 2 },
            doc! { "_id": { "p": -1, "from": null, "to": "lead" }, "n": 9 },
            doc! { "_id": { "before": true, "from": null, "to": "lead" }, "n": 5 },
            doc! { "_id": { "before": true, "from": "lead", "to": "prospect" }, "n": 2 },
        ];
        let changes = read_changes(&groups, &request).unwrap();
        let counts = &changes.counts;
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
        let flow = |begun, qualified| JourneyFlow { begun, qualified };
        assert_eq!(changes.flows, [flow(4, 3), flow(2, 0)]);
        assert_eq!(changes.lead_in, flow(5, 2));
    }
}
