//! An email recipient's report facts (ADR 0015, "Email counters"): what it
//! counts as once sent, which depends on all its events (an open found to
//! be a scanner's stops counting as a person's), so the recipient keeps the
//! facts it is counted with (`report_facts`, at `report_at`) and every write
//! that can change them recounts it: when the facts differ, the kept ones
//! are taken away from the counters and the new ones added.
//!
//! Facts, each once per recipient: `sent`; `bounced` (its status);
//! `opened_human`, `opened_any`, `clicked_human`, `clicked_any` (at least
//! one open or click classified `human`, of any class); `replied`; and as
//! many as it had: `machine_opens`, `machine_clicks` (classified a privacy
//! proxy or a scanner). Facts that are zero are left out.

use crm_kernel::BackendError;
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::counters::{Counted, EMAILS, Part, Tally, instant};
use crate::analytics::query::{count_of, one_if};
use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::names;
use crate::db::ops::aggregate_all;

/// The recipient's kept facts: `[{f, n}]`.
pub(crate) const KEPT_FACTS: &str = "report_facts";
/// The instant its kept facts are counted at (when it was sent).
pub(crate) const KEPT_AT: &str = "report_at";

const HUMAN: &[&str] = &["human"];
const MACHINE: &[&str] = &["privacy_proxy", "scanner"];

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

/// The stages that compute the facts of the recipients sent to that
/// `filter` selects: `{_id, report_at, report_facts}` each, the events
/// counted by recipient inside the database (`email_events_by_recipient`).
pub(crate) fn facts_pipeline(filter: Document) -> Vec<Document> {
    let mut only = filter;
    if !only.contains_key("sent_at") {
        only.insert("sent_at", doc! { "$type": "date" });
    }
    let fact = |name: &str, n: Bson| doc! { "f": name, "n": n };
    vec![
        doc! { "$match": only },
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
                    "human_opens": { "$sum": one_if(event_of("opened", Some(HUMAN))) },
                    "machine_opens": { "$sum": one_if(event_of("opened", Some(MACHINE))) },
                    "clicks": { "$sum": one_if(event_of("clicked", None)) },
                    "human_clicks": { "$sum": one_if(event_of("clicked", Some(HUMAN))) },
                    "machine_clicks": { "$sum": one_if(event_of("clicked", Some(MACHINE))) },
                    "replies": { "$sum": one_if(event_of("replied", None)) },
                } },
            ],
            "as": "events",
        } },
        doc! { "$unwind": { "path": "$events", "preserveNullAndEmptyArrays": true } },
        doc! { "$project": {
            KEPT_AT: "$sent_at",
            KEPT_FACTS: { "$filter": {
                "input": [
                    fact("sent", Bson::Int32(1)),
                    fact("bounced", one_if(doc! { "$eq": ["$status", "bounced"] }).into()),
                    fact("opened_human", any("human_opens").into()),
                    fact("opened_any", any("opens").into()),
                    fact("clicked_human", any("human_clicks").into()),
                    fact("clicked_any", any("clicks").into()),
                    fact("replied", any("replies").into()),
                    fact("machine_opens", doc! { "$ifNull": ["$events.machine_opens", 0] }.into()),
                    fact("machine_clicks", doc! { "$ifNull": ["$events.machine_clicks", 0] }.into()),
                ],
                "cond": { "$gt": ["$$this.n", 0] },
            } },
        } },
    ]
}

/// The facts a recipient document (or a computed one) holds, with
/// its customer's copies from `copies`: each fact with its weight.
fn facts_of(facts: &Document, copies: &Document) -> Result<Vec<(Counted, i64)>, BackendError> {
    if matches!(facts.get(KEPT_AT), None | Some(Bson::Null)) {
        return Ok(Vec::new());
    }
    let at = instant(facts, KEPT_AT, "a recipient's kept facts")?;
    let list = facts
        .get_array(KEPT_FACTS)
        .map_err(|_| BackendError::msg("a recipient's kept facts without their list"))?;
    list.iter()
        .map(|item| {
            let item = item
                .as_document()
                .ok_or_else(|| BackendError::msg("a kept fact is no document"))?;
            let name = item
                .get_str("f")
                .map_err(|_| BackendError::msg("a kept fact without its name"))?;
            let n = i64::try_from(count_of(item.get("n"), name)?).map_err(BackendError::new)?;
            let measure = [Part::Text(name.to_owned()), Part::Null];
            Ok((Counted::of(&EMAILS, copies, at, measure)?, n))
        })
        .collect()
}

/// What the recipient document `document` is counted as: its kept facts.
pub(crate) fn recipient_counts(document: &Document) -> Result<Vec<(Counted, i64)>, BackendError> {
    facts_of(document, document)
}

impl MongoStore {
    /// Recounts recipient `id` in the session's transaction: computes its
    /// facts from it and its events and, when they differ from the kept
    /// ones, moves the counters and keeps the new ones.
    pub(crate) async fn recount_recipient<R>(
        &self,
        session: &mut ClientSession,
        id: &str,
    ) -> Result<(), DbError<R>> {
        let recipients = self.collection(names::EMAIL_RECIPIENTS);
        let Some(kept) = recipients
            .find_one(doc! { "_id": id })
            .projection(doc! {
                KEPT_AT: 1,
                KEPT_FACTS: 1,
                "customer_company_id": 1,
                "customer_owner_id": 1,
            })
            .session(&mut *session)
            .await?
        else {
            return Ok(());
        };
        let computed = aggregate_all(
            &recipients,
            facts_pipeline(doc! { "_id": id }),
            Some(&mut *session),
        )
        .await?
        .pop()
        .unwrap_or_default();
        let same = |field: &str| kept.get(field) == computed.get(field);
        if same(KEPT_AT) && same(KEPT_FACTS) {
            return Ok(());
        }
        let mut tally = Tally::default();
        tally.add_weighted(&facts_of(&kept, &kept)?, -1);
        tally.add_weighted(&facts_of(&computed, &kept)?, 1);
        let keep = doc! {
            KEPT_AT: computed.get(KEPT_AT).cloned().unwrap_or(Bson::Null),
            KEPT_FACTS: computed.get(KEPT_FACTS).cloned().unwrap_or(Bson::Array(Vec::new())),
        };
        recipients
            .update_one(doc! { "_id": id }, doc! { "$set": keep })
            .session(&mut *session)
            .await?;
        self.write_tally(Some(session), &tally).await
    }
}

/// The aggregation that keeps the facts of every recipient sent to (the
/// first of migration 0013's, before the counters are counted from them).
#[cfg(test)]
pub(crate) fn backfill_facts() -> Document {
    let mut pipeline = facts_pipeline(Document::new());
    pipeline.push(doc! { "$merge": {
        "into": names::EMAIL_RECIPIENTS,
        "on": "_id",
        "whenMatched": "merge",
        "whenNotMatched": "discard",
    } });
    doc! { "aggregate": names::EMAIL_RECIPIENTS, "pipeline": pipeline, "cursor": {} }
}
