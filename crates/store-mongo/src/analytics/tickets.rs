//! `TicketSource`: ticket flow, durations and the backlog, read from the
//! ticket counters (`counters.rs`, `sources.rs`): the day, hour (and, over
//! every customer, month) buckets of the request's slices, summed by the
//! database per period, fact and duration unit; the backlog at the start
//! from the buckets of the lead-in (1970 to the first period). Exact
//! slices (under an hour each, where a bound is not on a whole hour) are
//! counted from the records: tickets raised in them
//! (`tickets_by_created_at`), first responses (`tickets_by_first_response_at`),
//! resolutions and reopenings (`ticket_events_by_transition`).

use crm_analytics::{CountRequest, TicketCounts, TicketPeriodCounts};
use crm_kernel::BackendError;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::buckets::SliceRanges;
use crate::analytics::counters::TICKETS;
use crate::analytics::query::{CounterScope, count_of, in_scope, period_index, period_of};
use crate::analytics::sources::{
    FIRST_RESPONSE, OPENED, REOPENED, RESOLVED, event_source, exact_pipelines, ticket_sources,
};

/// The key of a ticket count: its `what` (`fact`), and, in the range, its
/// period (of the instant in `at`) and duration in the histogram's unit
/// (`unit`); in the lead-in, `what` alone (`opened_before`, …).
fn key(fact: Bson, at: &str, unit: Bson, request: &CountRequest, lead_in: bool) -> Document {
    if lead_in {
        doc! { "what": { "$concat": [fact, "_before"] } }
    } else {
        doc! { "what": fact, "p": period_index(at, request), "m": unit }
    }
}

/// The aggregations that answer `request`, each with its collection: per
/// bucket grain, one on a counter collection for the range and one for
/// the lead-in; and those of the exact slices of both on the records.
pub(crate) fn pipelines(
    request: &CountRequest,
) -> Result<Vec<(&'static str, Vec<Document>)>, BackendError> {
    let Some((collection, scope)) = CounterScope::of(&request.scope)?.on(&TICKETS) else {
        return Ok(Vec::new());
    };
    let totals = collection == TICKETS.totals;
    let mut out = Vec::new();
    for (slices, lead_in) in [(&request.slices, false), (&request.lead_in, true)] {
        let ranges = SliceRanges::new(slices, totals);
        let mut conditions = scope.clone();
        if lead_in {
            // The backlog counts raisings, resolutions and reopenings.
            conditions.push(doc! { "f": { "$in": [OPENED, RESOLVED, REOPENED] } });
        }
        let group = doc! { "$group": {
            "_id": key("$f".into(), "at", "$m".into(), request, lead_in),
            "n": { "$sum": "$n" },
        } };
        out.extend(ranges.counter_pipelines(collection, &conditions, &group));
        if let Some(scope) = in_scope(&request.scope) {
            out.extend(exact(&ranges, &scope, request, lead_in));
        }
    }
    Ok(out)
}

/// The aggregations of the records in the exact slices of `ranges`: of
/// every ticket source, but first responses in the lead-in.
fn exact(
    ranges: &SliceRanges,
    scope: &[Document],
    request: &CountRequest,
    lead_in: bool,
) -> Vec<(&'static str, Vec<Document>)> {
    let [opened, first_response] = ticket_sources();
    let mut counted = vec![opened];
    counted.extend((!lead_in).then_some(first_response));
    counted.push(event_source());
    exact_pipelines(counted, ranges, scope, |at, [fact, minutes]| {
        key(fact.clone(), at, minutes.clone(), request, lead_in)
    })
}

/// The figures of the groups: one entry per period, and the backlog at the
/// start (raised before it, plus reopenings, less resolutions).
pub(crate) fn read(
    groups: &[Document],
    request: &CountRequest,
) -> Result<TicketCounts, BackendError> {
    let mut periods = vec![TicketPeriodCounts::default(); request.periods.len()];
    let (mut opened_before, mut resolved_before, mut reopened_before) = (0_u64, 0_u64, 0_u64);
    for group in groups {
        let key = group
            .get_document("_id")
            .map_err(|_| BackendError::msg("a ticket count without its key"))?;
        let what = key
            .get_str("what")
            .map_err(|_| BackendError::msg(format!("a ticket count of nothing: {key}")))?;
        let n = count_of(group.get("n"), what)?;
        match what {
            "opened_before" => opened_before += n,
            "resolved_before" => resolved_before += n,
            "reopened_before" => reopened_before += n,
            _ => {
                let Some(p) = period_of(key.get("p"), request) else {
                    continue;
                };
                let counts = &mut periods[p];
                match what {
                    OPENED => counts.opened += n,
                    REOPENED => counts.reopened += n,
                    RESOLVED => {
                        counts.resolved += n;
                        let minutes = count_of(key.get("m"), "minutes")?;
                        counts.resolution.add_bucket(minutes, n);
                    }
                    FIRST_RESPONSE => {
                        let minutes = count_of(key.get("m"), "minutes")?;
                        counts.first_response.add_bucket(minutes, n);
                    }
                    other => {
                        return Err(BackendError::msg(format!(
                            "an unknown ticket count `{other}`"
                        )));
                    }
                }
            }
        }
    }
    let backlog = (opened_before + reopened_before).saturating_sub(resolved_before);
    Ok(TicketCounts {
        backlog_at_start: backlog,
        periods,
    })
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;
    use crm_kernel::{Timestamp, UserId};

    use super::*;
    use crate::bson::convert::date;

    fn request() -> CountRequest {
        crate::analytics::query::days_request(1, 1, ReportScope::all())
    }

    #[test]
    fn whole_days_read_the_counters_of_the_range_and_of_the_lead_in() {
        let request = request();
        let pipelines = pipelines(&request).unwrap();
        let collections: Vec<&str> = pipelines.iter().map(|(c, _)| *c).collect();
        assert_eq!(collections, [TICKETS.totals, TICKETS.totals]);
        let range = &request.periods[0];
        assert_eq!(
            pipelines[0].1[0],
            doc! { "$match": { "g": "d", "at": { "$gte": date(range.start), "$lt": date(range.end) } } }
        );
        let epoch = Timestamp::from_millis(0).unwrap();
        assert_eq!(
            pipelines[1].1[0],
            doc! { "$match": {
                "g": "d",
                "at": { "$gte": date(epoch), "$lt": date(range.start) },
                "f": { "$in": ["opened", "resolved", "reopened"] },
            } }
        );
        let lead_in = pipelines[1].1[1].get_document("$group").unwrap();
        assert_eq!(
            lead_in.get_document("_id").unwrap(),
            &doc! { "what": { "$concat": ["$f", "_before"] } }
        );
    }

    #[test]
    fn exact_slices_of_a_scoped_report_count_the_records() {
        let owner = UserId::new();
        let mut request = crate::analytics::query::days_request(
            1,
            1,
            ReportScope {
                owner_id: Some(owner),
                ..ReportScope::all()
            },
        );
        // The range starts at 00:20 of its day.
        let start = Timestamp::from_millis(86_400_000 + 20 * 60_000).unwrap();
        request.periods[0].start = start;
        request.slices = crm_analytics::plan::slice(0, request.periods[0]);
        request.lead_in = crm_analytics::plan::slice(
            0,
            crm_analytics::Span {
                start: Timestamp::from_millis(0).unwrap(),
                end: start,
            },
        );
        let pipelines = pipelines(&request).unwrap();
        let records: Vec<(&str, &Document)> = pipelines
            .iter()
            .filter(|(c, _)| !c.starts_with("report_"))
            .map(|(c, p)| (*c, p[0].get_document("$match").unwrap()))
            .collect();
        let hour = Timestamp::from_millis(86_400_000 + 3_600_000).unwrap();
        let midnight = Timestamp::from_millis(86_400_000).unwrap();
        let mine = owner.to_string();
        assert_eq!(
            records,
            [
                (
                    "tickets",
                    &doc! { "created_at": { "$gte": date(start), "$lt": date(hour) }, "customer_owner_id": &mine }
                ),
                (
                    "tickets",
                    &doc! { "first_response_at": { "$gte": date(start), "$lt": date(hour) }, "customer_owner_id": &mine }
                ),
                (
                    "ticket_events",
                    &doc! {
                        "at": { "$gte": date(start), "$lt": date(hour) },
                        "to": { "$in": ["resolved", "reopened"] },
                        "customer_owner_id": &mine,
                    }
                ),
                (
                    "tickets",
                    &doc! { "created_at": { "$gte": date(midnight), "$lt": date(start) }, "customer_owner_id": &mine }
                ),
                (
                    "ticket_events",
                    &doc! {
                        "at": { "$gte": date(midnight), "$lt": date(start) },
                        "to": { "$in": ["resolved", "reopened"] },
                        "customer_owner_id": &mine,
                    }
                ),
            ]
        );
        assert!(
            pipelines
                .iter()
                .filter(|(c, _)| c.starts_with("report_"))
                .all(|(c, _)| *c == TICKETS.keyed)
        );
    }

    #[test]
    fn counts_durations_and_the_backlog_are_read_back() {
        let request = request();
        let groups = vec![
            doc! { "_id": { "what": "opened", "p": 0 }, "n": 3 },
            doc! { "_id": { "what": "first_response", "p": 0, "m": 90.0 }, "n": 2 },
            doc! { "_id": { "what": "resolved", "p": 0, "m": 600.0 }, "n": 1 },
            doc! { "_id": { "what": "reopened", "p": 0, "m": null }, "n": 1 },
            doc! { "_id": { "what": "opened_before" }, "n": 5 },
            doc! { "_id": { "what": "resolved_before" }, "n": 3 },
            doc! { "_id": { "what": "reopened_before" }, "n": 1 },
        ];
        let counts = read(&groups, &request).unwrap();
        assert_eq!(counts.backlog_at_start, 3);
        let period = &counts.periods[0];
        assert_eq!((period.opened, period.resolved, period.reopened), (3, 1, 1));
        assert_eq!(period.first_response.count(), 2);
        assert_eq!(period.first_response.percentile(50), Some(90 * 60));
        assert_eq!(period.resolution.percentile(50), Some(600 * 60));
    }
}
