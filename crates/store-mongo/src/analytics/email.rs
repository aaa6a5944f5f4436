//! `EmailSource`: delivery and engagement of the recipients sent to in each
//! period, counted by the database: the recipients whose `sent_at` is in the
//! range (`email_recipients_by_sent_at`), each with its events counted by
//! recipient (`email_events_by_recipient`), then summed per period. Opens
//! and clicks are `opened` and `clicked` events; `human` is the email
//! context's classification of a hit (privacy proxies and scanners are
//! machines); honeypot hits are neither.

use crm_analytics::{CountRequest, EmailPeriodCounts};
use crm_kernel::BackendError;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::query::{
    conjunction, count_of, in_scope, one_if, period_index, period_of, within,
};
use crate::db::names;

/// The condition "an event of `kind`, classified `classes` (any when none)".
fn event_of(kind: &str, classes: Option<&[&str]>) -> Document {
    let is_kind = doc! { "$eq": ["$kind", kind] };
    match classes {
        None => is_kind,
        Some(classes) => doc! { "$and": [is_kind, { "$in": ["$class", classes] }] },
    }
}

/// `1` where the per-recipient count `field` is above zero.
fn any(field: &str) -> Document {
    one_if(doc! { "$gt": [{ "$ifNull": [format!("$events.{field}"), 0] }, 0] })
}

/// The sum of the per-recipient count `field`.
fn total(field: &str) -> Document {
    doc! { "$sum": { "$ifNull": [format!("$events.{field}"), 0] } }
}

/// The aggregation on `email_recipients`, or `None` when nothing can count.
/// Recipients matched to no customer count only in a report over everything.
pub(crate) fn pipeline(request: &CountRequest) -> Option<Vec<Document>> {
    let range = request.range()?;
    let scope = in_scope(&request.scope)?;
    let mut conditions = vec![within("sent_at", range.start, range.end)];
    if !request.scope.includes_unlinked() {
        conditions.push(doc! { "customer_id": { "$ne": Bson::Null } });
        conditions.extend(scope);
    }
    let human: &[&str] = &["human"];
    let machine: &[&str] = &["privacy_proxy", "scanner"];
    Some(vec![
        doc! { "$match": conjunction(conditions) },
        doc! { "$lookup": {
            "from": names::EMAIL_EVENTS,
            "let": { "recipient": "$_id" },
            "pipeline": [
                { "$match": {
                    "$expr": { "$eq": ["$recipient_id", "$$recipient"] },
                    "kind": { "$in": ["opened", "clicked", "replied"] },
                } },
                { "$group": {
                    "_id": Bson::Null,
                    "opens": { "$sum": one_if(event_of("opened", None)) },
                    "human_opens": { "$sum": one_if(event_of("opened", Some(human))) },
                    "machine_opens": { "$sum": one_if(event_of("opened", Some(machine))) },
                    "clicks": { "$sum": one_if(event_of("clicked", None)) },
                    "human_clicks": { "$sum": one_if(event_of("clicked", Some(human))) },
                    "machine_clicks": { "$sum": one_if(event_of("clicked", Some(machine))) },
                    "replies": { "$sum": one_if(event_of("replied", None)) },
                } },
            ],
            "as": "events",
        } },
        doc! { "$unwind": { "path": "$events", "preserveNullAndEmptyArrays": true } },
        doc! { "$group": {
            "_id": period_index("sent_at", request),
            "sent": { "$sum": 1 },
            "bounced": { "$sum": one_if(doc! { "$eq": ["$status", "bounced"] }) },
            "opened_human": { "$sum": any("human_opens") },
            "opened_any": { "$sum": any("opens") },
            "clicked_human": { "$sum": any("human_clicks") },
            "clicked_any": { "$sum": any("clicks") },
            "replied": { "$sum": any("replies") },
            "machine_opens": total("machine_opens"),
            "machine_clicks": total("machine_clicks"),
        } },
    ])
}

/// One entry per period from the groups.
pub(crate) fn read(
    groups: &[Document],
    request: &CountRequest,
) -> Result<Vec<EmailPeriodCounts>, BackendError> {
    let mut periods = vec![EmailPeriodCounts::default(); request.periods.len()];
    for group in groups {
        let Some(p) = period_of(group.get("_id"), request) else {
            continue;
        };
        let n = |field: &str| count_of(group.get(field), field);
        periods[p] = periods[p].plus(&EmailPeriodCounts {
            sent: n("sent")?,
            bounced: n("bounced")?,
            opened_human: n("opened_human")?,
            opened_any: n("opened_any")?,
            clicked_human: n("clicked_human")?,
            clicked_any: n("clicked_any")?,
            replied: n("replied")?,
            machine_opens: n("machine_opens")?,
            machine_clicks: n("machine_clicks")?,
        });
    }
    Ok(periods)
}

#[cfg(test)]
mod tests {
    use crm_analytics::ReportScope;
    use crm_kernel::UserId;

    use super::*;
    use crate::bson::convert::date;

    fn request(scope: ReportScope) -> CountRequest {
        crate::analytics::query::days_request(0, 1, scope)
    }

    #[test]
    fn unlinked_recipients_count_only_over_everything() {
        let all = pipeline(&request(ReportScope::all())).unwrap();
        let range = request(ReportScope::all()).periods[0];
        assert_eq!(
            all[0],
            doc! { "$match": within("sent_at", range.start, range.end) }
        );
        let owner = UserId::new();
        let mine = pipeline(&request(ReportScope {
            owner_id: Some(owner),
            ..ReportScope::all()
        }))
        .unwrap();
        assert_eq!(
            mine[0],
            doc! { "$match": {
                "sent_at": { "$gte": date(range.start), "$lt": date(range.end) },
                "customer_id": { "$ne": null },
                "customer_owner_id": owner.to_string(),
            } }
        );
        let lookup = all[1].get_document("$lookup").unwrap();
        assert_eq!(lookup.get_str("from").unwrap(), "email_events");
    }

    #[test]
    fn period_sums_are_read_back() {
        let request = request(ReportScope::all());
        let groups = vec![doc! {
            "_id": 0, "sent": 3, "bounced": 1, "opened_human": 1, "opened_any": 2,
            "clicked_human": 0, "clicked_any": 1, "replied": 1, "machine_opens": 4,
            "machine_clicks": 1,
        }];
        let counts = read(&groups, &request).unwrap();
        assert_eq!(counts[0].sent, 3);
        assert_eq!((counts[0].opened_any, counts[0].machine_opens), (2, 4));
    }
}
