//! `TicketSource`: ticket flow, durations and the backlog, counted by the
//! database in one aggregation whose branches (`$unionWith`) each read one
//! index range: tickets raised in the range (`tickets_by_created_at`), first
//! responses in it (`tickets_by_first_response_at`), resolutions and
//! reopenings in it (`ticket_events_by_transition`), and, for the backlog at
//! the start, the tickets raised and the resolutions and reopenings before
//! it. Ticket events carry their ticket's customer copies and raising time.

use crm_analytics::{CountRequest, TicketCounts, TicketPeriodCounts};
use crm_kernel::{BackendError, Timestamp};
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::query::{
    conjunction, count_of, in_scope, minutes_between, period_index, period_of, within,
};
use crate::bson::convert::date;
use crate::db::names;

const RESOLVED: &str = "resolved";
const REOPENED: &str = "reopened";

/// `$match` of `range` plus the scope.
fn matching(range: Document, scope: &[Document]) -> Document {
    let mut conditions = vec![range];
    conditions.extend(scope.iter().cloned());
    doc! { "$match": conjunction(conditions) }
}

/// A branch of the aggregation on another collection.
fn branch(collection: &str, pipeline: Vec<Document>) -> Document {
    doc! { "$unionWith": { "coll": collection, "pipeline": pipeline } }
}

/// The aggregation on `tickets` (with branches on `ticket_events`), or
/// `None` when nothing can count.
pub(crate) fn pipeline(request: &CountRequest) -> Option<Vec<Document>> {
    let range = request.range()?;
    let scope = in_scope(&request.scope)?;
    let transitions = doc! { "$in": [RESOLVED, REOPENED] };
    let before: Timestamp = range.start;
    let mut pipeline = vec![
        matching(within("created_at", range.start, range.end), &scope),
        doc! { "$group": {
            "_id": { "what": "opened", "p": period_index("created_at", request) },
            "n": { "$sum": 1 },
        } },
    ];
    pipeline.push(branch(
        names::TICKETS,
        vec![
            matching(within("first_response_at", range.start, range.end), &scope),
            doc! { "$group": {
                "_id": {
                    "what": "first_response",
                    "p": period_index("first_response_at", request),
                    "m": minutes_between("$first_response_at", "$created_at"),
                },
                "n": { "$sum": 1 },
            } },
        ],
    ));
    let mut in_range = within("at", range.start, range.end);
    in_range.insert("to", transitions.clone());
    pipeline.push(branch(
        names::TICKET_EVENTS,
        vec![
            matching(in_range, &scope),
            doc! { "$group": {
                "_id": {
                    "what": "$to",
                    "p": period_index("at", request),
                    "m": { "$cond": [
                        { "$eq": ["$to", RESOLVED] },
                        minutes_between("$at", "$ticket_created_at"),
                        Bson::Null,
                    ] },
                },
                "n": { "$sum": 1 },
            } },
        ],
    ));
    pipeline.push(branch(
        names::TICKETS,
        vec![
            matching(doc! { "created_at": { "$lt": date(before) } }, &scope),
            doc! { "$group": { "_id": { "what": "opened_before" }, "n": { "$sum": 1 } } },
        ],
    ));
    pipeline.push(branch(
        names::TICKET_EVENTS,
        vec![
            matching(
                doc! { "to": transitions, "at": { "$lt": date(before) } },
                &scope,
            ),
            doc! { "$group": {
                "_id": { "what": { "$concat": ["$to", "_before"] } },
                "n": { "$sum": 1 },
            } },
        ],
    ));
    Some(pipeline)
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
                    "opened" => counts.opened += n,
                    REOPENED => counts.reopened += n,
                    RESOLVED => {
                        counts.resolved += n;
                        let minutes = count_of(key.get("m"), "minutes")?;
                        counts.resolution.add_bucket(minutes, n);
                    }
                    "first_response" => {
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

    use super::*;

    fn request() -> CountRequest {
        crate::analytics::query::days_request(1, 1, ReportScope::all())
    }

    #[test]
    fn each_figure_is_a_branch_on_its_own_index_range() {
        let request = request();
        let pipeline = pipeline(&request).unwrap();
        assert_eq!(
            pipeline[0],
            doc! { "$match": within("created_at", request.periods[0].start, request.periods[0].end) }
        );
        let branches: Vec<(&str, &Document)> = pipeline[2..]
            .iter()
            .map(|stage| {
                let union = stage.get_document("$unionWith").unwrap();
                let first = union.get_array("pipeline").unwrap()[0]
                    .as_document()
                    .unwrap();
                (
                    union.get_str("coll").unwrap(),
                    first.get_document("$match").unwrap(),
                )
            })
            .collect();
        assert_eq!(branches.len(), 4);
        assert_eq!(branches[0].0, "tickets");
        assert!(branches[0].1.contains_key("first_response_at"));
        assert_eq!(branches[1].0, "ticket_events");
        assert_eq!(
            branches[1].1.get_document("to").unwrap(),
            &doc! { "$in": ["resolved", "reopened"] }
        );
        assert_eq!(
            branches[2].1,
            &doc! { "created_at": { "$lt": date(request.periods[0].start) } }
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
