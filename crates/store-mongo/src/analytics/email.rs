//! `EmailSource`: delivery and engagement of the recipients sent to in each
//! period, read from the email counters (`counters.rs`, the facts each
//! recipient keeps, `email_facts.rs`): the day, hour (and, over every
//! customer, month) buckets of the request's slices, summed by the database
//! per period and fact. Exact slices (under an hour) count the facts of the
//! recipients sent to in them (`email_recipients_by_sent_at`), computed
//! from their events by the database. Recipients matched to no customer
//! count only in a report over everything: the totals.

use crm_analytics::{CountRequest, EmailPeriodCounts};
use crm_kernel::BackendError;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::buckets::SliceRanges;
use crate::analytics::counters::EMAILS;
use crate::analytics::email_facts::{KEPT_AT, KEPT_FACTS, facts_pipeline};
use crate::analytics::query::{
    CounterScope, conjunction, count_of, in_scope, period_index, period_of,
};
use crate::db::names;

/// The aggregations that answer `request`, each with its collection: one
/// per bucket grain on a counter collection, and those of the exact slices
/// on `email_recipients`.
pub(crate) fn pipelines(
    request: &CountRequest,
) -> Result<Vec<(&'static str, Vec<Document>)>, BackendError> {
    let Some((collection, scope)) = CounterScope::of(&request.scope)?.on(&EMAILS) else {
        return Ok(Vec::new());
    };
    let ranges = SliceRanges::new(&request.slices, collection == EMAILS.totals);
    let group = doc! { "$group": {
        "_id": { "p": period_index("at", request), "f": "$f" },
        "n": { "$sum": "$n" },
    } };
    let mut out = ranges.counter_pipelines(collection, &scope, &group);
    let Some(scope) = in_scope(&request.scope) else {
        return Ok(out);
    };
    for spans in ranges.exact_conditions("sent_at") {
        let mut conditions = vec![spans];
        if !request.scope.includes_unlinked() {
            conditions.push(doc! { "customer_id": { "$ne": Bson::Null } });
            conditions.extend(scope.iter().cloned());
        }
        let mut pipeline = facts_pipeline(conjunction(conditions));
        pipeline.extend([
            doc! { "$unwind": format!("${KEPT_FACTS}") },
            doc! { "$group": {
                "_id": { "p": period_index(KEPT_AT, request), "f": format!("${KEPT_FACTS}.f") },
                "n": { "$sum": format!("${KEPT_FACTS}.n") },
            } },
        ]);
        out.push((names::EMAIL_RECIPIENTS, pipeline));
    }
    Ok(out)
}

/// One entry per period from the groups (`{p, f}` and a sum each).
pub(crate) fn read(
    groups: &[Document],
    request: &CountRequest,
) -> Result<Vec<EmailPeriodCounts>, BackendError> {
    let mut periods = vec![EmailPeriodCounts::default(); request.periods.len()];
    for group in groups {
        let key = group
            .get_document("_id")
            .map_err(|_| BackendError::msg("an email count without its key"))?;
        let Some(p) = period_of(key.get("p"), request) else {
            continue;
        };
        let fact = key
            .get_str("f")
            .map_err(|_| BackendError::msg(format!("an email count of nothing: {key}")))?;
        let n = count_of(group.get("n"), fact)?;
        let counts = &mut periods[p];
        let field = match fact {
            "sent" => &mut counts.sent,
            "bounced" => &mut counts.bounced,
            "opened_human" => &mut counts.opened_human,
            "opened_any" => &mut counts.opened_any,
            "clicked_human" => &mut counts.clicked_human,
            "clicked_any" => &mut counts.clicked_any,
            "replied" => &mut counts.replied,
            "machine_opens" => &mut counts.machine_opens,
            "machine_clicks" => &mut counts.machine_clicks,
            other => {
                return Err(BackendError::msg(format!(
                    "an unknown email fact `{other}`"
                )));
            }
        };
        *field += n;
    }
    Ok(periods)
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;
    use crm_kernel::{Timestamp, UserId};

    use super::*;
    use crate::bson::convert::date;

    fn request(scope: ReportScope) -> CountRequest {
        crate::analytics::query::days_request(0, 1, scope)
    }

    #[test]
    fn whole_days_read_the_totals_over_everything_and_the_keyed_counters_else() {
        let all = pipelines(&request(ReportScope::all())).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].0, EMAILS.totals);
        let owner = UserId::new();
        let mine = pipelines(&request(ReportScope {
            owner_id: Some(owner),
            ..ReportScope::all()
        }))
        .unwrap();
        assert_eq!(mine[0].0, EMAILS.keyed);
        let range = request(ReportScope::all()).periods[0];
        assert_eq!(
            mine[0].1[0],
            doc! { "$match": {
                "g": "d",
                "at": { "$gte": date(range.start), "$lt": date(range.end) },
                "o": owner.to_string(),
            } }
        );
    }

    #[test]
    fn exact_slices_of_a_scoped_report_count_linked_recipients_only() {
        let owner = UserId::new();
        let mut request = request(ReportScope {
            owner_id: Some(owner),
            ..ReportScope::all()
        });
        let end = Timestamp::from_millis(20 * 60_000).unwrap();
        request.periods[0].end = end;
        request.slices = crm_analytics::plan::slice(0, request.periods[0]);
        let pipelines = pipelines(&request).unwrap();
        let (collection, pipeline) = pipelines.last().unwrap();
        assert_eq!(*collection, "email_recipients");
        assert_eq!(
            pipeline[0],
            doc! { "$match": {
                "sent_at": { "$gte": date(request.periods[0].start), "$lt": date(end) },
                "customer_id": { "$ne": null },
                "customer_owner_id": owner.to_string(),
            } }
        );
    }

    #[test]
    fn facts_are_summed_per_period() {
        let request = request(ReportScope::all());
        let groups = vec![
            doc! { "_id": { "p": 0, "f": "sent" }, "n": 3 },
            doc! { "_id": { "p": 0, "f": "opened_any" }, "n": 2 },
            doc! { "_id": { "p": 0, "f": "machine_opens" }, "n": 4 },
            doc! { "_id": { "p": 0, "f": "sent" }, "n": 1 },
            doc! { "_id": { "p": -1, "f": "sent" }, "n": 9 },
        ];
        let counts = read(&groups, &request).unwrap();
        assert_eq!(counts[0].sent, 4);
        assert_eq!((counts[0].opened_any, counts[0].machine_opens), (2, 4));
        let unknown = vec![doc! { "_id": { "p": 0, "f": "sideways" }, "n": 1 }];
        assert!(read(&unknown, &request).is_err());
    }
}
