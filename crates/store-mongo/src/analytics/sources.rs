//! Where the counters' records come from (ADR 0015, "Ticket counters"):
//! each [`Source`] is the records of one collection that a counter family
//! counts, the instant they are counted at and the expressions of their
//! key, so that a customer's move can carry its records' counts along
//! (grouped by the database, `moves.rs`), a
//! migration can count what exists (`backfill`, which migrations 0010,
//! 0011 and 0013 hold), and a report counts the records of its exact
//! slices, under an hour, with the same expressions ([`exact_pipelines`];
//! email's compute the recipients' facts instead, `email.rs`).
//!
//! A single write says what one document counts as in Rust:
//! [`Counted::interaction`], [`ticket_counts`], [`event_count`] and
//! [`status_change_count`] (all four by collection: [`counts_of`]), which
//! the expressions here mirror (the recount tests compare the two).

use crm_analytics::duration::bucket_of;
use crm_kernel::{BackendError, Timestamp};
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::buckets::{Bucket, SliceRanges, bucket_of_field};
use crate::analytics::counters::{
    CUSTOMERS, Counted, EMAILS, Family, INTERACTIONS, Part, TICKETS, instant,
};
use crate::analytics::email_facts::{KEPT_AT, KEPT_FACTS, recipient_counts};
use crate::analytics::query::{conjunction, minutes_between};
use crate::db::names;

/// A ticket raised (at its `created_at`).
pub(crate) const OPENED: &str = "opened";
/// A ticket's first staff response (at its `first_response_at`).
pub(crate) const FIRST_RESPONSE: &str = "first_response";
/// A resolution (an event to `resolved`).
pub(crate) const RESOLVED: &str = "resolved";
/// A reopening (an event to `reopened`).
pub(crate) const REOPENED: &str = "reopened";

/// The records of `collection` that meet `only`, counted in `family` at
/// their `at` under the key expressions `measure`, each `weight` times; a
/// record that counts several facts holds them in the array `unwind`.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) family: &'static Family,
    pub(crate) collection: &'static str,
    pub(crate) only: Document,
    pub(crate) at: &'static str,
    pub(crate) measure: [Bson; 2],
    pub(crate) unwind: Option<&'static str>,
    pub(crate) weight: Bson,
}

impl Source {
    /// Each record of `collection` that meets `only` counts once.
    fn each(
        family: &'static Family,
        collection: &'static str,
        only: Document,
        at: &'static str,
        measure: [Bson; 2],
    ) -> Self {
        Self {
            family,
            collection,
            only,
            at,
            measure,
            unwind: None,
            weight: Bson::Int32(1),
        }
    }

    /// The stages that count this source's records that `filter` selects
    /// by `bucket` of their instant, their customer's copies and their key
    /// (`{_id: {g, at, c, o, a, b}, n}`, `n` the sum of their weights): what
    /// a customer's move takes away and a migration's backfill counts.
    pub(crate) fn grouped(&self, filter: Document, bucket: Bucket) -> Vec<Document> {
        let mut only = self.only.clone();
        only.insert(self.at, doc! { "$type": "date" });
        let mut pipeline = vec![doc! { "$match": conjunction(vec![filter, only]) }];
        pipeline.extend(
            self.unwind
                .map(|field| doc! { "$unwind": format!("${field}") }),
        );
        pipeline.push(doc! { "$group": {
            "_id": {
                "g": bucket.code(),
                "at": bucket_of_field(bucket, &format!("${}", self.at)),
                "c": { "$ifNull": ["$customer_company_id", Bson::Null] },
                "o": { "$ifNull": ["$customer_owner_id", Bson::Null] },
                "a": self.measure[0].clone(),
                "b": self.measure[1].clone(),
            },
            "n": { "$sum": self.weight.clone() },
        } });
        pipeline
    }

    /// The aggregation, on its collection, that counts this source's
    /// records whose instant `range` selects (one of
    /// `SliceRanges::exact_conditions` on it) and that meet `conditions`,
    /// grouped by `key` of the instant's field and the key expressions:
    /// an exact slice's, read where no counter is exact enough.
    fn exact_pipeline(
        &self,
        range: Document,
        conditions: &[Document],
        key: &impl Fn(&str, &[Bson; 2]) -> Document,
    ) -> (&'static str, Vec<Document>) {
        let mut only = self.only.clone();
        // The range on the instant says that it is one.
        only.remove(self.at);
        let mut all = vec![range];
        all.extend((!only.is_empty()).then_some(only));
        all.extend(conditions.iter().cloned());
        let mut pipeline = vec![doc! { "$match": conjunction(all) }];
        pipeline.extend(
            self.unwind
                .map(|field| doc! { "$unwind": format!("${field}") }),
        );
        pipeline.push(doc! { "$group": {
            "_id": key(self.at, &self.measure),
            "n": { "$sum": self.weight.clone() },
        } });
        (self.collection, pipeline)
    }
}

/// The aggregations of the exact slices of `ranges` over the records of
/// `sources` that meet `conditions`, grouped by `key` (see
/// [`Source::exact_pipeline`]).
pub(crate) fn exact_pipelines(
    sources: impl IntoIterator<Item = Source>,
    ranges: &SliceRanges,
    conditions: &[Document],
    key: impl Fn(&str, &[Bson; 2]) -> Document,
) -> Vec<(&'static str, Vec<Document>)> {
    sources
        .into_iter()
        .flat_map(|source| {
            ranges
                .exact_conditions(source.at)
                .into_iter()
                .map(|range| source.exact_pipeline(range, conditions, &key))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The sources of `family`'s counters.
pub(crate) fn sources_of(family: &Family) -> impl Iterator<Item = Source> + '_ {
    sources()
        .into_iter()
        .filter(move |source| source.family == family)
}

/// Every source of every counter family.
pub(crate) fn sources() -> [Source; 6] {
    let [opened, first_response] = ticket_sources();
    [
        Source::each(
            &INTERACTIONS,
            names::INTERACTIONS,
            Document::new(),
            "date_time",
            [Bson::from("$kind"), Bson::from("$status")],
        ),
        opened,
        first_response,
        event_source(),
        Source::each(
            &CUSTOMERS,
            names::STATUS_CHANGES,
            Document::new(),
            "at",
            [
                doc! { "$ifNull": ["$from", Bson::Null] }.into(),
                Bson::from("$to"),
            ],
        ),
        Source {
            family: &EMAILS,
            collection: names::EMAIL_RECIPIENTS,
            only: doc! { KEPT_AT: { "$type": "date" } },
            at: KEPT_AT,
            measure: [format!("${KEPT_FACTS}.f").into(), Bson::Null],
            unwind: Some(KEPT_FACTS),
            weight: format!("${KEPT_FACTS}.n").into(),
        },
    ]
}

/// The tickets raised, and their first responses.
pub(crate) fn ticket_sources() -> [Source; 2] {
    [
        Source::each(
            &TICKETS,
            names::TICKETS,
            Document::new(),
            "created_at",
            [doc! { "$literal": OPENED }.into(), Bson::Null],
        ),
        Source::each(
            &TICKETS,
            names::TICKETS,
            doc! { "first_response_at": { "$type": "date" } },
            "first_response_at",
            [
                doc! { "$literal": FIRST_RESPONSE }.into(),
                duration_unit(minutes_between("$first_response_at", "$created_at")).into(),
            ],
        ),
    ]
}

/// The resolutions and reopenings.
pub(crate) fn event_source() -> Source {
    Source::each(
        &TICKETS,
        names::TICKET_EVENTS,
        doc! { "to": { "$in": [RESOLVED, REOPENED] } },
        "at",
        [
            Bson::from("$to"),
            doc! { "$cond": [
                { "$eq": ["$to", RESOLVED] },
                duration_unit(minutes_between("$at", "$ticket_created_at")),
                Bson::Null,
            ] }
            .into(),
        ],
    )
}

/// The expression of `bucket_of` (in minutes) of the whole minutes
/// `minutes`, as a long.
fn duration_unit(minutes: Document) -> Document {
    let cut = |unit: i64| doc! { "$multiply": [{ "$floor": { "$divide": ["$$m", unit] } }, unit] };
    doc! { "$toLong": { "$let": {
        "vars": { "m": minutes },
        "in": { "$switch": {
            "branches": [
                { "case": { "$lt": ["$$m", 1_000] }, "then": "$$m" },
                { "case": { "$lt": ["$$m", 10_000] }, "then": cut(10) },
                { "case": { "$lt": ["$$m", 100_000] }, "then": cut(60) },
                { "case": { "$lt": ["$$m", 1_000_000] }, "then": cut(720) },
            ],
            "default": cut(7_200),
        } },
    } } }
}

/// The duration unit of the time from `start` to `end` (none below zero).
fn unit_between(end: Timestamp, start: Timestamp) -> Part {
    let seconds = (end.as_millis() - start.as_millis()).max(0) / 60_000 * 60;
    let unit = bucket_of(u64::try_from(seconds).unwrap_or_default());
    Part::Number(i64::try_from(unit).unwrap_or(i64::MAX))
}

/// What the ticket document `document` counts as: raised, and its first
/// response when it has one.
pub(crate) fn ticket_counts(document: &Document) -> Result<Vec<Counted>, BackendError> {
    let created = instant(document, "created_at", "a ticket")?;
    let counted = |at, measure| Counted::of(&TICKETS, document, at, measure);
    let mut out = vec![counted(created, [Part::Text(OPENED.into()), Part::Null])?];
    if !matches!(document.get("first_response_at"), None | Some(Bson::Null)) {
        let at = instant(document, "first_response_at", "a ticket")?;
        out.push(counted(
            at,
            [Part::Text(FIRST_RESPONSE.into()), unit_between(at, created)],
        )?);
    }
    Ok(out)
}

/// What the ticket event document `document` counts as: a resolution or a
/// reopening, or nothing.
pub(crate) fn event_count(document: &Document) -> Result<Option<Counted>, BackendError> {
    let to = document
        .get_str("to")
        .map_err(|_| BackendError::msg("a ticket event without its status"))?;
    let duration = match to {
        RESOLVED => unit_between(
            instant(document, "at", "a ticket event")?,
            instant(document, "ticket_created_at", "a ticket event")?,
        ),
        REOPENED => Part::Null,
        _ => return Ok(None),
    };
    let at = instant(document, "at", "a ticket event")?;
    Counted::of(
        &TICKETS,
        document,
        at,
        [Part::Text(to.to_owned()), duration],
    )
    .map(Some)
}

/// What the customer status change document `document` counts as: a
/// change from its status (none for a customer's creation) to its status.
pub(crate) fn status_change_count(document: &Document) -> Result<Counted, BackendError> {
    let from = Part::of(document.get("from"))?;
    let to = document
        .get_str("to")
        .map_err(|_| BackendError::msg("a status change without its status"))?;
    let at = instant(document, "at", "a status change")?;
    Counted::of(&CUSTOMERS, document, at, [from, Part::Text(to.to_owned())])
}

/// Whether counters count documents of `collection`.
pub(crate) fn counted(collection: &str) -> bool {
    sources()
        .iter()
        .any(|source| source.collection == collection)
}

/// What a document of `collection` counts as, in every family, each with
/// its weight (nothing for a collection no counter counts): for writes that
/// restore or delete documents of any collection (an import batch taken
/// back).
pub(crate) fn counts_of(
    collection: &str,
    document: &Document,
) -> Result<Vec<(Counted, i64)>, BackendError> {
    let once = |counted: Vec<Counted>| counted.into_iter().map(|c| (c, 1)).collect();
    Ok(match collection {
        names::INTERACTIONS => once(vec![Counted::interaction(document)?]),
        names::TICKETS => once(ticket_counts(document)?),
        names::TICKET_EVENTS => once(event_count(document)?.into_iter().collect()),
        names::STATUS_CHANGES => once(vec![status_change_count(document)?]),
        names::EMAIL_RECIPIENTS => recipient_counts(document)?,
        _ => Vec::new(),
    })
}

/// The aggregations that count what exists into `family`'s counters
/// (the commands of its migration after the indexes): per source, the
/// keyed hour and day counters; then the totals per hour, day and month,
/// summed from the keyed hour counters. Each counter the aggregations
/// reach is replaced by its recount.
#[cfg(test)]
pub(crate) fn backfill(family: &'static Family) -> Vec<Document> {
    let id_part = |path: &str| doc! { "$ifNull": [{ "$toString": path }, ""] };
    let hour_text = doc! { "$dateToString": { "date": "$_id.at", "format": "%Y-%m-%dT%H" } };
    let [a, b] = family.fields;
    let mut out = Vec::new();
    for source in sources_of(family) {
        for bucket in [Bucket::Hour, Bucket::Day] {
            let mut pipeline = source.grouped(Document::new(), bucket);
            pipeline.extend([
                doc! { "$project": {
                    "_id": { "$concat": [
                        "$_id.g", "|", hour_text.clone(), "|",
                        id_part("$_id.c"), "|", id_part("$_id.o"), "|",
                        id_part("$_id.a"), "|", id_part("$_id.b"),
                    ] },
                    "g": "$_id.g",
                    "at": "$_id.at",
                    "c": "$_id.c",
                    "o": "$_id.o",
                    a: "$_id.a",
                    b: "$_id.b",
                    "n": 1,
                } },
                merge(family.keyed),
            ]);
            out.push(aggregate(source.collection, pipeline));
        }
    }
    for bucket in [Bucket::Hour, Bucket::Day, Bucket::Month] {
        out.push(aggregate(
            family.keyed,
            vec![
                doc! { "$match": { "g": Bucket::Hour.code() } },
                doc! { "$group": {
                    "_id": {
                        "g": bucket.code(),
                        "at": bucket_of_field(bucket, "$at"),
                        "a": format!("${a}"),
                        "b": format!("${b}"),
                    },
                    "n": { "$sum": "$n" },
                } },
                doc! { "$project": {
                    "_id": { "$concat": [
                        "$_id.g", "|", hour_text.clone(), "|",
                        id_part("$_id.a"), "|", id_part("$_id.b"),
                    ] },
                    "g": "$_id.g",
                    "at": "$_id.at",
                    a: "$_id.a",
                    b: "$_id.b",
                    "n": 1,
                } },
                merge(family.totals),
            ],
        ));
    }
    out
}

#[cfg(test)]
fn aggregate(collection: &str, pipeline: Vec<Document>) -> Document {
    doc! { "aggregate": collection, "pipeline": pipeline, "cursor": {} }
}

#[cfg(test)]
fn merge(into: &str) -> Document {
    doc! { "$merge": {
        "into": into, "on": "_id", "whenMatched": "replace", "whenNotMatched": "insert",
    } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bson::convert::date;
    use crate::db::migration_files::MIGRATIONS;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    /// A command as plain JSON (the file's numbers have no BSON width).
    fn json(command: Document) -> serde_json::Value {
        Bson::Document(command).into_relaxed_extjson()
    }

    #[test]
    fn migrations_0010_0011_and_0013_count_what_the_sources_say() {
        for (version, family) in [(10, &TICKETS), (11, &CUSTOMERS), (13, &EMAILS)] {
            let migration = MIGRATIONS.iter().find(|m| m.version == version).unwrap();
            let aggregations: Vec<serde_json::Value> = migration
                .commands()
                .unwrap()
                .into_iter()
                .filter(|command| command.contains_key("aggregate"))
                .map(json)
                .collect();
            let mut expected = Vec::new();
            if family == &EMAILS {
                // The recipients' facts first.
                expected.push(json(crate::analytics::email_facts::backfill_facts()));
            }
            expected.extend(backfill(family).into_iter().map(json));
            assert_eq!(aggregations, expected, "migration {version}");
        }
    }

    #[test]
    fn a_status_change_counts_by_the_statuses_it_changed_from_and_to() {
        let change = |from: Bson| {
            doc! {
                "from": from,
                "to": "customer",
                "at": date(at("2026-03-01T10:00:00Z")),
                "customer_company_id": Bson::Null,
                "customer_owner_id": "u",
            }
        };
        let first = status_change_count(&change(Bson::Null)).unwrap();
        assert_eq!(first.measure, [Part::Null, Part::Text("customer".into())]);
        let won = status_change_count(&change("prospect".into())).unwrap();
        assert_eq!(
            won.measure,
            [Part::Text("prospect".into()), Part::Text("customer".into())]
        );
        assert_eq!(won.owner.as_deref(), Some("u"));
        assert_eq!(
            counts_of(names::STATUS_CHANGES, &change(Bson::Null)).unwrap(),
            [(first, 1)]
        );
        assert!(counted(names::STATUS_CHANGES) && counted(names::TICKET_EVENTS));
        assert!(!counted(names::CUSTOMERS));
    }

    #[test]
    fn durations_count_in_their_histogram_unit() {
        let raised = at("2026-03-01T10:00:00Z");
        let cases = [
            ("2026-03-01T10:00:59Z", 0),
            ("2026-03-01T09:00:00Z", 0),
            ("2026-03-01T12:30:30Z", 150),
            // 1,234 minutes: units of 10 from 1,000.
            ("2026-03-02T06:34:00Z", 1_230),
            // A week: whole hours stay exact.
            ("2026-03-08T10:00:00Z", 10_080),
        ];
        for (end, unit) in cases {
            assert_eq!(unit_between(at(end), raised), Part::Number(unit), "{end}");
        }
    }

    #[test]
    fn a_ticket_counts_as_raised_and_answered_and_its_events_as_transitions() {
        let ticket = doc! {
            "created_at": date(at("2026-03-01T10:00:00Z")),
            "first_response_at": date(at("2026-03-01T11:30:00Z")),
            "customer_company_id": "c",
            "customer_owner_id": Bson::Null,
        };
        let counts = ticket_counts(&ticket).unwrap();
        assert_eq!(counts.len(), 2);
        assert_eq!(counts[0].measure, [Part::Text(OPENED.into()), Part::Null]);
        assert_eq!(counts[1].at, at("2026-03-01T11:30:00Z"));
        assert_eq!(
            counts[1].measure,
            [Part::Text(FIRST_RESPONSE.into()), Part::Number(90)]
        );
        assert_eq!(counts[1].company.as_deref(), Some("c"));
        let mut unanswered = ticket.clone();
        unanswered.insert("first_response_at", Bson::Null);
        assert_eq!(ticket_counts(&unanswered).unwrap().len(), 1);

        let event = |to: &str| {
            doc! {
                "to": to,
                "at": date(at("2026-03-03T10:00:00Z")),
                "ticket_created_at": date(at("2026-03-01T10:00:00Z")),
                "customer_company_id": Bson::Null,
                "customer_owner_id": "u",
            }
        };
        let resolved = event_count(&event(RESOLVED)).unwrap().unwrap();
        assert_eq!(
            resolved.measure,
            [Part::Text(RESOLVED.into()), Part::Number(2_880)]
        );
        assert_eq!(resolved.owner.as_deref(), Some("u"));
        let reopened = event_count(&event(REOPENED)).unwrap().unwrap();
        assert_eq!(reopened.measure, [Part::Text(REOPENED.into()), Part::Null]);
        assert_eq!(event_count(&event("in_progress")).unwrap(), None);
    }
}
